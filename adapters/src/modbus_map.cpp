// Modbus register maps, value decoding and request plans (see adapters/modbus_map.hpp).
#include "adapters/modbus_map.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "adapters/csv.hpp"
#include "track/error.hpp"
#include "track/ledger.hpp"
#include "track/names.hpp"
#include "track/number.hpp"

namespace adapters::modbus {

namespace {

constexpr std::array tables{Table::coil, Table::discrete, Table::input, Table::holding};
constexpr std::array orders{Order::abcd, Order::cdab, Order::badc, Order::dcba};

struct KindName {
    Kind kind;
    std::string_view name;
};
constexpr std::array<KindName, 10> kind_names{{{Kind::boolean, "bool"},
                                               {Kind::int16, "int16"},
                                               {Kind::uint16, "uint16"},
                                               {Kind::int32, "int32"},
                                               {Kind::uint32, "uint32"},
                                               {Kind::int64, "int64"},
                                               {Kind::uint64, "uint64"},
                                               {Kind::float32, "float32"},
                                               {Kind::float64, "float64"},
                                               {Kind::string, "string"}}};

// Words swapped (low word first) and bytes swapped within each word, by order.
bool swaps_words(Order order) noexcept { return order == Order::cdab || order == Order::dcba; }
bool swaps_bytes(Order order) noexcept { return order == Order::badc || order == Order::dcba; }

std::uint16_t byte_swapped(std::uint16_t word) noexcept {
    return static_cast<std::uint16_t>((word >> 8) | (word << 8));
}

// The registers of a 1-, 2- or 4-word value, as the big-endian number they hold.
std::uint64_t big_endian_bits(Order order, std::span<const std::uint16_t> registers) noexcept {
    std::uint64_t bits = 0;
    const std::size_t n = registers.size();
    for (std::size_t i = 0; i < n; ++i) {
        std::uint16_t word = registers[swaps_words(order) ? n - 1 - i : i];
        if (swaps_bytes(order)) word = byte_swapped(word);
        bits = (bits << 16) | word;
    }
    return bits;
}

// The inverse of big_endian_bits: `words` registers holding the low 16 * words bits of `bits`.
std::vector<std::uint16_t> registers_of(Order order, std::uint64_t bits, unsigned words) {
    std::vector<std::uint16_t> registers(words);
    for (unsigned i = 0; i < words; ++i) {
        auto word = static_cast<std::uint16_t>(bits >> (16 * (words - 1 - i)));
        if (swaps_bytes(order)) word = byte_swapped(word);
        registers[swaps_words(order) ? words - 1 - i : i] = word;
    }
    return registers;
}

std::string string_of(Order order, std::span<const std::uint16_t> registers) {
    std::string text;
    for (std::uint16_t word : registers) {
        if (swaps_bytes(order)) word = byte_swapped(word);
        text += static_cast<char>(word >> 8);
        text += static_cast<char>(word & 0xFF);
    }
    text.resize(std::min(text.size(), text.find('\0')));
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
}

// The range of an integer kind, as the text of messages and as doubles.
struct IntegerRange {
    double low;
    double high_exclusive;  ///< one past the largest value (exact as a double, unlike the largest)
    std::string_view text;
};

std::optional<IntegerRange> integer_range(Kind kind) {
    switch (kind) {
        case Kind::boolean: return IntegerRange{0, 2, "0 or 1"};
        case Kind::int16: return IntegerRange{-32768.0, 32768.0, "-32768 to 32767"};
        case Kind::uint16: return IntegerRange{0, 65536.0, "0 to 65535"};
        case Kind::int32: return IntegerRange{-2147483648.0, 2147483648.0, "-2147483648 to 2147483647"};
        case Kind::uint32: return IntegerRange{0, 4294967296.0, "0 to 4294967295"};
        case Kind::int64: return IntegerRange{-0x1p63, 0x1p63, "-9223372036854775808 to 9223372036854775807"};
        case Kind::uint64: return IntegerRange{0, 0x1p64, "0 to 18446744073709551615"};
        default: return std::nullopt;
    }
}

// A value in a message: whole numbers in full (9223372036854775808, not 9.223372036854776e+18).
std::string number_text(double value) {
    if (value == std::trunc(value) && std::abs(value) < 1e21) return fmt::format("{:.0f}", value);
    return fmt::format("{}", value);
}

}  // namespace

std::string_view name(Table table) noexcept {
    switch (table) {
        case Table::coil: return "coil";
        case Table::discrete: return "discrete";
        case Table::input: return "input";
        case Table::holding: return "holding";
    }
    return "?";
}

std::optional<Table> parse_table(std::string_view text) noexcept {
    static constexpr std::array<std::pair<std::string_view, Table>, 4> other_names{
        {{"coils", Table::coil},
         {"discrete_input", Table::discrete},
         {"input_register", Table::input},
         {"holding_register", Table::holding}}};
    for (const Table table : tables) {
        if (track::same_name(text, name(table))) return table;
    }
    for (const auto& [other, table] : other_names) {
        if (track::same_name(text, other)) return table;
    }
    return std::nullopt;
}

unsigned Type::registers() const noexcept {
    switch (kind) {
        case Kind::boolean:
        case Kind::int16:
        case Kind::uint16: return 1;
        case Kind::int32:
        case Kind::uint32:
        case Kind::float32: return 2;
        case Kind::int64:
        case Kind::uint64:
        case Kind::float64: return 4;
        case Kind::string: return string_registers;
    }
    return 1;
}

std::string to_string(const Type& type) {
    for (const auto& [kind, text] : kind_names) {
        if (kind != type.kind) continue;
        if (kind == Kind::string) return fmt::format("{}{}", text, type.string_registers);
        return std::string(text);
    }
    return "?";
}

std::optional<Type> parse_type(std::string_view text) noexcept {
    for (const auto& [kind, kind_name] : kind_names) {
        if (kind == Kind::string) {
            if (text.size() <= kind_name.size() || !track::same_name(text.substr(0, kind_name.size()), kind_name))
                continue;
            const std::string_view digits = text.substr(kind_name.size());
            const auto n = track::parse_uint64(digits);
            if (!n || *n < 1 || *n > max_registers_per_request || digits.front() == '0') return std::nullopt;
            return Type{Kind::string, static_cast<unsigned>(*n)};
        }
        if (track::same_name(text, kind_name)) return Type{kind, 0};
    }
    return std::nullopt;
}

std::string_view name(Order order) noexcept {
    switch (order) {
        case Order::abcd: return "ABCD";
        case Order::cdab: return "CDAB";
        case Order::badc: return "BADC";
        case Order::dcba: return "DCBA";
    }
    return "?";
}

std::optional<Order> parse_order(std::string_view text) noexcept {
    for (const Order order : orders) {
        if (track::same_name(text, name(order))) return order;
    }
    return std::nullopt;
}

// int64 and uint64 come out as doubles, like every reading's value: beyond 2^53 they lose
// precision (the nearest double), which a counter that large can afford.
Value decode(const Type& type, Order order, std::span<const std::uint16_t> registers) {
    if (registers.size() != type.registers()) {
        throw std::invalid_argument(
            fmt::format("{} takes {} registers, not {}", to_string(type), type.registers(), registers.size()));
    }
    if (type.kind == Kind::string) return {0, string_of(order, registers)};
    if (type.kind == Kind::boolean) return {registers[0] != 0 ? 1.0 : 0.0, std::nullopt};
    const std::uint64_t bits = big_endian_bits(order, registers);
    switch (type.kind) {
        case Kind::int16: return {static_cast<double>(static_cast<std::int16_t>(bits)), std::nullopt};
        case Kind::uint16: return {static_cast<double>(static_cast<std::uint16_t>(bits)), std::nullopt};
        case Kind::int32: return {static_cast<double>(static_cast<std::int32_t>(bits)), std::nullopt};
        case Kind::uint32: return {static_cast<double>(static_cast<std::uint32_t>(bits)), std::nullopt};
        case Kind::int64: return {static_cast<double>(static_cast<std::int64_t>(bits)), std::nullopt};
        case Kind::uint64: return {static_cast<double>(bits), std::nullopt};
        case Kind::float32:
            return {static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(bits))), std::nullopt};
        case Kind::float64: return {std::bit_cast<double>(bits), std::nullopt};
        default: break;
    }
    return {};
}

