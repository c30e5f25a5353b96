// Unit tests of track/time_zone.hpp: local times of an IANA zone to UTC, across the two
// daylight-saving changes of 2026 in Europe/Berlin (29 March 02:00 -> 03:00, 25 October
// 03:00 -> 02:00), from the system's zoneinfo.
#include "track/time_zone.hpp"

#include <algorithm>
#include <string>

#include <doctest/doctest.h>

namespace {

track::Millis at(std::string_view rfc3339) { return *track::parse_rfc3339(rfc3339); }

// What `local` (written as if UTC) is in Europe/Berlin: "unique T", "ambiguous T1 T2" or "missing".
std::string berlin(std::string_view local) {
    const auto zone = track::TimeZone::find("Europe/Berlin");
    REQUIRE(zone.has_value());
    const track::UtcOfLocal utc = zone->utc_of_local(at(local));
    switch (utc.kind) {
        case track::UtcOfLocal::Kind::unique: return "unique " + track::format_rfc3339(utc.earlier);
        case track::UtcOfLocal::Kind::ambiguous:
            return "ambiguous " + track::format_rfc3339(utc.earlier) + " " + track::format_rfc3339(utc.later);
        case track::UtcOfLocal::Kind::missing: return "missing";
    }
    return {};
}

}  // namespace

TEST_CASE("Europe/Berlin: winter +01:00, summer +02:00, the skipped and the repeated hour") {
    CHECK(berlin("2026-01-15T12:00:00.250Z") == "unique 2026-01-15T11:00:00.250Z");
    CHECK(berlin("2026-03-29T01:59:59.999Z") == "unique 2026-03-29T00:59:59.999Z");
    CHECK(berlin("2026-03-29T02:00:00Z") == "missing");
    CHECK(berlin("2026-03-29T02:30:00Z") == "missing");
    CHECK(berlin("2026-03-29T02:59:59.999Z") == "missing");
    CHECK(berlin("2026-03-29T03:00:00Z") == "unique 2026-03-29T01:00:00.000Z");
    CHECK(berlin("2026-07-01T12:00:00Z") == "unique 2026-07-01T10:00:00.000Z");
    CHECK(berlin("2026-10-25T01:59:59Z") == "unique 2026-10-24T23:59:59.000Z");
    CHECK(berlin("2026-10-25T02:00:00Z") == "ambiguous 2026-10-25T00:00:00.000Z 2026-10-25T01:00:00.000Z");
    CHECK(berlin("2026-10-25T02:30:00.500Z") == "ambiguous 2026-10-25T00:30:00.500Z 2026-10-25T01:30:00.500Z");
    CHECK(berlin("2026-10-25T03:00:00Z") == "unique 2026-10-25T02:00:00.000Z");
    // Times before 1970 (negative milliseconds) keep their fraction too.
    CHECK(berlin("1969-12-31T23:59:59.750Z") == "unique 1969-12-31T22:59:59.750Z");
}

TEST_CASE("the offsets around a change") {
    const auto zone = track::TimeZone::find("Europe/Berlin");
    REQUIRE(zone.has_value());
    const track::UtcOfLocal gap = zone->utc_of_local(at("2026-03-29T02:30:00Z"));
    CHECK(gap.offset_before == 3'600'000);
    CHECK(gap.offset_after == 7'200'000);
    const track::UtcOfLocal repeated = zone->utc_of_local(at("2026-10-25T02:30:00Z"));
    CHECK(repeated.offset_before == 7'200'000);
    CHECK(repeated.offset_after == 3'600'000);
}

TEST_CASE("zones by name: known ones, links, unknown ones") {
    CHECK(track::TimeZone::find("Europe/Berlin")->name() == "Europe/Berlin");
    CHECK(track::TimeZone::find("UTC").has_value());
    CHECK(track::TimeZone::find("America/Argentina/Buenos_Aires").has_value());
    CHECK_FALSE(track::TimeZone::find("Europe/Berln").has_value());
    CHECK_FALSE(track::TimeZone::find("").has_value());
    CHECK_FALSE(track::TimeZone::find("../../etc/passwd").has_value());
    const std::vector<std::string> names = track::TimeZone::names();
    CHECK(std::find(names.begin(), names.end(), "Europe/Berlin") != names.end());
    // New York: -05:00 in winter.
    CHECK(track::TimeZone::find("America/New_York")->utc_of_local(at("2026-01-15T12:00:00Z")).earlier ==
          at("2026-01-15T17:00:00Z"));
}
