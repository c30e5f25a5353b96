// The fence index (see track/fence.hpp): its entries and R-trees, and the point and segment queries over them.
#include <algorithm>
#include <cmath>
#include <optional>

#include <boost/geometry/index/rtree.hpp>
#include <boost/iterator/function_output_iterator.hpp>

#include "fence_grid.hpp"
#include "fence_planar.hpp"
#include "fence_shape.hpp"
#include "track/fence.hpp"

namespace track {

namespace bgi = boost::geometry::index;

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

// Whether an entry (a polygon part or a circle) covers the point, by the whole test.
bool entry_covers(const FenceShape& s, std::uint32_t part, const Point& p) {
    return s.circle ? geodesic_m(s.lat, s.lon, p.y(), p.x()) <= s.radius : polygon_covers(s.parts[part], p);
}

// Whether the segment ab meets an entry (a polygon part or a circle), by the whole test.
bool entry_meets(const FenceShape& s, std::uint32_t part, const Point& a, const Point& b) {
    if (s.circle) return closest_approach_m(s, a, b) <= s.radius;
    const Polygon& polygon = s.parts[part];
    return polygon_covers(polygon, a) || segment_meets_ring(a, b, polygon.outer()) ||
           std::any_of(polygon.inners().begin(), polygon.inners().end(),
                       [&](const Ring& hole) { return segment_meets_ring(a, b, hole); });
}

// Whether a boundary item's part covers p, a point of its cell: the cell's centre c is on a
// known side, and the side changes at each edge properly crossing the segment c-p (which
// lies in the cell, so only the edges near the cell can cross it). p on an edge is covered.
// nullopt when the segment passes through a vertex, where crossings cannot be counted.
std::optional<bool> covers_near(const FenceGrid& grid, const FenceGrid::Item& item, const Point& c, const Point& p) {
    bool inside = item.reference_inside;
    const double west = std::min(c.x(), p.x()), east = std::max(c.x(), p.x());
    const double south = std::min(c.y(), p.y()), north = std::max(c.y(), p.y());
    for (std::uint32_t k = item.edges_begin; k < item.edges_end; ++k) {
        const auto& [a, b] = grid.edges[grid.edge_ids[k]];
        // An edge whose box misses the segment's neither crosses it nor holds p.
        if (std::max(a.x(), b.x()) < west || std::min(a.x(), b.x()) > east || std::max(a.y(), b.y()) < south ||
            std::min(a.y(), b.y()) > north) {
            continue;
        }
        const int side_p = orientation(a, b, p);
        if (side_p == 0) {
            if (within_segment(a, b, p)) return true;  // on the edge
            continue;
        }
        if (side_p * orientation(a, b, c) >= 0) continue;  // c and p on one side of the edge's line
        const int side_a = orientation(c, p, a), side_b = orientation(c, p, b);
        if (side_a == 0 || side_b == 0) return std::nullopt;
        if (side_a != side_b) inside = !inside;
    }
    return inside;
}

// Whether `fence` is among those to skip (ascending; null: none).
bool listed(const std::vector<std::size_t>* skip, std::size_t fence) {
    return skip != nullptr && std::binary_search(skip->begin(), skip->end(), fence);
}

// The cells a box reaches, with a little to spare: columns i0..i1 and rows j0..j1, clamped
// to the grid (as doubles: an empty range has i1 < i0).
struct CellBlock {
    double i0, i1, j0, j1;
    [[nodiscard]] double cells() const { return (i1 - i0 + 1) * (j1 - j0 + 1); }
};
CellBlock cells_reached(const FenceGrid& grid, const Box& box) {
    const auto range = [](double low, double high, double origin, double size, std::size_t n) {
        const double first = std::floor((low - origin) / size - 1e-6), last = std::floor((high - origin) / size + 1e-6);
        return std::pair{std::max(first, 0.0), std::min(last, static_cast<double>(n) - 1)};
    };
    const auto [i0, i1] = range(box.min_corner().x(), box.max_corner().x(), grid.x0, grid.cell_w, grid.nx);
    const auto [j0, j1] = range(box.min_corner().y(), box.max_corner().y(), grid.y0, grid.cell_h, grid.ny);
    return {i0, i1, j0, j1};
}

// Steps spanning at most this many cells take the grid; longer ones the R-tree.
constexpr double max_cells_of_step = 16;

}  // namespace

