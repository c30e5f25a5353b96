// Unit tests of track/fence.hpp: loading and validating GeoJSON fences, containment, boundary distance.
#include "track/fence.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "track/error.hpp"

namespace {

std::string collection(const std::string& features) {
    return R"({"type":"FeatureCollection","features":[)" + features + "]}";
}

std::string polygon_feature(const std::string& id_member, const std::string& coordinates) {
    return R"({"type":"Feature",)" + id_member + R"("geometry":{"type":"Polygon","coordinates":)" + coordinates + "}}";
}

// A 0.01-degree square at the yard, counterclockwise, with a clockwise hole in its middle.
const std::string yard_square =
    "[[[9.93,53.5],[9.94,53.5],[9.94,53.51],[9.93,53.51],[9.93,53.5]],"
    "[[9.934,53.504],[9.934,53.506],[9.936,53.506],[9.936,53.504],[9.934,53.504]]]";

std::string load_error(const std::string& text) {
    try {
        track::parse_fences(text, "f.geojson");
    } catch (const track::InputError& e) {
        CHECK(e.code() == track::ExitCode::data);
        return e.what();
    }
    return "no error";
}

std::vector<std::string> ids_at(const track::FenceIndex& index, double lat, double lon) {
    std::vector<std::string> ids;
    for (const std::size_t i : index.containing(lat, lon)) ids.push_back(index.fences()[i].id());
    return ids;
}

}  // namespace

TEST_CASE("fence: geometry types, ids and properties") {
    const auto fences = track::parse_fences(
        collection(
            polygon_feature(R"("id":"sq","properties":{"margin":2.5,"name":"Square"},)", yard_square) + "," +
            R"({"type":"Feature","id":42,"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],[[[2,0],[3,0],[3,1],[2,1],[2,0]]]]}},)"
            R"({"type":"Feature","properties":{"name":"charger","radius":25},"geometry":{"type":"Point","coordinates":[9.93,53.5]}},)"
            R"({"type":"Feature","properties":{"id":"p-id","name":"n","radius":1},"geometry":{"type":"Point","coordinates":[9.93,53.5,12]}})"),
        "f.geojson");
    REQUIRE(fences.size() == 4);
    CHECK(fences[0].id() == "sq");
    CHECK(fences[0].kind() == track::Fence::Kind::polygon);
    CHECK(fences[0].properties() == R"({"margin":2.5,"name":"Square"})");
    CHECK(fences[0].number_property("margin") == 2.5);
    CHECK(!fences[0].number_property("name"));
    CHECK(!fences[0].number_property("dwell"));
    CHECK(fences[1].id() == "42");
    CHECK(fences[1].kind() == track::Fence::Kind::multipolygon);
    CHECK(fences[1].properties() == "{}");
    CHECK(fences[2].id() == "charger");
    CHECK(fences[2].kind() == track::Fence::Kind::circle);
    CHECK(fences[3].id() == "p-id");
}

