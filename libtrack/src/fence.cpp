// Geofences: reading GeoJSON (simdjson DOM), validating and indexing it (Boost.Geometry), and point queries.
#include "track/fence.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <thread>
#include <tuple>
#include <utility>

#include <sys/mman.h>

// GCC 12 reports Boost.Geometry 1.74's envelope state of multi-geometries as maybe
// uninitialized (a false positive in inlined Boost code, reported where it is instantiated).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <boost/iterator/function_output_iterator.hpp>
#include <boost/multiprecision/cpp_int.hpp>
#include <fmt/format.h>
#include <simdjson.h>

#include "track/error.hpp"
#include "track/json_limits.hpp"

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

namespace track {

namespace {

// Cartesian on degrees (x = lon, y = lat): RFC 7946 edges are straight lines in lon/lat.
using Point = bg::model::d2::point_xy<double>;
using Polygon = bg::model::polygon<Point, false, true>;  // counterclockwise exteriors, closed
using MultiPolygon = bg::model::multi_polygon<Polygon>;
using Box = bg::model::box<Point>;
using GeoPoint = bg::model::point<double, 2, bg::cs::geographic<bg::degree>>;

constexpr double wgs84_a = 6378137.0;
constexpr double wgs84_e2 = 6.69437999014e-3;
constexpr double pi = 3.14159265358979323846;
constexpr double deg = pi / 180.0;

double geodesic_m(double lat1, double lon1, double lat2, double lon2) {
    static const bg::strategy::distance::geographic<bg::strategy::vincenty, bg::srs::spheroid<double>> vincenty;
    return bg::distance(GeoPoint(lon1, lat1), GeoPoint(lon2, lat2), vincenty);
}

}  // namespace

/// What a Fence holds: polygon parts (a Polygon is one part) or a circle.
struct FenceShape {
    MultiPolygon parts;
    std::vector<Box> part_boxes;
    double lat = 0, lon = 0, radius = 0;  ///< circle: centre and radius in metres
    bool circle = false;
};

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

[[noreturn]] void fail(const std::string& where, const std::string& reason) { throw InputError(where, reason); }

// Positions in one fence: real outlines have hundreds (a country at 1:50m, 817; the
// benchmark's zones, 274), a coast or a border traced at full detail tens of thousands.
// Loading grows with them (a million: 3.5 s and 200 MB here); past that, a file is a
// mistake or an attack, not a zone.
constexpr std::size_t max_fence_vertices = 1'000'000;
// A fence file: 10,000 generated fences are 11 MB; it is read whole, and parsed into
// several times its size.
constexpr std::uintmax_t max_fence_file = std::uintmax_t{128} << 20;

Point position(element value, const std::string& where) {
    array coords;
    double lon = 0, lat = 0;
    if (value.get_array().get(coords) != simdjson::SUCCESS || coords.size() < 2 || coords.size() > 3 ||
        coords.at(0).get_double().get(lon) != simdjson::SUCCESS ||
        coords.at(1).get_double().get(lat) != simdjson::SUCCESS) {
        fail(where,
             fmt::format("a position must be an array of 2 or 3 numbers [lon, lat], not {}", simdjson::minify(value)));
    }
    if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90)) {
        fail(where,
             fmt::format("position [{}, {}] is out of range (longitude -180 to 180, latitude -90 to 90)", lon, lat));
    }
    return {lon, lat};
}

// Twice the signed area (shoelace): positive for a counterclockwise ring.
double signed_area2(const Polygon::ring_type& ring) {
    double sum = 0;
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        sum += ring[i].x() * ring[i + 1].y() - ring[i + 1].x() * ring[i].y();
    }
    return sum;
}

// Reads one Polygon's rings; `label` prefixes ring messages in a MultiPolygon ("polygon 2: ").
// Sets `wound_wrong` when a ring is against the right-hand rule.
Polygon polygon(element value, const std::string& where, const std::string& label, bool& wound_wrong,
                std::size_t& vertices) {
    array rings;
    if (value.get_array().get(rings) != simdjson::SUCCESS || rings.size() == 0) {
        fail(where, label + "a polygon must be a non-empty array of rings");
    }
    Polygon result;
    std::size_t number = 0;
    for (element ring_value : rings) {
        ++number;
        array positions;
        if (ring_value.get_array().get(positions) != simdjson::SUCCESS) {
            fail(where, fmt::format("{}ring {} must be an array of positions", label, number));
        }
        vertices += positions.size();
        if (vertices > max_fence_vertices) {
            fail(where, fmt::format("more than {} positions in one fence, more than trk reads", max_fence_vertices));
        }
        Polygon::ring_type ring;
        for (element p : positions) ring.push_back(position(p, where));
        if (ring.size() < 4) {
            fail(where, fmt::format("{}ring {} has {} position{}; a ring needs at least 4 (the first repeated last)",
                                    label, number, ring.size(), ring.size() == 1 ? "" : "s"));
        }
        if (!bg::equals(ring.front(), ring.back()) || ring.front().x() != ring.back().x() ||
            ring.front().y() != ring.back().y()) {
            fail(where, fmt::format("{}ring {} is not closed: first ({}, {}) and last ({}, {}) point differ", label,
                                    number, ring.front().x(), ring.front().y(), ring.back().x(), ring.back().y()));
        }
        const double area = signed_area2(ring);
        if ((number == 1 && area < 0) || (number > 1 && area > 0)) wound_wrong = true;
        if (number == 1) {
            result.outer() = std::move(ring);
        } else {
            result.inners().push_back(std::move(ring));
        }
    }
    // A ring reaching both -180 and +180 (Antarctica, closed along the antimeridian and the
    // pole) is drawn as RFC 7946 asks; any other span over 180 degrees crosses the antimeridian.
    Box box;
    bg::envelope(result.outer(), box);
    const double span = box.max_corner().x() - box.min_corner().x();
    if (span > 180 && !(box.min_corner().x() == -180 && box.max_corner().x() == 180)) {
        fail(where, fmt::format("{}spans {:.1f} degrees of longitude; RFC 7946 asks for geometries crossing the "
                                "antimeridian to be split there (a MultiPolygon of the two halves)",
                                label, span));
    }
    return result;
}

std::string number_text(element value) { return std::string(simdjson::minify(value)); }

// The feature's id as the user wrote it; empty when it has none.
std::string feature_id(object feature, object properties, bool has_properties) {
    element id;
    if (feature.at_key("id").get(id) == simdjson::SUCCESS) {
        std::string_view text;
        if (id.get_string().get(text) == simdjson::SUCCESS) return std::string(text);
        if (id.is_number()) return number_text(id);
    }
    if (!has_properties) return {};
    for (const char* key : {"id", "name"}) {
        element value;
        if (properties.at_key(key).get(value) != simdjson::SUCCESS) continue;
        std::string_view text;
        if (value.get_string().get(text) == simdjson::SUCCESS && !text.empty()) return std::string(text);
        if (std::string_view(key) == "id" && value.is_number()) return number_text(value);
    }
    return {};
}

