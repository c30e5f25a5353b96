// Unit tests of track/clean.hpp: each fix filter's rule at its boundaries, per-device state, order.
#include "track/clean.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace {

constexpr track::Millis t0 = 1'795'503'600'000;  // 2026-11-24T07:00:00Z

// A 2D fix of `device` at `t0 + ms`, at lat/lon.
track::Fix fix_at(track::Millis ms, double lat = 53.5, double lon = 9.93, std::string device = "gps-1") {
    track::Fix fix;
    fix.time = t0 + ms;
    fix.device = std::move(device);
    fix.lat = lat;
    fix.lon = lon;
    return fix;
}

// Which of `fixes` the filter keeps, in order.
std::vector<bool> kept_by(track::FixFilter& filter, const std::vector<track::Fix>& fixes) {
    std::vector<bool> kept;
    for (const auto& fix : fixes) kept.push_back(filter.keep(fix));
    return kept;
}

// Which of `fixes` a pipeline of `filters` keeps, in order.
std::vector<bool> kept_by(std::vector<std::unique_ptr<track::FixFilter>> filters,
                          const std::vector<track::Fix>& fixes) {
    track::CleanPipeline pipeline;
    for (auto& filter : filters) pipeline.add(std::move(filter));
    std::vector<bool> kept;
    for (const auto& fix : fixes) kept.push_back(pipeline.keep(fix));
    return kept;
}

template <typename... Filters>
std::vector<std::unique_ptr<track::FixFilter>> chain(Filters... filters) {
    std::vector<std::unique_ptr<track::FixFilter>> list;
    (list.push_back(std::move(filters)), ...);
    return list;
}

}  // namespace

TEST_CASE("clean: geodesic distance on WGS84") {
    struct Pair {
        double lat1, lon1, lat2, lon2, metres;
    };
    // Reference values on the WGS84 ellipsoid.
    const Pair pairs[] = {
        {0, 0, 1, 0, 110574.389},  // a degree of latitude at the equator
        {0, 0, 0, 1, 111319.491},  // a degree of longitude at the equator
        {89, 0, 90, 0, 111694.0},  // a degree of latitude at the pole (to the metre)
        {53.5, 9.93, 53.5, 9.93, 0},
    };
    for (const auto& p : pairs) {
        CAPTURE(p.lat1);
        CAPTURE(p.lon2);
        CHECK(std::abs(track::geodesic_distance(p.lat1, p.lon1, p.lat2, p.lon2) - p.metres) < 1.0);
    }
}

