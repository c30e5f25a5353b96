// JSON output of records (fmt, fixed field order); their reading is in json_read.cpp.
#include "track/json.hpp"

#include <cstring>

#include <fmt/compile.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "track/number.hpp"

namespace track {

// ---------------------------------------------------------------------------------------
// Writing

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    unsigned min_cp = 0;
    unsigned cp = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2, cp = b0 & 0x1Fu, min_cp = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3, cp = b0 & 0x0Fu, min_cp = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4, cp = b0 & 0x07u, min_cp = 0x10000;
    } else {
        return 0;
    }
    if (i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0u) != 0x80u) return 0;
        cp = (cp << 6) | (b & 0x3Fu);
    }
    if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

// Printable ASCII other than the quote and the backslash: written as is.
constexpr bool is_plain_json_byte(unsigned char c) noexcept { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

// The most bytes write_json_string writes for `text`: quotes, and 6 per escaped byte (its
// 16-byte stores write only bytes of the output).
std::size_t json_string_room(std::string_view text) noexcept { return 2 + 6 * text.size(); }

}  // namespace

char* write_json_string(char* out, std::string_view text) noexcept {
    *out++ = '"';
    const char* const data = text.data();
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        // Runs of plain ASCII (nearly every id, device and file name) are copied at once:
        // 16 bytes a step where SSE2 is there (x86-64 always), byte by byte after.
#if defined(__SSE2__)
        const __m128i space = _mm_set1_epi8(0x20);
        const __m128i quote = _mm_set1_epi8('"');
        const __m128i backslash = _mm_set1_epi8('\\');
        for (; i + 16 <= n; i += 16) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
            // Signed compare: bytes >= 0x80 are negative, so they count as "below space" too.
            const __m128i special = _mm_or_si128(_mm_cmplt_epi8(v, space),
                                                 _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
            const auto mask = static_cast<unsigned>(_mm_movemask_epi8(special));
            if (mask != 0) {
                const auto k = static_cast<std::size_t>(__builtin_ctz(mask));
                std::memcpy(out, data + i, k);
                out += k;
                i += k;
                break;
            }
            _mm_storeu_si128(reinterpret_cast<__m128i*>(out), v);
            out += 16;
        }
#endif
        std::size_t plain = i;
        while (plain < n && is_plain_json_byte(static_cast<unsigned char>(data[plain]))) ++plain;
        std::memcpy(out, data + i, plain - i);
        out += plain - i;
        i = plain;
        if (i == n) break;
        const auto c = static_cast<unsigned char>(data[i]);
        if (c >= 0x80) {
            if (const std::size_t len = utf8_sequence_length(text, i); len != 0) {
                std::memcpy(out, data + i, len);
                out += len;
                i += len;
            } else {
                static constexpr char replacement[] = {'\xEF', '\xBF', '\xBD'};  // U+FFFD, in UTF-8
                std::memcpy(out, replacement, sizeof replacement);
                out += sizeof replacement;
                ++i;
            }
            continue;
        }
        *out++ = '\\';
        switch (c) {
            case '"': *out++ = '"'; break;
            case '\\': *out++ = '\\'; break;
            // JSON's two-character escapes, all five as simdjson writes them: the unknown members a
            // stage passes on are re-serialized by simdjson, and must come out as trk wrote them.
            case '\b': *out++ = 'b'; break;
            case '\f': *out++ = 'f'; break;
            case '\n': *out++ = 'n'; break;
            case '\r': *out++ = 'r'; break;
            case '\t': *out++ = 't'; break;
            default:
                *out++ = 'u';
                *out++ = '0';
                *out++ = '0';
                *out++ = hex_digits[c >> 4];
                *out++ = hex_digits[c & 0xF];
        }
        ++i;
    }
    *out++ = '"';
    return out;
}

void append_json_string(fmt::memory_buffer& out, std::string_view text) {
    const std::size_t start = out.size();
    out.resize(start + json_string_room(text));
    out.resize(static_cast<std::size_t>(write_json_string(out.data() + start, text) - out.data()));
}