std::shared_ptr<FenceShape> circle_shape(element geometry, object properties, bool has_properties, const std::string& where) {
    element coordinates;
    if (geometry.at_key("coordinates").get(coordinates) != simdjson::SUCCESS) {
        fail(where, "geometry has no \"coordinates\"");
    }
    const Point centre = position(coordinates, where);
    double radius = 0;
    element value;
    if (!has_properties || properties.at_key("radius").get(value) != simdjson::SUCCESS) {
        fail(where, "a Point is a circle and needs a \"radius\" property in metres");
    }
    if (value.get_double().get(radius) != simdjson::SUCCESS || !(radius > 0) || !std::isfinite(radius)) {
        fail(where, fmt::format("radius must be a number of metres greater than 0, not {}", simdjson::minify(value)));
    }
    auto shape = std::make_shared<FenceShape>();
    shape->circle = true;
    shape->lat = centre.y();
    shape->lon = centre.x();
    shape->radius = radius;
    return shape;
}

// The sign of the orientation of c relative to a->b (positive: left), exact: a double
// filter (Shewchuk's error bound), then rational arithmetic where it cannot tell.
int orientation(const Point& a, const Point& b, const Point& c) {
    const double left = (b.x() - a.x()) * (c.y() - a.y());
    const double right = (b.y() - a.y()) * (c.x() - a.x());
    const double det = left - right;
    const double bound = 3.3306690738754716e-16 * (std::abs(left) + std::abs(right));
    if (det > bound) return 1;
    if (-det > bound) return -1;
    // Both products zero: each has a factor that is a difference of equal doubles (the only
    // way a double subtraction gives 0), so the exact determinant is 0 too. Points on the
    // line of an axis-parallel edge (yard aisles) come here often; rationals are slow.
    if (left == 0 && right == 0) return 0;
    // c at an end of the segment (adjacent edges share one): exactly collinear.
    if ((c.x() == a.x() && c.y() == a.y()) || (c.x() == b.x() && c.y() == b.y())) return 0;
    using Q = boost::multiprecision::cpp_rational;
    const Q exact = (Q(b.x()) - Q(a.x())) * (Q(c.y()) - Q(a.y())) - (Q(b.y()) - Q(a.y())) * (Q(c.x()) - Q(a.x()));
    return exact > 0 ? 1 : exact < 0 ? -1 : 0;
}

// Finds two edges of the polygons that cross at a point inside both (a proper crossing),
// with exact predicates: Boost.Geometry's is_valid decides with a tolerance and takes a
// crossing a hair from a vertex (Natural Earth's Sudan) for a touch. Sweeps the edges in
// order of their western end. Returns a message naming the edges, or "".
// Where the point is for a ring: 1 inside, 0 on its boundary, -1 outside. Winding numbers
// (Sunday) with exact orientations, so that a point a hair off an edge is on the side it
// is on: Boost.Geometry's covered_by decides with a tolerance and takes points up to about
// 1e-13 degrees off an edge for on it, where GEOS and exact arithmetic do not.
int ring_side(const Polygon::ring_type& ring, const Point& p) {
    const double px = p.x(), py = p.y();
    int winding = 0;
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        const Point& a = ring[i];
        const Point& b = ring[i + 1];
        const double ay = a.y(), by = b.y();
        if ((ay > py && by > py) || (ay < py && by < py)) continue;  // wholly north or south
        if (px > std::max(a.x(), b.x())) continue;                   // wholly west: no crossing east of p
        const bool upward = ay <= py && by > py, downward = ay > py && by <= py;
        if (px < std::min(a.x(), b.x())) {  // wholly east: a crossing, if it spans p's latitude half-open
            winding += upward ? 1 : downward ? -1 : 0;
            continue;
        }
        const int o = orientation(a, b, p);
        if (o == 0) return 0;  // on the line and within the edge's box: on the edge
        if (upward && o > 0) ++winding;
        if (downward && o < 0) --winding;
    }
    return winding != 0 ? 1 : -1;
}

// Inside or on the boundary of the polygon (outer ring and holes, boundaries inclusive).
bool polygon_covers(const Polygon& polygon, const Point& p) {
    if (ring_side(polygon.outer(), p) < 0) return false;
    return std::all_of(polygon.inners().begin(), polygon.inners().end(),
                       [&p](const Polygon::ring_type& hole) { return ring_side(hole, p) <= 0; });
}

std::string crossing_edges(const std::vector<Polygon>& parts, bool multi) {
    struct Edge {
        Point a, b;
        std::size_t part, ring, index;  // index: 1-based position of a in its ring
        double west, east;
    };
    std::vector<Edge> edges;
    for (std::size_t p = 0; p < parts.size(); ++p) {
        const auto add_ring = [&](const Polygon::ring_type& ring, std::size_t number) {
            for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
                const Point& a = ring[i];
                const Point& b = ring[i + 1];
                edges.push_back({a, b, p, number, i + 1, std::min(a.x(), b.x()), std::max(a.x(), b.x())});
            }
        };
        add_ring(parts[p].outer(), 1);
        for (std::size_t r = 0; r < parts[p].inners().size(); ++r) add_ring(parts[p].inners()[r], r + 2);
    }
    std::sort(edges.begin(), edges.end(), [](const Edge& l, const Edge& r) { return l.west < r.west; });
    for (std::size_t i = 0; i < edges.size(); ++i) {
        const Edge& e = edges[i];
        const double south = std::min(e.a.y(), e.b.y()), north = std::max(e.a.y(), e.b.y());
        for (std::size_t j = i + 1; j < edges.size() && edges[j].west <= e.east; ++j) {
            const Edge& f = edges[j];
            if (std::max(f.a.y(), f.b.y()) < south || std::min(f.a.y(), f.b.y()) > north) continue;
            if (orientation(e.a, e.b, f.a) * orientation(e.a, e.b, f.b) >= 0) continue;
            if (orientation(f.a, f.b, e.a) * orientation(f.a, f.b, e.b) >= 0) continue;
            const auto name = [&](const Edge& g) {
                const std::string part = multi ? fmt::format("polygon {} ", g.part + 1) : "";
                return fmt::format("{}ring {} positions {}-{}", part, g.ring, g.index, g.index + 1);
            };
            const double t = ((f.a.x() - e.a.x()) * (f.b.y() - f.a.y()) - (f.a.y() - e.a.y()) * (f.b.x() - f.a.x())) /
                             ((e.b.x() - e.a.x()) * (f.b.y() - f.a.y()) - (e.b.y() - e.a.y()) * (f.b.x() - f.a.x()));
            const Edge& first = std::tie(e.part, e.ring, e.index) < std::tie(f.part, f.ring, f.index) ? e : f;
            return fmt::format("edges cross at ({:.6f}, {:.6f}): {} and {}", e.a.x() + t * (e.b.x() - e.a.x()),
                               e.a.y() + t * (e.b.y() - e.a.y()), name(first), name(&first == &e ? f : e));
        }
    }
    return {};
}