TEST_CASE("fence: validation errors name the feature and say why") {
    const std::string F = R"("id":"a",)";
    struct Row {
        std::string text;
        std::string message;
    };
    const std::vector<Row> rows = {
        {"[]",
         "f.geojson: not a GeoJSON FeatureCollection (an object with \"type\": \"FeatureCollection\" and "
         "\"features\")"},
        {collection(polygon_feature(F, "[[[9.93,53.5],[9.94,53.5],[9.94,53.51],[9.93,53.51]]]")),
         "f.geojson: feature a: ring 1 is not closed: first (9.93, 53.5) and last (9.93, 53.51) point differ"},
        {collection(polygon_feature(F, "[[[9.93,53.5],[9.94,53.5],[9.93,53.5]]]")),
         "f.geojson: feature a: ring 1 has 3 positions; a ring needs at least 4 (the first repeated last)"},
        {collection(polygon_feature(F, "[[[9.93,53.5],[189.94,53.5],[9.94,53.51],[9.93,53.5]]]")),
         "f.geojson: feature a: position [189.94, 53.5] is out of range (longitude -180 to 180, latitude -90 to 90)"},
        {collection(polygon_feature(F, "[[[9.93,53.5],[9.94,\"n\"],[9.94,53.51],[9.93,53.5]]]")),
         "f.geojson: feature a: a position must be an array of 2 or 3 numbers [lon, lat], not [9.94,\"n\"]"},
        {collection(polygon_feature(F, "[[[0,0],[1,1],[1,0],[0,1],[0,0]]]")),
         "f.geojson: feature a: not a valid Polygon: edges cross at (0.500000, 0.500000): ring 1 positions 1-2 and "
         "ring 1 positions 3-4"},
        {collection(polygon_feature(F, "[[[0,0],[1,0],[1,1],[0,1],[0,0]],[[2,2],[2,3],[3,3],[3,2],[2,2]]]")),
         "f.geojson: feature a: not a valid Polygon: Geometry has interior rings defined outside the outer boundary"},
        {collection(polygon_feature(F, "[[[179.9,-17],[-179.9,-17],[-179.9,-16],[179.9,-16],[179.9,-17]]]")),
         "f.geojson: feature a: spans 359.8 degrees of longitude; RFC 7946 asks for geometries crossing the "
         "antimeridian to be split there (a MultiPolygon of the two halves)"},
        {collection(
             R"({"type":"Feature","id":"a","geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],[[[2,0],[3,0],[3,1],[2,0]]],[[[0,0],[1,0]]]]}})"),
         "f.geojson: feature a: polygon 3: ring 1 has 2 positions; a ring needs at least 4 (the first repeated "
         "last)"},
        {collection(R"({"type":"Feature","id":"a","geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}})"),
         "f.geojson: feature a: geometry type LineString is not supported; use Polygon, MultiPolygon, or a Point "
         "with a \"radius\" property (a circle)"},
        {collection(R"({"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[0,0]}})"),
         "f.geojson: feature a: a Point is a circle and needs a \"radius\" property in metres"},
        {collection(
             R"({"type":"Feature","id":"a","properties":{"radius":0},"geometry":{"type":"Point","coordinates":[0,0]}})"),
         "f.geojson: feature a: radius must be a number of metres greater than 0, not 0"},
        {collection(R"({"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[0,0]}})"),
         "f.geojson: feature #1: has no id: give it an \"id\" member, or an \"id\" or \"name\" property"},
        {collection(
             R"({"type":"Feature","id":"x","properties":{"radius":1},"geometry":{"type":"Point","coordinates":[0,0]}},)"
             R"({"type":"Feature","properties":{"name":"x","radius":1},"geometry":{"type":"Point","coordinates":[0,0]}})"),
         "f.geojson: feature x: the id is already used by feature #1"},
        {collection(R"({"type":"Feature","id":"a","geometry":null})"), "f.geojson: feature a: has no geometry"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        CHECK(load_error(row.text) == row.message);
    }
}

TEST_CASE("fence: a clockwise exterior is reversed and noted") {
    std::vector<std::string> notes;
    const auto fences =
        track::parse_fences(collection(polygon_feature(
                                R"("id":"cw",)", "[[[9.93,53.5],[9.93,53.51],[9.94,53.51],[9.94,53.5],[9.93,53.5]]]")),
                            "f.geojson", [&notes](std::string_view note) { notes.emplace_back(note); });
    REQUIRE(notes.size() == 1);
    CHECK(notes[0] ==
          "f.geojson: feature cw: rings wound against RFC 7946's right-hand rule (exterior "
          "counterclockwise, holes clockwise) were reversed");
    CHECK(fences[0].covers(53.505, 9.935));
    notes.clear();
    track::parse_fences(collection(polygon_feature(R"("id":"ccw",)", yard_square)), "f.geojson",
                        [&notes](std::string_view note) { notes.emplace_back(note); });
    CHECK(notes.empty());
}

