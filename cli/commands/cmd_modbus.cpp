// `trk modbus scan|write`: find Modbus devices and read their registers every way there is
// (modbus_scan.cpp), and set one coil or holding register, checked by reading it back.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adapters/modbus_bus.hpp"
#include "adapters/modbus_map.hpp"
#include "diagnostics.hpp"
#include "modbus.hpp"
#include "modbus_options.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "signals.hpp"
#include "track/error.hpp"
#include "track/number.hpp"

namespace cli {

namespace mb = adapters::modbus;

namespace {

// The first digit of each table's reference notation: 0xxxx coil, 1xxxx discrete, ...
constexpr char reference_digits[] = {'0', '1', '3', '4'};

mb::Table parse_table_name(std::string_view text) {
    if (const auto table = mb::parse_table(text)) return *table;
    throw track::UsageError(fmt::format("--table: '{}' is not a table; use coil, discrete, input or holding", text));
}

// One address of --address: 0-based with a table, else reference notation naming it.
std::pair<mb::Table, std::uint16_t> parse_address(std::string_view whole, std::string_view text,
                                                  std::optional<mb::Table> table) {
    const auto number = track::parse_uint(text);
    if (table) {
        if (!number || *number > 65535) {
            throw track::UsageError(fmt::format("--address: '{}' is not an address (0 to 65535)", whole));
        }
        // As in a map: "00017" is a reference copied from a manual, not address 17.
        if (text.size() > 1 && text.front() == '0') {
            throw track::UsageError(
                fmt::format("--address: '{}' looks like a 1-based reference: give the 0-based address without leading "
                            "zeros, or the reference without --table",
                            whole));
        }
        return {*table, static_cast<std::uint16_t>(*number)};
    }
    // 5 digits: table digit and 0001-9999; 6 digits: table digit and 00001-65536.
    const std::size_t digits = text.size();
    const auto first = std::string_view(reference_digits, 4).find(text.empty() ? 'x' : text[0]);
    const int limit = digits == 5 ? 9999 : 65536;
    const int offset = number ? track::parse_uint(text.substr(1)).value_or(0) : 0;  // 0: not a reference
    if ((digits != 5 && digits != 6) || first == std::string_view::npos || offset < 1 || offset > limit) {
        throw track::UsageError(
            fmt::format("--address: '{}' is not a reference (40001 = holding 0, 30001 = input 0, 10001 = discrete 0, "
                        "00001 = coil 0); with --table give the 0-based address",
                        whole));
    }
    return {static_cast<mb::Table>(first), static_cast<std::uint16_t>(offset - 1)};
}

}  // namespace

RegisterRange parse_register_range(std::string_view text, std::string_view table_text) {
    std::optional<mb::Table> table;
    if (!table_text.empty()) table = parse_table_name(table_text);
    const auto dash = text.find('-');
    const auto [first_table, first] = parse_address(text, text.substr(0, dash), table);
    const auto [last_table, last] = dash == std::string_view::npos ? std::pair{first_table, first}
                                                                   : parse_address(text, text.substr(dash + 1), table);
    if (last_table != first_table) {
        throw track::UsageError(fmt::format("--address: '{}' spans two tables", text));
    }
    if (last < first) throw track::UsageError(fmt::format("--address: '{}' ends before it starts", text));
    return {first_table, first, last};
}

std::string reference(mb::Table table, std::uint16_t address) {
    const char digit = reference_digits[static_cast<int>(table)];
    if (address < 9999) return fmt::format("{}{:04}", digit, address + 1);
    return fmt::format("{}{:05}", digit, address + 1);
}

int parse_unit_id(std::string_view text, const mb::BusOptions& bus) {
    const auto unit = track::parse_uint(text);
    if (!unit || *unit > 255) throw track::UsageError(fmt::format("--unit: '{}' is not a unit id (0 to 255)", text));
    if (*unit == 0 && !bus.device.empty()) {
        throw track::UsageError("--unit: 0 is the broadcast address on a serial line, and no device answers it");
    }
    return *unit;
}

namespace {

struct WriteOptions {
    BusArgs bus;
    std::string unit;
    std::string table;
    std::string address;
    std::string type;
    std::string order = "ABCD";
    std::string value;
    bool verbose = false;
    // Checked by check():
    mb::BusOptions bus_options;
    int unit_id = 1;
    mb::Table target = mb::Table::holding;
    std::uint16_t first = 0;
    mb::Type value_type;
    mb::Order value_order = mb::Order::abcd;
    std::vector<std::uint16_t> registers;  ///< what is written, and what must read back
};

// A bool: 0/1, true/false, on/off.
double parse_bool(std::string_view text) {
    std::string lower(text);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "1" || lower == "true" || lower == "on") return 1;
    if (lower == "0" || lower == "false" || lower == "off") return 0;
    throw track::UsageError(fmt::format("VALUE: '{}' is not a bool; use 0, 1, true, false, on or off", text));
}

// --type for a write to `table`: bool by default for a coil (its only type), required for
// a holding register; no strings (a value here is a number).
mb::Type write_type(std::string_view text, mb::Table table) {
    if (text.empty()) {
        if (table == mb::Table::coil) return {mb::Kind::boolean, 0};
        throw track::UsageError("--type: give the register's type (uint16, int16, int32, float32, ...)");
    }
    const auto type = mb::parse_type(text);
    if (!type) {
        throw track::UsageError(
            fmt::format("--type: '{}' is not a type; use bool, int16, uint16, int32, uint32, int64, "
                        "uint64, float32 or float64",
                        text));
    }
    if (type->kind == mb::Kind::string) {
        throw track::UsageError("--type: string registers are not written by trk modbus write");
    }
    if (table == mb::Table::coil && type->kind != mb::Kind::boolean) {
        throw track::UsageError(fmt::format("--type: coils are bool, not {}", text));
    }
    return *type;
}

// The setup step of write: everything is checked, and the value encoded, before any bus
// is opened.
void check(WriteOptions& o) {
    o.bus_options = to_bus_options(o.bus);
    o.unit_id = parse_unit_id(o.unit, o.bus_options);
    const RegisterRange range = parse_register_range(o.address, o.table);
    if (range.count() != 1) throw track::UsageError(fmt::format("--address: '{}': write takes one address", o.address));
    o.target = range.table;
    o.first = range.first;
    if (o.target == mb::Table::input || o.target == mb::Table::discrete) {
        throw track::UsageError(
            fmt::format("the {} table is read-only: Modbus writes coils and holding registers", mb::name(o.target)));
    }
    o.value_type = write_type(o.type, o.target);
    const auto order = mb::parse_order(o.order);
    if (!order) {
        throw track::UsageError(fmt::format("--order: '{}' is not an order; use ABCD, CDAB, BADC or DCBA", o.order));
    }
    o.value_order = *order;
    if (o.first + o.value_type.registers() - 1 > 65535) {
        throw track::UsageError(
            fmt::format("--address: a {} at {} runs past register 65535", mb::to_string(o.value_type), o.first));
    }
    const auto number = o.value_type.kind == mb::Kind::boolean ? parse_bool(o.value) : track::parse_decimal(o.value);
    if (!number) {
        throw track::UsageError(fmt::format(
            "VALUE: '{}' is not a number (digits, an optional sign and point, at most 15 digits)", o.value));
    }
    try {
        o.registers = mb::encode(o.value_type, o.value_order, *number);
    } catch (const track::UsageError& e) {  // the value does not fit the type
        throw track::UsageError(fmt::format("VALUE: {}", e.what()));
    }
}

// The value read back, as the user wrote it: a float32 with float precision ("0.1", not
// "0.10000000149011612").
std::string value_text(const mb::Type& type, const mb::Value& value) {
    if (type.kind == mb::Kind::float32) return fmt::format("{}", static_cast<float>(value.number));
    return fmt::format("{}", value.number);
}

int run_write(const WriteOptions& o) {
    Diagnostics diagnostics("modbus write", false);
    mb::BusOptions options = o.bus_options;
    options.stop = &stop_on_signals();
    options.on_status = [&diagnostics](std::string_view m) { diagnostics.note(m); };
    options.verbose = o.verbose;
    mb::Bus bus(std::move(options));  // DeviceError (69) when it cannot be reached
    const std::string where = fmt::format("{} {} of unit {}", mb::name(o.target), o.first, o.unit_id);
    const mb::Response written = bus.write(o.unit_id, o.target, o.first, o.registers);
    if (written.outcome != mb::Outcome::ok) {
        throw track::DeviceError(fmt::format("{} was not written: {}", where, written.message));
    }
    const auto count = static_cast<std::uint16_t>(o.registers.size());
    const mb::Response back = bus.read(o.unit_id, o.target, o.first, count);
    if (back.outcome != mb::Outcome::ok) {
        throw track::DeviceError(
            fmt::format("wrote {} to {}, but reading it back failed: {}", o.value, where, back.message));
    }
    const std::string now = value_text(o.value_type, mb::decode(o.value_type, o.value_order, back.data));
    if (back.data != o.registers)
        throw track::DeviceError(fmt::format("wrote {} to {}, reads back {}", o.value, where, now));
    Output out;
    fmt::format_to(std::back_inserter(out.buffer()), "took it: {} now reads {}\n", where, now);
    out.flush();
    return 0;
}

void add_modbus_write_command(CLI::App& modbus, Invocation& chosen) {
    auto options = std::make_shared<WriteOptions>();
    WriteOptions& o = *options;
    auto* write = modbus.add_subcommand(
        "write", "Set one coil or holding register, read it back and say whether the device took it");
    add_bus_options(*write, o.bus);
    write->add_option("--unit", o.unit, "The device's unit (slave) id")->type_name("ID")->required();
    write->add_option("--table", o.table, "coil or holding (omit with reference notation: 40001 = holding 0)")
        ->type_name("TABLE");
    write->add_option("--address", o.address, "0-based address with --table, or reference notation (40101)")
        ->type_name("ADDRESS")
        ->required();
    write
        ->add_option("--type", o.type,
                     "How the value is held: bool (coils, the default there), int16, uint16, "
                     "int32, uint32, int64, uint64, float32, float64")
        ->type_name("TYPE");
    write->add_option("--order", o.order, "Byte and word order of multi-register types: ABCD, CDAB, BADC, DCBA")
        ->type_name("ORDER")
        ->default_str("ABCD");
    write->add_option("VALUE", o.value, "The value: a number, or for a coil 0, 1, true, false, on, off")->required();
    write->add_flag("-v,--verbose", o.verbose, "Say how the bus was opened");
    write->callback([options, &chosen] {
        check(*options);
        chosen = {"modbus write", [options] { return run_write(*options); }};
    });
}

}  // namespace

void add_modbus_command(CLI::App& trk, Invocation& chosen) {
    auto* modbus = trk.add_subcommand(
        "modbus", "Find Modbus devices and read their registers every way (scan); set a coil or register (write)");
    modbus->require_subcommand(1);
    add_modbus_scan_command(*modbus, chosen);
    add_modbus_write_command(*modbus, chosen);
}

}  // namespace cli