// Reads a Polygon or MultiPolygon, checks it, corrects its winding.
std::shared_ptr<FenceShape> polygons(element geometry, std::string_view type, const std::string& where,
                                     const FenceNoteHandler& on_note) {
    element coordinates;
    if (geometry.at_key("coordinates").get(coordinates) != simdjson::SUCCESS) {
        fail(where, "geometry has no \"coordinates\"");
    }
    auto shape = std::make_shared<FenceShape>();
    bool wound_wrong = false;
    std::size_t vertices = 0;
    if (type == "Polygon") {
        shape->parts.push_back(polygon(coordinates, where, "", wound_wrong, vertices));
    } else {
        array parts;
        if (coordinates.get_array().get(parts) != simdjson::SUCCESS || parts.size() == 0) {
            fail(where, "a MultiPolygon must be a non-empty array of polygons");
        }
        std::size_t number = 0;
        for (element part : parts) {
            ++number;
            shape->parts.push_back(
                polygon(part, where, fmt::format("polygon {}: ", number), wound_wrong, vertices));
        }
    }
    if (const std::string crossing = crossing_edges(shape->parts, type == "MultiPolygon"); !crossing.empty()) {
        fail(where, fmt::format("not a valid {}: {}", type, crossing));
    }
    if (wound_wrong) {
        bg::correct(shape->parts);
        if (on_note) {
            on_note(
                fmt::format("{}: rings wound against RFC 7946's right-hand rule (exterior counterclockwise, "
                            "holes clockwise) were reversed",
                            where));
        }
    }
    std::string reason;
    const bool valid =
        type == "Polygon" ? bg::is_valid(shape->parts.front(), reason) : bg::is_valid(shape->parts, reason);
    if (!valid) fail(where, fmt::format("not a valid {}: {}", type, reason));
    for (const Polygon& part : shape->parts) shape->part_boxes.push_back(bg::return_envelope<Box>(part));
    return shape;
}

}  // namespace

Fence::Fence(std::string id, Kind kind, std::string properties, std::shared_ptr<const FenceShape> shape,
             std::string feature)
    : id_(std::move(id)),
      kind_(kind),
      properties_(std::move(properties)),
      shape_(std::move(shape)),
      feature_(std::move(feature)) {}

std::optional<double> Fence::number_property(std::string_view name) const {
    simdjson::dom::parser parser;
    element doc;
    if (parser.parse(properties_).get(doc) != simdjson::SUCCESS) return std::nullopt;
    double value = 0;
    if (doc.at_key(name).get_double().get(value) != simdjson::SUCCESS) return std::nullopt;
    return value;
}

bool Fence::covers(double lat, double lon) const {
    const FenceShape& s = *shape_;
    if (s.circle) return geodesic_m(s.lat, s.lon, lat, lon) <= s.radius;
    const Point p(lon, lat);
    for (std::size_t i = 0; i < s.parts.size(); ++i) {
        if (bg::covered_by(p, s.part_boxes[i]) && polygon_covers(s.parts[i], p)) return true;
    }
    return false;
}

namespace {

// What a feature says before its geometry is read: checked in file order, one by one.
struct FeatureHead {
    element value;
    object properties;
    bool has_properties = false;
    std::string id, place;
    element geometry;
    std::string_view geometry_type;
};

// The feature's object, id (present and unique) and geometry type.
FeatureHead feature_head(element value, std::size_t number, const std::string& where,
                         std::map<std::string, std::size_t, std::less<>>& numbers) {
    FeatureHead head;
    head.value = value;
    const std::string place = fmt::format("{}: feature #{}", where, number);
    object feature;
    std::string_view type;
    if (value.get_object().get(feature) != simdjson::SUCCESS ||
        feature.at_key("type").get_string().get(type) != simdjson::SUCCESS || type != "Feature") {
        fail(place, "not a GeoJSON Feature (an object with \"type\": \"Feature\")");
    }
    head.has_properties = feature.at_key("properties").get_object().get(head.properties) == simdjson::SUCCESS;
    head.id = feature_id(feature, head.properties, head.has_properties);
    if (head.id.empty()) fail(place, "has no id: give it an \"id\" member, or an \"id\" or \"name\" property");
    head.place = fmt::format("{}: feature {}", where, head.id);
    if (const auto [it, added] = numbers.emplace(head.id, number); !added) {
        fail(head.place, fmt::format("the id is already used by feature #{}", it->second));
    }
    if (feature.at_key("geometry").get(head.geometry) != simdjson::SUCCESS || !head.geometry.is_object() ||
        head.geometry.at_key("type").get_string().get(head.geometry_type) != simdjson::SUCCESS) {
        fail(head.place, "has no geometry");
    }
    const std::string_view g = head.geometry_type;
    if (g != "Polygon" && g != "MultiPolygon" && g != "Point") {
        fail(head.place, fmt::format("geometry type {} is not supported; use Polygon, MultiPolygon, or a Point with a "
                                     "\"radius\" property (a circle)",
                                     g));
    }
    return head;
}

// The feature's geometry, read and checked; a note about its winding goes to `note`.
std::shared_ptr<FenceShape> feature_shape(const FeatureHead& head, std::string& note) {
    if (head.geometry_type == "Point") return circle_shape(head.geometry, head.properties, head.has_properties, head.place);
    return polygons(head.geometry, head.geometry_type, head.place, [&note](std::string_view text) { note = text; });
}

// Features from which reading the geometries is shared with a second thread: validation
// is most of a load, and thousands of fences are common.
constexpr std::size_t features_for_two_threads = 64;

std::vector<Fence> parse_fences(const simdjson::padded_string_view text, const std::string& where,
                                const FenceNoteHandler& on_note, bool keep_features) {
    simdjson::dom::parser parser = bounded_json_parser();
    element doc;
    if (const auto error = parser.parse(text).get(doc); error != simdjson::SUCCESS) {
        fail(where, json_error_reason(error));
    }
    std::string_view type;
    array features;
    if (doc.at_key("type").get_string().get(type) != simdjson::SUCCESS || type != "FeatureCollection" ||
        doc.at_key("features").get_array().get(features) != simdjson::SUCCESS) {
        fail(where,
             "not a GeoJSON FeatureCollection (an object with \"type\": \"FeatureCollection\" and "
             "\"features\")");
    }
    // What fails first in file order is reported, as one pass would: the heads in order up
    // to the first that fails, then the geometries before it, on two threads, each stopping
    // at its first failure (so the earliest of all is among those found).
    std::vector<FeatureHead> heads;
    std::exception_ptr failure;
    std::size_t failed_at = 0;
    {
        std::map<std::string, std::size_t, std::less<>> numbers;  // id -> 1-based feature number
        try {
            for (element value : features) heads.push_back(feature_head(value, heads.size() + 1, where, numbers));
        } catch (const InputError&) {
            failure = std::current_exception();
        }
        failed_at = heads.size();
    }
    std::vector<std::shared_ptr<FenceShape>> shapes(heads.size());
    std::vector<std::string> notes(heads.size());
    struct Stop {
        std::size_t at;
        std::exception_ptr error;
    };
    const auto read_shapes = [&](std::size_t first, std::size_t step) -> Stop {
        for (std::size_t i = first; i < heads.size(); i += step) {
            try {
                shapes[i] = feature_shape(heads[i], notes[i]);
            } catch (...) {  // an InputError, or bad_alloc: carried to the calling thread
                return {i, std::current_exception()};
            }
        }
        return {heads.size(), nullptr};
    };
    std::vector<Stop> stops;
    if (heads.size() >= features_for_two_threads) {
        Stop other{};
        std::thread odd([&] { other = read_shapes(1, 2); });
        stops.push_back(read_shapes(0, 2));
        odd.join();
        stops.push_back(other);
    } else {
        stops.push_back(read_shapes(0, 1));
    }
    for (const Stop& stop : stops) {
        if (stop.error && stop.at < failed_at) {
            failed_at = stop.at;
            failure = stop.error;
        }
    }
    for (std::size_t i = 0; i < failed_at; ++i) {
        if (!notes[i].empty() && on_note) on_note(notes[i]);
    }
    if (failure) std::rethrow_exception(failure);
    std::vector<Fence> fences;
    fences.reserve(heads.size());
    for (std::size_t i = 0; i < heads.size(); ++i) {
        const FeatureHead& h = heads[i];
        const Fence::Kind kind = h.geometry_type == "Point"          ? Fence::Kind::circle
                                 : h.geometry_type == "MultiPolygon" ? Fence::Kind::multipolygon
                                                                     : Fence::Kind::polygon;
        fences.emplace_back(h.id, kind, h.has_properties ? std::string(simdjson::minify(h.properties)) : "{}",
                            std::move(shapes[i]), keep_features ? std::string(simdjson::minify(h.value)) : std::string());
    }
    return fences;
}

}  // namespace