TEST_CASE("fence: containment, boundaries inclusive, holes excluded") {
    const track::FenceIndex index(track::parse_fences(
        collection(
            polygon_feature(R"("id":"sq",)", yard_square) + "," +
            R"({"type":"Feature","id":"c","properties":{"radius":100},"geometry":{"type":"Point","coordinates":[9.93,53.5]}})"),
        "f.geojson"));
    struct Row {
        double lat, lon;
        std::vector<std::string> ids;
    };
    const std::vector<Row> rows = {
        {53.505, 9.931, {"sq"}},    // inside
        {53.5, 9.93, {"sq", "c"}},  // a vertex, and the circle's centre
        {53.5, 9.935, {"sq"}},      // on the southern edge
        {53.51, 9.94, {"sq"}},      // the far corner
        {53.505, 9.94, {"sq"}},     // on the eastern edge
        {53.505, 9.935, {}},        // in the hole
        {53.504, 9.935, {"sq"}},    // on the hole's edge
        {53.504, 9.934, {"sq"}},    // the hole's corner
        {53.4999, 9.935, {}},       // just south
        {53.505, 9.9400001, {}},    // just east
        {53.5, 9.92, {}},           // west, outside the circle too
    };
    for (const auto& row : rows) {
        CAPTURE(row.lat);
        CAPTURE(row.lon);
        CHECK(ids_at(index, row.lat, row.lon) == row.ids);
        CHECK(index.fences()[0].covers(row.lat, row.lon) == (!row.ids.empty() && row.ids[0] == "sq"));
    }
}

TEST_CASE("fence: a circle holds the points up to its radius, geodesic") {
    // 0.001 degree of latitude at 53.5N is 111.296 m on WGS84.
    const std::string point = R"({"type":"Point","coordinates":[9.93,53.5]})";
    const auto inside = [&](double radius) {
        const auto fences = track::parse_fences(collection(R"({"type":"Feature","id":"c","properties":{"radius":)" +
                                                           std::to_string(radius) + R"(},"geometry":)" + point + "}"),
                                                "f.geojson");
        return track::FenceIndex(fences).containing(53.501, 9.93).size() == 1;
    };
    CHECK(inside(111.30));
    CHECK(!inside(111.29));
    const auto fences = track::parse_fences(
        collection(R"({"type":"Feature","id":"c","properties":{"radius":100},"geometry":)" + point + "}"), "f");
    const double distance = 100 - *track::boundary_distance_m(fences[0], 53.501, 9.93);
    CHECK(distance == doctest::Approx(111.296).epsilon(0.00001));
    // A circle whose radius is exactly the distance to the point holds it.
    const auto exact = track::parse_fences(collection(R"({"type":"Feature","id":"c","properties":{"radius":)" +
                                                      fmt::format("{}", distance) + R"(},"geometry":)" + point + "}"),
                                           "f");
    CHECK(exact[0].covers(53.501, 9.93));
}

TEST_CASE("fence: parts split at the antimeridian") {
    const track::FenceIndex index(track::parse_fences(
        collection(
            R"({"type":"Feature","id":"fiji","geometry":{"type":"MultiPolygon","coordinates":[)"
            R"([[[179,-17],[180,-17],[180,-16],[179,-16],[179,-17]]],)"
            R"([[[-180,-17],[-179,-17],[-179,-16],[-180,-16],[-180,-17]]]]}},)"
            R"({"type":"Feature","id":"date-line","properties":{"radius":1000},"geometry":{"type":"Point","coordinates":[180,0]}})"),
        "f.geojson"));
    struct Row {
        double lat, lon;
        std::vector<std::string> ids;
    };
    const std::vector<Row> rows = {
        {-16.5, 179.999, {"fiji"}},  {-16.5, -179.999, {"fiji"}},  {-16.5, 180, {"fiji"}},
        {-16.5, -180, {"fiji"}},     {-16.5, 178.999, {}},         {-16.5, -178.999, {}},
        {0, 179.999, {"date-line"}}, {0, -179.999, {"date-line"}}, {0, 179.98, {}},
    };
    for (const auto& row : rows) {
        CAPTURE(row.lon);
        CHECK(ids_at(index, row.lat, row.lon) == row.ids);
    }
}

