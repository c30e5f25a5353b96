// IANA time zones through Howard Hinnant's date library (see track/time_zone.hpp). Debian
// builds it with USE_OS_TZDB: it reads /usr/share/zoneinfo (the tzdata package).
#include "track/time_zone.hpp"

#include <chrono>
#include <date/tz.h>
#include <stdexcept>

namespace track {

std::optional<TimeZone> TimeZone::find(std::string_view name) {
    try {
        return TimeZone(date::locate_zone(name));
    } catch (const std::runtime_error&) {  // no such zone, or no database at all
        return std::nullopt;
    }
}

std::vector<std::string> TimeZone::names() {
    std::vector<std::string> names;
    try {
        for (const date::time_zone& zone : date::get_tzdb().zones) names.emplace_back(zone.name());
    } catch (const std::runtime_error&) {
        names.clear();
    }
    return names;
}

std::string_view TimeZone::name() const { return zone_->name(); }

UtcOfLocal TimeZone::utc_of_local(Millis local) const {
    using std::chrono::milliseconds;
    using std::chrono::seconds;
    // The zone's rules change on whole seconds: look up the second, keep the milliseconds.
    const Millis whole = local - ((local % 1000) + 1000) % 1000;
    const date::local_seconds at{std::chrono::duration_cast<seconds>(milliseconds(whole))};
    const date::local_info info = zone_->get_info(at);
    const auto ms = [](seconds s) { return static_cast<Millis>(s.count()) * 1000; };
    UtcOfLocal utc;
    utc.earlier = local - ms(info.first.offset);
    utc.later = utc.earlier;
    if (info.result == date::local_info::unique) return utc;
    utc.kind = info.result == date::local_info::ambiguous ? UtcOfLocal::Kind::ambiguous : UtcOfLocal::Kind::missing;
    utc.later = local - ms(info.second.offset);
    utc.offset_before = ms(info.first.offset);
    utc.offset_after = ms(info.second.offset);
    return utc;
}

}  // namespace track