std::vector<Fence> parse_fences(std::string_view geojson, const std::string& where, const FenceNoteHandler& on_note,
                                bool keep_features) {
    const simdjson::padded_string text(geojson);
    return parse_fences(simdjson::padded_string_view(text), where, on_note, keep_features);
}

std::vector<Fence> load_fences(const std::string& path, const FenceNoteHandler& on_note, bool keep_features) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
        throw MissingInputError(fmt::format("{}: cannot read the fence file (Is a directory)", path));
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw MissingInputError(fmt::format("{}: cannot open the fence file ({})", path, std::strerror(errno)));
    // Read in chunks (a fifo cannot tell its size) into a string that ends in simdjson's
    // padding: one copy of a file that may be tens of MB.
    std::string text;
    const auto too_large = [&path] {
        return InputError(path, fmt::format("the fence file is larger than {} bytes, more than trk reads", max_fence_file));
    };
    if (const auto size = std::filesystem::file_size(path, error); !error) {
        if (size > max_fence_file) throw too_large();
        text.reserve(size + simdjson::SIMDJSON_PADDING);
    }
    char chunk[1 << 16];
    while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
        if (text.size() + static_cast<std::size_t>(in.gcount()) > max_fence_file) throw too_large();
        text.append(chunk, static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) throw MissingInputError(fmt::format("{}: cannot read the fence file", path));
    text.resize(text.size() + simdjson::SIMDJSON_PADDING);
    return parse_fences(simdjson::padded_string_view(text.data(), text.size() - simdjson::SIMDJSON_PADDING, text.size()),
                        path, on_note, keep_features);
}

std::optional<double> boundary_distance_m(const Fence& fence, double lat, double lon) {
    const FenceShape& s = fence.shape();
    if (s.circle) return s.radius - geodesic_m(s.lat, s.lon, lat, lon);
    if (std::abs(lat) > 89) return std::nullopt;
    // Plane tangent at the point: metres per radian of longitude (N cos lat) and latitude (M).
    const double phi = lat * deg;
    const double w = std::sqrt(1 - wgs84_e2 * std::sin(phi) * std::sin(phi));
    const double kx = wgs84_a / w * std::cos(phi) * deg;
    const double ky = wgs84_a * (1 - wgs84_e2) / (w * w * w) * deg;
    const auto project = [&](const Point& v) {
        double dlon = v.x() - lon;
        if (dlon > 180) dlon -= 360;
        if (dlon < -180) dlon += 360;
        return std::pair{dlon * kx, (v.y() - lat) * ky};
    };
    double best2 = std::numeric_limits<double>::infinity();
    const auto ring_distance = [&](const Polygon::ring_type& ring) {
        for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
            const auto [x1, y1] = project(ring[i]);
            const auto [x2, y2] = project(ring[i + 1]);
            const double dx = x2 - x1, dy = y2 - y1;
            const double length2 = dx * dx + dy * dy;
            const double t = length2 > 0 ? std::clamp(-(x1 * dx + y1 * dy) / length2, 0.0, 1.0) : 0.0;
            const double x = x1 + t * dx, y = y1 + t * dy;
            best2 = std::min(best2, x * x + y * y);
        }
    };
    for (const Polygon& part : s.parts) {
        ring_distance(part.outer());
        for (const auto& inner : part.inners()) ring_distance(inner);
    }
    const double distance = std::sqrt(best2);
    if (!(distance <= 10'000)) return std::nullopt;
    return fence.covers(lat, lon) ? distance : -distance;
}

namespace {

// Storage for the grid's arrays, backed by 2 MB pages where the kernel offers them (Linux's
// transparent huge pages in "madvise" mode, Debian's default): points land in random cells
// of tens of MB, and with 4 KB pages nearly every lookup missed the TLB as well as the cache.
template <typename T>
struct HugePages {
    using value_type = T;
    HugePages() = default;
    template <typename U>
    explicit HugePages(const HugePages<U>&) noexcept {}
    static constexpr std::size_t huge = std::size_t{2} << 20;
    T* allocate(std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < huge) return std::allocator<T>().allocate(n);
        const std::size_t mapped = (bytes + huge - 1) / huge * huge;
        void* p = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        ::madvise(p, mapped, MADV_HUGEPAGE);  // advice: without it, ordinary pages
        return static_cast<T*>(p);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < huge) return std::allocator<T>().deallocate(p, n);
        ::munmap(p, (bytes + huge - 1) / huge * huge);
    }
    template <typename U>
    bool operator==(const HugePages<U>&) const noexcept {
        return true;
    }
};
template <typename T>
using HugeVector = std::vector<T, HugePages<T>>;

}  // namespace

struct FenceIndex::Tree {
    /// What a box of the tree stands for: a polygon part of a fence, or a whole circle.
    struct Entry {
        std::uint32_t fence;
        std::uint32_t part;  ///< polygon part; unused for circles
    };
    std::vector<Entry> entries;
    bgi::rtree<std::pair<Box, std::size_t>, bgi::rstar<16>> rtree;  ///< every entry: long segments
    bgi::rtree<std::pair<Box, std::size_t>, bgi::rstar<16>> large;  ///< the entries left out of the grid

    /// A uniform grid over the entries, so that a point costs one cell's worth of work. A cell
    /// lists the entries that reach it, in entry order: "full" when a polygon part covers the
    /// whole cell (no test needed), else with the part's edges that come near the cell and
    /// whether a reference point of the cell is inside; the point's side then follows from the
    /// edges crossing the segment from the reference point to it, which all lie in the cell.
    struct Item {
        std::uint32_t entry;
        std::uint32_t edges_begin, edges_end;  ///< into edge_ids
        std::uint8_t kind;                     ///< full, boundary, circle or slow
        bool reference_inside;
    };
    enum : std::uint8_t { full, boundary, circle, slow };
    struct Edge {
        Point a, b;
    };
    double x0 = 0, y0 = 0, cell_w = 1, cell_h = 1, x1 = 0, y1 = 0;
    std::size_t nx = 0, ny = 0;
    HugeVector<std::uint32_t> cell_start;  ///< items of cell c: [cell_start[c], cell_start[c + 1])
    HugeVector<Item> items;
    HugeVector<std::uint32_t> edge_ids;  ///< into edges
    HugeVector<Edge> edges;              ///< every polygon edge, by entry

