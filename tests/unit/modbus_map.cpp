// Unit tests of adapters/modbus_map.hpp: types and orders, decoding and encoding, register
// maps and their errors, request plans, scan interpretations.
#include "adapters/modbus_map.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <modbus/modbus.h>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "support.hpp"
#include "track/error.hpp"

namespace modbus = adapters::modbus;
using modbus::Order;
using Registers = std::vector<std::uint16_t>;

namespace {

modbus::Type type_named(std::string_view text) {
    const auto type = modbus::parse_type(text);
    REQUIRE_MESSAGE(type, text);
    return *type;
}

modbus::Map read_map(const std::string& csv) {
    test::Problems problems;
    test::SlowSource source(csv, 5, "pump.csv");
    modbus::Map map = modbus::read_map(source, problems);
    CHECK(problems.seen.empty());
    return map;
}

std::string map_error(const std::string& csv) {
    try {
        read_map(csv);
    } catch (const track::InputError& e) {
        return e.what();
    }
    return "no error";
}

std::string encode_error(std::string_view type, double value) {
    try {
        modbus::encode(type_named(type), Order::abcd, value);
    } catch (const track::UsageError& e) {
        return e.what();
    }
    return "no error";
}

const std::string header = "asset,metric,unit_id,table,address,type,order,scale,offset,unit\n";

// A map of points at `addresses` of `type` in table `table` of unit 1.
modbus::Map points_at(modbus::Table table, const modbus::Type& type, const std::vector<unsigned>& addresses) {
    modbus::Map map{"test", {}};
    for (const unsigned address : addresses) {
        modbus::Point p;
        p.asset = "P-1";
        p.metric = "m";
        p.table = table;
        p.address = static_cast<std::uint16_t>(address);
        p.type = type;
        map.points.push_back(p);
    }
    return map;
}

// "unit/table/address+count[points]" per request.
std::vector<std::string> plan_text(const modbus::Map& map, bool batch) {
    std::vector<std::string> out;
    for (const modbus::Request& r : modbus::plan(map, batch)) {
        out.push_back(fmt::format("{}/{}/{}+{}[{}]", r.unit_id, modbus::name(r.table), r.address, r.count,
                                  fmt::join(r.points, ",")));
    }
    return out;
}

}  // namespace

