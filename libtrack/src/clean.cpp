// Fix filters for `trk clean` (track/clean.hpp): the rules, per-device memory, the pipeline.
#include "track/clean.hpp"

#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <stdexcept>

#include <boost/geometry.hpp>
#include <fmt/format.h>

namespace track {

double geodesic_distance(double lat1, double lon1, double lat2, double lon2) {
    namespace bg = boost::geometry;
    using Point = bg::model::point<double, 2, bg::cs::geographic<bg::degree>>;
    // srs::spheroid<double>'s default is the WGS84 ellipsoid.
    static const bg::strategy::distance::vincenty<bg::srs::spheroid<double>> vincenty;
    return bg::distance(Point(lon1, lat1), Point(lon2, lat2), vincenty);
}

namespace {

// Checks a factory's value: finite and not negative.
double checked(double value, std::string_view what) {
    if (!std::isfinite(value) || value < 0) {
        throw std::invalid_argument(fmt::format("{}: {} is not a finite value >= 0", what, value));
    }
    return value;
}

// A duration the way a user writes it: 500ms, 5s, 2m, 1h (the largest unit that divides it).
std::string duration_text(Millis ms) {
    if (ms != 0 && ms % 3'600'000 == 0) return fmt::format("{}h", ms / 3'600'000);
    if (ms != 0 && ms % 60'000 == 0) return fmt::format("{}m", ms / 60'000);
    if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
    return fmt::format("{}ms", ms);
}

// Milliseconds between two instants, either way round.
Millis time_apart(Millis a, Millis b) { return a > b ? a - b : b - a; }

// A filter whose rule looks at each fix alone.
class StatelessFilter final : public FixFilter {
public:
    StatelessFilter(std::string what, std::string reason, std::function<bool(const Fix&)> rule)
        : FixFilter(std::move(what), std::move(reason)), rule_(std::move(rule)) {}

private:
    bool accepts(const Fix& fix) override { return rule_(fix); }
    std::function<bool(const Fix&)> rule_;
};

// What a per-device filter remembers of the last fix it kept for a device.
struct Kept {
    Millis time = 0;
    double lat = 0;
    double lon = 0;
};

// A filter that compares each fix with the last fix it kept for the same device (or asset,
// for fixes without a device). Fixes without a position pass and are not remembered.
class PerDeviceFilter final : public FixFilter {
public:
    /// `follows(last, fix)`: whether `fix` may come after `last`.
    using Rule = std::function<bool(const Kept& last, const Fix& fix)>;
    PerDeviceFilter(std::string what, std::string reason, Rule follows)
        : FixFilter(std::move(what), std::move(reason)), follows_(std::move(follows)) {}

private:
    bool accepts(const Fix& fix) override {
        if (fix.mode == FixMode::none) return true;
        // A receiver's stream: device first (see device_first_key). Two maps so that a device
        // and an asset of the same name stay apart.
        auto& last_kept = fix.device.empty() ? by_asset_ : by_device_;
        const std::string_view key = device_first_key(fix);
        const Kept now{fix.time, fix.lat, fix.lon};
        const auto found = last_kept.find(key);
        if (found == last_kept.end()) {
            last_kept.emplace(std::string(key), now);
            return true;
        }
        if (!follows_(found->second, fix)) return false;
        found->second = now;
        return true;
    }

    Rule follows_;
    std::map<std::string, Kept, std::less<>> by_device_;
    std::map<std::string, Kept, std::less<>> by_asset_;
};

}  // namespace

std::unique_ptr<FixFilter> drop_invalid_filter() {
    return std::make_unique<StatelessFilter>("--drop-invalid", "no position, fix \"none\"",
                                             [](const Fix& fix) { return fix.mode != FixMode::none; });
}

std::unique_ptr<FixFilter> max_hdop_filter(double max_hdop) {
    checked(max_hdop, "max_hdop");
    return std::make_unique<StatelessFilter>(fmt::format("--max-hdop {}", max_hdop),
                                             fmt::format("hdop over {}", max_hdop),
                                             [max_hdop](const Fix& fix) { return !fix.hdop || *fix.hdop <= max_hdop; });
}

std::unique_ptr<FixFilter> dedup_filter() {
    return std::make_unique<PerDeviceFilter>("--dedup", "same device and time as the last fix kept",
                                             [](const Kept& last, const Fix& fix) { return fix.time != last.time; });
}

std::unique_ptr<FixFilter> max_speed_filter(double metres_per_second) {
    checked(metres_per_second, "max_speed");
    return std::make_unique<PerDeviceFilter>(
        fmt::format("--max-speed {}", metres_per_second), fmt::format("implied speed over {} m/s", metres_per_second),
        [metres_per_second](const Kept& last, const Fix& fix) {
            const double metres = geodesic_distance(last.lat, last.lon, fix.lat, fix.lon);
            const Millis apart = time_apart(last.time, fix.time);
            if (apart == 0) return metres == 0;  // somewhere else at the same instant: infinitely fast
            return metres / (static_cast<double>(apart) / 1000.0) <= metres_per_second;
        });
}

std::unique_ptr<FixFilter> min_move_filter(double metres) {
    checked(metres, "min_move");
    return std::make_unique<PerDeviceFilter>(
        fmt::format("--min-move {}", metres), fmt::format("less than {} m from the last fix kept", metres),
        [metres](const Kept& last, const Fix& fix) {
            return geodesic_distance(last.lat, last.lon, fix.lat, fix.lon) >= metres;
        });
}

std::unique_ptr<FixFilter> min_interval_filter(Millis interval) {
    if (interval < 0) throw std::invalid_argument(fmt::format("min_interval: {} ms is negative", interval));
    const std::string text = duration_text(interval);
    return std::make_unique<PerDeviceFilter>(
        fmt::format("--min-interval {}", text), fmt::format("less than {} after the last fix kept", text),
        [interval](const Kept& last, const Fix& fix) { return time_apart(last.time, fix.time) >= interval; });
}

std::unique_ptr<FixFilter> not_before_filter(Millis earliest) {
    const std::string text = format_rfc3339(earliest);
    return std::make_unique<StatelessFilter>(fmt::format("--not-before {}", text), fmt::format("timed before {}", text),
                                             [earliest](const Fix& fix) { return fix.time >= earliest; });
}

std::unique_ptr<FixFilter> not_after_filter(Millis latest) {
    const std::string text = format_rfc3339(latest);
    return std::make_unique<StatelessFilter>(fmt::format("--not-after {}", text), fmt::format("timed after {}", text),
                                             [latest](const Fix& fix) { return fix.time <= latest; });
}

void CleanPipeline::add(std::unique_ptr<FixFilter> filter) { filters_.push_back(std::move(filter)); }

bool CleanPipeline::keep(const Fix& fix) {
    for (const auto& filter : filters_) {
        if (!filter->keep(fix)) return false;
    }
    return true;
}

bool CleanPipeline::keep(const Record& record) {
    const auto* fix = std::get_if<Fix>(&record);
    return fix == nullptr || keep(*fix);
}

}  // namespace track
