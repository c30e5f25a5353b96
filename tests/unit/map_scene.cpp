// Unit tests of adapters/map.hpp's scene: the projection, track thinning, event, latest and audit placement.
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "adapters/map.hpp"
#include "track/error.hpp"

using adapters::map::Projection;
using adapters::map::Scene;
using adapters::map::SceneBuilder;
using adapters::map::SceneOptions;
using adapters::map::XY;

namespace {

track::Fix fix(const std::string& asset, track::Millis time, double lat, double lon) {
    track::Fix f;
    f.asset = asset;
    f.time = time;
    f.lat = lat;
    f.lon = lon;
    f.src = fmt::format("test.jsonl:{}", time / 1000);
    return f;
}

track::Event event(const std::string& asset, track::Millis time, const std::string& name, std::string extra = {}) {
    track::Event e;
    e.asset = asset;
    e.time = time;
    e.event = name;
    e.extra = std::move(extra);
    return e;
}

double segment_distance(XY p, XY a, XY b) {
    const double dx = b.x - a.x, dy = b.y - a.y;
    const double l2 = dx * dx + dy * dy;
    const double t = l2 == 0 ? 0 : std::clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / l2, 0.0, 1.0);
    return std::hypot(p.x - a.x - t * dx, p.y - a.y - t * dy);
}

// A fence square around (lat, lon), `half` degrees each way.
std::vector<track::Fence> square(const std::string& id, double lat, double lon, double half) {
    const std::string geojson = fmt::format(
        R"({{"type":"FeatureCollection","features":[{{"type":"Feature","id":"{}","properties":{{"kind":"bay"}},)"
        R"("geometry":{{"type":"Polygon","coordinates":[[[{w},{s}],[{e},{s}],[{e},{n}],[{w},{n}],[{w},{s}]]]}}}}]}})",
        id, fmt::arg("w", lon - half), fmt::arg("e", lon + half), fmt::arg("s", lat - half), fmt::arg("n", lat + half));
    return track::parse_fences(geojson, "test");
}

}  // namespace