TEST_CASE("modbus: every type in every order decodes the registers a device holds") {
    struct Case {
        std::string_view type;
        Order order;
        Registers registers;
        double number;
    };
    // The register values worked out by hand from each value's big-endian bytes A B C D (E F G H).
    const std::vector<Case> cases{
        {"int16", Order::abcd, {0xFFFE}, -2},
        {"int16", Order::cdab, {0xFFFE}, -2},
        {"int16", Order::badc, {0xFEFF}, -2},
        {"int16", Order::dcba, {0xFEFF}, -2},
        {"uint16", Order::abcd, {0x0201}, 513},
        {"uint16", Order::cdab, {0x0201}, 513},
        {"uint16", Order::badc, {0x0102}, 513},
        {"uint16", Order::dcba, {0x0102}, 513},
        {"bool", Order::abcd, {0x0000}, 0},
        {"bool", Order::abcd, {0x0100}, 1},
        {"bool", Order::dcba, {0x0001}, 1},
        // float32 123.456f = 0x42F6E979
        {"float32", Order::abcd, {0x42F6, 0xE979}, 123.456f},
        {"float32", Order::cdab, {0xE979, 0x42F6}, 123.456f},
        {"float32", Order::badc, {0xF642, 0x79E9}, 123.456f},
        {"float32", Order::dcba, {0x79E9, 0xF642}, 123.456f},
        // int32 -123456789 = 0xF8A432EB
        {"int32", Order::abcd, {0xF8A4, 0x32EB}, -123456789},
        {"int32", Order::cdab, {0x32EB, 0xF8A4}, -123456789},
        {"int32", Order::badc, {0xA4F8, 0xEB32}, -123456789},
        {"int32", Order::dcba, {0xEB32, 0xA4F8}, -123456789},
        // uint32 4000000000 = 0xEE6B2800
        {"uint32", Order::abcd, {0xEE6B, 0x2800}, 4000000000.0},
        {"uint32", Order::cdab, {0x2800, 0xEE6B}, 4000000000.0},
        {"uint32", Order::badc, {0x6BEE, 0x0028}, 4000000000.0},
        {"uint32", Order::dcba, {0x0028, 0x6BEE}, 4000000000.0},
        // uint64 0x0102030405060708 (57 bits: the nearest double, as every reading's value)
        {"uint64", Order::abcd, {0x0102, 0x0304, 0x0506, 0x0708}, static_cast<double>(0x0102030405060708ULL)},
        {"uint64", Order::cdab, {0x0708, 0x0506, 0x0304, 0x0102}, static_cast<double>(0x0102030405060708ULL)},
        {"uint64", Order::badc, {0x0201, 0x0403, 0x0605, 0x0807}, static_cast<double>(0x0102030405060708ULL)},
        {"uint64", Order::dcba, {0x0807, 0x0605, 0x0403, 0x0201}, static_cast<double>(0x0102030405060708ULL)},
        // int64 -72623859790382848 = 0xFEFDFCFBFAF9F900 (exact as a double)
        {"int64", Order::abcd, {0xFEFD, 0xFCFB, 0xFAF9, 0xF900}, -72623859790382848.0},
        {"int64", Order::cdab, {0xF900, 0xFAF9, 0xFCFB, 0xFEFD}, -72623859790382848.0},
        {"int64", Order::badc, {0xFDFE, 0xFBFC, 0xF9FA, 0x00F9}, -72623859790382848.0},
        {"int64", Order::dcba, {0x00F9, 0xF9FA, 0xFBFC, 0xFDFE}, -72623859790382848.0},
        // float64 -1234.5678 = 0xC0934A456D5CFAAD
        {"float64", Order::abcd, {0xC093, 0x4A45, 0x6D5C, 0xFAAD}, -1234.5678},
        {"float64", Order::cdab, {0xFAAD, 0x6D5C, 0x4A45, 0xC093}, -1234.5678},
        {"float64", Order::badc, {0x93C0, 0x454A, 0x5C6D, 0xADFA}, -1234.5678},
        {"float64", Order::dcba, {0xADFA, 0x5C6D, 0x454A, 0x93C0}, -1234.5678},
    };
    for (const Case& c : cases) {
        CAPTURE(c.type);
        CAPTURE(modbus::name(c.order));
        const modbus::Type type = type_named(c.type);
        const modbus::Value value = modbus::decode(type, c.order, c.registers);
        CHECK(value.number == c.number);
        CHECK_FALSE(value.text);
        // uint64's value is not exact as a double; bool decodes any non-zero register as 1.
        if (c.type != "uint64" && (c.type != "bool" || c.registers[0] <= 1)) {
            CHECK(modbus::encode(type, c.order, c.number) == c.registers);
        }
    }
    CHECK(modbus::encode(type_named("uint64"), Order::cdab, static_cast<double>(0x0102030405060700ULL)) ==
          Registers{0x0700, 0x0506, 0x0304, 0x0102});
    CHECK(modbus::encode(type_named("bool"), Order::abcd, 1) == Registers{1});
}

TEST_CASE("modbus: strings are the registers' bytes, two a register, to the first NUL") {
    const modbus::Type string4 = type_named("string4");
    // "PUMP-07": P U M P - 0 7 NUL
    const Registers big{0x5055, 0x4D50, 0x2D30, 0x3700};
    const Registers swapped{0x5550, 0x504D, 0x302D, 0x0037};
    CHECK(modbus::decode(string4, Order::abcd, big).text == "PUMP-07");
    CHECK(modbus::decode(string4, Order::cdab, big).text == "PUMP-07");  // words stay in order
    CHECK(modbus::decode(string4, Order::badc, swapped).text == "PUMP-07");
    CHECK(modbus::decode(string4, Order::dcba, swapped).text == "PUMP-07");
    // Trailing blanks go (devices pad with spaces); what follows a NUL is not text.
    CHECK(modbus::decode(string4, Order::abcd, Registers{0x4142, 0x2020, 0x2020, 0x2020}).text == "AB");
    CHECK(modbus::decode(string4, Order::abcd, Registers{0x4100, 0x4344, 0x4546, 0x4748}).text == "A");
    CHECK(modbus::decode(string4, Order::abcd, Registers{0, 0, 0, 0}).text == "");
    CHECK(encode_error("string4", 1) == "string4 holds text, not a number");
}

