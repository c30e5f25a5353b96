// Unit tests of track/time.hpp: civil dates, RFC 3339 out and in.
#include "track/time.hpp"

#include <doctest/doctest.h>

using track::CivilDate;

TEST_CASE("days_from_civil and civil_from_days agree on known days") {
    struct Row {
        CivilDate date;
        std::int64_t days;
    };
    const Row rows[] = {
        {{1970, 1, 1}, 0},    {{1969, 12, 31}, -1},    {{2000, 3, 1}, 11017},   {{2024, 2, 29}, 19782},
        {{1980, 1, 6}, 3657}, {{2026, 11, 24}, 20781}, {{1600, 1, 1}, -135140}, {{2400, 12, 31}, 157419},
    };
    for (const Row& row : rows) {
        CAPTURE(row.date.year);
        CHECK(track::days_from_civil(row.date) == row.days);
        CHECK(track::civil_from_days(row.days) == row.date);
    }
}

TEST_CASE("civil_from_days inverts days_from_civil over four centuries") {
    for (std::int64_t day = -200000; day <= 200000; day += 7) {
        CHECK(track::days_from_civil(track::civil_from_days(day)) == day);
    }
}

TEST_CASE("is_valid_date knows month lengths and leap years") {
    CHECK(track::is_valid_date({2024, 2, 29}));
    CHECK(track::is_valid_date({2000, 2, 29}));
    CHECK_FALSE(track::is_valid_date({2100, 2, 29}));
    CHECK_FALSE(track::is_valid_date({2026, 2, 29}));
    CHECK_FALSE(track::is_valid_date({2026, 13, 1}));
    CHECK_FALSE(track::is_valid_date({2026, 0, 1}));
    CHECK_FALSE(track::is_valid_date({2026, 4, 31}));
    CHECK_FALSE(track::is_valid_date({2026, 1, 0}));
    CHECK(track::is_valid_date({2026, 12, 31}));
}

TEST_CASE("format_rfc3339 writes UTC with milliseconds") {
    CHECK(track::format_rfc3339(0) == "1970-01-01T00:00:00.000Z");
    CHECK(track::format_rfc3339(1'795'356'587'250) == "2026-11-22T14:09:47.250Z");
    CHECK(track::format_rfc3339(-1) == "1969-12-31T23:59:59.999Z");
    CHECK(track::format_rfc3339(951'782'400'000 - 1) == "2000-02-28T23:59:59.999Z");
    // The day cache must not leak one day into the next.
    CHECK(track::format_rfc3339(86'400'000) == "1970-01-02T00:00:00.000Z");
    CHECK(track::format_rfc3339(86'399'999) == "1970-01-01T23:59:59.999Z");
}

TEST_CASE("parse_rfc3339 accepts what RFC 3339 allows and nothing else") {
    CHECK(track::parse_rfc3339("1970-01-01T00:00:00Z") == 0);
    CHECK(track::parse_rfc3339("2026-11-22T14:09:47.250Z") == 1'795'356'587'250);
    CHECK(track::parse_rfc3339("2026-11-22T14:09:47.2509Z") == 1'795'356'587'250);  // truncated to ms
    CHECK(track::parse_rfc3339("2026-11-22t14:09:47.25z") == 1'795'356'587'250);
    CHECK(track::parse_rfc3339("2026-11-22 16:09:47.250+02:00") == 1'795'356'587'250);
    CHECK(track::parse_rfc3339("2026-11-22T09:39:47.250-04:30") == 1'795'356'587'250);
    for (const char* bad : {"", "2026-11-22", "2026-11-22T14:09:47", "2026-11-22T14:09:47.Z", "2026-02-30T00:00:00Z",
                            "2026-11-22T24:00:00Z", "2026-11-22T14:60:00Z", "2026-11-22T14:09:47+0200",
                            "2026-11-22T14:09:47Z ", "26-11-22T14:09:47Z", "2026-11-22T14:09:47.250"}) {
        CAPTURE(bad);
        CHECK_FALSE(track::parse_rfc3339(bad).has_value());
    }
}

TEST_CASE("parse_rfc3339 reads back what format_rfc3339 writes") {
    for (track::Millis t = -5'000'000'000'000; t < 5'000'000'000'000; t += 123'456'789'011) {
        CHECK(track::parse_rfc3339(track::format_rfc3339(t)) == t);
    }
}

TEST_CASE("parse_date") {
    CHECK(track::parse_date("2026-11-24") == CivilDate{2026, 11, 24});
    CHECK_FALSE(track::parse_date("2026-11-31").has_value());
    CHECK_FALSE(track::parse_date("2026-1-24").has_value());
    CHECK_FALSE(track::parse_date("2026/11/24").has_value());
    CHECK_FALSE(track::parse_date("+026-11-24").has_value());
}

TEST_CASE("parse_iso8601 also takes offsets without a colon, as readers write them") {
    CHECK(track::parse_iso8601("2026-11-22T14:09:47.250Z") == 1'795'356'587'250);
    CHECK(track::parse_iso8601("2026-11-22T06:09:47.250-0800") == 1'795'356'587'250);
    CHECK(track::parse_iso8601("2026-11-22T16:09:47.250+02") == 1'795'356'587'250);
    CHECK(track::parse_iso8601("2026-11-22T16:09:47.250+02:00") == 1'795'356'587'250);
    for (const char* bad : {"2026-11-22T14:09:47+020", "2026-11-22T14:09:47+2400", "2026-11-22T14:09:47+0260",
                            "2026-11-22T14:09:47", "2026-11-22T14:09:47 +0200"}) {
        CAPTURE(bad);
        CHECK_FALSE(track::parse_iso8601(bad).has_value());
    }
}

TEST_CASE("parse_duration: a number and a unit") {
    const std::pair<const char*, track::Millis> good[] = {
        {"0", 0},          {"500ms", 500},      {"1s", 1000},   {"1.5s", 1500}, {"15m", 900'000},
        {"2h", 7'200'000}, {"7d", 604'800'000}, {"0.25s", 250}, {"0s", 0},      {"90s", 90'000}};
    for (const auto& [text_binding, ms] : good) {
        const char* const text = text_binding;  // clang 14's CAPTURE cannot take a structured binding
        CAPTURE(text);
        CHECK(track::parse_duration(text) == ms);
    }
    for (const char* bad : {"", "1", "s", "ms", "-1s", "1 s", "1sec", "1.s5", "1e3s", "10y", "1m5s"}) {
        CAPTURE(bad);
        CHECK_FALSE(track::parse_duration(bad).has_value());
    }
}

TEST_CASE("parse_rfc3339 and parse_iso8601 refuse what an offset takes out of the four-digit years") {
    // Found by fuzzing: a time past year 9999 was written (58749-09-26T...) and not read back.
    CHECK(track::parse_rfc3339("9999-12-31T23:59:59.999Z") == track::latest_rfc3339);
    CHECK(track::parse_rfc3339("0000-01-01T00:00:00Z") == track::earliest_rfc3339);
    CHECK(track::format_rfc3339(track::latest_rfc3339) == "9999-12-31T23:59:59.999Z");
    CHECK(track::format_rfc3339(track::earliest_rfc3339) == "0000-01-01T00:00:00.000Z");
    CHECK_FALSE(track::parse_rfc3339("9999-12-31T23:30:00-01:00"));
    CHECK_FALSE(track::parse_iso8601("0000-01-01T00:30:00+0100"));
    CHECK(track::parse_iso8601("0000-01-01T01:30:00+0100") == track::earliest_rfc3339 + 30 * 60'000);
}
