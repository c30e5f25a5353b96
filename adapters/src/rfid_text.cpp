// The line formats of RFID readers: plain EPC lines (keyboard wedges, simple serial
// readers) and the CSV that LLRP clients log.
#include <array>
#include <vector>

#include <fmt/format.h>

#include "adapters/csv.hpp"
#include "rfid_formats.hpp"
#include "track/number.hpp"
#include "track/validate.hpp"

namespace adapters::rfid {

namespace {

// A reader line is short; anything longer is not one and is cut.
constexpr std::size_t max_line = 4096;

// Calls `on_line` for each line of `source` that is not blank or a '#' comment, trimmed,
// (FileSource has skipped a byte-order mark).
template <typename OnLine>
void for_each_record_line(ByteSource& source, track::ProblemSink& problems, OnLine on_line) {
    for_each_line(source, max_line, problems, [&](std::string_view text, const track::Location& where) {
        text = trim_blanks(text);
        if (!text.empty() && text.front() != '#') on_line(text, where);
    });
}

bool is_separator(char c) { return c == ',' || c == ';' || c == ' ' || c == '\t'; }

// Splits at runs of separators.
void split_tokens(std::string_view text, std::vector<std::string_view>& tokens) {
    tokens.clear();
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_separator(text[i])) ++i;
        const std::size_t start = i;
        while (i < text.size() && !is_separator(text[i])) ++i;
        if (i > start) tokens.push_back(text.substr(start, i - start));
    }
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

template <std::size_t N>
bool is_one_of(std::string_view word, const std::array<std::string_view, N>& names) {
    for (const std::string_view name : names) {
        if (equals_ignoring_case(word, name)) return true;
    }
    return false;
}

constexpr std::array<std::string_view, 3> epc_names{"epc", "epc96", "epc_hex"};
constexpr std::array<std::string_view, 3> antenna_names{"ant", "antenna", "antenna_port"};
constexpr std::array<std::string_view, 3> rssi_names{"rssi", "peak_rssi", "peakrssi"};
constexpr std::array<std::string_view, 5> time_names{"time", "ts", "timestamp", "first_seen", "firstseentimestamp"};
constexpr std::array<std::string_view, 4> reader_names{"reader", "reader_id", "reader_name", "hostname"};
constexpr std::array<std::string_view, 3> count_names{"count", "reads", "tag_seen_count"};

std::optional<int> parse_small_uint(std::string_view text, unsigned max) {
    const auto value = track::parse_uint(text);
    if (!value || static_cast<unsigned>(*value) > max) return std::nullopt;
    return *value;
}

// An RSSI in dBm: "-61", "-61.5", "-61dBm".
std::optional<double> parse_rssi(std::string_view text) {
    if (text.size() > 3 && equals_ignoring_case(text.substr(text.size() - 3), "dbm")) text.remove_suffix(3);
    const auto value = track::parse_decimal(text);
    if (!value || *value < track::min_rssi_dbm || *value > track::max_rssi_dbm) return std::nullopt;
    return value;
}

// A reader timestamp: RFC 3339 / ISO 8601, or a count since the Unix epoch in seconds,
// milliseconds or microseconds (LLRP's FirstSeenTimestampUTC), told apart by magnitude.
std::optional<track::Millis> parse_reader_time(std::string_view text) {
    if (const auto t = track::parse_iso8601(text)) return t;
    const auto n = track::parse_uint64(text);
    if (!n || *n > 10'000'000'000'000'000ULL) return std::nullopt;
    const auto v = static_cast<track::Millis>(*n);
    track::Millis t = 0;
    if (v >= 100'000'000'000'000) t = v / 1000;  // microseconds
    else if (v >= 100'000'000'000) t = v;        // milliseconds
    else if (v >= 100'000'000) t = v * 1000;     // seconds
    else return std::nullopt;                    // not a time since the epoch
    if (!track::is_rfc3339_time(t)) return std::nullopt;  // past year 9999: a corrupt clock
    return t;
}

// One EPC per line, then optional fields in any order, separated by commas, semicolons,
// tabs or spaces: `key=value` or `key:value` (ant, rssi, time, count, reader) or bare
// values recognised by their shape: a time (ISO 8601, or seconds, milliseconds or
// microseconds since the epoch), an RSSI (with a sign or "dBm"), an antenna (0-255).
class TextDecoder final : public FormatDecoder {
public:
    TextDecoder(track::ProblemSink& problems, ReportSink sink) : problems_(problems), sink_(std::move(sink)) {}

    void run(ByteSource& source) override {
        for_each_record_line(source, problems_,
                             [this](std::string_view text, const track::Location& where) { line(text, where); });
    }

private:
    void line(std::string_view text, const track::Location& where) {
        split_tokens(text, tokens_);
        if (tokens_.empty()) {
            // Only separators: no EPC to read (and no token to take the front of).
            problems_.skipped(where, "not an EPC", fmt::format("only separators: {}", text));
            return;
        }
        report_ = TagReport{};
        report_.where = where;
        std::string_view epc = tokens_.front();
        if (const auto eq = epc.find_first_of("=:"); eq != std::string_view::npos) {
            if (is_one_of(epc.substr(0, eq), epc_names)) epc.remove_prefix(eq + 1);
        }
        if (const std::string_view why = normalize_epc(epc, report_.epc); !why.empty()) {
            problems_.skipped(where, "not an EPC", fmt::format("{}: {}", why, tokens_.front()));
            return;
        }
        for (std::size_t i = 1; i < tokens_.size(); ++i) {
            if (!field(tokens_[i])) {
                problems_.skipped(where, "unrecognised field", tokens_[i]);
                return;
            }
        }
        sink_(report_);
    }

    // Fills the report from one token; false when it is not a field trk knows.
    bool field(std::string_view token) {
        std::string_view key;
        std::string_view value = token;
        if (const auto eq = token.find_first_of("=:"); eq != std::string_view::npos) {
            const std::string_view k = token.substr(0, eq);
            if (is_one_of(k, antenna_names) || is_one_of(k, rssi_names) || is_one_of(k, time_names) ||
                is_one_of(k, count_names) || is_one_of(k, reader_names)) {
                key = k;
                value = token.substr(eq + 1);
            }
        }
        if (key.empty()) {
            // A bare value: its shape says what it is.
            if (const auto t = track::parse_iso8601(value)) return set_once(report_.time, *t);
            if (value.front() == '-' || value.front() == '+' || value.ends_with("dBm") || value.ends_with("dbm")) {
                const auto rssi = parse_rssi(value);
                return rssi && set_once(report_.rssi, *rssi);
            }
            if (const auto antenna = parse_small_uint(value, 255)) return set_once(report_.antenna, *antenna);
            const auto t = parse_reader_time(value);  // a count since the epoch: far larger than an antenna
            return t && set_once(report_.time, *t);
        }
        if (is_one_of(key, antenna_names)) {
            const auto antenna = parse_small_uint(value, 255);
            return antenna && set_once(report_.antenna, *antenna);
        }
        if (is_one_of(key, rssi_names)) {
            const auto rssi = parse_rssi(value);
            return rssi && set_once(report_.rssi, *rssi);
        }
        if (is_one_of(key, time_names)) {
            const auto t = parse_reader_time(value);
            return t && set_once(report_.time, *t);
        }
        if (is_one_of(key, reader_names)) {
            report_.reader = std::string(value);
            return !value.empty();
        }
        const auto count = parse_small_uint(value, 1'000'000);
        if (!count || *count == 0) return false;
        report_.count = *count;
        return true;
    }

    template <typename T>
    static bool set_once(std::optional<T>& slot, T value) {
        if (slot) return false;  // the same field twice: ambiguous
        slot = value;
        return true;
    }

    track::ProblemSink& problems_;
    ReportSink sink_;
    std::vector<std::string_view> tokens_;
    TagReport report_;
};

// timestamp,reader,antenna,rssi,epc: the columns LLRP clients log, in that order unless
// a header line names them (in any order, with extra columns ignored).
class LlrpCsvDecoder final : public FormatDecoder {
public:
    LlrpCsvDecoder(track::ProblemSink& problems, ReportSink sink) : problems_(problems), sink_(std::move(sink)) {}

    void run(ByteSource& source) override {
        csv::Reader records(source, problems_,
                            {.separator = 0, .max_record = max_line, .refuse_other_encodings = false});
        bool first = true;
        while (records.next(row_)) {
            if (first) {
                first = false;
                if (header()) continue;
            }
            line(row_.where);
        }
    }

private:
    enum Column { time, reader, antenna, rssi, epc, count, columns };

    // Takes the column positions from a header line; false when the line is data.
    bool header() {
        std::array<int, columns> found;
        found.fill(-1);
        for (std::size_t i = 0; i < row_.cells.size(); ++i) {
            const std::string_view name = row_.cells[i];
            const int at = static_cast<int>(i);
            if (is_one_of(name, time_names)) found[time] = at;
            else if (is_one_of(name, reader_names)) found[reader] = at;
            else if (is_one_of(name, antenna_names) || equals_ignoring_case(name, "antennaport")) found[antenna] = at;
            else if (is_one_of(name, rssi_names)) found[rssi] = at;
            else if (is_one_of(name, epc_names)) found[epc] = at;
            else if (is_one_of(name, count_names)) found[count] = at;
        }
        if (found[epc] < 0) return false;
        at_ = found;
        return true;
    }

    void line(const track::Location& where) {
        report_ = TagReport{};
        report_.where = where;
        const auto get = [this](Column c) -> std::string_view {
            const int i = at_[c];
            return i >= 0 ? csv::cell(row_, static_cast<std::size_t>(i)) : std::string_view{};
        };
        const auto bad = [&](std::string_view what, std::string_view value) {
            problems_.skipped(where, fmt::format("bad {}", what), value.empty() ? "missing" : value);
        };
        if (const std::string_view why = normalize_epc(get(epc), report_.epc); !why.empty()) {
            return bad("epc", get(epc));
        }
        if (const std::string_view t = get(time); !t.empty()) {
            report_.time = parse_reader_time(t);
            if (!report_.time) return bad("timestamp", t);
        }
        report_.reader = std::string(get(reader));
        if (const std::string_view a = get(antenna); !a.empty()) {
            report_.antenna = parse_small_uint(a, 255);
            if (!report_.antenna) return bad("antenna", a);
        }
        if (const std::string_view r = get(rssi); !r.empty()) {
            report_.rssi = parse_rssi(r);
            if (!report_.rssi) return bad("rssi", r);
        }
        if (const std::string_view c = get(count); !c.empty()) {
            const auto n = parse_small_uint(c, 1'000'000);
            if (!n || *n == 0) return bad("count", c);
            report_.count = *n;
        }
        sink_(report_);
    }

    track::ProblemSink& problems_;
    ReportSink sink_;
    std::array<int, columns> at_{0, 1, 2, 3, 4, -1};
    csv::Row row_;
    TagReport report_;
};

std::unique_ptr<FormatDecoder> make_text_decoder(track::ProblemSink& problems, ReportSink sink) {
    return std::make_unique<TextDecoder>(problems, std::move(sink));
}

std::unique_ptr<FormatDecoder> make_llrp_csv_decoder(track::ProblemSink& problems, ReportSink sink) {
    return std::make_unique<LlrpCsvDecoder>(problems, std::move(sink));
}

}  // namespace

}  // namespace adapters::rfid

TRK_REGISTER_RFID_FORMAT(text,
                         {.name = "text",
                          .listed = 10,
                          .help = "one EPC in hex per line, then optional fields (keyboard wedges, serial readers)",
                          .make_decoder = adapters::rfid::make_text_decoder,
                          .default_baud = 9600,
                          .line_based = true})

TRK_REGISTER_RFID_FORMAT(llrp_csv,
                         {.name = "llrp-csv",
                          .listed = 60,
                          .help = "the CSV that LLRP clients log: timestamp,reader,antenna,rssi,epc or a header",
                          .make_decoder = adapters::rfid::make_llrp_csv_decoder,
                          .line_based = true})
