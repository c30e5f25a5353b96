// Exact planar predicates on lon/lat (libtrack-private): orientation, point in ring, segments meeting.
#pragma once

#include <algorithm>
#include <cmath>

#include "fence_shape.hpp"

namespace track {

/// The sign of the orientation of c relative to a->b by rational arithmetic: what
/// orientation() falls back on when doubles cannot tell.
int exact_orientation(const Point& a, const Point& b, const Point& c);

/// The sign of the orientation of c relative to a->b (positive: left), exact: a double
/// filter (Shewchuk's error bound), then rational arithmetic where it cannot tell. Inline:
/// the index's hot loops call it for every edge near a point.
inline int orientation(const Point& a, const Point& b, const Point& c) {
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
    return exact_orientation(a, b, c);
}

/// Whether r, collinear with p and q, lies on the segment pq (within its box).
inline bool within_segment(const Point& p, const Point& q, const Point& r) {
    return std::min(p.x(), q.x()) <= r.x() && r.x() <= std::max(p.x(), q.x()) && std::min(p.y(), q.y()) <= r.y() &&
           r.y() <= std::max(p.y(), q.y());
}

/// Whether segments ab and cd share a point, with exact orientations.
inline bool segments_meet(const Point& a, const Point& b, const Point& c, const Point& d) {
    if (std::max(a.x(), b.x()) < std::min(c.x(), d.x()) || std::max(c.x(), d.x()) < std::min(a.x(), b.x()) ||
        std::max(a.y(), b.y()) < std::min(c.y(), d.y()) || std::max(c.y(), d.y()) < std::min(a.y(), b.y())) {
        return false;  // boxes apart: most edges near a segment, and no orientation needed
    }
    const int o1 = orientation(a, b, c), o2 = orientation(a, b, d);
    const int o3 = orientation(c, d, a), o4 = orientation(c, d, b);
    if (o1 * o2 < 0 && o3 * o4 < 0) return true;
    // Touching or collinear: an endpoint lies on the other segment.
    return (o1 == 0 && within_segment(a, b, c)) || (o2 == 0 && within_segment(a, b, d)) ||
           (o3 == 0 && within_segment(c, d, a)) || (o4 == 0 && within_segment(c, d, b)) ||
           (o1 * o2 <= 0 && o3 * o4 <= 0 && (o1 != 0 || o2 != 0));
}

/// Whether the segment ab shares a point with an edge of the ring.
bool segment_meets_ring(const Point& a, const Point& b, const Ring& ring);

/// Where the point is for a ring: 1 inside, 0 on its boundary, -1 outside. Winding numbers
/// (Sunday) with exact orientations, so that a point a hair off an edge is on the side it
/// is on: Boost.Geometry's covered_by decides with a tolerance and takes points up to about
/// 1e-13 degrees off an edge for on it, where GEOS and exact arithmetic do not.
int ring_side(const Ring& ring, const Point& p);

/// Where the point is for a polygon: 1 inside, 0 on its boundary, -1 outside (or in a hole).
int polygon_side(const Polygon& polygon, const Point& p);

/// Inside or on the boundary of the polygon (outer ring and holes, boundaries inclusive).
bool polygon_covers(const Polygon& polygon, const Point& p);

}  // namespace track