TEST_CASE("fence: signed distance to the boundary of a 100 m square") {
    // 100 m square around (53.5, 9.93): half-sides in degrees from the WGS84 radii there.
    const double half_lat = 50 / 111295.7;  // metres per degree of latitude at 53.5N (WGS84)
    const double half_lon = 50 / 66359.1;   // metres per degree of longitude at 53.5N
    const double s = 53.5 - half_lat, n = 53.5 + half_lat, w = 9.93 - half_lon, e = 9.93 + half_lon;
    const std::string ring = fmt::format("[[[{0},{1}],[{2},{1}],[{2},{3}],[{0},{3}],[{0},{1}]]]", w, s, e, n);
    const auto fences = track::parse_fences(collection(polygon_feature(R"("id":"sq",)", ring)), "f.geojson");
    CHECK(*track::boundary_distance_m(fences[0], 53.5, 9.93) == doctest::Approx(50).epsilon(0.005));
    CHECK(*track::boundary_distance_m(fences[0], n, 9.93) == doctest::Approx(0).epsilon(1e-6));
    CHECK(*track::boundary_distance_m(fences[0], 53.5, e + 2 * half_lon) == doctest::Approx(-100).epsilon(0.005));
    CHECK(!track::boundary_distance_m(fences[0], 53.7, 9.93));  // 22 km away: beyond the approximation
}

TEST_CASE("fence: load_fences on a missing file") {
    CHECK_THROWS_AS(track::load_fences("/nonexistent/fences.geojson"), track::MissingInputError);
}

namespace {

// Star-shaped rings around a centre (counterclockwise), with a clockwise square hole.
struct Star {
    double lon, lat, radius;
    int vertices;
    bool hole;
};

std::vector<std::pair<double, double>> star_ring(const Star& s, std::mt19937& random) {
    std::uniform_real_distribution<double> wobble(0.5, 1.0);
    std::vector<std::pair<double, double>> ring;
    for (int v = 0; v < s.vertices; ++v) {
        const double angle = 2 * 3.141592653589793 * v / s.vertices;
        const double r = s.radius * wobble(random);
        // Rounded to 7 decimals, as real fences are written.
        ring.emplace_back(std::round((s.lon + r * std::cos(angle)) * 1e7) / 1e7,
                          std::round((s.lat + r * std::sin(angle)) * 1e7) / 1e7);
    }
    ring.push_back(ring.front());
    return ring;
}

std::string ring_json(const std::vector<std::pair<double, double>>& ring) {
    std::string text = "[";
    for (const auto& [lon, lat] : ring) text += fmt::format("{}[{:.7f},{:.7f}]", text.size() > 1 ? "," : "", lon, lat);
    return text + "]";
}

}  // namespace