std::vector<std::uint16_t> encode(const Type& type, Order order, double value) {
    const std::string type_name = to_string(type);
    if (type.kind == Kind::string) throw track::UsageError(fmt::format("{} holds text, not a number", type_name));
    if (type.kind == Kind::float64) return registers_of(order, std::bit_cast<std::uint64_t>(value), 4);
    if (type.kind == Kind::float32) {
        if (std::isfinite(value) && std::abs(value) > std::numeric_limits<float>::max()) {
            throw track::UsageError(fmt::format("{} does not fit {} (largest: {})", number_text(value), type_name,
                                                std::numeric_limits<float>::max()));
        }
        return registers_of(order, std::bit_cast<std::uint32_t>(static_cast<float>(value)), 2);
    }
    const IntegerRange range = *integer_range(type.kind);
    if (!(value >= range.low && value < range.high_exclusive)) {
        throw track::UsageError(fmt::format("{} does not fit {} ({})", number_text(value), type_name, range.text));
    }
    if (value != std::trunc(value)) {
        throw track::UsageError(fmt::format("{} is not a whole number: {} holds {}", value, type_name, range.text));
    }
    if (type.kind == Kind::boolean) return {static_cast<std::uint16_t>(value)};
    const std::uint64_t bits = range.low < 0 ? static_cast<std::uint64_t>(static_cast<std::int64_t>(value))
                                             : static_cast<std::uint64_t>(value);
    return registers_of(order, bits, type.registers());
}