    /// The cell holding the point, or false when it is outside the grid.
    bool cell_of(double x, double y, std::size_t& cell) const {
        if (!(x >= x0 && x <= x1 && y >= y0 && y <= y1)) return false;
        const auto i = std::min(nx - 1, static_cast<std::size_t>((x - x0) / cell_w));
        const auto j = std::min(ny - 1, static_cast<std::size_t>((y - y0) / cell_h));
        cell = j * nx + i;
        return true;
    }
    /// Cell (i, j) as a box, widened by far more than the rounding of cell_of.
    Box cell_box(std::size_t i, std::size_t j) const {
        const double ex = cell_w * 1e-7, ey = cell_h * 1e-7;
        return {{x0 + static_cast<double>(i) * cell_w - ex, y0 + static_cast<double>(j) * cell_h - ey},
                {x0 + static_cast<double>(i + 1) * cell_w + ex, y0 + static_cast<double>(j + 1) * cell_h + ey}};
    }
};

namespace {

// Boxes (in degrees) holding a circle: latitude widened by the radius over the smallest
// meridional radius of curvature, longitude by the radius over the parallel's radius at the
// box's most poleward latitude, each with 1% to spare; split in two across the antimeridian;
// all longitudes when it reaches a pole or spans half the world.
std::vector<Box> circle_boxes(const FenceShape& c) {
    constexpr double min_meridional_radius = wgs84_a * (1 - wgs84_e2);
    const double dlat = c.radius / min_meridional_radius / deg * 1.01 + 1e-9;
    const double south = c.lat - dlat, north = c.lat + dlat;
    if (south <= -90 || north >= 90) {
        return {Box({-180, std::max(south, -90.0)}, {180, std::min(north, 90.0)})};
    }
    const double poleward = std::max(std::abs(south), std::abs(north)) * deg;
    const double dlon = c.radius / (wgs84_a * std::cos(poleward)) / deg * 1.01 + 1e-9;
    if (dlon >= 180) return {Box({-180, south}, {180, north})};
    const double west = c.lon - dlon, east = c.lon + dlon;
    if (west < -180) return {Box({-180, south}, {east, north}), Box({west + 360, south}, {180, north})};
    if (east > 180) return {Box({west, south}, {180, north}), Box({-180, south}, {east - 360, north})};
    return {Box({west, south}, {east, north})};
}

}  // namespace

namespace {

// Where the point is for a polygon part: 1 inside, 0 on its boundary, -1 outside (or in a hole).
int part_side(const Polygon& part, const Point& p) {
    const int outer = ring_side(part.outer(), p);
    if (outer <= 0) return outer;
    for (const Polygon::ring_type& hole : part.inners()) {
        const int side = ring_side(hole, p);
        if (side >= 0) return -side;
    }
    return 1;
}

// The side of the cell centres of one grid row for a polygon part, from where its edges cross
// the row's middle line: one pass over the edges per row rather than per cell. A centre
// whose crossing count is in doubt (a crossing or a vertex within rounding of it) takes
// the exact test.
class RowSides {
public:
    RowSides(const Polygon& part, const Box& first_cell) {
        y_ = (first_cell.min_corner().y() + first_cell.max_corner().y()) / 2;
        const auto add_ring = [this](const Polygon::ring_type& ring) {
            for (std::size_t v = 0; v + 1 < ring.size(); ++v) {
                const Point& a = ring[v];
                const Point& b = ring[v + 1];
                if (a.y() == y_ || b.y() == y_) exact_ = true;
                if ((a.y() < y_) == (b.y() < y_)) continue;
                crossings_.push_back(a.x() + (y_ - a.y()) * (b.x() - a.x()) / (b.y() - a.y()));
            }
        };
        add_ring(part.outer());
        for (const auto& hole : part.inners()) add_ring(hole);
        std::sort(crossings_.begin(), crossings_.end());
    }
    /// 1 inside, 0 on the boundary, -1 outside, for a centre of this row.
    [[nodiscard]] int side(const Polygon& part, const Point& centre, double cell_w) const {
        if (exact_) return part_side(part, centre);
        const double doubt = 1e-12 + 1e-9 * cell_w;
        const auto first = std::lower_bound(crossings_.begin(), crossings_.end(), centre.x() - doubt);
        if (first != crossings_.end() && *first <= centre.x() + doubt) return part_side(part, centre);
        return (first - crossings_.begin()) % 2 == 1 ? 1 : -1;
    }

private:
    double y_ = 0;
    bool exact_ = false;  ///< a vertex on the line: count with exact predicates instead
    std::vector<double> crossings_;
};

// A cell is an eighth of the median entry's width and height (finer costs memory and gains
// nothing on the bench's 10,000 fences); an entry reaching more cells than max_cells_of_entry
// stays out of the grid (in an R-tree of its own): a country among yard bays.
constexpr double cells_per_typical_entry = 8;
constexpr double max_cells_of_entry = 4096;
// Entries in the grid from which building it is shared with a second thread.
constexpr std::size_t grid_entries_for_two_threads = 256;

}  // namespace