TEST_CASE("map projection: WGS84's radii of curvature at the origin") {
    const Projection equator(0, 0);
    CHECK(equator.metres_per_deg_lat() == doctest::Approx(110'574.27).epsilon(1e-7));
    CHECK(equator.metres_per_deg_lon() == doctest::Approx(111'319.49).epsilon(1e-7));
    const Projection p45(45, 10);
    CHECK(p45.metres_per_deg_lat() == doctest::Approx(111'131.78).epsilon(1e-7));
    CHECK(p45.metres_per_deg_lon() == doctest::Approx(78'846.83).epsilon(1e-6));
    // 100 m north and east of the origin, and back.
    const XY xy = p45.to_plane(45 + 100 / 111'131.78, 10 + 100 / 78'846.83);
    CHECK(xy.x == doctest::Approx(100).epsilon(1e-5));
    CHECK(xy.y == doctest::Approx(100).epsilon(1e-5));
    const auto [lat, lon] = p45.to_latlon(xy);
    CHECK(lat == doctest::Approx(45 + 100 / 111'131.78).epsilon(1e-12));
    CHECK(lon == doctest::Approx(10 + 100 / 78'846.83).epsilon(1e-12));
}

TEST_CASE("map projection: fit takes the shortest arc, across the antimeridian") {
    const Projection p = Projection::fit({{0, 179.9}, {0, -179.9}});
    CHECK(std::abs(p.lon0()) == doctest::Approx(180));
    const double west = p.to_plane(0, 179.9).x, east = p.to_plane(0, -179.9).x;
    CHECK(east - west == doctest::Approx(0.2 * 111'319.49).epsilon(1e-6));
    const Projection q = Projection::fit({{10, 20}, {12, 30}});
    CHECK(q.lat0() == doctest::Approx(11));
    CHECK(q.lon0() == doctest::Approx(25));
    CHECK(Projection::fit({}).lat0() == 0);
}

TEST_CASE("map scene: a fence across the antimeridian keeps its shape") {
    const std::string geojson =
        R"({"type":"FeatureCollection","features":[{"type":"Feature","id":"east","properties":{},"geometry":)"
        R"({"type":"Polygon","coordinates":[[[179.99,0],[180,0],[180,0.01],[179.99,0.01],[179.99,0]]]}},)"
        R"({"type":"Feature","id":"west","properties":{},"geometry":)"
        R"({"type":"Polygon","coordinates":[[[-180,0],[-179.99,0],[-179.99,0.01],[-180,0.01],[-180,0]]]}}]})";
    SceneBuilder builder(SceneOptions{});
    builder.fences(track::parse_fences(geojson, "test"));
    const Scene scene = builder.finish();
    REQUIRE(scene.fences.size() == 2);
    CHECK(scene.bounds.width() == doctest::Approx(0.02 * 111'319.49).epsilon(1e-3));
    for (const auto& f : scene.fences)
        CHECK(f.area_m2 == doctest::Approx(0.01 * 0.01 * 110'574.27 * 111'319.49).epsilon(1e-3));
}

TEST_CASE("map scene: Douglas-Peucker keeps every fix within the tolerance, and the ends") {
    std::mt19937 random(7);
    std::normal_distribution<double> step(0, 3e-5);
    SceneOptions options;
    options.tolerance_m = 2;
    SceneBuilder builder(options);
    std::vector<track::Fix> fixes;
    double lat = 52, lon = 13;
    for (int i = 0; i < 3000; ++i) {
        lat += step(random);
        lon += step(random) + 1e-5;
        fixes.push_back(fix("FL-07", 1'000'000 + i * 1000, lat, lon));
        builder.record(fixes.back());
    }
    const Scene scene = builder.finish();
    REQUIRE(scene.tracks.size() == 1);
    const auto& track = scene.tracks.front();
    CHECK(track.fixes == 3000);
    CHECK(track.tolerance_m == 2);
    CHECK(track.points.size() < 3000);
    CHECK(track.points.size() > 2);
    CHECK(track.points.front().time == fixes.front().time);
    CHECK(track.points.back().time == fixes.back().time);
    CHECK(track.points.front().src == "test.jsonl:1000");
    std::size_t k = 0;
    for (const track::Fix& f : fixes) {
        while (k + 1 < track.points.size() && track.points[k + 1].time < f.time) ++k;
        const XY p = scene.projection.to_plane(f.lat, f.lon);
        const XY a = track.points[k].at;
        const XY b = track.points[std::min(k + 1, track.points.size() - 1)].at;
        CHECK(segment_distance(p, a, b) <= 2 + 1e-9);
    }
}

TEST_CASE("map scene: zone changes are kept, input out of order is sorted") {
    SceneOptions options;
    options.tolerance_m = 1000;  // a straight line: only what must stay stays
    SceneBuilder builder(options);
    std::vector<track::Fix> fixes;
    for (int i = 0; i < 20; ++i) {
        track::Fix f = fix("FL-07", i * 1000, 52, 13 + i * 1e-4);
        f.zones = std::vector<std::string>(i >= 8 && i < 12 ? 1 : 0, "bay-3");
        fixes.push_back(f);
    }
    for (auto it = fixes.rbegin(); it != fixes.rend(); ++it) builder.record(*it);
    const Scene scene = builder.finish();
    std::vector<track::Millis> kept;
    for (const auto& p : scene.tracks.at(0).points) kept.push_back(p.time / 1000);
    CHECK(kept == std::vector<track::Millis>{0, 8, 12, 19});
    CHECK(scene.zone_sets.at(scene.tracks[0].points[1].zones) == std::vector<std::string>{"bay-3"});
    CHECK(scene.tracks[0].points[0].zones == 0);
}

TEST_CASE("map scene: zones from the fences when fixes do not carry them") {
    SceneOptions options;
    options.tolerance_m = 1000;
    SceneBuilder builder(options);
    builder.fences(square("bay-3", 52, 13.001, 0.00025));
    for (int i = 0; i < 21; ++i) builder.record(fix("FL-07", i * 1000, 52, 13 + i * 1e-4));
    const Scene scene = builder.finish();
    std::vector<track::Millis> kept;
    for (const auto& p : scene.tracks.at(0).points) kept.push_back(p.time / 1000);
    INFO(fmt::format("{}", fmt::join(kept, ",")));
    CHECK(kept == std::vector<track::Millis>{0, 8, 13, 20});
    REQUIRE(scene.latest.size() == 1);
    CHECK(scene.latest[0].zones.empty());
    CHECK(scene.fences.at(0).kind == "bay");
}

TEST_CASE("map scene: a track over its cap is thinned with a doubled tolerance") {
    SceneOptions options;
    options.tolerance_m = 0.1;
    options.max_track_points = 50;
    SceneBuilder builder(options);
    for (int i = 0; i < 5000; ++i)
        builder.record(fix("FL-07", i * 1000, 52 + 1e-4 * std::sin(i / 10.0), 13 + i * 1e-5));
    const Scene scene = builder.finish();
    const auto& track = scene.tracks.at(0);
    CHECK(track.points.size() <= 50);
    CHECK(track.tolerance_m > 0.1);
    CHECK(scene.tolerance_m == 0.1);
    CHECK(scene.points == track.points.size());
    CHECK(scene.fixes == 5000);
}

TEST_CASE("map scene: the global budget is shared by length") {
    SceneOptions options;
    options.tolerance_m = 0.01;
    options.max_points = 300;
    SceneBuilder builder(options);
    for (int i = 0; i < 2000; ++i) {
        builder.record(fix("A", i * 1000, 52 + 1e-4 * std::sin(i / 5.0), 13 + i * 1e-5));
        builder.record(fix("B", i * 1000, 52.01 + 1e-4 * std::sin(i / 5.0), 13 + i * 1e-6));
    }
    const Scene scene = builder.finish();
    CHECK(scene.points <= 300);
    CHECK(scene.tracks.at(0).points.size() > scene.tracks.at(1).points.size());
}

TEST_CASE("map scene: events at the next fix, else the one before; severity from extra") {
    SceneBuilder builder(SceneOptions{});
    builder.record(fix("FL-07", 1000, 52, 13));
    builder.record(event("FL-07", 2000, "violation", R"(,"severity":"major","metric":"speed","value":7.5)"));
    builder.record(fix("FL-07", 2000, 52.001, 13));
    builder.record(event("FL-07", 3000, "exit"));
    builder.record(event("PAL-1", 3000, "enter"));
    const Scene scene = builder.finish();
    REQUIRE(scene.events.size() == 2);
    CHECK(scene.events[0].lat == 52.001);
    CHECK(scene.events[0].severity == "major");
    CHECK(scene.events[0].metric == "speed");
    CHECK(scene.events[0].value == 7.5);
    CHECK(scene.events[1].lat == 52.001);
    REQUIRE(scene.not_drawn.size() == 1);
    CHECK(scene.not_drawn[0].what == "enter PAL-1 1970-01-01T00:00:03.000Z");
}

TEST_CASE("map scene: latest from the input or the ledger, whichever is later; reads at their reader") {
    SceneOptions options;
    options.now = 100'000;
    SceneBuilder builder(options);
    track::Reader dock{"dock-1", "dock", 52.002, 13.002, {}};
    track::Reader blind{"dock-3", "dock", std::nullopt, std::nullopt, {}};
    builder.readers({dock, blind});
    track::Position later{"FL-07", 50'000, "fix", 52.1, 13.1, "", "", std::nullopt, "ledger:1", ""};
    track::Position earlier{"FL-08", 500, "fix", 52.2, 13.2, "", "", std::nullopt, "ledger:2", ""};
    builder.position(later);
    builder.position(earlier);
    builder.record(fix("FL-07", 1000, 52, 13));
    builder.record(fix("FL-08", 1000, 52, 13.01));
    track::Read read;
    read.asset = "PAL-1";
    read.time = 2000;
    read.reader = "dock-1";
    read.epc = "3034257BF7194E4000001A85";
    builder.record(read);
    read.asset = "PAL-2";
    read.reader = "dock-3";
    builder.record(read);
    const Scene scene = builder.finish();
    REQUIRE(scene.latest.size() == 3);
    CHECK(scene.latest[0].asset == "FL-07");
    CHECK(scene.latest[0].lat == 52.1);
    CHECK(scene.latest[0].age_ms == 50'000);
    CHECK(scene.latest[1].asset == "FL-08");
    CHECK(scene.latest[1].lat == 52);
    CHECK(scene.latest[1].src == "test.jsonl:1");
    CHECK(scene.latest[2].asset == "PAL-1");
    CHECK(scene.latest[2].lat == 52.002);
    CHECK(scene.latest[2].zones == std::vector<std::string>{"dock"});
    REQUIRE(scene.not_drawn.size() == 1);
    CHECK(scene.not_drawn[0].what == "PAL-2");
    CHECK(scene.not_drawn[0].why == "read at dock-3, which has no position");
    CHECK(scene.readers.size() == 1);
}

TEST_CASE("map scene: audit findings at the last known place, or listed") {
    SceneBuilder builder(SceneOptions{});
    builder.record(fix("PAL-5", 1000, 52, 13));
    builder.record(event("PAL-5", 9000, "audit",
                         R"(,"zone":"bay-3","status":"missing","seen":"1970-01-01T00:00:01.000Z","seen_zone":"dock")"));
    track::AuditLine never;
    never.key = never.asset = "PAL-6791";
    never.status = track::AuditStatus::missing;
    builder.audit_line("bay-3", never);
    const Scene scene = builder.finish();
    REQUIRE(scene.audit.size() == 2);
    CHECK(scene.audit[0].status == "missing");
    CHECK(scene.audit[0].zone == "bay-3");
    CHECK(scene.audit[0].seen == 1000);
    CHECK(scene.audit[0].seen_zone == "dock");
    REQUIRE(scene.audit[0].at.has_value());
    CHECK(scene.audit[0].lat == 52);
    CHECK_FALSE(scene.audit[1].at.has_value());
    REQUIRE(scene.not_drawn.size() == 1);
    CHECK(scene.not_drawn[0].what == "PAL-6791");
    CHECK(scene.not_drawn[0].why == "missing, never seen");
}

TEST_CASE("map scene: nothing to draw is an input error that says why") {
    SUBCASE("report rows") {
        SceneBuilder builder(SceneOptions{});
        builder.record(track::OpaqueRecord{R"({"asset":"FL-07","age_s":3})"});
        CHECK_THROWS_WITH_AS((void)builder.finish(),
                             doctest::Contains("nothing to map: the one object of the input is not a trk record"),
                             track::InputError);
    }
    SUBCASE("fixes without a position") {
        SceneBuilder builder(SceneOptions{});
        track::Fix f = fix("FL-07", 1000, 0, 0);
        f.mode = track::FixMode::none;
        builder.record(f);
        CHECK_THROWS_WITH_AS((void)builder.finish(),
                             "nothing to map: the 1 fix of the input has no position (fix \"none\")",
                             track::InputError);
    }
    SUBCASE("nothing at all") {
        SceneBuilder builder(SceneOptions{});
        CHECK_THROWS_AS((void)builder.finish(), track::InputError);
    }
}

TEST_CASE("map scene: a fix without a position is counted; a huge extent is noted") {
    SceneBuilder builder(SceneOptions{});
    track::Fix none = fix("FL-07", 500, 0, 0);
    none.mode = track::FixMode::none;
    builder.record(none);
    builder.record(fix("FL-07", 1000, 52, 13));
    builder.record(fix("FL-07", 2000, 53, 13));
    const Scene scene = builder.finish();
    CHECK(scene.fixes == 3);
    CHECK(scene.tracks.at(0).fixes == 2);
    REQUIRE(scene.notes.size() == 2);
    CHECK(scene.notes[0] == "1 fix without a position (fix \"none\") counted, not drawn");
    CHECK(scene.notes[1].rfind("the map spans 111 km", 0) == 0);
}
