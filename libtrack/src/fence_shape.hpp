// What a Fence holds (libtrack-private): the planar geometry types, WGS84, and FenceShape.
#pragma once

#include <vector>

// GCC 12 reports Boost.Geometry 1.74's envelope state of multi-geometries as maybe
// uninitialized (a false positive in inlined Boost code, reported where it is instantiated).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/geometry.hpp>

namespace track {

namespace bg = boost::geometry;

// Cartesian on degrees (x = lon, y = lat): RFC 7946 edges are straight lines in lon/lat.
using Point = bg::model::d2::point_xy<double>;
using Polygon = bg::model::polygon<Point, false, true>;  // counterclockwise exteriors, closed
using Ring = Polygon::ring_type;
using MultiPolygon = bg::model::multi_polygon<Polygon>;
using Box = bg::model::box<Point>;

constexpr double wgs84_a = 6378137.0;
constexpr double wgs84_e2 = 6.69437999014e-3;
constexpr double pi = 3.14159265358979323846;
constexpr double deg = pi / 180.0;

/// What a Fence holds: polygon parts (a Polygon is one part) or a circle.
struct FenceShape {
    MultiPolygon parts;
    std::vector<Box> part_boxes;
    double lat = 0, lon = 0, radius = 0;  ///< circle: centre and radius in metres
    bool circle = false;
};

/// The geodesic (Vincenty) distance in metres between two points on WGS84.
double geodesic_m(double lat1, double lon1, double lat2, double lon2);

}  // namespace track
