// The fence index's uniform grid (libtrack-private): cells listing the polygon parts and circles that reach them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "fence_shape.hpp"
#include "huge_pages.hpp"
#include "track/fence.hpp"

namespace track {

/// What a box of the index stands for: a polygon part of a fence, or a circle (one of its
/// two halves when it is split at the antimeridian).
struct FenceEntry {
    std::uint32_t fence;
    std::uint32_t part;  ///< polygon part; unused for circles
};

/// An entry's bounding box, and the entry's position among the entries.
using EntryBox = std::pair<Box, std::size_t>;

/// A uniform grid over the entries, so that a point costs one cell's worth of work. A cell
/// lists the entries that reach it, in entry order: "full" when a polygon part covers the
/// whole cell (no test needed), else with the part's edges that come near the cell and
/// whether a reference point of the cell (its centre) is inside; the point's side then
/// follows from the edges crossing the segment from the reference point to it, which all
/// lie in the cell.
struct FenceGrid {
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
    double x0 = 1, y0 = 0, cell_w = 1, cell_h = 1, x1 = 0, y1 = 0;  ///< x0 > x1: empty, cell_of finds nothing
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
    [[nodiscard]] Box cell_box(std::size_t i, std::size_t j) const {
        const double ex = cell_w * 1e-7, ey = cell_h * 1e-7;
        return {{x0 + static_cast<double>(i) * cell_w - ex, y0 + static_cast<double>(j) * cell_h - ey},
                {x0 + static_cast<double>(i + 1) * cell_w + ex, y0 + static_cast<double>(j + 1) * cell_h + ey}};
    }
    /// The centre of cell (i, j): the reference point of its boundary items.
    [[nodiscard]] Point cell_centre(std::size_t i, std::size_t j) const {
        const Box b = cell_box(i, j);
        return {(b.min_corner().x() + b.max_corner().x()) / 2, (b.min_corner().y() + b.max_corner().y()) / 2};
    }
    /// The centre of cell number `cell` (as cell_of gives it).
    [[nodiscard]] Point cell_centre(std::size_t cell) const { return cell_centre(cell % nx, cell / nx); }
};

/// Builds `grid` over the entries whose boxes are `boxes` (`entries` says which fence, and
/// which part of it, each stands for). Entries that would reach too many of its cells (a
/// country among yard bays) stay out of it: they are returned, for an R-tree of their own.
std::vector<EntryBox> build_grid(FenceGrid& grid, const std::vector<Fence>& fences,
                                 const std::vector<FenceEntry>& entries, const std::vector<EntryBox>& boxes);

}  // namespace track
