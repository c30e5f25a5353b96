// JSON Lines input of records: simdjson's DOM, one parser reused line after line, fields
// checked as they are assigned (json.cpp writes them).
#include <new>

#include <simdjson.h>

#include "track/error.hpp"
#include "track/json.hpp"
#include "track/json_limits.hpp"
#include "track/json_writer.hpp"
#include "track/number.hpp"
#include "track/time.hpp"

namespace track {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// One member of the object being parsed, with what error messages need to name it.
struct Member {
    std::string_view key;
    element value;
    std::string_view where;

    [[noreturn]] void fail(std::string_view expected) const {
        throw InputError(std::string(where), fmt::format("field \"{}\": expected {}", key, expected));
    }
    bool is_null() const { return value.type() == element_type::NULL_VALUE; }

    // The string (empty for null), valid while the parser keeps this line: a view, so that
    // a field is assigned in place and enum names are looked up without a copy.
    std::string_view string() const {
        if (is_null()) return {};
        std::string_view s;
        if (value.get_string().get(s) != simdjson::SUCCESS) fail("a string");
        return s;
    }
    double number() const {
        double d = 0;
        if (value.get_double().get(d) != simdjson::SUCCESS) fail("a number");
        return d;
    }
    std::optional<std::vector<std::string>> strings() const {
        if (is_null()) return std::nullopt;
        simdjson::dom::array array;
        if (value.get_array().get(array) != simdjson::SUCCESS) fail("an array of strings");
        std::vector<std::string> out;
        for (const element item : array) {
            std::string_view s;
            if (item.get_string().get(s) != simdjson::SUCCESS) fail("an array of strings");
            out.emplace_back(s);
        }
        return out;
    }
    bool boolean() const {
        bool b = false;
        if (value.get_bool().get(b) != simdjson::SUCCESS) fail("true or false");
        return b;
    }
    std::optional<double> optional_number() const {
        if (is_null()) return std::nullopt;
        return number();
    }
    std::optional<int> optional_int() const {
        if (is_null()) return std::nullopt;
        std::int64_t i = 0;
        if (value.get_int64().get(i) != simdjson::SUCCESS || i < INT32_MIN || i > INT32_MAX) {
            fail("an integer");
        }
        return static_cast<int>(i);
    }
    Millis time() const {
        std::string_view s;
        if (value.get_string().get(s) != simdjson::SUCCESS) fail("an RFC 3339 time string");
        const auto t = parse_rfc3339(s);
        if (!t) fail("an RFC 3339 time like 2026-11-24T14:03:07.250Z");
        return *t;
    }
};

// Whether `key` is `name`. Keys are compared millions of times a second: with the length
// known at compile time, the memcmp is inlined into a word compare (string_view's == called
// the library memcmp, which showed in profiles).
template <std::size_t N>
bool key_is(std::string_view key, const char (&name)[N]) noexcept {
    return key.size() == N - 1 && std::memcmp(key.data(), name, N - 1) == 0;
}

// Fields some record type requires, as bits of the set parse_members collects in its
// member loop (looking each one up with at_key scanned the object again per field).
enum RequiredField : unsigned {
    field_time = 1u << 0,
    field_epc = 1u << 1,
    field_metric = 1u << 2,
    field_value = 1u << 3,
    field_event = 1u << 4,
    field_lat = 1u << 5,
    field_lon = 1u << 6,
};

// Fields every record type shares; false when `m` is not one of them. Adds what it saw to `seen`.
bool assign_base(RecordBase& r, const Member& m, unsigned& seen) {
    const std::string_view k = m.key;
    if (key_is(k, "time")) {
        seen |= field_time;
        r.time = m.time();
    } else if (key_is(k, "asset")) r.asset = m.string();
    else if (key_is(k, "src")) r.src = m.string();
    else return false;
    return true;
}

// The fix fields (then the shared ones); false when `m` is none of them.
bool assign(Fix& f, const Member& m, unsigned& seen) {
    const std::string_view k = m.key;
    if (key_is(k, "lat")) {
        seen |= field_lat;
        f.lat = m.number();
    } else if (key_is(k, "lon")) {
        seen |= field_lon;
        f.lon = m.number();
    } else if (key_is(k, "device")) f.device = m.string();
    else if (key_is(k, "alt")) f.alt = m.optional_number();
    else if (key_is(k, "speed")) f.speed = m.optional_number();
    else if (key_is(k, "speed_derived")) f.speed_derived = m.boolean();
    else if (key_is(k, "course")) f.course = m.optional_number();
    else if (key_is(k, "hdop")) f.hdop = m.optional_number();
    else if (key_is(k, "vdop")) f.vdop = m.optional_number();
    else if (key_is(k, "pdop")) f.pdop = m.optional_number();
    else if (key_is(k, "sats")) f.sats = m.optional_int();
    else if (key_is(k, "lat_err")) f.lat_err = m.optional_number();
    else if (key_is(k, "lon_err")) f.lon_err = m.optional_number();
    else if (key_is(k, "alt_err")) f.alt_err = m.optional_number();
    else if (key_is(k, "zones")) f.zones = m.strings();
    else if (key_is(k, "fix")) {
        const auto mode = fix_mode_from_string(m.string());
        if (!mode) m.fail("\"2d\", \"3d\" or \"none\"");
        f.mode = *mode;
    } else if (key_is(k, "quality")) {
        const auto quality = fix_quality_from_string(m.string());
        if (!quality) m.fail("a fix quality (gps, dgps, pps, rtk, float, estimated, manual, simulated)");
        f.quality = *quality;
    } else return assign_base(f, m, seen);
    return true;
}

// The read fields (then the shared ones); false when `m` is none of them.
bool assign(Read& r, const Member& m, unsigned& seen) {
    const std::string_view k = m.key;
    if (key_is(k, "epc")) {
        seen |= field_epc;
        r.epc = m.string();
    } else if (key_is(k, "uri")) r.uri = m.string();
    else if (key_is(k, "reader")) r.reader = m.string();
    else if (key_is(k, "antenna")) r.antenna = m.optional_int();
    else if (key_is(k, "rssi")) r.rssi = m.optional_number();
    else if (key_is(k, "rssi_raw")) r.rssi_raw = m.optional_number();
    else if (key_is(k, "count")) r.count = m.optional_int();
    else if (key_is(k, "frequency")) r.frequency = m.optional_int();
    else if (key_is(k, "phase")) r.phase = m.optional_int();
    else if (key_is(k, "last")) {
        if (!m.is_null()) r.last = m.time();
    } else if (key_is(k, "clock")) {
        const auto clock = read_clock_from_string(m.string());
        if (!clock) m.fail("\"reader\" or \"arrival\"");
        r.clock = *clock;
    } else return assign_base(r, m, seen);
    return true;
}

// The reading fields (then the shared ones); false when `m` is none of them.
bool assign(Reading& r, const Member& m, unsigned& seen) {
    const std::string_view k = m.key;
    if (key_is(k, "metric")) {
        seen |= field_metric;
        r.metric = m.string();
    } else if (key_is(k, "value")) {
        seen |= field_value;
        r.value = m.number();
    } else if (key_is(k, "device")) r.device = m.string();
    else if (key_is(k, "unit")) r.unit = m.string();
    else return assign_base(r, m, seen);
    return true;
}

// The event fields (then the shared ones); false when `m` is none of them.
bool assign(Event& e, const Member& m, unsigned& seen) {
    const std::string_view k = m.key;
    if (key_is(k, "event")) {
        seen |= field_event;
        e.event = m.string();
    } else if (key_is(k, "fence")) e.fence = m.string();
    else if (key_is(k, "rule")) e.rule = m.string();
    else return assign_base(e, m, seen);
    return true;
}

// A required field: its bit in parse_members' set, and its name for the error.
struct Required {
    RequiredField bit;
    std::string_view name;
};

// Fields without which a record of this type means nothing, in the order they are reported.
template <typename R>
constexpr Required required_fields[] = {{field_time, "time"}};
template <>
constexpr Required required_fields<Fix>[] = {{field_time, "time"}};  // lat/lon: see below
template <>
constexpr Required required_fields<Read>[] = {{field_time, "time"}, {field_epc, "epc"}};
template <>
constexpr Required required_fields<Reading>[] = {
    {field_time, "time"}, {field_metric, "metric"}, {field_value, "value"}};
template <>
constexpr Required required_fields<Event>[] = {{field_time, "time"}, {field_event, "event"}};

// Throws "missing field" for the first required field of R that `present` says is absent.
template <typename R, typename Present>
void require_fields(Present present, std::string_view where) {
    for (const Required& field : required_fields<R>) {
        if (!present(field)) throw InputError(std::string(where), fmt::format("missing field \"{}\"", field.name));
    }
}

template <typename R>
R parse_members(simdjson::dom::object object, std::string_view where) {
    R record;
    unsigned seen = 0;
    fmt::memory_buffer extra;
    try {
        // The Member is built from the iterator, not from a copied key/value pair: copying
        // that pair stalled on store forwarding in every iteration (a hot spot in profiles).
        for (auto field = object.begin(); field != object.end(); ++field) {
            const Member m{field.key(), field.value(), where};
            if (key_is(m.key, "type")) continue;
            if (assign(record, m, seen)) continue;
            JsonWriter::extra_members(extra).key(m.key).raw(simdjson::minify(m.value));
        }
    } catch (const InputError&) {
        // A missing field is reported before any bad value: look the fields up (this path
        // is rare, the loop did not see them all), then let the member's error through.
        require_fields<R>(
            [&object](const Required& field) { return object.at_key(field.name).error() == simdjson::SUCCESS; }, where);
        throw;
    }
    require_fields<R>([seen](const Required& field) { return (seen & field.bit) != 0; }, where);
    record.extra.assign(extra.data(), extra.size());
    if constexpr (std::is_same_v<R, Fix>) {
        // A fix states a position, unless it says it has none.
        if (record.mode != FixMode::none) {
            if ((seen & field_lat) == 0) throw InputError(std::string(where), "missing field \"lat\"");
            if ((seen & field_lon) == 0) throw InputError(std::string(where), "missing field \"lon\"");
        }
    }
    return record;
}

}  // namespace

