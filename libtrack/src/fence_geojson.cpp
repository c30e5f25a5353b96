// Reading fences from GeoJSON (simdjson DOM) and validating them: ids, positions, rings, winding, crossing edges.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "fence_planar.hpp"
#include "fence_shape.hpp"
#include "track/error.hpp"
#include "track/fence.hpp"
#include "track/json_limits.hpp"
#include "track/json_writer.hpp"
#include "track/lines.hpp"

namespace track {

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
double signed_area2(const Ring& ring) {
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
        Ring ring;
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

std::shared_ptr<FenceShape> circle_shape(element geometry, object properties, bool has_properties,
                                         const std::string& where) {
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

// Finds two edges of the polygons that cross at a point inside both (a proper crossing),
// with exact predicates: Boost.Geometry's is_valid decides with a tolerance and takes a
// crossing a hair from a vertex (Natural Earth's Sudan) for a touch. Sweeps the edges in
// order of their western end. Returns a message naming the edges, or "".
std::string crossing_edges(const std::vector<Polygon>& parts, bool multi) {
    struct Edge {
        Point a, b;
        std::size_t part, ring, index;  // index: 1-based position of a in its ring
        double west, east;
    };
    std::vector<Edge> edges;
    for (std::size_t p = 0; p < parts.size(); ++p) {
        const auto add_ring = [&](const Ring& ring, std::size_t number) {
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
            shape->parts.push_back(polygon(part, where, fmt::format("polygon {}: ", number), wound_wrong, vertices));
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
    if (head.geometry_type == "Point")
        return circle_shape(head.geometry, head.properties, head.has_properties, head.place);
    return polygons(head.geometry, head.geometry_type, head.place, [&note](std::string_view text) { note = text; });
}

// The feature's text with every ring that is against the right-hand rule reversed (its
// positions as written): what keep_features keeps when the winding was corrected, so that
// loading the kept fence again has nothing to correct and nothing to say.
std::string right_hand_feature(const FeatureHead& head) {
    const auto write_polygon = [&head](JsonWriter& w, element polygon_value) {
        bool outer = true;
        w.begin_array();
        for (element ring_value : polygon_value.get_array()) {
            std::vector<element> positions;
            Ring ring;
            for (element p : ring_value.get_array()) {
                positions.push_back(p);
                ring.push_back(position(p, head.place));
            }
            const double area = signed_area2(ring);
            if (outer ? area < 0 : area > 0) std::reverse(positions.begin(), positions.end());
            w.begin_array();
            for (element p : positions) w.raw(simdjson::minify(p));
            w.end_array();
            outer = false;
        }
        w.end_array();
    };
    fmt::memory_buffer out;
    JsonWriter w(out);
    w.begin_object();
    for (const auto field : head.value.get_object()) {
        w.key(field.key);
        if (field.key != "geometry") {
            w.raw(simdjson::minify(field.value));
            continue;
        }
        w.begin_object();
        for (const auto g : field.value.get_object()) {
            w.key(g.key);
            if (g.key != "coordinates") {
                w.raw(simdjson::minify(g.value));
            } else if (head.geometry_type == "Polygon") {
                write_polygon(w, g.value);
            } else {
                w.begin_array();
                for (element part : g.value.get_array()) write_polygon(w, part);
                w.end_array();
            }
        }
        w.end_object();
    }
    w.end_object();
    return fmt::to_string(out);
}

// Features from which reading the geometries is shared with a second thread: validation
// is most of a load, and thousands of fences are common.
constexpr std::size_t features_for_two_threads = 64;

std::vector<Fence> parse_fences(const simdjson::padded_string_view text, const std::string& where,
                                const FenceNoteHandler& on_note, bool keep_features) {
    simdjson::dom::parser parser = bounded_json_parser();
    element doc;
    if (const auto error = parser.parse(text).get(doc); error != simdjson::SUCCESS) {
        fail(where, json_error_reason(error, std::string_view(text.data(), text.size())));
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
                            std::move(shapes[i]),
                            !keep_features     ? std::string()
                            : notes[i].empty() ? std::string(simdjson::minify(h.value))
                                               : right_hand_feature(h));
    }
    return fences;
}

}  // namespace

std::vector<Fence> parse_fences(std::string_view geojson, const std::string& where, const FenceNoteHandler& on_note,
                                bool keep_features) {
    const simdjson::padded_string text(without_bom(geojson));
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
        return InputError(path,
                          fmt::format("the fence file is larger than {} bytes, more than trk reads", max_fence_file));
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
    const std::size_t bom = text.size() - without_bom(text).size();
    const std::size_t length = text.size() - bom;
    text.resize(text.size() + simdjson::SIMDJSON_PADDING);
    return parse_fences(simdjson::padded_string_view(text.data() + bom, length, text.size() - bom), path, on_note,
                        keep_features);
}

}  // namespace track
