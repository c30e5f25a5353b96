// Stationary anchors of `trk check` rule timers (check_timers.hpp).
#include "check_timers.hpp"

#include "track/clean.hpp"

namespace track::check {

void RuleTimer::moved_to(const Fix& fix, double within_m) {
    if (!anchor || geodesic_distance(anchor->lat, anchor->lon, fix.lat, fix.lon) > within_m) {
        anchor = Anchor{.lat = fix.lat, .lon = fix.lon, .time = fix.time};
    }
}

}  // namespace track::check
