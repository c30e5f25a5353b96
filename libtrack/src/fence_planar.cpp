// Exact planar predicates on lon/lat (see fence_planar.hpp): the rational fallback and point in polygon.
#include "fence_planar.hpp"

#include <boost/multiprecision/cpp_int.hpp>

namespace track {

int exact_orientation(const Point& a, const Point& b, const Point& c) {
    using Q = boost::multiprecision::cpp_rational;
    const Q exact = (Q(b.x()) - Q(a.x())) * (Q(c.y()) - Q(a.y())) - (Q(b.y()) - Q(a.y())) * (Q(c.x()) - Q(a.x()));
    return exact > 0 ? 1 : exact < 0 ? -1 : 0;
}

bool segment_meets_ring(const Point& a, const Point& b, const Ring& ring) {
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        if (segments_meet(a, b, ring[i], ring[i + 1])) return true;
    }
    return false;
}

int ring_side(const Ring& ring, const Point& p) {
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

int polygon_side(const Polygon& polygon, const Point& p) {
    const int outer = ring_side(polygon.outer(), p);
    if (outer <= 0) return outer;
    for (const Ring& hole : polygon.inners()) {
        const int side = ring_side(hole, p);
        if (side >= 0) return -side;
    }
    return 1;
}

bool polygon_covers(const Polygon& polygon, const Point& p) {
    if (ring_side(polygon.outer(), p) < 0) return false;
    return std::all_of(polygon.inners().begin(), polygon.inners().end(),
                       [&p](const Ring& hole) { return ring_side(hole, p) <= 0; });
}

}  // namespace track
