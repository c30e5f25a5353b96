// Local wall-clock times of an IANA time zone ("Europe/Berlin") to UTC, across
// daylight-saving changes, from the system's zoneinfo (Debian's tzdata) through Howard
// Hinnant's date library (C++20's <chrono> zones are not in GCC 12).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "track/time.hpp"

namespace date {
class time_zone;
}

namespace track {

/// What a local time is in UTC. Most have one instant; when clocks go back, the repeated
/// hour's times have two; when they go forward, the skipped hour's times have none.
struct UtcOfLocal {
    enum class Kind { unique, ambiguous, missing };
    Kind kind = Kind::unique;
    Millis earlier = 0;  ///< unique: the instant; ambiguous: the first of the two (before the change)
    Millis later = 0;    ///< ambiguous: the second (after the change); unique: == earlier
    /// ambiguous, missing: the offsets from UTC before and after the change, in ms (missing:
    /// `earlier` and `later` are what each of them would give, neither a real instant)
    Millis offset_before = 0;
    Millis offset_after = 0;
};

/// Which instant an ambiguous local time (the repeated hour) stands for.
enum class AmbiguousTime { reject, earlier, later };

/// One zone of the system's time-zone database.
class TimeZone {
public:
    /// The zone called `name` ("Europe/Berlin", "UTC"); nullopt when the database has none
    /// of that name (or the database cannot be found: see names()).
    static std::optional<TimeZone> find(std::string_view name);
    /// Every zone name the database knows, for "did you mean"; empty without a database.
    static std::vector<std::string> names();

    /// The zone's name, as found.
    [[nodiscard]] std::string_view name() const;
    /// The instant(s) of `local`, a wall-clock time written as if it were UTC (what
    /// parse_rfc3339 gives for "2026-03-29T02:30:00Z"), in this zone.
    [[nodiscard]] UtcOfLocal utc_of_local(Millis local) const;

private:
    explicit TimeZone(const date::time_zone* zone) : zone_(zone) {}
    const date::time_zone* zone_;  ///< owned by the date library's database, which lives as long as the process
};

}  // namespace track
