// `trk modbus scan`: which unit ids answer on a bus, and a register range read every way
// there is (int16, uint16, ASCII, 32-bit integers and floats in the four orders), so that
// the right type and order can be read off against the machine's own display. Never writes.
#include <memory>
#include <optional>
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
#include "report.hpp"
#include "signals.hpp"
#include "track/error.hpp"
#include "track/number.hpp"

namespace cli {

namespace mb = adapters::modbus;

namespace {

// Gateway exceptions: the gateway answered for a unit id that is not there.
constexpr int gateway_path_unavailable = 10;
constexpr int gateway_target_failed = 11;

struct ScanOptions {
    BusArgs bus;
    std::string units = "1-247";
    std::string unit;
    std::string table;
    std::string address;
    std::string format;
    bool verbose = false;
    // Checked by check():
    mb::BusOptions bus_options;
    int first_unit = 1;
    int last_unit = 247;
    std::optional<RegisterRange> registers;  ///< set: read these registers of unit_id
    int unit_id = 1;
    ReportFormat report = ReportFormat::table;
};

// One register (or coil) of a range: its value, or why it could not be read.
struct Cell {
    bool read = false;
    std::uint16_t value = 0;
    std::string error;
};

void check(ScanOptions& o, const CLI::App& scan) {
    const bool reading = !o.address.empty() || !o.unit.empty() || !o.table.empty();
    // Probing many ids wants a short wait and no retries; a register read the usual ones.
    if (reading && scan.get_option("--timeout")->count() == 0) o.bus.timeout = "1s";
    if (reading && scan.get_option("--retries")->count() == 0) o.bus.retries = "1";
    o.bus_options = to_bus_options(o.bus);
    o.report = report_format(o.format);
    if (!reading) {
        const auto dash = o.units.find('-');
        const std::string_view text = o.units;
        const auto first = track::parse_uint(text.substr(0, dash));
        const auto last = dash == std::string::npos ? first : track::parse_uint(text.substr(dash + 1));
        if (!first || !last || *first < 1 || *last > 247 || *last < *first) {
            throw track::UsageError(
                fmt::format("--units: '{}' is not a range of unit ids from 1 to 247 (examples: 1-247, 5)", o.units));
        }
        o.first_unit = *first;
        o.last_unit = *last;
        return;
    }
    if (scan.get_option("--units")->count() > 0) {
        throw track::UsageError("--units probes unit ids; --unit, --table and --address read registers: not both");
    }
    if (o.address.empty())
        throw track::UsageError("--address: give the registers to read (0-9 with --table, 40001-40010)");
    if (o.unit.empty()) throw track::UsageError("--unit: give the unit id whose registers to read");
    o.unit_id = parse_unit_id(o.unit, o.bus_options);
    o.registers = parse_register_range(o.address, o.table);
}

// --- unit ids ---

// One row per unit id that answered. The progress line ends with the function, before the
// table is written.
std::vector<Row> probe_units(const ScanOptions& o, mb::Bus& bus, const std::atomic<bool>& stop) {
    Progress progress("modbus scan", "unit ids");
    std::vector<Row> rows;
    const int total = o.last_unit - o.first_unit + 1;
    for (int unit = o.first_unit; unit <= o.last_unit && !stop.load(); ++unit) {
        progress.step(static_cast<std::uint64_t>(unit - o.first_unit), static_cast<std::uint64_t>(total));
        const mb::Response r = bus.read(unit, mb::Table::holding, 0, 1);
        Row row{Field::integer("unit_id", unit)};
        switch (r.outcome) {
            case mb::Outcome::ok:
                row.push_back(Field::string("answer", "registers"));
                row.push_back(Field::integer("holding_0", r.data.at(0)));
                row.push_back(
                    Field::string("detail", fmt::format("holding 0 = {} (0x{:04X})", r.data.at(0), r.data.at(0))));
                break;
            case mb::Outcome::exception:
                if (r.exception_code == gateway_path_unavailable || r.exception_code == gateway_target_failed) continue;
                row.push_back(Field::string("answer", "exception"));
                row.push_back(Field::integer("exception", r.exception_code));
                row.push_back(Field::string("detail", r.message));
                break;
            case mb::Outcome::damaged:
                row.push_back(Field::string("answer", "damaged"));
                row.push_back(Field::string("detail", r.message));
                break;
            case mb::Outcome::bus_lost:  // the bus said so on standard error
            case mb::Outcome::timeout: continue;
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

// --- registers ---

// Reads `count` registers from `first` into `cells` (indexed from `base`). A range the
// device refuses as a whole (an illegal address in it) is halved until the readable
// registers are read and the refused ones are marked, each with the device's answer.
void read_span(mb::Bus& bus, const ScanOptions& o, std::uint16_t first, unsigned count, std::vector<Cell>& cells,
               const std::atomic<bool>& stop) {
    const RegisterRange& range = *o.registers;
    if (stop.load()) return;
    const mb::Response r = bus.read(o.unit_id, range.table, first, static_cast<std::uint16_t>(count));
    const bool refused = r.outcome == mb::Outcome::exception && (r.exception_code == 2 || r.exception_code == 3);
    if (refused && count > 1) {
        const unsigned half = count / 2;
        read_span(bus, o, first, half, cells, stop);
        read_span(bus, o, static_cast<std::uint16_t>(first + half), count - half, cells, stop);
        return;
    }
    for (unsigned i = 0; i < count; ++i) {
        Cell& cell = cells[first + i - range.first];
        if (r.outcome == mb::Outcome::ok && i < r.data.size()) {
            cell = {true, r.data[i], {}};
        } else {
            cell = {false, 0, r.outcome == mb::Outcome::ok ? "short answer" : r.message};
        }
    }
}

std::string float_text(float value) { return fmt::format("{}", value); }
std::string float_json(float value) { return std::isfinite(value) ? fmt::format("{}", value) : "null"; }

// The 16-bit columns of a register: the same in every format.
void add_sixteen(Row& row, const mb::Interpretations& in) {
    row.push_back(Field::integer("uint16", in.raw));
    row.push_back(Field::string("hex", fmt::format("0x{:04X}", in.raw)));
    row.push_back(Field::integer("int16", in.int16));
    row.push_back(Field::string("ascii", in.ascii));
}

void add_thirty_two(Row& row, const mb::Interpretations::ThirtyTwo& t, std::string_view suffix) {
    row.push_back(Field::integer(fmt::format("int32{}", suffix), t.int32));
    row.push_back(Field::integer(fmt::format("uint32{}", suffix), t.uint32));
    row.push_back(Field::raw(fmt::format("float32{}", suffix), float_text(t.float32), float_json(t.float32)));
}

// "_abcd": the column suffix of an order in JSON Lines and CSV.
std::string order_suffix(mb::Order order) {
    std::string suffix = fmt::format("_{}", mb::name(order));
    for (char& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return suffix;
}

// A table cell left blank (not even "-"): the stacked lines of one register. JSON Lines and
// CSV never see it.
Field blank(std::string name) { return Field::raw(std::move(name), " ", ""); }

// The rows of one register that was read: one row, or on a terminal (`stacked`) one line
// per order with the 16-bit columns on the first.
void add_register_rows(std::vector<Row>& rows, Row row, const mb::Interpretations& in, bool stacked) {
    add_sixteen(row, in);
    if (!stacked) {
        for (const auto& t : in.thirty_two) add_thirty_two(row, t, order_suffix(t.order));
        rows.push_back(std::move(row));
        return;
    }
    row.push_back(blank("error"));
    for (const auto& t : in.thirty_two) {
        row.push_back(Field::string("order", mb::name(t.order)));
        add_thirty_two(row, t, "");
        rows.push_back(std::move(row));
        // The next order's row: its 16-bit columns stay blank.
        row = {blank("address"), blank("reference"), blank("uint16"), blank("hex"),
               blank("int16"),   blank("ascii"),     blank("error")};
    }
    if (in.thirty_two.empty()) rows.push_back(std::move(row));
}

// The columns of a register range: on a terminal the four orders of a register stacked on
// four lines (the ORDER column), so that the table fits; in JSON Lines and CSV one row per
// register with every interpretation in its own column. The error column comes last.
std::vector<std::string> range_columns(bool bits, bool stacked) {
    std::vector<std::string> columns{"address", "reference"};
    if (bits) {
        columns.emplace_back("value");
    } else if (stacked) {
        for (const char* c : {"uint16", "hex", "int16", "ascii", "order", "int32", "uint32", "float32"}) {
            columns.emplace_back(c);
        }
    } else {
        for (const char* c : {"uint16", "hex", "int16", "ascii"}) columns.emplace_back(c);
        for (const mb::Order order : {mb::Order::abcd, mb::Order::cdab, mb::Order::badc, mb::Order::dcba}) {
            for (const char* kind : {"int32", "uint32", "float32"}) columns.push_back(kind + order_suffix(order));
        }
    }
    columns.emplace_back("error");
    return columns;
}

int run_registers(const ScanOptions& o, mb::Bus& bus, const std::atomic<bool>& stop) {
    const RegisterRange& range = *o.registers;
    const bool bits = mb::is_bit_table(range.table);
    const unsigned chunk = bits ? mb::max_bits_per_request : mb::max_registers_per_request;
    std::vector<Cell> cells(range.count());
    for (unsigned done = 0; done < range.count() && !stop.load(); done += chunk) {
        read_span(bus, o, static_cast<std::uint16_t>(range.first + done), std::min(chunk, range.count() - done), cells,
                  stop);
    }
    const bool stacked = o.report == ReportFormat::table && !bits;
    std::vector<Row> rows;
    bool any_error = false;
    bool any_read = false;
    for (unsigned i = 0; i < cells.size(); ++i) {
        const auto address = static_cast<std::uint16_t>(range.first + i);
        const Cell& cell = cells[i];
        Row row{Field::integer("address", address), Field::string("reference", mb::to_reference(range.table, address))};
        if (!cell.read) {
            any_error = true;
            row.push_back(Field::string("error", cell.error));
            rows.push_back(std::move(row));
            continue;
        }
        any_read = true;
        if (bits) {
            row.push_back(Field::integer("value", cell.value));
            rows.push_back(std::move(row));
            continue;
        }
        std::vector<std::uint16_t> pair{cell.value};
        if (i + 1 < cells.size() && cells[i + 1].read) pair.push_back(cells[i + 1].value);
        add_register_rows(rows, std::move(row), mb::interpret(pair), stacked);
    }
    std::vector<std::string> columns = range_columns(bits, stacked);
    if (!any_error && o.report == ReportFormat::table) columns.pop_back();  // no column of dashes
    Output out;
    write_report(out, o.report, columns, rows, "no registers");
    if (!any_read && !cells.empty() && !stop.load()) {
        const std::string& why = cells.front().error;
        throw track::DeviceError(fmt::format("unit {} gave none of the registers: {}", o.unit_id, why));
    }
    return 0;
}

int run_scan(const ScanOptions& o) {
    const std::atomic<bool>& stop = stop_on_signals();
    Diagnostics diagnostics("modbus scan", false);
    mb::BusOptions options = o.bus_options;
    options.stop = &stop;
    options.on_status = [&diagnostics](std::string_view m) { diagnostics.note(m); };
    options.verbose = o.verbose;
    mb::Bus bus(std::move(options));  // DeviceError (69) when it cannot be reached
    if (o.registers) return run_registers(o, bus, stop);
    const std::vector<Row> rows = probe_units(o, bus, stop);
    Output out;
    write_report(out, o.report, {"unit_id", "answer", "detail"}, rows, "no unit id answered");
    return 0;
}

}  // namespace

void add_modbus_scan_command(CLI::App& modbus, Invocation& chosen) {
    auto options = std::make_shared<ScanOptions>();
    ScanOptions& o = *options;
    auto* scan = modbus.add_subcommand(
        "scan",
        "Find the unit ids that answer on a bus, or read registers in every type and order to find the right ones. "
        "Never writes");
    o.bus.timeout = "200ms";  // many ids to probe: see check() for register reads
    o.bus.retries = "0";
    add_bus_options(*scan, o.bus);
    scan->get_option("--timeout")->default_str("200ms probing unit ids, 1s reading registers");
    scan->get_option("--retries")->default_str("0 probing unit ids, 1 reading registers");
    scan->add_option("--units", o.units, "The unit ids to probe, each with one short read of holding register 0")
        ->type_name("FIRST-LAST")
        ->default_str("1-247");
    scan->add_option("--unit", o.unit, "Read registers of this unit id instead of probing")->type_name("ID");
    scan->add_option("--table", o.table, "coil, discrete, input or holding (omit with reference notation)")
        ->type_name("TABLE");
    scan->add_option("--address", o.address,
                     "The registers to read: 0-based with --table (0-9), or reference notation (40001-40010)")
        ->type_name("FIRST[-LAST]");
    add_report_format_option(scan, o.format);
    scan->add_flag("-v,--verbose", o.verbose, "Say how the bus was opened");
    scan->callback([options, scan, &chosen] {
        check(*options, *scan);
        chosen = {"modbus scan", [options] { return run_scan(*options); }};
    });
}

}  // namespace cli