TEST_CASE("modbus: float32 in all four orders agrees with libmodbus 3.1.6") {
    // libmodbus's modbus_get_float_X reads registers laid out as trk's order X: ABCD =
    // modbus_get_float_abcd, CDAB = _cdab, BADC = _badc, DCBA = _dcba. Its setters do not
    // mirror the getters: modbus_set_float_X writes the bytes A B C D of the value in the
    // order X into the *memory* of the registers (libmodbus issues #757, #807), so on a
    // little-endian host modbus_set_float_abcd yields trk's BADC registers. trk encodes
    // with its own encode(), never the setters.
    const modbus::Type float32 = type_named("float32");
    struct LibmodbusOrder {
        Order order;
        float (*get)(const std::uint16_t*);
        void (*set)(float, std::uint16_t*);
        std::array<int, 4> bytes;  ///< the memory bytes set() writes: indexes into A B C D
    };
    const std::vector<LibmodbusOrder> orders{
        {Order::abcd, modbus_get_float_abcd, modbus_set_float_abcd, {0, 1, 2, 3}},
        {Order::cdab, modbus_get_float_cdab, modbus_set_float_cdab, {2, 3, 0, 1}},
        {Order::badc, modbus_get_float_badc, modbus_set_float_badc, {1, 0, 3, 2}},
        {Order::dcba, modbus_get_float_dcba, modbus_set_float_dcba, {3, 2, 1, 0}},
    };
    for (const float f : {123.456f, -0.0f, 1e-40f, -3.4e38f, 21.5f, std::numeric_limits<float>::infinity()}) {
        const auto bits = std::bit_cast<std::uint32_t>(f);
        const std::array<std::uint8_t, 4> abcd{static_cast<std::uint8_t>(bits >> 24),
                                               static_cast<std::uint8_t>(bits >> 16),
                                               static_cast<std::uint8_t>(bits >> 8), static_cast<std::uint8_t>(bits)};
        for (const LibmodbusOrder& o : orders) {
            CAPTURE(f);
            CAPTURE(modbus::name(o.order));
            const Registers registers = modbus::encode(float32, o.order, f);
            CHECK(o.get(registers.data()) == f);
            CHECK(std::signbit(modbus::decode(float32, o.order, registers).number) == std::signbit(f));
            std::array<std::uint16_t, 2> set{};
            o.set(f, set.data());
            std::array<std::uint8_t, 4> memory{};
            std::memcpy(memory.data(), set.data(), 4);
            for (std::size_t i = 0; i < 4; ++i) CHECK(memory[i] == abcd[o.bytes[i]]);
            // And the stream of trk's registers (high byte first, as on the wire) is that order too.
            const std::array<std::uint8_t, 4> wire{
                static_cast<std::uint8_t>(registers[0] >> 8), static_cast<std::uint8_t>(registers[0]),
                static_cast<std::uint8_t>(registers[1] >> 8), static_cast<std::uint8_t>(registers[1])};
            CHECK(wire == memory);
        }
    }
}

TEST_CASE("modbus: encode round trips and refuses what does not fit") {
    for (const std::string_view name :
         {"int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"}) {
        for (const Order order : {Order::abcd, Order::cdab, Order::badc, Order::dcba}) {
            for (const double v :
                 {0.0, 1.0, 100.0, 32767.0, 65535.0, -1.0, -32768.0, 2147483647.0, 0.5, 9.007199254740992e15}) {
                const modbus::Type type = type_named(name);
                Registers registers;
                try {
                    registers = modbus::encode(type, order, v);
                } catch (const track::UsageError&) {
                    continue;
                }
                CAPTURE(name);
                CAPTURE(v);
                CHECK(registers.size() == type.registers());
                const double back = modbus::decode(type, order, registers).number;
                if (name == "float32") CHECK(back == static_cast<float>(v));
                else CHECK(back == v);
            }
        }
    }
    CHECK(encode_error("int16", 32768) == "32768 does not fit int16 (-32768 to 32767)");
    CHECK(encode_error("uint16", -1) == "-1 does not fit uint16 (0 to 65535)");
    CHECK(encode_error("int16", 1.5) == "1.5 is not a whole number: int16 holds -32768 to 32767");
    CHECK(encode_error("uint32", 4294967296.0) == "4294967296 does not fit uint32 (0 to 4294967295)");
    CHECK(encode_error("int64", 0x1p63) ==
          "9223372036854775808 does not fit int64 (-9223372036854775808 to 9223372036854775807)");
    CHECK(encode_error("uint64", std::nan("")) == "nan does not fit uint64 (0 to 18446744073709551615)");
    CHECK(encode_error("bool", 2) == "2 does not fit bool (0 or 1)");
    CHECK(encode_error("float32", 1e39) == "1e+39 does not fit float32 (largest: 3.4028235e+38)");
    CHECK(encode_error("int32", -2147483648.0) == "no error");
    CHECK(encode_error("uint64", 18446744073709549568.0) == "no error");  // the largest double below 2^64
    CHECK(std::isnan(modbus::decode(type_named("float32"), Order::abcd,
                                    modbus::encode(type_named("float32"), Order::abcd, std::nan("")))
                         .number));
}