namespace {

// A map row being read, and where it is, for messages.
class MapRow {
public:
    MapRow(const csv::Row& row, const csv::Header& header, const std::string& source)
        : row_(row), header_(header), where_(fmt::format("{}:{}", source, row.where.line)) {}

    // The cell of the column at `at` (empty when the map has no such column).
    [[nodiscard]] std::string_view cell(std::optional<std::size_t> at) const { return csv::cell(row_, at); }

    // Throws "FILE:LINE: column NAME (N): why".
    [[noreturn]] void fail(std::size_t at, const std::string& why) const {
        throw track::InputError(where_, fmt::format("column {} ({}): {}", header_.names()[at], at + 1, why));
    }

private:
    const csv::Row& row_;
    const csv::Header& header_;
    std::string where_;
};

// The columns of a map, found in its header.
struct MapColumns {
    std::size_t asset;
    std::size_t metric;
    std::optional<std::size_t> unit_id;
    std::optional<std::size_t> table;
    std::size_t address;
    std::size_t type;
    std::optional<std::size_t> order;
    std::optional<std::size_t> scale;
    std::optional<std::size_t> offset;
    std::optional<std::size_t> unit;

    explicit MapColumns(const csv::Header& header)
        : asset(header.require("asset")),
          metric(header.require("metric")),
          unit_id(header.find("unit_id")),
          table(header.find("table")),
          address(header.require("address")),
          type(header.require("type")),
          order(header.find("order")),
          scale(header.find("scale")),
          offset(header.find("offset")),
          unit(header.find("unit")) {}
};

// Reads the table and address of a row: a 0-based address with a table, or a reference with
// the table empty (see read_map).
void read_table_and_address(const MapRow& row, const MapColumns& columns, Point& point) {
    const std::string_view table_text = row.cell(columns.table);
    const std::string_view address_text = row.cell(columns.address);
    if (address_text.empty()) row.fail(columns.address, "empty; every row needs an address");
    if (table_text.empty()) {
        const auto reference = parse_reference(address_text);
        if (!reference) {
            row.fail(columns.address,
                     fmt::format("'{}' is not a reference, and the row names no table: fill the table column and "
                                 "give the 0-based address, or write a 1-based reference: {}",
                                 address_text, reference_help));
        }
        point.table = reference->table;
        point.address = reference->address;
        return;
    }
    const auto table = parse_table(table_text);
    if (!table) {
        row.fail(*columns.table, fmt::format("'{}' is not a table; use coil, discrete, input or holding", table_text));
    }
    point.table = *table;
    const auto address = track::parse_uint64(address_text);
    if (!address || *address > 65535) {
        row.fail(columns.address, fmt::format("'{}' is not an address; use 0 to 65535 (0-based, as sent in the "
                                              "request)",
                                              address_text));
    }
    // Nobody writes a 0-based address with leading zeros: "00017" is a coil reference copied
    // from a manual, and reading it as address 17 or 16 would be a guess.
    if (address_text.size() > 1 && address_text.front() == '0') {
        row.fail(columns.address,
                 fmt::format("'{}' looks like a 1-based reference while the row names table {}: give the 0-based "
                             "address without leading zeros, or the reference with the table empty",
                             address_text, name(*table)));
    }
    point.address = static_cast<std::uint16_t>(*address);
}

Type read_type(const MapRow& row, const MapColumns& columns, Table table) {
    const std::string_view text = row.cell(columns.type);
    if (text.empty()) row.fail(columns.type, "empty; every row needs a type");
    const auto type = parse_type(text);
    if (!type) {
        std::vector<std::string> known;
        known.reserve(kind_names.size());
        for (const auto& kind : kind_names) known.emplace_back(kind.kind == Kind::string ? "string8" : kind.name);
        const std::vector<std::string> close = track::closest_names(text, known);
        row.fail(columns.type,
                 fmt::format("'{}' is not a type; use bool, int16, uint16, int32, uint32, int64, uint64, float32, "
                             "float64 or stringN (N registers, 1 to 125){}",
                             text, close.empty() ? "" : fmt::format(" ({})", track::did_you_mean(close))));
    }
    if (is_bit_table(table) && type->kind != Kind::boolean) {
        row.fail(columns.type, fmt::format("'{}' in table {}: coils and discrete inputs hold single bits; use bool",
                                           text, name(table)));
    }
    return *type;
}

// A number cell; `fallback` when empty.
double read_number(const MapRow& row, std::optional<std::size_t> at, char separator, double fallback) {
    const std::string_view text = row.cell(at);
    if (text.empty()) return fallback;
    const auto number = csv::parse_number(text, separator);
    if (!number || !std::isfinite(*number)) row.fail(*at, fmt::format("'{}' is not a number", text));
    return *number;
}

Point read_point(const MapRow& row, const MapColumns& columns, char separator) {
    Point point;
    point.asset = row.cell(columns.asset);
    if (const std::string why = track::id_problem(point.asset); !why.empty()) {
        row.fail(columns.asset, fmt::format("the asset id {}", why));
    }
    point.metric = row.cell(columns.metric);
    if (point.metric.empty()) row.fail(columns.metric, "empty; every row needs a metric");
    if (const std::string_view unit_id = row.cell(columns.unit_id); !unit_id.empty()) {
        const auto n = track::parse_uint64(unit_id);
        if (!n || *n > 247) row.fail(*columns.unit_id, fmt::format("'{}' is not a unit id; use 0 to 247", unit_id));
        point.unit_id = static_cast<int>(*n);
    }
    read_table_and_address(row, columns, point);
    point.type = read_type(row, columns, point.table);
    if (point.address + point.count() - 1 > 65535) {
        row.fail(columns.address, fmt::format("{} at {} runs past the last address, 65535 ({} takes {} {})",
                                              to_string(point.type), point.address, to_string(point.type),
                                              point.count(), point.count() == 1 ? "register" : "registers"));
    }
    if (const std::string_view order = row.cell(columns.order); !order.empty()) {
        const auto parsed = parse_order(order);
        if (!parsed) row.fail(*columns.order, fmt::format("'{}' is not an order; use ABCD, CDAB, BADC or DCBA", order));
        point.order = *parsed;
    }
    point.scale = read_number(row, columns.scale, separator, 1);
    if (point.scale == 0) row.fail(*columns.scale, "0 would make every value 0; leave the cell empty for 1");
    point.offset = read_number(row, columns.offset, separator, 0);
    point.unit = row.cell(columns.unit);
    return point;
}

// Whether two points read the same registers the same way.
bool same_reading(const Point& a, const Point& b) {
    return a.address == b.address && a.type.kind == b.type.kind && a.count() == b.count() &&
           (a.order == b.order || a.type.kind == Kind::boolean);
}

std::string span_text(const Point& p) {
    return p.count() == 1 ? fmt::format("{}", p.address) : fmt::format("{}-{}", p.address, p.address + p.count() - 1);
}

// Throws at the later of two rows that share registers but read them differently.
void check_overlaps(const Map& map, std::size_t address_column, const csv::Header& header) {
    std::vector<const Point*> sorted;
    for (const Point& p : map.points) sorted.push_back(&p);
    const auto key = [](const Point* p) { return std::tuple(p->unit_id, p->table, p->address, p->line); };
    std::sort(sorted.begin(), sorted.end(), [&](const Point* a, const Point* b) { return key(a) < key(b); });
    // Rows checked so far form groups of equal readings that do not overlap; the row with
    // the farthest end is the only one a later row (at a higher address) can overlap.
    const Point* farthest = nullptr;
    for (const Point* p : sorted) {
        const bool same_table = farthest != nullptr && farthest->unit_id == p->unit_id && farthest->table == p->table;
        if (same_table && p->address < farthest->address + farthest->count() && !same_reading(*farthest, *p)) {
            const auto [earlier, later] = std::minmax(farthest, p, [](auto a, auto b) { return a->line < b->line; });
            throw track::InputError(
                fmt::format("{}:{}", map.source, later->line),
                fmt::format("column {} ({}): {} registers {} ({} {}) overlap line {}'s {} ({} {}); rows that share "
                            "registers must read them the same way (same address, type and order)",
                            header.names()[address_column], address_column + 1, name(later->table), span_text(*later),
                            to_string(later->type), name(later->order), earlier->line, span_text(*earlier),
                            to_string(earlier->type), name(earlier->order)));
        }
        if (!same_table || p->address + p->count() > farthest->address + farthest->count()) farthest = p;
    }
}

}  // namespace

