// Data-logger CSV to reading records (see adapters/sensor_csv.hpp).
#include "adapters/sensor_csv.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include <fmt/format.h>

#include "track/error.hpp"
#include "track/number.hpp"

namespace adapters {

namespace {

constexpr std::size_t max_line = 16 * 1024;

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// The separator a header line uses: the most frequent of comma, semicolon and tab.
char separator_of(std::string_view header) {
    std::array<std::pair<char, std::size_t>, 3> counts{{{',', 0}, {';', 0}, {'\t', 0}}};
    for (auto& [c, n] : counts) n = static_cast<std::size_t>(std::count(header.begin(), header.end(), c));
    char best = ',';
    std::size_t most = 0;
    for (const auto& [c, n] : counts) {
        if (n > most) {
            best = c;
            most = n;
        }
    }
    return best;
}

// Splits one CSV line; quoted fields may hold the separator and doubled quotes.
void split(std::string_view line, char sep, std::vector<std::string>& fields) {
    fields.clear();
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == sep) {
            fields.push_back(std::move(field));
            field.clear();
        } else {
            field += c;
        }
    }
    fields.push_back(std::move(field));
    for (std::string& f : fields) {
        while (!f.empty() && (f.back() == ' ' || f.back() == '\r')) f.pop_back();
        while (!f.empty() && f.front() == ' ') f.erase(0, 1);
    }
}

const std::map<std::string, std::string, std::less<>>& builtin_units() {
    static const std::map<std::string, std::string, std::less<>> units{
        {"temperature", "Cel"}, {"humidity", "%"}, {"shock", "g"}, {"battery", "%"}};
    return units;
}

// Usual header names of each role, lower case.
const std::map<std::string, std::vector<std::string>, std::less<>>& role_names() {
    static const std::map<std::string, std::vector<std::string>, std::less<>> names{
        {"time", {"time", "timestamp", "datetime", "date_time", "ts"}},
        {"asset", {"asset", "asset_id"}},
        {"device", {"device", "logger", "sensor", "device_id", "serial"}},
        {"metric", {"metric", "quantity"}},
        {"value", {"value", "reading"}},
        {"unit", {"unit", "units"}}};
    return names;
}

bool is_role(std::string_view key) { return role_names().contains(key); }

// A logger's time: RFC 3339 / ISO 8601 with a zone, the same without a zone (logger
// local time, shifted by `utc_offset`), or seconds / milliseconds since the epoch.
std::optional<track::Millis> parse_logger_time(std::string_view text, track::Millis utc_offset) {
    if (const auto t = track::parse_iso8601(text)) return t;
    if (text.size() >= 19 && text.size() <= 29) {
        std::string zoned(text);
        zoned += 'Z';
        if (const auto t = track::parse_rfc3339(zoned); t && track::is_rfc3339_time(*t - utc_offset)) {
            return *t - utc_offset;
        }
    }
    if (const auto n = track::parse_uint64(text); n && *n < 10'000'000'000'000ULL) {
        const auto v = static_cast<track::Millis>(*n);
        if (v >= 100'000'000'000) return v;     // milliseconds
        if (v >= 100'000'000) return v * 1000;  // seconds
    }
    return std::nullopt;
}

}  // namespace

SensorCsvReader::SensorCsvReader(SensorCsvOptions options, track::ProblemSink& problems, Sink sink)
    : options_(std::move(options)), problems_(problems), sink_(std::move(sink)) {}