TEST_CASE("modbus: names of types, tables and orders") {
    CHECK(modbus::to_string(type_named("FLOAT32")) == "float32");
    CHECK(modbus::to_string(type_named("string8")) == "string8");
    CHECK(type_named("string125").registers() == 125);
    CHECK(type_named("Bool").registers() == 1);
    CHECK(type_named("uint64").registers() == 4);
    for (const std::string_view bad : {"string", "string0", "string126", "string08", "float", "int8", "", "string-1"}) {
        CHECK_MESSAGE(!modbus::parse_type(bad), bad);
    }
    CHECK(modbus::parse_table("Holding_Register") == modbus::Table::holding);
    CHECK(modbus::parse_table("coils") == modbus::Table::coil);
    CHECK(modbus::parse_table("discrete_input") == modbus::Table::discrete);
    CHECK(modbus::parse_table("input_register") == modbus::Table::input);
    CHECK_FALSE(modbus::parse_table("register"));
    CHECK(modbus::parse_order("cdab") == Order::cdab);
    CHECK_FALSE(modbus::parse_order("ABDC"));
}

TEST_CASE("modbus map: rows, defaults, extra columns and reference notation") {
    const modbus::Map map = read_map(
        "Asset,Metric,Unit_ID,Table,Address,Type,Order,Scale,Offset,Unit,Description\n"
        "# a comment line\n"
        "PUMP-7,temperature,,holding,0,int16,,0.1,,Cel,bearing\n"
        "PUMP-7,current,3,input,100,float32,CDAB,,-0.5,A,\n"
        "PUMP-7,running,3,,00017,bool,,,,,\n"
        "PUMP-7,pressure,3,,40001,uint16,,,,bar,\n"
        "PUMP-7,name,3,,400011,string4,BADC,,,,\n"
        "PUMP-7,alarm,3,,10001,bool,,,,,\n"
        "PUMP-7,flow,3,,365536,uint16,,,,,\n"
        "PUMP-7,sunspec,3,Holding,40000,uint16,,2.5,,,\n");
    REQUIRE(map.points.size() == 8);
    const modbus::Point& t = map.points[0];
    CHECK(t.asset == "PUMP-7");
    CHECK(t.metric == "temperature");
    CHECK(t.unit_id == 1);
    CHECK(t.table == modbus::Table::holding);
    CHECK(t.address == 0);
    CHECK(modbus::to_string(t.type) == "int16");
    CHECK(t.order == Order::abcd);
    CHECK(t.scale == 0.1);
    CHECK(t.offset == 0);
    CHECK(t.unit == "Cel");
    CHECK(t.line == 3);
    CHECK(map.points[1].unit_id == 3);
    CHECK(map.points[1].order == Order::cdab);
    CHECK(map.points[1].offset == -0.5);
    const auto where = [&](std::size_t i) {
        return fmt::format("{} {}", modbus::name(map.points[i].table), map.points[i].address);
    };
    CHECK(where(2) == "coil 16");
    CHECK(where(3) == "holding 0");
    CHECK(where(4) == "holding 10");
    CHECK(where(5) == "discrete 0");
    CHECK(where(6) == "input 65535");
    CHECK(where(7) == "holding 40000");
    CHECK(map.points[7].scale == 2.5);
    CHECK(map.source == "pump.csv");
}