FenceIndex::FenceIndex(std::vector<Fence> fences) : fences_(std::move(fences)), tree_(std::make_unique<Tree>()) {
    Tree& t = *tree_;
    std::vector<std::pair<Box, std::size_t>> boxes;
    for (std::size_t f = 0; f < fences_.size(); ++f) {
        const FenceShape& s = fences_[f].shape();
        if (s.circle) {
            for (const Box& box : circle_boxes(s)) {
                boxes.emplace_back(box, t.entries.size());
                t.entries.push_back({static_cast<std::uint32_t>(f), 0});
            }
            continue;
        }
        for (std::size_t p = 0; p < s.parts.size(); ++p) {
            boxes.emplace_back(s.part_boxes[p], t.entries.size());
            t.entries.push_back({static_cast<std::uint32_t>(f), static_cast<std::uint32_t>(p)});
        }
    }
    t.rtree = decltype(t.rtree)(boxes);  // bulk loading (packing) gives the best queries
    t.x0 = 1;                            // an empty grid: cell_of finds nothing
    t.x1 = 0;
    if (boxes.empty()) return;

    const auto width = [](const Box& b) { return b.max_corner().x() - b.min_corner().x(); };
    const auto height = [](const Box& b) { return b.max_corner().y() - b.min_corner().y(); };
    const auto median = [&](auto size) {
        std::vector<double> sizes;
        for (const auto& [box, entry] : boxes) sizes.push_back(size(box));
        std::nth_element(sizes.begin(), sizes.begin() + static_cast<std::ptrdiff_t>(sizes.size() / 2), sizes.end());
        return std::max(sizes[sizes.size() / 2] / cells_per_typical_entry, 1e-9);
    };
    double cell_w = median(width), cell_h = median(height);
    std::vector<std::pair<Box, std::size_t>> large, gridded;
    for (const auto& entry : boxes) {
        const double cells = (width(entry.first) / cell_w + 1) * (height(entry.first) / cell_h + 1);
        (cells > max_cells_of_entry ? large : gridded).push_back(entry);
    }
    t.large = decltype(t.large)(large);
    if (gridded.empty()) return;
    Box extent = gridded.front().first;
    for (const auto& [box, entry] : gridded) bg::expand(extent, box);
    // At most 64 cells per gridded entry (and 2^22 in all): coarser cells past that.
    const double most = std::min(64.0 * static_cast<double>(gridded.size()), 4194304.0);
    const double wanted = (width(extent) / cell_w + 1) * (height(extent) / cell_h + 1);
    if (wanted > most) {
        const double scale = std::sqrt(wanted / most);
        cell_w *= scale;
        cell_h *= scale;
    }
    t.cell_w = cell_w;
    t.cell_h = cell_h;
    t.nx = static_cast<std::size_t>(width(extent) / cell_w) + 1;
    t.ny = static_cast<std::size_t>(height(extent) / cell_h) + 1;
    t.x0 = extent.min_corner().x();
    t.y0 = extent.min_corner().y();
    t.x1 = extent.max_corner().x();
    t.y1 = extent.max_corner().y();

    // The items of every cell, entry by entry, then grouped by cell (a stable counting sort).
    // Two threads each take a run of the entries (balanced by the cells and edges they
    // reach); their pieces are joined in entry order, so the grid is the same as one
    // thread's.
    struct Placed {
        std::size_t cell;
        Tree::Item item;
    };
    struct Piece {
        std::vector<Placed> placed;
        std::vector<std::uint32_t> edge_ids;  ///< into t.edges
    };
    // Every edge of the gridded parts, entry by entry: each entry's edges have known places.
    std::vector<std::uint32_t> first_edge(gridded.size() + 1, 0);
    for (std::size_t g = 0; g < gridded.size(); ++g) {
        const FenceShape& s = fences_[t.entries[gridded[g].second].fence].shape();
        std::size_t edges = 0;
        if (!s.circle) {
            const Polygon& part = s.parts[t.entries[gridded[g].second].part];
            edges = part.outer().size() - 1;
            for (const auto& hole : part.inners()) edges += hole.size() - 1;
        }
        first_edge[g + 1] = first_edge[g] + static_cast<std::uint32_t>(edges);
    }
    t.edges.resize(first_edge.back());
    const auto index_range = [](double low, double high, double origin, double size, std::size_t n) {
        const auto clamp = [&](double v) {
            return static_cast<std::size_t>(std::clamp(std::floor((v - origin) / size), 0.0, static_cast<double>(n - 1)));
        };
        return std::pair{clamp(low) > 0 ? clamp(low) - 1 : 0, std::min(n - 1, clamp(high) + 1)};
    };
    const auto build = [&](std::size_t first, std::size_t last, Piece& piece) {
        std::vector<std::pair<std::size_t, std::uint32_t>> near;  // (cell, edge) of one entry
        for (std::size_t g = first; g < last; ++g) {
            // Named one by one, not as a structured binding: clang before 16 cannot capture
            // a binding in the lambdas below, and the fuzz build needs clang.
            const auto& box = gridded[g].first;
            const auto e = gridded[g].second;
            const Tree::Entry entry = t.entries[e];
            const FenceShape& s = fences_[entry.fence].shape();
            const auto [i0, i1] = index_range(box.min_corner().x(), box.max_corner().x(), t.x0, cell_w, t.nx);
            const auto [j0, j1] = index_range(box.min_corner().y(), box.max_corner().y(), t.y0, cell_h, t.ny);
            const auto item = [&](std::uint8_t kind) {
                return Tree::Item{static_cast<std::uint32_t>(e), 0, 0, kind, false};
            };
            if (s.circle) {
                for (std::size_t j = j0; j <= j1; ++j) {
                    for (std::size_t i = i0; i <= i1; ++i) {
                        if (bg::intersects(t.cell_box(i, j), box)) {
                            piece.placed.push_back({j * t.nx + i, item(Tree::circle)});
                        }
                    }
                }
                continue;
            }
            const Polygon& part = s.parts[entry.part];
            near.clear();
            std::uint32_t id = first_edge[g];
            const auto add_ring = [&](const Polygon::ring_type& ring) {
                for (std::size_t v = 0; v + 1 < ring.size(); ++v, ++id) {
                    const Point& a = ring[v];
                    const Point& b = ring[v + 1];
                    t.edges[id] = {a, b};
                    const Box edge_box({std::min(a.x(), b.x()), std::min(a.y(), b.y())},
                                       {std::max(a.x(), b.x()), std::max(a.y(), b.y())});
                    const auto [ei0, ei1] = index_range(edge_box.min_corner().x(), edge_box.max_corner().x(), t.x0,
                                                        cell_w, t.nx);
                    const auto [ej0, ej1] = index_range(edge_box.min_corner().y(), edge_box.max_corner().y(), t.y0,
                                                        cell_h, t.ny);
                    for (std::size_t j = ej0; j <= ej1; ++j) {
                        for (std::size_t i = ei0; i <= ei1; ++i) {
                            if (bg::intersects(t.cell_box(i, j), edge_box)) near.emplace_back(j * t.nx + i, id);
                        }
                    }
                }
            };
            add_ring(part.outer());
            for (const auto& hole : part.inners()) add_ring(hole);
            std::sort(near.begin(), near.end());
            auto next = near.begin();
            for (std::size_t j = j0; j <= j1; ++j) {
                const RowSides sides(part, t.cell_box(i0, j));
                for (std::size_t i = i0; i <= i1; ++i) {
                    const std::size_t cell = j * t.nx + i;
                    const Box b = t.cell_box(i, j);
                    const Point centre((b.min_corner().x() + b.max_corner().x()) / 2,
                                       (b.min_corner().y() + b.max_corner().y()) / 2);
                    const int side = sides.side(part, centre, cell_w);
                    if (next == near.end() || next->first != cell) {
                        // No edge comes near: the part covers all of the cell or none of it.
                        if (side > 0) piece.placed.push_back({cell, item(Tree::full)});
                        continue;
                    }
                    Tree::Item it = item(Tree::boundary);
                    it.edges_begin = static_cast<std::uint32_t>(piece.edge_ids.size());
                    for (; next != near.end() && next->first == cell; ++next) piece.edge_ids.push_back(next->second);
                    it.edges_end = static_cast<std::uint32_t>(piece.edge_ids.size());
                    // The centre is the reference point; in the rare cell whose centre is on the
                    // boundary, every point takes the whole test.
                    it.kind = side == 0 ? Tree::slow : Tree::boundary;
                    it.reference_inside = side > 0;
                    piece.placed.push_back({cell, it});
                }
            }
        }
    };
    // The split: half of the work, counted as cells of the entries' boxes plus their edges.
    std::vector<double> work(gridded.size() + 1, 0);
    for (std::size_t g = 0; g < gridded.size(); ++g) {
        const Box& box = gridded[g].first;
        const double edges = first_edge[g + 1] - first_edge[g];
        work[g + 1] = work[g] + (width(box) / cell_w + 3) * (height(box) / cell_h + 3) + 9 * edges;
    }
    const std::size_t split =
        gridded.size() < grid_entries_for_two_threads
            ? gridded.size()
            : static_cast<std::size_t>(std::lower_bound(work.begin(), work.end(), work.back() / 2) - work.begin());
    Piece first, second;
    if (split < gridded.size()) {
        std::thread other([&] { build(split, gridded.size(), second); });
        build(0, split, first);
        other.join();
    } else {
        build(0, gridded.size(), first);
    }
    // Join the second piece to the first: its places in the edge lists shift.
    const auto ids_before = static_cast<std::uint32_t>(first.edge_ids.size());
    for (Placed& p : second.placed) {
        if (p.item.kind == Tree::boundary || p.item.kind == Tree::slow) {
            p.item.edges_begin += ids_before;
            p.item.edges_end += ids_before;
        }
    }
    t.edge_ids.reserve(first.edge_ids.size() + second.edge_ids.size());
    t.edge_ids.assign(first.edge_ids.begin(), first.edge_ids.end());
    t.edge_ids.insert(t.edge_ids.end(), second.edge_ids.begin(), second.edge_ids.end());
    first.edge_ids = {};
    second.edge_ids = {};
    t.cell_start.assign(t.nx * t.ny + 1, 0);
    for (const Piece* piece : {&first, &second}) {
        for (const Placed& p : piece->placed) ++t.cell_start[p.cell + 1];
    }
    for (std::size_t c = 0; c < t.nx * t.ny; ++c) t.cell_start[c + 1] += t.cell_start[c];
    t.items.resize(t.cell_start.back());
    std::vector<std::uint32_t> fill(t.cell_start.begin(), t.cell_start.end() - 1);
    for (const Piece* piece : {&first, &second}) {
        for (const Placed& p : piece->placed) t.items[fill[p.cell]++] = p.item;
    }
}
FenceIndex::~FenceIndex() = default;
FenceIndex::FenceIndex(FenceIndex&&) noexcept = default;
FenceIndex& FenceIndex::operator=(FenceIndex&&) noexcept = default;