struct FenceIndex::Tree {
    using RTree = bgi::rtree<EntryBox, bgi::rstar<16>>;
    std::vector<FenceEntry> entries;
    RTree rtree;  ///< every entry: long segments
    RTree large;  ///< the entries left out of the grid
    FenceGrid grid;

    /// The fences that the step ab meets, for a step over a few cells (`block`, `cell_a`
    /// holding a): from the grid's items there, and the large entries.
    void crossing_in_cells(const std::vector<Fence>& fences, const Point& a, const Point& b, const Box& box,
                           std::size_t cell_a, const CellBlock& block, const std::vector<std::size_t>* skip,
                           std::vector<std::size_t>& out) const;
    /// The fences that the step ab meets, from the R-tree of all entries: any step.
    void crossing_by_boxes(const std::vector<Fence>& fences, const Point& a, const Point& b, const Box& box,
                           const std::vector<std::size_t>* skip, std::vector<std::size_t>& out) const;
};

FenceIndex::FenceIndex(std::vector<Fence> fences) : fences_(std::move(fences)), tree_(std::make_unique<Tree>()) {
    Tree& t = *tree_;
    std::vector<EntryBox> boxes;
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
    t.rtree = Tree::RTree(boxes);  // bulk loading (packing) gives the best queries
    t.large = Tree::RTree(build_grid(t.grid, fences_, t.entries, boxes));
}
FenceIndex::~FenceIndex() = default;
FenceIndex::FenceIndex(FenceIndex&&) noexcept = default;
FenceIndex& FenceIndex::operator=(FenceIndex&&) noexcept = default;

