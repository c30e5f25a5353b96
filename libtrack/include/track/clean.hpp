// Fix filters for `trk clean`: each drops some fixes by one rule; a pipeline runs them in order.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "track/record.hpp"
#include "track/time.hpp"

namespace track {

/// Geodesic distance in metres between two WGS84 positions (degrees), by Vincenty's inverse
/// formula on the WGS84 ellipsoid (Boost.Geometry): accurate to well under a millimetre for
/// the distances between fixes (it may lose accuracy only for nearly antipodal points).
double geodesic_distance(double lat1, double lon1, double lat2, double lon2);

/// One stage of a clean: decides per fix whether to keep it, and counts what it dropped.
/// A filter sees only the fixes the filters before it kept, and a stateful filter compares
/// with the last fix that it itself kept for the same device (or asset, when the fix has no
/// device), as if each filter were its own `trk clean` in a pipe.
class FixFilter {
public:
    virtual ~FixFilter() = default;
    FixFilter(const FixFilter&) = delete;
    FixFilter& operator=(const FixFilter&) = delete;

    /// Whether `fix` goes on; counts it as dropped when not.
    bool keep(const Fix& fix) {
        if (accepts(fix)) return true;
        ++dropped_;
        return false;
    }
    /// The option as given, with its value: "--max-speed 15".
    [[nodiscard]] const std::string& what() const noexcept { return what_; }
    /// Why a fix is dropped, for a summary: "implied speed over 15 m/s".
    [[nodiscard]] const std::string& reason() const noexcept { return reason_; }
    /// How many fixes keep() turned down so far.
    [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }

protected:
    FixFilter(std::string what, std::string reason) : what_(std::move(what)), reason_(std::move(reason)) {}

private:
    /// The rule: true to keep `fix`. Stateful filters remember the fixes they accept.
    virtual bool accepts(const Fix& fix) = 0;

    std::string what_;
    std::string reason_;
    std::uint64_t dropped_ = 0;
};

// The factories below make one filter per rule. Values must be finite and non-negative
// (std::invalid_argument otherwise); the command line checks them first. "Per device" means
// per device, or per asset for fixes without a device. Fixes without a position (fix
// "none") pass the per-device filters untouched and are not remembered by them.

/// --drop-invalid: drops fixes whose fix is "none" (no position).
std::unique_ptr<FixFilter> drop_invalid_filter();
/// --max-hdop: drops fixes whose hdop is above `max_hdop`; fixes without hdop pass.
std::unique_ptr<FixFilter> max_hdop_filter(double max_hdop);
/// --dedup: drops a fix whose time equals that of the last fix kept for its device.
std::unique_ptr<FixFilter> dedup_filter();
/// --max-speed: drops a fix whose implied speed from the last fix kept for its device
/// (geodesic distance / time difference) is above `metres_per_second`. A different position
/// at the same time is an infinite speed; the same position at the same time a speed of 0.
std::unique_ptr<FixFilter> max_speed_filter(double metres_per_second);
/// --min-move: drops a fix less than `metres` from the last fix kept for its device.
std::unique_ptr<FixFilter> min_move_filter(double metres);
/// --min-interval: drops a fix less than `interval` (in either direction) from the last
/// fix kept for its device.
std::unique_ptr<FixFilter> min_interval_filter(Millis interval);
/// --not-before: drops fixes timed before `earliest`.
std::unique_ptr<FixFilter> not_before_filter(Millis earliest);
/// --not-after: drops fixes timed after `latest`.
std::unique_ptr<FixFilter> not_after_filter(Millis latest);

/// Filters run in the order added. Memory grows with the number of devices, not of fixes.
class CleanPipeline {
public:
    /// Appends `filter` as the last stage.
    void add(std::unique_ptr<FixFilter> filter);
    /// Whether `record` goes on: records other than fixes always do; a fix when every
    /// filter keeps it (a fix one filter drops is not shown to the filters after it).
    bool keep(const Record& record);
    /// Whether every filter keeps `fix`, as for keep(Record).
    bool keep(const Fix& fix);
    /// The filters, in the order they run.
    [[nodiscard]] const std::vector<std::unique_ptr<FixFilter>>& filters() const noexcept { return filters_; }

private:
    std::vector<std::unique_ptr<FixFilter>> filters_;
};

}  // namespace track