TEST_CASE("modbus map: errors name the file, line and column") {
    CHECK(map_error(header + "P,t,,holding,0,flaot32,,,,\n") ==
          "pump.csv:2: column type (6): 'flaot32' is not a type; use bool, int16, uint16, int32, uint32, int64, "
          "uint64, float32, float64 or stringN (N registers, 1 to 125) (did you mean \"float32\"?)");
    CHECK(map_error(header + "P,t,,holding,0,,,,,\n") == "pump.csv:2: column type (6): empty; every row needs a type");
    CHECK(map_error(header + "P,t,,holding,0,decimal,,,,\n") ==
          "pump.csv:2: column type (6): 'decimal' is not a type; use bool, int16, uint16, int32, uint32, int64, "
          "uint64, float32, float64 or stringN (N registers, 1 to 125)");
    CHECK(map_error(header + "P,t,,holding,0,int16,,,,\nP,u,,holding,1,int16,,,,\nP,v,,holdng,2,int16,,,,\n") ==
          "pump.csv:4: column table (4): 'holdng' is not a table; use coil, discrete, input or holding");
    CHECK(map_error(header + "P,t,248,holding,0,int16,,,,\n") ==
          "pump.csv:2: column unit_id (3): '248' is not a unit id; use 0 to 247");
    CHECK(
        map_error(header + "P,t,0,holding,65536,int16,,,,\n") ==
        "pump.csv:2: column address (5): '65536' is not an address; use 0 to 65535 (0-based, as sent in the request)");
    CHECK(map_error(header + "P,t,0,holding,65534,float32,,,,\n") == "no error");
    CHECK(map_error(header + "P,t,0,holding,65535,float32,,,,\n") ==
          "pump.csv:2: column address (5): float32 at 65535 runs past the last address, 65535 (float32 takes 2 "
          "registers)");
    CHECK(map_error(header + "P,t,,,465535,float64,,,,\n") ==
          "pump.csv:2: column address (5): float64 at 65534 runs past the last address, 65535 (float64 takes 4 "
          "registers)");
    CHECK(map_error(header + "P,t,,coil,3,int16,,,,\n") ==
          "pump.csv:2: column type (6): 'int16' in table coil: coils and discrete inputs hold single bits; use bool");
    CHECK(map_error(header + "P,t,,,10001,uint16,,,,\n") ==
          "pump.csv:2: column type (6): 'uint16' in table discrete: coils and discrete inputs hold single bits; use "
          "bool");
    CHECK(map_error(header + "P,t,,holding,3,bool,,,,\n") == "no error");
    CHECK(map_error(header + "P,t,,holding,3,int32,ACBD,,,\n") ==
          "pump.csv:2: column order (7): 'ACBD' is not an order; use ABCD, CDAB, BADC or DCBA");
    CHECK(map_error(header + "P,t,,holding,3,int32,,0,,\n") ==
          "pump.csv:2: column scale (8): 0 would make every value 0; leave the cell empty for 1");
    CHECK(map_error(header + "P,t,,holding,3,int32,,x,,\n") == "pump.csv:2: column scale (8): 'x' is not a number");
    CHECK(map_error(header + "P,t,,holding,3,int32,,,1e999,\n") ==
          "pump.csv:2: column offset (9): '1e999' is not a number");
    CHECK(map_error(header + ",t,,holding,3,int32,,,,\n") == "pump.csv:2: column asset (1): the asset id is empty");
    CHECK(map_error(header + "P,,,holding,3,int32,,,,\n") ==
          "pump.csv:2: column metric (2): empty; every row needs a metric");
    CHECK(map_error(header + "P,t,,holding,,int32,,,,\n") ==
          "pump.csv:2: column address (5): empty; every row needs an address");
    CHECK(map_error(header + "P,t,,,17,int32,,,,\n") ==
          "pump.csv:2: column address (5): '17' is not a reference, and the row names no table: fill the table "
          "column and give the 0-based address, or write a 1-based reference: 00001-09999 coil, 10001-19999 "
          "discrete, 30001-39999 input, 40001-49999 holding (or the 6-digit 000001-065536, 100001-165536, "
          "300001-365536, 400001-465536)");
    for (const std::string_view not_reference : {"40000", "20001", "50001", "065537", "400000", "4000a"}) {
        CHECK_MESSAGE(
            map_error(header + fmt::format("P,t,,,{},uint16,,,,\n", not_reference))
                .starts_with(fmt::format("pump.csv:2: column address (5): '{}' is not a reference", not_reference)),
            not_reference);
    }
    CHECK(map_error(header + "P,t,,holding,00017,uint16,,,,\n") ==
          "pump.csv:2: column address (5): '00017' looks like a 1-based reference while the row names table "
          "holding: give the 0-based address without leading zeros, or the reference with the table empty");
    CHECK(
        map_error("asset,metric,table,type\nP,t,holding,int16\n") ==
        "pump.csv:1: no column \"address\" in the header; the columns are \"asset\", \"metric\", \"table\", \"type\"");
    CHECK(map_error("") ==
          "pump.csv: the map is empty; its first line names the columns: "
          "asset,metric,unit_id,table,address,type,order,scale,offset,unit");
    CHECK(map_error(header + "# nothing yet\n") == "pump.csv: the map has no rows, only its header");
}

