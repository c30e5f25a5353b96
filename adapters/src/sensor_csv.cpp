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

// A row's time, or why it has none: the reason and detail of the problem report.
struct RowTime {
    RowTime(track::Millis t) : time(t) {}  // NOLINT(google-explicit-constructor): a time is a RowTime
    RowTime(std::string_view why, std::string text) : reason(why), detail(std::move(text)) {}
    std::optional<track::Millis> time;
    std::string_view reason;
    std::string detail;
};

// "+01:00".
std::string utc_offset_text(track::Millis offset) {
    const track::Millis minutes = (offset < 0 ? -offset : offset) / 60'000;
    return fmt::format("{}{:02}:{:02}", offset < 0 ? '-' : '+', minutes / 60, minutes % 60);
}

// A local time `text` (`local`: its wall-clock reading as if it were UTC) in `options.zone`.
RowTime zone_time(track::Millis local, std::string_view text, const SensorCsvOptions& options) {
    const track::TimeZone& zone = *options.zone;
    const track::UtcOfLocal utc = zone.utc_of_local(local);
    const auto change = [&] {
        return fmt::format("{} to {}", utc_offset_text(utc.offset_before), utc_offset_text(utc.offset_after));
    };
    switch (utc.kind) {
        case track::UtcOfLocal::Kind::unique: return {utc.earlier};
        case track::UtcOfLocal::Kind::missing:
            return {"local time that does not exist",
                    fmt::format("{} is in the hour that {} skips (clocks go forward from {})", text, zone.name(),
                                change())};
        case track::UtcOfLocal::Kind::ambiguous: break;
    }
    if (options.ambiguous == track::AmbiguousTime::earlier) return {utc.earlier};
    if (options.ambiguous == track::AmbiguousTime::later) return {utc.later};
    return {"ambiguous local time",
            fmt::format("{} happens twice in {} (clocks go back from {}): say which with --ambiguous earlier|later",
                        text, zone.name(), change())};
}

// A logger's time: RFC 3339 / ISO 8601 with a zone, the same without a zone (logger local
// time, in `options.zone` or shifted by `options.utc_offset`), or seconds / milliseconds
// since the epoch.
RowTime logger_time(std::string_view text, const SensorCsvOptions& options) {
    if (text.empty()) return {"bad time", "missing"};
    if (const auto t = track::parse_iso8601(text)) return {*t};
    if (text.size() >= 19 && text.size() <= 29) {
        std::string zoned(text);
        zoned += 'Z';
        if (const auto local = track::parse_rfc3339(zoned)) {
            RowTime row = options.zone ? zone_time(*local, text, options) : RowTime(*local - options.utc_offset);
            if (row.time && !track::is_rfc3339_time(*row.time)) return {"bad time", std::string(text)};
            return row;
        }
    }
    if (const auto n = track::parse_uint64(text); n && *n < 10'000'000'000'000ULL) {
        const auto v = static_cast<track::Millis>(*n);
        if (v >= 100'000'000'000) return {v};     // milliseconds
        if (v >= 100'000'000) return {v * 1000};  // seconds
    }
    return {"bad time", std::string(text)};
}

}  // namespace

SensorCsvReader::SensorCsvReader(SensorCsvOptions options, track::ProblemSink& problems, Sink sink)
    : options_(std::move(options)), problems_(problems), sink_(std::move(sink)) {}

SensorCsvRun SensorCsvReader::run(ByteSource& source) {
    SensorCsvRun run;
    csv::Reader reader(source, problems_);
    csv::Row row;
    if (!reader.next(row)) return run;
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
    run.device_from_source =
        !role_at.contains("asset") && options_.asset.empty() && !role_at.contains("device") && options_.device.empty();
    const std::string& default_device = run.device_from_source ? source.name() : options_.device;

    while (reader.next(row)) {
        const auto role = [&](std::string_view name) -> std::string_view {
            const auto it = role_at.find(name);
            return it == role_at.end() ? std::string_view() : csv::cell(row, it->second);
        };
        track::Reading reading;
        const RowTime time = logger_time(role("time"), options_);
        if (!time.time) {
            problems_.skipped(row.where, time.reason, time.detail);
            continue;
        }
        reading.time = *time.time;
        reading.asset = role_at.contains("asset") ? std::string(role("asset")) : options_.asset;
        reading.device = role_at.contains("device") ? std::string(role("device")) : default_device;
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
            ++run.readings;
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
    return run;
}

}  // namespace adapters