Map read_map(ByteSource& source, track::ProblemSink& problems) {
    Map map;
    map.source = source.name();
    csv::Reader reader(source, problems);
    csv::Row row;
    if (!reader.next(row)) {
        throw track::InputError(map.source,
                                "the map is empty; its first line names the columns: "
                                "asset,metric,unit_id,table,address,type,order,scale,offset,unit");
    }
    const csv::Header header(row);
    const MapColumns columns(header);
    while (reader.next(row)) {
        Point point = read_point(MapRow(row, header, map.source), columns, reader.separator());
        point.line = row.where.line;
        map.points.push_back(std::move(point));
    }
    if (map.points.empty()) throw track::InputError(map.source, "the map has no rows, only its header");
    check_overlaps(map, columns.address, header);
    return map;
}

std::optional<Reference> parse_reference(std::string_view digits) noexcept {
    if (digits.size() != 5 && digits.size() != 6) return std::nullopt;
    const auto number = track::parse_uint64(digits);
    if (!number) return std::nullopt;
    // Each table's references: the leading digit, then the 1-based address (1..9999 in the
    // 5-digit form, 1..65536 in the 6-digit one).
    const std::uint64_t base = digits.size() == 5 ? 10'000 : 100'000;
    const std::uint64_t largest = digits.size() == 5 ? 9'999 : 65'536;
    const std::uint64_t one_based = *number % base;
    if (one_based < 1 || one_based > largest) return std::nullopt;
    const auto address = static_cast<std::uint16_t>(one_based - 1);
    switch (*number / base) {
        case 0: return Reference{Table::coil, address};
        case 1: return Reference{Table::discrete, address};
        case 3: return Reference{Table::input, address};
        case 4: return Reference{Table::holding, address};
        default: return std::nullopt;
    }
}

