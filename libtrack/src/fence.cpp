// Geofences (see track/fence.hpp): a Fence, its point test and its distance to a point; reading is in
// fence_geojson.cpp, the index in fence_index.cpp.
#include "track/fence.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include <simdjson.h>

#include "fence_planar.hpp"
#include "fence_shape.hpp"

namespace track {

double geodesic_m(double lat1, double lon1, double lat2, double lon2) {
    using GeoPoint = bg::model::point<double, 2, bg::cs::geographic<bg::degree>>;
    static const bg::strategy::distance::geographic<bg::strategy::vincenty, bg::srs::spheroid<double>> vincenty;
    return bg::distance(GeoPoint(lon1, lat1), GeoPoint(lon2, lat2), vincenty);
}

Fence::Fence(std::string id, Kind kind, std::string properties, std::shared_ptr<const FenceShape> shape,
             std::string feature)
    : id_(std::move(id)),
      kind_(kind),
      properties_(std::move(properties)),
      shape_(std::move(shape)),
      feature_(std::move(feature)) {}

std::optional<double> Fence::number_property(std::string_view name) const {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
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

std::vector<Fence::OutlinePart> Fence::outline() const {
    std::vector<OutlinePart> parts;
    const auto ring_of = [](const Ring& ring) {
        OutlineRing out;
        out.reserve(ring.size());
        for (const Point& p : ring) out.push_back({p.x(), p.y()});
        return out;
    };
    for (const Polygon& polygon : shape_->parts) {
        OutlinePart& part = parts.emplace_back();
        part.reserve(1 + polygon.inners().size());
        part.push_back(ring_of(polygon.outer()));
        for (const Ring& hole : polygon.inners()) part.push_back(ring_of(hole));
    }
    return parts;
}

std::optional<Fence::Circle> Fence::circle() const {
    if (!shape_->circle) return std::nullopt;
    return Circle{shape_->lat, shape_->lon, shape_->radius};
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
    const auto ring_distance = [&](const Ring& ring) {
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

}  // namespace track