namespace {

// Whether an entry (a polygon part or a circle) covers the point, by the whole test.
bool entry_covers(const FenceShape& s, std::uint32_t part, const Point& p) {
    return s.circle ? geodesic_m(s.lat, s.lon, p.y(), p.x()) <= s.radius : polygon_covers(s.parts[part], p);
}

// Whether a boundary item's part covers p, a point of its cell: the cell's centre c is on a
// known side, and the side changes at each edge properly crossing the segment c-p (which
// lies in the cell, so only the edges near the cell can cross it). p on an edge is covered.
// nullopt when the segment passes through a vertex, where crossings cannot be counted.
std::optional<bool> covers_near(const FenceIndex::Tree& t, const FenceIndex::Tree::Item& item, const Point& c,
                                const Point& p) {
    bool inside = item.reference_inside;
    const double west = std::min(c.x(), p.x()), east = std::max(c.x(), p.x());
    const double south = std::min(c.y(), p.y()), north = std::max(c.y(), p.y());
    for (std::uint32_t k = item.edges_begin; k < item.edges_end; ++k) {
        const auto& [a, b] = t.edges[t.edge_ids[k]];
        // An edge whose box misses the segment's neither crosses it nor holds p.
        if (std::max(a.x(), b.x()) < west || std::min(a.x(), b.x()) > east || std::max(a.y(), b.y()) < south ||
            std::min(a.y(), b.y()) > north) {
            continue;
        }
        const int side_p = orientation(a, b, p);
        if (side_p == 0) {
            if (std::min(a.x(), b.x()) <= p.x() && p.x() <= std::max(a.x(), b.x()) &&
                std::min(a.y(), b.y()) <= p.y() && p.y() <= std::max(a.y(), b.y())) {
                return true;  // on the edge
            }
            continue;
        }
        if (side_p * orientation(a, b, c) >= 0) continue;  // c and p on one side of the edge's line
        const int side_a = orientation(c, p, a), side_b = orientation(c, p, b);
        if (side_a == 0 || side_b == 0) return std::nullopt;
        if (side_a != side_b) inside = !inside;
    }
    return inside;
}

}  // namespace

void FenceIndex::containing(double lat, double lon, std::vector<std::size_t>& out) const {
    out.clear();
    const Tree& t = *tree_;
    const Point p(lon, lat);
    std::size_t cell = 0;
    if (t.cell_of(lon, lat, cell)) {
        const std::size_t i = cell % t.nx, j = cell / t.nx;
        const Box box = t.cell_box(i, j);
        const Point centre((box.min_corner().x() + box.max_corner().x()) / 2,
                           (box.min_corner().y() + box.max_corner().y()) / 2);
        for (std::uint32_t k = t.cell_start[cell]; k < t.cell_start[cell + 1]; ++k) {
            const Tree::Item& item = t.items[k];
            const Tree::Entry entry = t.entries[item.entry];
            bool inside = item.kind == Tree::full;
            if (item.kind == Tree::boundary) {
                const std::optional<bool> near = covers_near(t, item, centre, p);
                inside = near ? *near : entry_covers(fences_[entry.fence].shape(), entry.part, p);
            } else if (item.kind != Tree::full) {
                inside = entry_covers(fences_[entry.fence].shape(), entry.part, p);
            }
            if (inside) out.push_back(entry.fence);
        }
    }
    if (!t.large.empty()) {
        const auto test = [&](const std::pair<Box, std::size_t>& hit) {
            const Tree::Entry entry = t.entries[hit.second];
            if (entry_covers(fences_[entry.fence].shape(), entry.part, p)) out.push_back(entry.fence);
        };
        t.large.query(bgi::intersects(p), boost::make_function_output_iterator(test));
        std::sort(out.begin(), out.end());
    }
    // Parts of one fence meet at most at points, and split circles at the antimeridian: dedupe.
    out.erase(std::unique(out.begin(), out.end()), out.end());
}

std::vector<std::size_t> FenceIndex::containing(double lat, double lon) const {
    std::vector<std::size_t> out;
    containing(lat, lon, out);
    return out;
}

namespace {

// Whether segments ab and cd share a point, with exact orientations.
bool segments_meet(const Point& a, const Point& b, const Point& c, const Point& d) {
    if (std::max(a.x(), b.x()) < std::min(c.x(), d.x()) || std::max(c.x(), d.x()) < std::min(a.x(), b.x()) ||
        std::max(a.y(), b.y()) < std::min(c.y(), d.y()) || std::max(c.y(), d.y()) < std::min(a.y(), b.y())) {
        return false;  // boxes apart: most edges near a segment, and no orientation needed
    }
    const int o1 = orientation(a, b, c), o2 = orientation(a, b, d);
    const int o3 = orientation(c, d, a), o4 = orientation(c, d, b);
    if (o1 * o2 < 0 && o3 * o4 < 0) return true;
    // Touching or collinear: an endpoint lies on the other segment (within its box).
    const auto on = [](const Point& p, const Point& q, const Point& r) {  // r on segment pq, given collinear
        return std::min(p.x(), q.x()) <= r.x() && r.x() <= std::max(p.x(), q.x()) && std::min(p.y(), q.y()) <= r.y() &&
               r.y() <= std::max(p.y(), q.y());
    };
    return (o1 == 0 && on(a, b, c)) || (o2 == 0 && on(a, b, d)) || (o3 == 0 && on(c, d, a)) ||
           (o4 == 0 && on(c, d, b)) || (o1 * o2 <= 0 && o3 * o4 <= 0 && (o1 != 0 || o2 != 0));
}

bool segment_meets_ring(const Point& a, const Point& b, const Polygon::ring_type& ring) {
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        if (segments_meet(a, b, ring[i], ring[i + 1])) return true;
    }
    return false;
}