namespace {

// Writes one JSON object straight into the output buffer: room for the whole record is
// reserved once, then members are written through a cursor (records are written millions
// of times a second; per-member capacity checks showed in profiles). This is why records
// do not go through JsonWriter, whose every token checks capacity and tracks commas: it
// writes the same strings (write_json_string) and numbers (write_fixed, write_rounded).
class ObjectWriter {
public:
    /// `strings` are the variable-length texts the record will write (they size the room).
    ObjectWriter(fmt::memory_buffer& out, std::string_view type, std::initializer_list<std::string_view> strings,
                 std::string_view extra, const std::vector<std::string>* list = nullptr)
        : out_(out), start_(out.size()) {
        std::size_t room = fixed_room + extra.size();
        for (const std::string_view s : strings) room += json_string_room(s);
        if (list != nullptr) {
            for (const std::string& s : *list) room += json_string_room(s) + 1;
        }
        out_.resize(start_ + room);
        p_ = out_.data() + start_;
        literal("{\"type\":\"");
        literal(type);
        *p_++ = '"';
    }

    void key(std::string_view name) {
        *p_++ = ',';
        *p_++ = '"';
        literal(name);
        *p_++ = '"';
        *p_++ = ':';
    }
    void time(std::string_view name, Millis t) {
        key(name);
        *p_++ = '"';
        p_ = write_rfc3339(p_, t);
        *p_++ = '"';
    }
    void time(std::string_view name, const std::optional<Millis>& t) {
        if (t) time(name, *t);
    }
    void string(std::string_view name, std::string_view value) {
        if (value.empty()) return;
        key(name);
        p_ = write_json_string(p_, value);
    }
    /// An array of strings (room for it was counted by the constructor's `list`).
    void strings(std::string_view name, const std::vector<std::string>& values) {
        key(name);
        *p_++ = '[';
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (i > 0) *p_++ = ',';
            p_ = write_json_string(p_, values[i]);
        }
        *p_++ = ']';
    }
    void fixed(std::string_view name, double value, int decimals) {
        key(name);
        p_ = write_fixed(p_, value, decimals);
    }
    void rounded(std::string_view name, const std::optional<double>& value, int decimals) {
        if (!value) return;
        key(name);
        p_ = write_rounded(p_, *value, decimals);
    }
    void shortest(std::string_view name, double value) {
        key(name);
        // Compiled: the same shortest form, without parsing "{}" for every record.
        p_ = fmt::format_to_n(p_, 32, FMT_COMPILE("{}"), value).out;
    }
    /// A member whose value is written as given (`true`).
    void literal_member(std::string_view name, std::string_view json) {
        key(name);
        literal(json);
    }
    void integer(std::string_view name, const std::optional<int>& value) {
        if (!value) return;
        key(name);
        const fmt::format_int digits(*value);
        literal(std::string_view(digits.data(), digits.size()));
    }
    /// Closes the object: src, then the unknown members, then the newline.
    void finish(const RecordBase& base) {
        string("src", base.src);
        literal(base.extra);
        *p_++ = '}';
        *p_++ = '\n';
        out_.resize(static_cast<std::size_t>(p_ - out_.data()));
    }

private:
    // Enough for the type, every fixed-size member (keys, numbers, times) of any record.
    static constexpr std::size_t fixed_room = 1024;

    void literal(std::string_view text) {
        std::memcpy(p_, text.data(), text.size());
        p_ += text.size();
    }

    fmt::memory_buffer& out_;
    std::size_t start_;
    char* p_ = nullptr;
};

}  // namespace

void append_json(fmt::memory_buffer& out, const Fix& fix) {
    ObjectWriter w(out, "fix", {fix.asset, fix.device, fix.src}, fix.extra, fix.zones ? &*fix.zones : nullptr);
    w.time("time", fix.time);
    w.string("asset", fix.asset);
    w.string("device", fix.device);
    if (fix.mode != FixMode::none) {  // a no-fix epoch has no position to state
        w.fixed("lat", fix.lat, 7);
        w.fixed("lon", fix.lon, 7);
    }
    w.rounded("alt", fix.alt, 3);
    w.rounded("speed", fix.speed, 3);
    if (fix.speed_derived) w.literal_member("speed_derived", "true");
    w.rounded("course", fix.course, 2);
    w.rounded("hdop", fix.hdop, 2);
    w.rounded("vdop", fix.vdop, 2);
    w.rounded("pdop", fix.pdop, 2);
    w.integer("sats", fix.sats);
    w.string("fix", to_string(fix.mode));
    if (fix.quality != FixQuality::unknown) w.string("quality", to_string(fix.quality));
    w.rounded("lat_err", fix.lat_err, 3);
    w.rounded("lon_err", fix.lon_err, 3);
    w.rounded("alt_err", fix.alt_err, 3);
    if (fix.zones) w.strings("zones", *fix.zones);
    w.finish(fix);
}