TEST_CASE("fence: the index agrees with each fence's own test, on vertices, edges and anywhere") {
    std::mt19937 random(20261125);
    std::uniform_real_distribution<double> unit(0, 1);
    std::string features;
    std::vector<std::pair<double, double>> probes;  // lon, lat
    // 300 overlapping stars of many sizes (a few tiny, one covering all: it stays out of the
    // grid), some with a hole; a MultiPolygon; circles.
    for (int f = 0; f < 300; ++f) {
        const double size = f == 0 ? 0.5 : 0.0005 * std::pow(40.0, unit(random));
        const Star star{9.9 + 0.1 * unit(random), 53.5 + 0.06 * unit(random), size,
                        4 + static_cast<int>(unit(random) * 60), f % 3 == 0};
        const auto ring = star_ring(star, random);
        std::string rings = ring_json(ring);
        if (star.hole) {
            const double h = star.radius * 0.2;
            rings += fmt::format(
                ",[[{0:.7f},{1:.7f}],[{0:.7f},{3:.7f}],[{2:.7f},{3:.7f}],[{2:.7f},{1:.7f}],[{0:.7f},{1:.7f}]]",
                star.lon - h, star.lat - h, star.lon + h, star.lat + h);
            probes.emplace_back(star.lon - h, star.lat);  // on the hole's western edge
        }
        features += (f > 0 ? "," : "") + polygon_feature(fmt::format(R"("id":"s{}",)", f), "[" + rings + "]");
        for (std::size_t v = 0; v + 1 < ring.size(); ++v) {
            probes.push_back(ring[v]);
            probes.emplace_back((ring[v].first + ring[v + 1].first) / 2, (ring[v].second + ring[v + 1].second) / 2);
        }
    }
    features += R"(,{"type":"Feature","id":"m","geometry":{"type":"MultiPolygon","coordinates":[)"
                R"([[[9.95,53.52],[9.96,53.52],[9.96,53.53],[9.95,53.53],[9.95,53.52]]],)"
                R"([[[9.96,53.53],[9.97,53.53],[9.97,53.54],[9.96,53.54],[9.96,53.53]]]]}})";
    for (int c = 0; c < 20; ++c) {
        features += fmt::format(
            R"(,{{"type":"Feature","id":"c{}","properties":{{"radius":{}}},"geometry":{{"type":"Point","coordinates":[{:.7f},{:.7f}]}}}})",
            c, 20 + 400 * unit(random), 9.9 + 0.1 * unit(random), 53.5 + 0.06 * unit(random));
    }
    // ThreadSanitizer makes this single-threaded comparison forty times slower and finds
    // nothing in it: a tenth of the random probes there (the vertices and edges all stay).
#if defined(__SANITIZE_THREAD__)
    const int random_probes = 2000;
#else
    const int random_probes = 20000;
#endif
    for (int p = 0; p < random_probes; ++p)
        probes.emplace_back(9.89 + 0.12 * unit(random), 53.49 + 0.08 * unit(random));
    probes.emplace_back(9.96, 53.53);  // where the MultiPolygon's parts touch
    const track::FenceIndex index(track::parse_fences(collection(features), "stars.geojson"));

    std::size_t inside = 0;
    for (const auto& probe : probes) {
        const double lon = probe.first;  // not a structured binding: clang 14's CAPTURE cannot take one
        const double lat = probe.second;
        std::vector<std::size_t> expected;
        for (std::size_t f = 0; f < index.fences().size(); ++f) {
            if (index.fences()[f].covers(lat, lon)) expected.push_back(f);
        }
        inside += expected.size();
        CAPTURE(lon);
        CAPTURE(lat);
        REQUIRE(index.containing(lat, lon) == expected);
    }
    CHECK(inside > probes.size());  // the probes are inside fences, in several at once, and outside

    // Segments between consecutive probes (short steps and long jumps) meet the fences that
    // hold an end or whose boundary they cross: checked against the whole test along the way.
    std::size_t met = 0;
    for (std::size_t p = 0; p + 1 < probes.size() && p < 4000; ++p) {
        const auto [lon1, lat1] = probes[p];
        const double step = p % 2 == 0 ? 0.0002 : 0.02;
        const double lon2 = lon1 + step * (unit(random) - 0.5), lat2 = lat1 + step * (unit(random) - 0.5);
        std::vector<std::size_t> found;
        index.crossing(lat1, lon1, lat2, lon2, found);
        met += found.size();
        // Skipping the fences that hold either end (as the stage does) leaves the others.
        std::vector<std::size_t> ends = index.containing(lat1, lon1), others;
        for (const std::size_t f : index.containing(lat2, lon2)) ends.push_back(f);
        std::sort(ends.begin(), ends.end());
        std::copy_if(found.begin(), found.end(), std::back_inserter(others),
                     [&ends](std::size_t f) { return !std::binary_search(ends.begin(), ends.end(), f); });
        std::vector<std::size_t> found_skipping;
        index.crossing(lat1, lon1, lat2, lon2, found_skipping, &ends);
        CAPTURE(p);
        CHECK(found_skipping == others);
        // Every fence holding a point sampled along the segment is among those found, and
        // every fence found holds a sample or has its boundary within a sample spacing of one.
        std::vector<std::size_t> holding;
        double nearest_edge_m = 0;
        for (int k = 0; k <= 50; ++k) {
            const double lat = lat1 + (lat2 - lat1) * k / 50, lon = lon1 + (lon2 - lon1) * k / 50;
            for (const std::size_t f : index.containing(lat, lon)) holding.push_back(f);
        }
        const double spacing_m = std::hypot((lat2 - lat1) * 111300, (lon2 - lon1) * 66300) / 50;
        for (const std::size_t f : holding) {
            CAPTURE(p);
            REQUIRE(std::binary_search(found.begin(), found.end(), f));
        }
        for (const std::size_t f : found) {
            if (std::find(holding.begin(), holding.end(), f) != holding.end()) continue;
            nearest_edge_m = 1e9;
            for (int k = 0; k <= 50; ++k) {
                const double lat = lat1 + (lat2 - lat1) * k / 50, lon = lon1 + (lon2 - lon1) * k / 50;
                nearest_edge_m = std::min(
                    nearest_edge_m, std::abs(track::boundary_distance_m(index.fences()[f], lat, lon).value_or(1e9)));
            }
            CAPTURE(p);
            CHECK(nearest_edge_m <= spacing_m);
        }
    }
    CHECK(met > 0);
}