std::string to_reference(Table table, std::uint16_t address) {
    constexpr char digits[] = {'0', '1', '3', '4'};  // by Table: coil, discrete, input, holding
    const char digit = digits[static_cast<int>(table)];
    if (address < 9999) return fmt::format("{}{:04}", digit, address + 1);
    return fmt::format("{}{:05}", digit, address + 1);
}

std::vector<Request> plan(const Map& map, bool batch) {
    std::vector<std::size_t> order(map.points.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    const auto key = [&map](std::size_t i) {
        const Point& p = map.points[i];
        return std::tuple(p.unit_id, p.table, p.address, i);
    };
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) < key(b); });

    std::vector<Request> requests;
    for (const std::size_t i : order) {
        const Point& p = map.points[i];
        const unsigned end = p.address + p.count();  // one past the point's last register
        if (batch && !requests.empty()) {
            Request& last = requests.back();
            const unsigned limit = is_bit_table(p.table) ? max_bits_per_request : max_registers_per_request;
            const unsigned last_end = last.address + last.count;
            const unsigned merged_end = std::max(last_end, end);
            if (last.unit_id == p.unit_id && last.table == p.table && p.address <= last_end &&
                merged_end - last.address <= limit) {
                last.count = static_cast<std::uint16_t>(merged_end - last.address);
                last.points.push_back(i);
                continue;
            }
        }
        requests.push_back({p.unit_id, p.table, p.address, static_cast<std::uint16_t>(p.count()), {i}});
    }
    return requests;
}