simdjson::dom::parser bounded_json_parser() {
    simdjson::dom::parser parser;
    // Sized for a record line; parse() grows it (keeping the depth) for longer texts.
    if (parser.allocate(simdjson::dom::MINIMAL_DOCUMENT_CAPACITY, max_json_depth) != simdjson::SUCCESS) {
        throw std::bad_alloc();
    }
    return parser;
}

struct RecordParser::Impl {
    simdjson::dom::parser parser = bounded_json_parser();
};

RecordParser::RecordParser() : impl_(std::make_unique<Impl>()) {}
RecordParser::~RecordParser() = default;

Record RecordParser::parse(std::string_view line, std::string_view where) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
        line.remove_suffix(1);
    }
    element doc;
    if (const auto error = impl_->parser.parse(line.data(), line.size()).get(doc); error) {
        throw InputError(std::string(where), json_error_reason(error, line));
    }
    simdjson::dom::object object;
    if (doc.get_object().get(object) != simdjson::SUCCESS) {
        throw InputError(std::string(where), "not a JSON object");
    }
    std::string_view type;
    if (object.at_key("type").get_string().get(type) == simdjson::SUCCESS) {
        if (key_is(type, "fix")) return parse_members<Fix>(object, where);
        if (key_is(type, "read")) return parse_members<Read>(object, where);
        if (key_is(type, "reading")) return parse_members<Reading>(object, where);
        if (key_is(type, "event")) return parse_members<Event>(object, where);
    }
    return OpaqueRecord{std::string(line)};
}

}  // namespace track