TEST_CASE("modbus map: rows that share registers must read them the same way") {
    // The same registers read the same way twice: allowed (two metrics of one value).
    CHECK(map_error(header + "P,t,,holding,10,float32,CDAB,,,\nQ,t,,holding,10,float32,cdab,,,\n") == "no error");
    // Other units and tables do not overlap.
    CHECK(map_error(header + "P,t,1,holding,10,float32,,,,\nP,u,2,holding,10,int16,,,,\nP,v,1,input,11,int16,,,,\n") ==
          "no error");
    CHECK(map_error(header + "P,a,,holding,10,float32,,,,\nP,b,,holding,12,int16,,,,\nP,c,,holding,11,int16,,,,\n") ==
          "pump.csv:4: column address (5): holding registers 11 (int16 ABCD) overlap line 2's 10-11 (float32 ABCD); "
          "rows that share registers must read them the same way (same address, type and order)");
    CHECK(map_error(header + "P,a,,holding,10,float32,CDAB,,,\nP,b,,holding,10,float32,ABCD,,,\n") ==
          "pump.csv:3: column address (5): holding registers 10-11 (float32 ABCD) overlap line 2's 10-11 (float32 "
          "CDAB); rows that share registers must read them the same way (same address, type and order)");
    // The later row in the file is named first, wherever it sits in the registers.
    CHECK(map_error(header + "P,a,,holding,12,int16,,,,\nP,b,,holding,6,string8,,,,\n") ==
          "pump.csv:3: column address (5): holding registers 6-13 (string8 ABCD) overlap line 2's 12 (int16 ABCD); "
          "rows that share registers must read them the same way (same address, type and order)");
    // A long value overlapping a later one past an equal pair.
    CHECK(map_error(header + "P,a,,holding,0,float64,,,,\nP,b,,holding,0,float64,,,,\nP,c,,holding,1,int16,,,,\n")
              .starts_with("pump.csv:4: column address (5): holding registers 1 (int16 ABCD) overlap line 2's 0-3"));
}