TEST_CASE("clean: each filter's rule at its boundary") {
    SUBCASE("--drop-invalid drops fix none only") {
        auto none = fix_at(0);
        none.mode = track::FixMode::none;
        auto three_d = fix_at(1000);
        three_d.mode = track::FixMode::three_d;
        const auto filter = track::drop_invalid_filter();
        CHECK(kept_by(*filter, {none, fix_at(500), three_d}) == std::vector<bool>{false, true, true});
    }
    SUBCASE("--max-hdop keeps exactly H and fixes without hdop") {
        const auto filter = track::max_hdop_filter(2.0);
        std::vector<track::Fix> fixes;
        for (const auto hdop : {1.99, 2.0, 2.01}) {
            fixes.push_back(fix_at(static_cast<track::Millis>(fixes.size()) * 1000));
            fixes.back().hdop = hdop;
        }
        fixes.push_back(fix_at(9000));  // no hdop
        CHECK(kept_by(*filter, fixes) == std::vector<bool>{true, true, false, true});
        CHECK(filter->dropped() == 1);
    }
    SUBCASE("--dedup compares with the last kept time of the device") {
        const auto filter = track::dedup_filter();
        CHECK(kept_by(*filter, {fix_at(0), fix_at(0, 53.6), fix_at(1000), fix_at(0), fix_at(0)}) ==
              std::vector<bool>{true, false, true, true, false});
    }
    SUBCASE("--max-speed keeps exactly V") {
        const double metres = track::geodesic_distance(53.5, 9.93, 53.5001, 9.93);
        const std::vector<track::Fix> fixes{fix_at(0), fix_at(1000, 53.5001)};
        const auto at_limit = track::max_speed_filter(metres);  // 1 s apart: metres/s exactly
        CHECK(kept_by(*at_limit, fixes) == std::vector<bool>{true, true});
        const auto below = track::max_speed_filter(std::nextafter(metres, 0.0));
        CHECK(kept_by(*below, fixes) == std::vector<bool>{true, false});
    }
    SUBCASE("--max-speed: the same instant elsewhere is infinitely fast, in the same place not") {
        const auto filter = track::max_speed_filter(1e9);
        CHECK(kept_by(*filter, {fix_at(0), fix_at(0), fix_at(0, 53.5000001)}) == std::vector<bool>{true, true, false});
    }
    SUBCASE("--max-speed compares with the last fix kept, not the last seen") {
        const auto filter = track::max_speed_filter(15);
        // A jump of ~1.1 km in 1 s, then back near the start 2 s after it.
        CHECK(kept_by(*filter, {fix_at(0), fix_at(1000, 53.51), fix_at(2000, 53.5001)}) ==
              std::vector<bool>{true, false, true});
    }
    SUBCASE("--min-move keeps exactly M") {
        const double metres = track::geodesic_distance(53.5, 9.93, 53.5, 9.9301);
        const std::vector<track::Fix> fixes{fix_at(0), fix_at(1000, 53.5, 9.9301)};
        const auto at_limit = track::min_move_filter(metres);
        CHECK(kept_by(*at_limit, fixes) == std::vector<bool>{true, true});
        const auto above = track::min_move_filter(std::nextafter(metres, 1e9));
        CHECK(kept_by(*above, fixes) == std::vector<bool>{true, false});
    }
    SUBCASE("--min-move: creeping is measured from the last fix kept") {
        const auto filter = track::min_move_filter(2);
        // Steps of about 1.1 m: every second one is 2 m or more from the one kept.
        CHECK(kept_by(*filter, {fix_at(0, 53.5), fix_at(1000, 53.50001), fix_at(2000, 53.50002), fix_at(3000, 53.50003),
                                fix_at(4000, 53.50004)}) == std::vector<bool>{true, false, true, false, true});
    }
    SUBCASE("--min-interval keeps exactly D after the last fix kept") {
        const auto filter = track::min_interval_filter(5000);
        CHECK(kept_by(*filter, {fix_at(0), fix_at(3000), fix_at(4999), fix_at(5000), fix_at(9999), fix_at(10000)}) ==
              std::vector<bool>{true, false, false, true, false, true});
    }
    SUBCASE("--min-interval measures a step back in time too") {
        const auto filter = track::min_interval_filter(5000);
        CHECK(kept_by(*filter, {fix_at(10000), fix_at(6000), fix_at(5000)}) == std::vector<bool>{true, false, true});
    }
    SUBCASE("--not-before and --not-after keep their bounds") {
        const auto not_before = track::not_before_filter(t0);
        CHECK(kept_by(*not_before, {fix_at(-1), fix_at(0), fix_at(1)}) == std::vector<bool>{false, true, true});
        const auto not_after = track::not_after_filter(t0);
        CHECK(kept_by(*not_after, {fix_at(-1), fix_at(0), fix_at(1)}) == std::vector<bool>{true, true, false});
    }
}

TEST_CASE("clean: per-device filters keep one memory per device, or per asset without one") {
    const auto filter = track::min_interval_filter(5000);
    track::Fix by_asset = fix_at(1000, 53.5, 9.93, "");
    by_asset.asset = "gps-1";  // an asset named like a device is still another track
    track::Fix same_asset = fix_at(2000, 53.5, 9.93, "");
    same_asset.asset = "gps-1";
    CHECK(kept_by(*filter, {fix_at(0, 53.5, 9.93, "gps-1"), fix_at(1000, 53.5, 9.93, "gps-2"), by_asset,
                            fix_at(2000, 53.5, 9.93, "gps-1"), fix_at(2000, 53.5, 9.93, "gps-2"), same_asset,
                            fix_at(6000, 53.5, 9.93, "gps-2")}) ==
          std::vector<bool>{true, true, true, false, false, false, true});
}

TEST_CASE("clean: fixes without a position pass the per-device filters and are not remembered") {
    auto none = fix_at(1000, 0, 0);
    none.mode = track::FixMode::none;
    for (auto* make : {+[] { return track::dedup_filter(); }, +[] { return track::max_speed_filter(2); },
                       +[] { return track::min_move_filter(5); }, +[] { return track::min_interval_filter(5000); }}) {
        const auto filter = make();
        CAPTURE(filter->what());
        // Were `none` remembered, the last fix would be compared with a fix at 0,0.
        CHECK(kept_by(*filter, {fix_at(0), none, none, fix_at(10000, 53.5001)}) ==
              std::vector<bool>{true, true, true, true});
    }
}