void append_json(fmt::memory_buffer& out, const Read& read) {
    ObjectWriter w(out, "read", {read.asset, read.epc, read.uri, read.reader, read.src}, read.extra);
    w.time("time", read.time);
    w.time("last", read.last);
    if (read.clock != ReadClock::unknown) w.string("clock", to_string(read.clock));
    w.string("asset", read.asset);
    w.string("epc", read.epc);
    w.string("uri", read.uri);
    w.string("reader", read.reader);
    w.integer("antenna", read.antenna);
    w.rounded("rssi", read.rssi, 1);
    w.rounded("rssi_raw", read.rssi_raw, 2);
    w.integer("count", read.count);
    w.integer("frequency", read.frequency);
    w.integer("phase", read.phase);
    w.finish(read);
}

void append_json(fmt::memory_buffer& out, const Reading& reading) {
    ObjectWriter w(out, "reading", {reading.asset, reading.device, reading.metric, reading.unit, reading.src},
                   reading.extra);
    w.time("time", reading.time);
    w.string("asset", reading.asset);
    w.string("device", reading.device);
    w.string("metric", reading.metric);
    w.shortest("value", reading.value);
    w.string("unit", reading.unit);
    w.finish(reading);
}

void append_json(fmt::memory_buffer& out, const Event& event) {
    ObjectWriter w(out, "event", {event.asset, event.event, event.fence, event.rule, event.src}, event.extra);
    w.time("time", event.time);
    w.string("event", event.event);
    w.string("asset", event.asset);
    w.string("fence", event.fence);
    w.string("rule", event.rule);
    w.finish(event);
}

void append_json(fmt::memory_buffer& out, const OpaqueRecord& record) {
    out.append(record.json);
    out.push_back('\n');
}

void append_json(fmt::memory_buffer& out, const Record& record) {
    std::visit([&out](const auto& r) { append_json(out, r); }, record);
}

// ---------------------------------------------------------------------------------------
// Enumerations

namespace {

constexpr std::pair<FixMode, std::string_view> mode_names[] = {
    {FixMode::none, "none"}, {FixMode::two_d, "2d"}, {FixMode::three_d, "3d"}};

constexpr std::pair<FixQuality, std::string_view> quality_names[] = {{FixQuality::unknown, "unknown"},
                                                                     {FixQuality::gps, "gps"},
                                                                     {FixQuality::dgps, "dgps"},
                                                                     {FixQuality::pps, "pps"},
                                                                     {FixQuality::rtk, "rtk"},
                                                                     {FixQuality::float_rtk, "float"},
                                                                     {FixQuality::estimated, "estimated"},
                                                                     {FixQuality::manual, "manual"},
                                                                     {FixQuality::simulated, "simulated"}};

constexpr std::pair<ReadClock, std::string_view> clock_names[] = {{ReadClock::reader, "reader"},
                                                                  {ReadClock::arrival, "arrival"}};

template <typename Enum, std::size_t N>
std::string_view name_of(const std::pair<Enum, std::string_view> (&table)[N], Enum value) noexcept {
    for (const auto& [e, name] : table) {
        if (e == value) return name;
    }
    return "unknown";
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_of(const std::pair<Enum, std::string_view> (&table)[N], std::string_view text) noexcept {
    for (const auto& [e, name] : table) {
        if (name == text) return e;
    }
    return std::nullopt;
}

}  // namespace

std::string_view to_string(FixMode mode) noexcept { return name_of(mode_names, mode); }
std::string_view to_string(FixQuality quality) noexcept { return name_of(quality_names, quality); }
std::optional<FixMode> fix_mode_from_string(std::string_view text) noexcept { return value_of(mode_names, text); }
std::optional<FixQuality> fix_quality_from_string(std::string_view text) noexcept {
    return value_of(quality_names, text);
}
std::string_view to_string(ReadClock clock) noexcept { return name_of(clock_names, clock); }
std::optional<ReadClock> read_clock_from_string(std::string_view text) noexcept { return value_of(clock_names, text); }

}  // namespace track