// The closest approach in metres of the segment to the circle's centre, in the plane
// tangent at the centre (east and north metres from its radii of curvature).
double closest_approach_m(const FenceShape& c, const Point& a, const Point& b) {
    const double phi = c.lat * deg;
    const double w = std::sqrt(1 - wgs84_e2 * std::sin(phi) * std::sin(phi));
    const double east = wgs84_a / w * std::cos(phi) * deg;              // metres per degree of longitude
    const double north = wgs84_a * (1 - wgs84_e2) / (w * w * w) * deg;  // metres per degree of latitude
    const double ax = (a.x() - c.lon) * east, ay = (a.y() - c.lat) * north;
    const double bx = (b.x() - c.lon) * east, by = (b.y() - c.lat) * north;
    const double dx = bx - ax, dy = by - ay;
    const double length2 = dx * dx + dy * dy;
    const double t = length2 > 0 ? std::clamp(-(ax * dx + ay * dy) / length2, 0.0, 1.0) : 0.0;
    return std::hypot(ax + t * dx, ay + t * dy);
}

}  // namespace

void FenceIndex::crossing(double lat1, double lon1, double lat2, double lon2, std::vector<std::size_t>& out,
                          const std::vector<std::size_t>* skip) const {
    out.clear();
    const Tree& t = *tree_;
    const Point a(lon1, lat1), b(lon2, lat2);
    const Box box({std::min(lon1, lon2), std::min(lat1, lat2)}, {std::max(lon1, lon2), std::max(lat1, lat2)});
    const auto skipped = [&](std::size_t fence) {
        return skip != nullptr && std::binary_search(skip->begin(), skip->end(), fence);
    };
    const auto meets = [&](const Tree::Entry& entry) {
        const FenceShape& s = fences_[entry.fence].shape();
        if (s.circle) return closest_approach_m(s, a, b) <= s.radius;
        const Polygon& part = s.parts[entry.part];
        return polygon_covers(part, a) || segment_meets_ring(a, b, part.outer()) ||
               std::any_of(part.inners().begin(), part.inners().end(),
                           [&](const Polygon::ring_type& hole) { return segment_meets_ring(a, b, hole); });
    };
    const auto add = [&](const std::pair<Box, std::size_t>& hit) { out.push_back(hit.second); };
    const auto cell_range = [](double low, double high, double origin, double size, std::size_t n) {
        const double first = std::floor((low - origin) / size - 1e-6), last = std::floor((high - origin) / size + 1e-6);
        return std::pair{std::max(first, 0.0), std::min(last, static_cast<double>(n) - 1)};
    };
    const auto [i0, i1] = cell_range(box.min_corner().x(), box.max_corner().x(), t.x0, t.cell_w, t.nx);
    const auto [j0, j1] = cell_range(box.min_corner().y(), box.max_corner().y(), t.y0, t.cell_h, t.ny);
    std::size_t cell_a = 0;
    if (t.nx > 0 && t.cell_of(lon1, lat1, cell_a) && (i1 - i0 + 1) * (j1 - j0 + 1) <= 16) {
        // The usual step between fixes, over a few cells: the segment meets a polygon part when
        // its start is inside or it meets one of the part's edges near those cells.
        // Left out as they are gathered: a part covering a cell other than the start's (the
        // step can only meet it at its edges, listed in other cells), and skipped fences.
        thread_local std::vector<std::pair<std::uint32_t, std::uint32_t>> near;  // (entry, item)
        near.clear();
        for (auto j = static_cast<std::size_t>(j0); static_cast<double>(j) <= j1; ++j) {
            for (auto i = static_cast<std::size_t>(i0); static_cast<double>(i) <= i1; ++i) {
                const std::size_t c = j * t.nx + i;
                for (std::uint32_t k = t.cell_start[c]; k < t.cell_start[c + 1]; ++k) {
                    const Tree::Item& item = t.items[k];
                    if (item.kind == Tree::full && c != cell_a) continue;
                    if (skip != nullptr && skipped(t.entries[item.entry].fence)) continue;
                    near.emplace_back(item.entry, k);
                }
            }
        }
        std::sort(near.begin(), near.end());
        const Box box_a = t.cell_box(cell_a % t.nx, cell_a / t.nx);
        const Point centre_a((box_a.min_corner().x() + box_a.max_corner().x()) / 2,
                             (box_a.min_corner().y() + box_a.max_corner().y()) / 2);
        for (auto group = near.begin(); group != near.end();) {
            const std::uint32_t e = group->first;
            const auto end = std::find_if(group, near.end(), [e](const auto& n) { return n.first != e; });
            const Tree::Entry entry = t.entries[e];
            if ((!out.empty() && out.back() == entry.fence) || skipped(entry.fence)) {
                group = end;
                continue;
            }
            bool found = false, whole = false;
            for (auto n = group; n != end && !found && !whole; ++n) {
                const Tree::Item& item = t.items[n->second];
                const bool in_a = n->second >= t.cell_start[cell_a] && n->second < t.cell_start[cell_a + 1];
                if (item.kind == Tree::circle || item.kind == Tree::slow) {
                    whole = true;
                } else if (item.kind == Tree::full) {
                    found = in_a;
                } else {
                    if (in_a) {
                        const std::optional<bool> covered = covers_near(t, item, centre_a, a);
                        if (!covered) whole = true;
                        found = covered.value_or(false);
                    }
                    for (std::uint32_t k = item.edges_begin; k < item.edges_end && !found; ++k) {
                        const auto& [c, d] = t.edges[t.edge_ids[k]];
                        found = segments_meet(a, b, c, d);
                    }
                }
            }
            if (whole) found = meets(entry);
            if (found) out.push_back(entry.fence);
            group = end;
        }
        if (t.large.empty()) return;
        const std::size_t from_grid = out.size();
        t.large.query(bgi::intersects(box), boost::make_function_output_iterator(add));
        std::size_t kept = from_grid;
        for (std::size_t k = from_grid; k < out.size(); ++k) {
            const Tree::Entry entry = t.entries[out[k]];
            if (!skipped(entry.fence) && meets(entry)) out[kept++] = entry.fence;
        }
        out.resize(kept);
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return;
    }
    // Longer: the candidates from the R-tree, each tested whole.
    t.rtree.query(bgi::intersects(box), boost::make_function_output_iterator(add));
    std::sort(out.begin(), out.end());
    // Entries are in fence order, so the fences found stay ascending.
    std::size_t kept = 0;
    for (const std::size_t e : out) {
        const Tree::Entry entry = t.entries[e];
        if (kept > 0 && out[kept - 1] == entry.fence) continue;  // another part of a fence already found
        if (skipped(entry.fence) || !meets(entry)) continue;
        out[kept++] = entry.fence;
    }
    out.resize(kept);
}

}  // namespace track