void FenceIndex::containing(double lat, double lon, std::vector<std::size_t>& out) const {
    out.clear();
    const Tree& t = *tree_;
    const FenceGrid& grid = t.grid;
    const Point p(lon, lat);
    std::size_t cell = 0;
    if (grid.cell_of(lon, lat, cell)) {
        const Point centre = grid.cell_centre(cell);
        for (std::uint32_t k = grid.cell_start[cell]; k < grid.cell_start[cell + 1]; ++k) {
            const FenceGrid::Item& item = grid.items[k];
            const FenceEntry entry = t.entries[item.entry];
            bool inside = item.kind == FenceGrid::full;
            if (item.kind == FenceGrid::boundary) {
                const std::optional<bool> near = covers_near(grid, item, centre, p);
                inside = near ? *near : entry_covers(fences_[entry.fence].shape(), entry.part, p);
            } else if (item.kind != FenceGrid::full) {
                inside = entry_covers(fences_[entry.fence].shape(), entry.part, p);
            }
            if (inside) out.push_back(entry.fence);
        }
    }
    if (!t.large.empty()) {
        const auto test = [&](const EntryBox& hit) {
            const FenceEntry entry = t.entries[hit.second];
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

void FenceIndex::crossing(double lat1, double lon1, double lat2, double lon2, std::vector<std::size_t>& out,
                          const std::vector<std::size_t>* skip) const {
    out.clear();
    const Tree& t = *tree_;
    const Point a(lon1, lat1), b(lon2, lat2);
    const Box box({std::min(lon1, lon2), std::min(lat1, lat2)}, {std::max(lon1, lon2), std::max(lat1, lat2)});
    const CellBlock block = cells_reached(t.grid, box);
    std::size_t cell_a = 0;
    if (t.grid.nx > 0 && t.grid.cell_of(lon1, lat1, cell_a) && block.cells() <= max_cells_of_step) {
        t.crossing_in_cells(fences_, a, b, box, cell_a, block, skip, out);
    } else {
        t.crossing_by_boxes(fences_, a, b, box, skip, out);
    }
}

void FenceIndex::Tree::crossing_in_cells(const std::vector<Fence>& fences, const Point& a, const Point& b,
                                         const Box& box, std::size_t cell_a, const CellBlock& block,
                                         const std::vector<std::size_t>* skip, std::vector<std::size_t>& out) const {
    // The segment meets a polygon part when its start is inside or it meets one of the
    // part's edges near the cells it spans. Left out as they are gathered: a part covering
    // a cell other than the start's (the step can only meet it at its edges, listed in
    // other cells), and skipped fences.
    thread_local std::vector<std::pair<std::uint32_t, std::uint32_t>> near;  // (entry, item)
    near.clear();
    for (auto j = static_cast<std::size_t>(block.j0); static_cast<double>(j) <= block.j1; ++j) {
        for (auto i = static_cast<std::size_t>(block.i0); static_cast<double>(i) <= block.i1; ++i) {
            const std::size_t c = j * grid.nx + i;
            for (std::uint32_t k = grid.cell_start[c]; k < grid.cell_start[c + 1]; ++k) {
                const FenceGrid::Item& item = grid.items[k];
                if (item.kind == FenceGrid::full && c != cell_a) continue;
                if (listed(skip, entries[item.entry].fence)) continue;
                near.emplace_back(item.entry, k);
            }
        }
    }
    std::sort(near.begin(), near.end());
    const Point centre_a = grid.cell_centre(cell_a);
    for (auto group = near.begin(); group != near.end();) {
        const std::uint32_t e = group->first;
        const auto end = std::find_if(group, near.end(), [e](const auto& n) { return n.first != e; });
        const FenceEntry entry = entries[e];
        if ((!out.empty() && out.back() == entry.fence) || listed(skip, entry.fence)) {
            group = end;
            continue;
        }
        bool found = false, whole = false;
        for (auto n = group; n != end && !found && !whole; ++n) {
            const FenceGrid::Item& item = grid.items[n->second];
            const bool in_a = n->second >= grid.cell_start[cell_a] && n->second < grid.cell_start[cell_a + 1];
            if (item.kind == FenceGrid::circle || item.kind == FenceGrid::slow) {
                whole = true;
            } else if (item.kind == FenceGrid::full) {
                found = in_a;
            } else {
                if (in_a) {
                    const std::optional<bool> covered = covers_near(grid, item, centre_a, a);
                    if (!covered) whole = true;
                    found = covered.value_or(false);
                }
                for (std::uint32_t k = item.edges_begin; k < item.edges_end && !found; ++k) {
                    const auto& [c, d] = grid.edges[grid.edge_ids[k]];
                    found = segments_meet(a, b, c, d);
                }
            }
        }
        if (whole) found = entry_meets(fences[entry.fence].shape(), entry.part, a, b);
        if (found) out.push_back(entry.fence);
        group = end;
    }
    if (large.empty()) return;
    // The large entries, tested whole.
    const std::size_t from_grid = out.size();
    large.query(bgi::intersects(box),
                boost::make_function_output_iterator([&out](const EntryBox& hit) { out.push_back(hit.second); }));
    std::size_t kept = from_grid;
    for (std::size_t k = from_grid; k < out.size(); ++k) {
        const FenceEntry entry = entries[out[k]];
        if (!listed(skip, entry.fence) && entry_meets(fences[entry.fence].shape(), entry.part, a, b)) {
            out[kept++] = entry.fence;
        }
    }
    out.resize(kept);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
}

void FenceIndex::Tree::crossing_by_boxes(const std::vector<Fence>& fences, const Point& a, const Point& b,
                                         const Box& box, const std::vector<std::size_t>* skip,
                                         std::vector<std::size_t>& out) const {
    rtree.query(bgi::intersects(box),
                boost::make_function_output_iterator([&out](const EntryBox& hit) { out.push_back(hit.second); }));
    std::sort(out.begin(), out.end());
    // Entries are in fence order, so the fences found stay ascending.
    std::size_t kept = 0;
    for (const std::size_t e : out) {
        const FenceEntry entry = entries[e];
        if (kept > 0 && out[kept - 1] == entry.fence) continue;  // another part of a fence already found
        if (listed(skip, entry.fence) || !entry_meets(fences[entry.fence].shape(), entry.part, a, b)) continue;
        out[kept++] = entry.fence;
    }
    out.resize(kept);
}

}  // namespace track