void SensorCsvReader::run(ByteSource& source) {
    LineReader lines(source, max_line);
    Line line;
    std::vector<std::string> fields;
    char sep = ',';
    bool have_header = false;
    std::map<std::string, std::size_t, std::less<>> role_at;          // role -> column index
    std::vector<std::pair<std::string, std::size_t>> metric_columns;  // wide format
    const auto where_of = [&source](const Line& l) { return track::Location{source.name(), l.number}; };

    while (lines.next(line)) {
        if (line.overlong) {
            problems_.skipped(where_of(line), "line too long", fmt::format("over {} bytes", max_line));
            continue;
        }
        std::string_view text = line.text;
        if (text.empty() || text.front() == '#') continue;
        if (!have_header) {
            have_header = true;
            sep = separator_of(text);
            split(text, sep, fields);
            std::map<std::string, std::size_t, std::less<>> index;  // lower-case name -> column
            for (std::size_t i = 0; i < fields.size(); ++i) index.emplace(lower(fields[i]), i);
            const auto find = [&](const std::string& column) -> std::optional<std::size_t> {
                const auto it = index.find(lower(column));
                if (it == index.end()) return std::nullopt;
                return it->second;
            };
            for (const auto& [key, column] : options_.columns) {
                const auto at = find(column);
                if (!at) {
                    throw track::InputError(track::to_string(where_of(line)),
                                            fmt::format("no column \"{}\" in the header (for {})", column, key));
                }
                if (is_role(key)) role_at[key] = *at;
                else metric_columns.emplace_back(key, *at);
            }
            for (const auto& [role, names] : role_names()) {
                if (role_at.contains(role)) continue;
                for (const std::string& name : names) {
                    if (const auto at = find(name)) {
                        role_at[role] = *at;
                        break;
                    }
                }
            }
            // Readings of one row come out in the order of their columns.
            std::sort(metric_columns.begin(), metric_columns.end(),
                      [](const auto& a, const auto& b) { return a.second < b.second; });
            const bool long_format = role_at.contains("metric") && role_at.contains("value");
            if (!role_at.contains("time")) {
                throw track::InputError(track::to_string(where_of(line)),
                                        "no time column; name it with --map time=COLUMN");
            }
            if (!long_format && metric_columns.empty()) {
                throw track::InputError(track::to_string(where_of(line)),
                                        "no metric and value columns; name them with --map metric=COL,value=COL, "
                                        "or map metrics to their columns: --map temperature=COL");
            }
            if (long_format && !metric_columns.empty()) {
                throw track::InputError(track::to_string(where_of(line)),
                                        "both metric/value columns and per-metric columns; use one layout");
            }
            continue;
        }

        split(text, sep, fields);
        const auto cell = [&fields](std::size_t i) -> std::string_view {
            return i < fields.size() ? std::string_view(fields[i]) : std::string_view();
        };
        const auto role = [&](std::string_view name) -> std::string_view {
            const auto it = role_at.find(name);
            return it == role_at.end() ? std::string_view() : cell(it->second);
        };
        track::Reading reading;
        const std::string src = track::to_string(where_of(line));
        const auto time = parse_logger_time(role("time"), options_.utc_offset);
        if (!time) {
            problems_.skipped(where_of(line), "bad time", role("time").empty() ? "missing" : role("time"));
            continue;
        }
        reading.time = *time;
        reading.asset = role_at.contains("asset") ? std::string(role("asset")) : options_.asset;
        reading.device = role_at.contains("device") ? std::string(role("device")) : options_.device;
        reading.src = src;

        // Emits one reading of `metric` from the text of its value; empty: no measurement.
        const auto emit = [&](std::string_view metric, std::string_view value_text, std::string_view unit) {
            if (value_text.empty()) return;
            std::string number(value_text);
            if (sep != ',') std::replace(number.begin(), number.end(), ',', '.');
            const auto value = track::parse_decimal(number);
            if (!value) {
                problems_.skipped(where_of(line), "bad value", fmt::format("{}: {}", metric, value_text));
                return;
            }
            reading.metric = std::string(metric);
            reading.value = *value;
            if (!unit.empty()) {
                reading.unit = std::string(unit);
            } else if (const auto u = options_.units.find(metric); u != options_.units.end()) {
                reading.unit = u->second;
            } else if (const auto b = builtin_units().find(metric); b != builtin_units().end()) {
                reading.unit = b->second;
            } else {
                reading.unit.clear();
            }
            sink_(reading);
        };
        if (metric_columns.empty()) {
            if (role("metric").empty()) {
                problems_.skipped(where_of(line), "no metric", "");
                continue;
            }
            emit(role("metric"), role("value"), role("unit"));
        } else {
            for (const auto& [metric, at] : metric_columns) emit(metric, cell(at), {});
        }
    }
}

}  // namespace adapters