TEST_CASE("clean: the order of the filters matters") {
    // A, a zinger ~1.1 km away 1 s later, then B 1.1 m from A 2 s after A.
    const std::vector<track::Fix> fixes{fix_at(0), fix_at(1000, 53.51), fix_at(2000, 53.50001)};
    // Speed first: the zinger goes, and B is then too close to A.
    CHECK(kept_by(chain(track::max_speed_filter(15), track::min_move_filter(2)), fixes) ==
          std::vector<bool>{true, false, false});
    // Move first: B is far from the zinger, so it stays; speed then drops the zinger only.
    CHECK(kept_by(chain(track::min_move_filter(2), track::max_speed_filter(15)), fixes) ==
          std::vector<bool>{true, false, true});
}

TEST_CASE("clean: a fix one filter drops is not shown to the filters after it") {
    track::CleanPipeline pipeline;
    pipeline.add(track::not_after_filter(t0));
    pipeline.add(track::dedup_filter());
    CHECK(pipeline.keep(fix_at(0)));
    CHECK_FALSE(pipeline.keep(fix_at(1000)));
    CHECK_FALSE(pipeline.keep(fix_at(0)));
    CHECK(pipeline.filters()[0]->dropped() == 1);
    CHECK(pipeline.filters()[1]->dropped() == 1);
}

TEST_CASE("clean: records that are not fixes pass untouched and uncounted") {
    track::CleanPipeline pipeline;
    pipeline.add(track::not_before_filter(t0 + 1'000'000));  // drops every fix below
    pipeline.add(track::dedup_filter());
    track::Read read;
    read.time = t0;
    track::Reading reading;
    reading.time = t0;
    track::Event event;
    event.time = t0;
    for (const track::Record& record : {track::Record{read}, track::Record{reading}, track::Record{event},
                                        track::Record{track::OpaqueRecord{"{}"}}}) {
        CHECK(pipeline.keep(record));
    }
    CHECK_FALSE(pipeline.keep(track::Record{fix_at(0)}));
    CHECK(pipeline.filters()[0]->dropped() == 1);
}

TEST_CASE("clean: what each filter says in its summary") {
    struct Case {
        std::unique_ptr<track::FixFilter> filter;
        std::string what;
        std::string reason;
    };
    Case cases[] = {
        {track::drop_invalid_filter(), "--drop-invalid", "no position, fix \"none\""},
        {track::max_hdop_filter(2.5), "--max-hdop 2.5", "hdop over 2.5"},
        {track::dedup_filter(), "--dedup", "same device and time as the last fix kept"},
        {track::max_speed_filter(15), "--max-speed 15", "implied speed over 15 m/s"},
        {track::min_move_filter(2), "--min-move 2", "less than 2 m from the last fix kept"},
        {track::min_interval_filter(5000), "--min-interval 5s", "less than 5s after the last fix kept"},
        {track::min_interval_filter(1500), "--min-interval 1500ms", "less than 1500ms after the last fix kept"},
        {track::min_interval_filter(120'000), "--min-interval 2m", "less than 2m after the last fix kept"},
        {track::not_before_filter(t0), "--not-before 2026-11-24T07:00:00.000Z",
         "timed before 2026-11-24T07:00:00.000Z"},
        {track::not_after_filter(t0), "--not-after 2026-11-24T07:00:00.000Z", "timed after 2026-11-24T07:00:00.000Z"},
    };
    for (const auto& c : cases) {
        CHECK(c.filter->what() == c.what);
        CHECK(c.filter->reason() == c.reason);
        CHECK(c.filter->dropped() == 0);
    }
}

TEST_CASE("clean: factories refuse negative and non-finite values") {
    CHECK_THROWS_AS(track::max_hdop_filter(-1), std::invalid_argument);
    CHECK_THROWS_AS(track::max_speed_filter(-0.5), std::invalid_argument);
    CHECK_THROWS_AS(track::max_speed_filter(NAN), std::invalid_argument);
    CHECK_THROWS_AS(track::min_move_filter(INFINITY), std::invalid_argument);
    CHECK_THROWS_AS(track::min_interval_filter(-1), std::invalid_argument);
}