TEST_CASE("modbus plan: batches within the protocol's limits, never across gaps") {
    const modbus::Type uint16 = type_named("uint16");
    std::vector<unsigned> registers_126(126);
    for (unsigned i = 0; i < 126; ++i) registers_126[i] = 1000 + i;
    CHECK(plan_text(points_at(modbus::Table::holding, uint16, registers_126), true).size() == 2);
    const std::vector<modbus::Request> two =
        modbus::plan(points_at(modbus::Table::holding, uint16, registers_126), true);
    CHECK(two[0].address == 1000);
    CHECK(two[0].count == 125);
    CHECK(two[1].address == 1125);
    CHECK(two[1].count == 1);

    std::vector<unsigned> coils_2001(2001);
    for (unsigned i = 0; i < 2001; ++i) coils_2001[i] = i;
    const std::vector<modbus::Request> coils =
        modbus::plan(points_at(modbus::Table::coil, type_named("bool"), coils_2001), true);
    REQUIRE(coils.size() == 2);
    CHECK(coils[0].count == 2000);
    CHECK(coils[1].address == 2000);
    CHECK(coils[1].count == 1);
    CHECK(modbus::plan(points_at(modbus::Table::coil, type_named("bool"), coils_2001), false).size() == 2001);

    // A gap of one register is not read; touching and overlapping points merge; a point is
    // never split: a float32 at 124 does not fit a request from 0 and starts the next one.
    CHECK(plan_text(points_at(modbus::Table::input, type_named("float32"), {4, 0, 2, 7}), true) ==
          std::vector<std::string>{"1/input/0+6[1,2,0]", "1/input/7+2[3]"});
    CHECK(plan_text(points_at(modbus::Table::input, type_named("float32"), {0, 0, 2}), true) ==
          std::vector<std::string>{"1/input/0+4[0,1,2]"});
    CHECK(plan_text(points_at(modbus::Table::input, type_named("float32"), {0, 0, 2}), false) ==
          std::vector<std::string>{"1/input/0+2[0]", "1/input/0+2[1]", "1/input/2+2[2]"});
    std::vector<unsigned> floats;
    for (unsigned a = 0; a <= 124; a += 2) floats.push_back(a);
    CHECK(plan_text(points_at(modbus::Table::holding, type_named("float32"), floats), true).size() == 2);
    CHECK(modbus::plan(points_at(modbus::Table::holding, type_named("float32"), floats), true)[0].count == 124);

    // Units and tables are never mixed; requests come in order of unit, table, address.
    const modbus::Map map = read_map(header +
                                     "P,a,2,holding,1,uint16,,,,\n"
                                     "P,b,1,holding,1,uint16,,,,\n"
                                     "P,c,1,input,0,uint16,,,,\n"
                                     "P,d,1,holding,0,uint16,,,,\n"
                                     "P,e,1,coil,1,bool,,,,\n"
                                     "P,f,1,coil,0,bool,,,,\n");
    CHECK(plan_text(map, true) ==
          std::vector<std::string>{"1/coil/0+2[5,4]", "1/input/0+1[2]", "1/holding/0+2[3,1]", "2/holding/1+1[0]"});
}

TEST_CASE("modbus: decode_point applies scale and offset to the point's registers in a response") {
    const modbus::Map map = read_map(header +
                                     "P,temperature,,holding,10,int16,,0.1,-40,Cel\n"
                                     "P,name,,holding,11,string2,,10,,\n"
                                     "P,on,,coil,3,bool,,,,\n");
    const Registers data{0x0000, 0x0253, 0x5031, 0x3200};  // from 9: 595 = 0x0253, "P12"
    CHECK(modbus::decode_point(map.points[0], 9, data).number == doctest::Approx(19.5));
    CHECK(modbus::decode_point(map.points[1], 9, data).text == "P12");  // no scale for text
    CHECK(modbus::decode_point(map.points[2], 0, Registers{0, 0, 0, 1}).number == 1);
    CHECK_THROWS_AS(modbus::decode_point(map.points[0], 11, data), std::invalid_argument);
    CHECK_THROWS_AS(modbus::decode_point(map.points[1], 10, Registers{1, 2}), std::invalid_argument);
}

TEST_CASE("modbus: interpret shows every reading of a register and the next") {
    const modbus::Interpretations one = modbus::interpret(Registers{0x4142});
    CHECK(one.raw == 0x4142);
    CHECK(one.int16 == 0x4142);
    CHECK(one.ascii == "AB");
    CHECK(one.thirty_two.empty());

    const modbus::Interpretations two = modbus::interpret(Registers{0x42F6, 0xE979, 0x1234});
    CHECK(two.int16 == 0x42F6);
    CHECK(two.ascii == "B.");
    REQUIRE(two.thirty_two.size() == 4);
    CHECK(two.thirty_two[0].order == Order::abcd);
    CHECK(two.thirty_two[0].float32 == 123.456f);
    CHECK(two.thirty_two[0].uint32 == 0x42F6E979U);
    CHECK(two.thirty_two[1].order == Order::cdab);
    CHECK(two.thirty_two[1].uint32 == 0xE97942F6U);
    CHECK(two.thirty_two[1].int32 == static_cast<std::int32_t>(0xE97942F6U));
    CHECK(two.thirty_two[2].order == Order::badc);
    CHECK(two.thirty_two[2].uint32 == 0xF64279E9U);
    CHECK(two.thirty_two[3].order == Order::dcba);
    CHECK(two.thirty_two[3].uint32 == 0x79E9F642U);
    CHECK(modbus::interpret(Registers{0xFFFF}).int16 == -1);
    CHECK(modbus::interpret(Registers{0x0A7F}).ascii == "..");
}