namespace {

// `number` written with `digits` significant digits (0: the shortest form that reads back as
// the same float32) and read back as a double.
double with_digits(double number, int digits) {
    if (digits != 0) return track::round_significant(number, digits);
    std::array<char, 64> text{};
    const auto written = std::to_chars(text.data(), text.data() + text.size(), static_cast<float>(number));
    double result = number;
    std::from_chars(text.data(), written.ptr, result);
    return result;
}

}  // namespace

Value decode_point(const Point& point, std::uint16_t request_address, std::span<const std::uint16_t> data) {
    if (point.address < request_address || point.address - request_address + point.count() > data.size()) {
        throw std::invalid_argument(fmt::format("registers {}+{} are not in the response ({}+{})", point.address,
                                                point.count(), request_address, data.size()));
    }
    Value value = decode(point.type, point.order, data.subspan(point.address - request_address, point.count()));
    if (value.text || !std::isfinite(value.number)) return value;
    // A float32 as the double nearest its shortest decimal form: 123.456f is
    // 123.45600128173828 as a double, while the device (and its display, and mbpoll) means
    // 123.456.
    if (point.type.kind == Kind::float32) value.number = with_digits(value.number, 0);
    // Scaling in binary adds digits no device meant (1245 x 0.01 is 12.450000000000001):
    // the result is rounded to 15 significant digits, all that a double holds exactly.
    if (point.scale != 1 || point.offset != 0)
        value.number = with_digits(value.number * point.scale + point.offset, 15);
    return value;
}

Interpretations interpret(std::span<const std::uint16_t> registers) {
    Interpretations out;
    if (registers.empty()) return out;
    out.raw = registers[0];
    out.int16 = static_cast<std::int16_t>(registers[0]);
    for (const int shift : {8, 0}) {
        const auto byte = static_cast<unsigned char>(registers[0] >> shift);
        out.ascii += byte >= 0x20 && byte < 0x7F ? static_cast<char>(byte) : '.';
    }
    if (registers.size() < 2) return out;
    for (const Order order : orders) {
        const std::uint64_t bits = big_endian_bits(order, registers.first(2));
        out.thirty_two.push_back({order, static_cast<std::int32_t>(static_cast<std::uint32_t>(bits)),
                                  static_cast<std::uint32_t>(bits),
                                  std::bit_cast<float>(static_cast<std::uint32_t>(bits))});
    }
    return out;
}

}  // namespace adapters::modbus
