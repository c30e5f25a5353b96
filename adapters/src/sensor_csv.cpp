// Data-logger CSV to reading records (see adapters/sensor_csv.hpp).
#include "adapters/sensor_csv.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "adapters/csv.hpp"
#include "track/error.hpp"
#include "track/number.hpp"

namespace adapters {

namespace {

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
    csv::Reader reader(source, problems_);
    csv::Row row;
    if (!reader.next(row)) return;
    const csv::Header header(row);
    std::map<std::string, std::size_t, std::less<>> role_at;          // role -> column index
    std::vector<std::pair<std::string, std::size_t>> metric_columns;  // wide format
    for (const auto& [key, column] : options_.columns) {
        const std::size_t at = header.require(column, fmt::format("for {}", key));
        if (is_role(key)) role_at[key] = at;
        else metric_columns.emplace_back(key, at);
    }
    for (const auto& [role, names] : role_names()) {
        if (role_at.contains(role)) continue;
        if (const auto at = header.find_any(names)) role_at[role] = *at;
    }
    // Readings of one row come out in the order of their columns.
    std::sort(metric_columns.begin(), metric_columns.end(),
              [](const auto& a, const auto& b) { return a.second < b.second; });
    const bool long_format = role_at.contains("metric") && role_at.contains("value");
    if (!role_at.contains("time")) header.missing("no time column; name it with --map time=COLUMN");
    if (!long_format && metric_columns.empty()) {
        header.missing(
            "no metric and value columns; name them with --map metric=COL,value=COL, or map metrics to their "
            "columns: --map temperature=COL");
    }
    if (long_format && !metric_columns.empty()) {
        header.missing("both metric/value columns and per-metric columns; use one layout");
    }

    while (reader.next(row)) {
        const auto role = [&](std::string_view name) -> std::string_view {
            const auto it = role_at.find(name);
            return it == role_at.end() ? std::string_view() : csv::cell(row, it->second);
        };
        track::Reading reading;
        const auto time = parse_logger_time(role("time"), options_.utc_offset);
        if (!time) {
            problems_.skipped(row.where, "bad time", role("time").empty() ? "missing" : role("time"));
            continue;
        }
        reading.time = *time;
        reading.asset = role_at.contains("asset") ? std::string(role("asset")) : options_.asset;
        reading.device = role_at.contains("device") ? std::string(role("device")) : options_.device;
        reading.src = track::to_string(row.where);

        // Emits one reading of `metric` from the text of its value; empty: no measurement.
        const auto emit = [&](std::string_view metric, std::string_view value_text, std::string_view unit) {
            if (value_text.empty()) return;
            const auto value = csv::parse_number(value_text, reader.separator());
            if (!value) {
                problems_.skipped(row.where, "bad value", fmt::format("{}: {}", metric, value_text));
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
                problems_.skipped(row.where, "no metric", "");
                continue;
            }
            emit(role("metric"), role("value"), role("unit"));
        } else {
            for (const auto& [metric, at] : metric_columns) emit(metric, csv::cell(row, at), {});
        }
    }
}

}  // namespace adapters
