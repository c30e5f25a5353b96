// Modbus register maps: the CSV a technician writes from a device manual, the value types
// and word/byte orders, decoding registers into values (and values into registers for
// `trk modbus write`), and the plan of requests that reads a map in as few round trips as
// the protocol allows. Pure functions of bytes: no I/O here (the bus is modbus_bus.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/byte_source.hpp"
#include "track/problems.hpp"

namespace adapters::modbus {

/// The four Modbus data tables.
enum class Table { coil, discrete, input, holding };

/// "coil", "discrete", "input", "holding".
std::string_view name(Table table) noexcept;
/// A table by its map name (any case; also "coils", "discrete_input", "input_register",
/// "holding_register"); nullopt for anything else.
std::optional<Table> parse_table(std::string_view text) noexcept;
/// Whether the table holds bits (coil, discrete) rather than 16-bit registers.
constexpr bool is_bit_table(Table table) noexcept { return table == Table::coil || table == Table::discrete; }

/// What a map row's registers hold.
enum class Kind { boolean, int16, uint16, int32, uint32, int64, uint64, float32, float64, string };

/// A value type: its kind and, for strings, its length in registers (two characters each).
struct Type {
    Kind kind = Kind::uint16;
    unsigned string_registers = 0;  ///< `string8`: 8 (kind string only)
    /// Registers (or bits, for bool in a bit table) the type spans: 1, 2, 4 or the string's.
    [[nodiscard]] unsigned registers() const noexcept;
};

/// "bool", "int16", ... "float64", "string8".
std::string to_string(const Type& type);
/// A type by its map name (any case): bool, int16, uint16, int32, uint32, int64, uint64,
/// float32, float64, stringN (N registers, 1..125); nullopt for anything else.
std::optional<Type> parse_type(std::string_view text) noexcept;

/// Byte and word order of a multi-register value, named by where the bytes of the
/// big-endian value A B C D (A most significant) arrive in the registers' byte stream.
enum class Order {
    abcd,  ///< big-endian words, high word first: the Modbus default
    cdab,  ///< low word first, bytes big-endian within each word ("word swap")
    badc,  ///< high word first, bytes swapped within each word ("byte swap")
    dcba,  ///< fully little-endian
};

/// "ABCD", "CDAB", "BADC", "DCBA".
std::string_view name(Order order) noexcept;
/// An order by name (any case); nullopt for anything else.
std::optional<Order> parse_order(std::string_view text) noexcept;

/// A decoded value: a number, or the text of a string type.
struct Value {
    double number = 0;
    std::optional<std::string> text;  ///< string types only
};

/// The value `type` in `order` holds in `registers` (exactly type.registers() of them; for
/// bool, register != 0). 64-bit orders apply the same rule over four words: ABCD is words
/// W0..W3 most significant first, CDAB reverses the word order, BADC swaps the bytes of
/// each word, DCBA does both; for 16-bit values BADC and DCBA swap the register's bytes. A
/// string is the registers' bytes in order (BADC/DCBA swap the two bytes of each register),
/// ending at the first NUL, with trailing blanks cut.
/// NaN and infinities of float types are returned as they are: the caller decides.
Value decode(const Type& type, Order order, std::span<const std::uint16_t> registers);

/// The registers that hold `value` as `type` in `order` (the inverse of decode). Throws
/// track::UsageError when `value` does not fit the type (out of range, or a fraction for an
/// integer type), saying the type's range.
std::vector<std::uint16_t> encode(const Type& type, Order order, double value);

/// One row of a register map.
struct Point {
    std::string asset;
    std::string metric;
    int unit_id = 1;  ///< 0..247
    Table table = Table::holding;
    std::uint16_t address = 0;  ///< 0-based, as sent in the request
    Type type;
    Order order = Order::abcd;
    double scale = 1;
    double offset = 0;
    std::string unit;        ///< the reading's unit, may be empty
    std::uint64_t line = 0;  ///< the map file's line
    /// The registers (bits) the point spans, from `address`.
    [[nodiscard]] unsigned count() const noexcept { return type.registers(); }
};

/// A register map, in file order.
struct Map {
    std::string source;  ///< the file's name, for messages
    std::vector<Point> points;
};

/// Reads a map from CSV (adapters/csv.hpp: any separator, BOM, '#' comments). Columns by
/// name, any case: asset, metric, unit_id, table, address, type, order, scale, offset, unit;
/// required: asset, metric, table (or an address in 5/6-digit notation that names the
/// table), address, type. Address notation: a plain number is the 0-based address; with
/// `table` empty, 1-based reference notation names table and address together: 00001-09999
/// coil, 10001-19999 discrete, 30001-39999 input, 40001-49999 holding (and the 6-digit
/// 000001-065536, 100001-165536, 300001-365536, 400001-465536), address = reference - base
/// - 1. With `table` given the address is always 0-based (0..65535: a device may well use
/// address 40000, as SunSpec does), so a reference cannot contradict the table; an address
/// with leading zeros ("00017") beside a table is refused as ambiguous (a coil reference
/// copied from a manual, or a 0-based address?).
/// Throws track::InputError "FILE:LINE: column NAME (N): why" for an unknown column value, a
/// bad number, a value out of range, a type that does not fit the table (only bool in coil
/// and discrete tables), an address whose registers run past 65535, a row that overlaps
/// another row's registers with a different type or order (same unit and table), and for a
/// map without rows. Two rows reading the same registers the same way are allowed.
Map read_map(ByteSource& source, track::ProblemSink& problems);

/// One read request: `count` registers (or bits) of one unit and table from `address`.
struct Request {
    int unit_id = 1;
    Table table = Table::holding;
    std::uint16_t address = 0;
    std::uint16_t count = 0;
    std::vector<std::size_t> points;  ///< indexes into Map::points that the request serves
};

/// The protocol's limits per read request: 125 registers, 2000 bits.
inline constexpr unsigned max_registers_per_request = 125;
inline constexpr unsigned max_bits_per_request = 2000;

/// The requests that read every point of `map`, in order of unit, table, address. With
/// `batch`, points of one unit and table whose registers touch or overlap are read in one
/// request, up to the protocol's limits (a point is never split over two requests); without
/// it, one request per point. Registers between points are never read (a gap may be an
/// illegal address).
std::vector<Request> plan(const Map& map, bool batch);

/// Decodes point `point` from a request's response: `data` holds the request's registers
/// (or bits as 0/1) from `request_address`. Applies scale and offset to numbers.
Value decode_point(const Point& point, std::uint16_t request_address, std::span<const std::uint16_t> data);

/// Every interpretation `trk modbus scan` prints for registers at `address` (the first
/// register of the value): uint16 (also as hex), int16, ASCII of the two bytes, and where
/// a second register follows, int32/uint32/float32 in each of the four orders.
struct Interpretations {
    std::uint16_t raw = 0;
    std::int16_t int16 = 0;
    std::string ascii;  ///< the two bytes, '.' for unprintable ones
    struct ThirtyTwo {
        Order order;
        std::int32_t int32;
        std::uint32_t uint32;
        float float32;
    };
    std::vector<ThirtyTwo> thirty_two;  ///< empty when this is the last register
};
Interpretations interpret(std::span<const std::uint16_t> registers);

}  // namespace adapters::modbus