TEST_CASE("fence: many features (read on two threads) give the first error in file order, and its notes before") {
    // 200 small squares, every third wound clockwise (a note each); features 0-based.
    const auto square = [](int i, bool clockwise) {
        const double x = 9.9 + 0.001 * (i % 20), y = 53.5 + 0.001 * (i / 20);
        std::string ring = clockwise ? fmt::format("[[{0},{1}],[{0},{3}],[{2},{3}],[{2},{1}],[{0},{1}]]", x, y,
                                                   x + 0.0005, y + 0.0005)
                                     : fmt::format("[[{0},{1}],[{2},{1}],[{2},{3}],[{0},{3}],[{0},{1}]]", x, y,
                                                   x + 0.0005, y + 0.0005);
        return polygon_feature(fmt::format(R"("id":"s{}",)", i), "[" + ring + "]");
    };
    const std::string bow_tie = "[[[0,0],[1,1],[1,0],[0,1],[0,0]]]";
    const std::string open_ring = "[[[0,0],[1,0],[1,1],[0,1]]]";
    // Features replaced by a broken one: (position, feature text).
    const auto text = [&](const std::vector<std::pair<int, std::string>>& broken) {
        std::string features;
        for (int i = 0; i < 200; ++i) {
            std::string f = square(i, i % 3 == 0);
            for (const auto& [at, replacement] : broken) {
                if (at == i) f = replacement;
            }
            features += (i > 0 ? "," : "") + f;
        }
        return collection(features);
    };
    const auto error_and_notes = [](const std::string& geojson) {
        std::vector<std::string> notes;
        std::string error = "no error";
        try {
            track::parse_fences(geojson, "f.geojson", [&notes](std::string_view n) { notes.emplace_back(n); });
        } catch (const track::InputError& e) {
            error = e.what();
        }
        return std::pair{error, notes};
    };
    const std::string bad_geometry = polygon_feature(R"("id":"bow",)", bow_tie);
    const std::string bad_ring = polygon_feature(R"("id":"open",)", open_ring);
    const std::string no_id = polygon_feature("", "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]");
    const std::string bow_message =
        "f.geojson: feature bow: not a valid Polygon: edges cross at (0.500000, 0.500000): ring 1 positions 1-2 "
        "and ring 1 positions 3-4";
    const std::string open_message =
        "f.geojson: feature open: ring 1 is not closed: first (0, 0) and last (0, 1) point differ";

    // The earliest failure wins whichever thread read it, an odd feature or an even one,
    // and a feature without an id (found before any geometry is read) only when it is first.
    auto [error, notes] = error_and_notes(text({{101, bad_geometry}, {120, bad_ring}, {150, no_id}}));
    CHECK(error == bow_message);
    // The notes of features 0, 3, ..., 99 (34 of them), none from beyond the failure.
    CHECK(notes.size() == 34);
    CHECK(notes.front().find("feature s0:") != std::string::npos);
    CHECK(notes.back().find("feature s99:") != std::string::npos);
    std::tie(error, notes) = error_and_notes(text({{120, bad_geometry}, {101, bad_ring}, {150, no_id}}));
    CHECK(error == open_message);
    std::tie(error, notes) = error_and_notes(text({{150, bad_geometry}, {120, no_id}}));
    CHECK(error == "f.geojson: feature #121: has no id: give it an \"id\" member, or an \"id\" or \"name\" property");
    CHECK(notes.size() == 40);  // 0, 3, ..., 117
    std::tie(error, notes) = error_and_notes(text({{199, bad_geometry}}));
    CHECK(error == bow_message);
    // No error: every note, in file order.
    std::tie(error, notes) = error_and_notes(text({}));
    CHECK(error == "no error");
    REQUIRE(notes.size() == 67);
    for (std::size_t k = 0; k < notes.size(); ++k) {
        CHECK(notes[k].find(fmt::format("feature s{}:", 3 * k)) != std::string::npos);
    }
}
