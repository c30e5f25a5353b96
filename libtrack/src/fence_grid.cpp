// Building the fence index's grid (see fence_grid.hpp): grid choice, placing entries on two threads, joining the
// pieces.
#include "fence_grid.hpp"

#include <cmath>
#include <thread>

#include "fence_planar.hpp"

namespace track {

namespace {

// A cell is an eighth of the median entry's width and height (finer costs memory and gains
// nothing on the bench's 10,000 fences); an entry reaching more cells than max_cells_of_entry
// stays out of the grid (in an R-tree of its own): a country among yard bays.
constexpr double cells_per_typical_entry = 8;
constexpr double max_cells_of_entry = 4096;
// Entries in the grid from which building it is shared with a second thread.
constexpr std::size_t grid_entries_for_two_threads = 256;

double width(const Box& b) { return b.max_corner().x() - b.min_corner().x(); }
double height(const Box& b) { return b.max_corner().y() - b.min_corner().y(); }

// Grid choice: cells sized after the median entry; the entries that would reach too many
// of them go to `large`, the others to `gridded`; the grid spans the gridded ones, with
// coarser cells where they would be more than 64 per gridded entry (or 2^22 in all).
void choose_cells(const std::vector<EntryBox>& boxes, FenceGrid& grid, std::vector<EntryBox>& gridded,
                  std::vector<EntryBox>& large) {
    const auto median = [&](auto size) {
        std::vector<double> sizes;
        sizes.reserve(boxes.size());
        for (const auto& [box, entry] : boxes) sizes.push_back(size(box));
        std::nth_element(sizes.begin(), sizes.begin() + static_cast<std::ptrdiff_t>(sizes.size() / 2), sizes.end());
        return std::max(sizes[sizes.size() / 2] / cells_per_typical_entry, 1e-9);
    };
    double cell_w = median(width), cell_h = median(height);
    for (const auto& entry : boxes) {
        const double cells = (width(entry.first) / cell_w + 1) * (height(entry.first) / cell_h + 1);
        (cells > max_cells_of_entry ? large : gridded).push_back(entry);
    }
    if (gridded.empty()) return;
    Box extent = gridded.front().first;
    for (const auto& [box, entry] : gridded) bg::expand(extent, box);
    const double most = std::min(64.0 * static_cast<double>(gridded.size()), 4194304.0);
    const double wanted = (width(extent) / cell_w + 1) * (height(extent) / cell_h + 1);
    if (wanted > most) {
        const double scale = std::sqrt(wanted / most);
        cell_w *= scale;
        cell_h *= scale;
    }
    grid.cell_w = cell_w;
    grid.cell_h = cell_h;
    grid.nx = static_cast<std::size_t>(width(extent) / cell_w) + 1;
    grid.ny = static_cast<std::size_t>(height(extent) / cell_h) + 1;
    grid.x0 = extent.min_corner().x();
    grid.y0 = extent.min_corner().y();
    grid.x1 = extent.max_corner().x();
    grid.y1 = extent.max_corner().y();
}

// Where each gridded entry's edges begin in the grid's edge list, entry by entry (and, last,
// where the last entry's end): each entry's edges have known places, whichever thread places it.
std::vector<std::uint32_t> edge_offsets(const std::vector<Fence>& fences, const std::vector<FenceEntry>& entries,
                                        const std::vector<EntryBox>& gridded) {
    std::vector<std::uint32_t> first_edge(gridded.size() + 1, 0);
    for (std::size_t g = 0; g < gridded.size(); ++g) {
        const FenceEntry entry = entries[gridded[g].second];
        const FenceShape& s = fences[entry.fence].shape();
        std::size_t edges = 0;
        if (!s.circle) {
            const Polygon& part = s.parts[entry.part];
            edges = part.outer().size() - 1;
            for (const auto& hole : part.inners()) edges += hole.size() - 1;
        }
        first_edge[g + 1] = first_edge[g] + static_cast<std::uint32_t>(edges);
    }
    return first_edge;
}

// The first and last cells along one axis that [low, high] reaches, one more each side.
std::pair<std::size_t, std::size_t> cell_span(double low, double high, double origin, double size, std::size_t n) {
    const auto clamp = [&](double v) {
        return static_cast<std::size_t>(std::clamp(std::floor((v - origin) / size), 0.0, static_cast<double>(n - 1)));
    };
    return {clamp(low) > 0 ? clamp(low) - 1 : 0, std::min(n - 1, clamp(high) + 1)};
}

// The side of the cell centres of one grid row for a polygon part, from where its edges cross
// the row's middle line: one pass over the edges per row rather than per cell. A centre
// whose crossing count is in doubt (a crossing or a vertex within rounding of it) takes
// the exact test.
class RowSides {
public:
    RowSides(const Polygon& part, const Box& first_cell) {
        y_ = (first_cell.min_corner().y() + first_cell.max_corner().y()) / 2;
        const auto add_ring = [this](const Ring& ring) {
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
        if (exact_) return polygon_side(part, centre);
        const double doubt = 1e-12 + 1e-9 * cell_w;
        const auto first = std::lower_bound(crossings_.begin(), crossings_.end(), centre.x() - doubt);
        if (first != crossings_.end() && *first <= centre.x() + doubt) return polygon_side(part, centre);
        return (first - crossings_.begin()) % 2 == 1 ? 1 : -1;
    }

private:
    double y_ = 0;
    bool exact_ = false;  ///< a vertex on the line: count with exact predicates instead
    std::vector<double> crossings_;
};

// An item bound for a cell.
struct Placed {
    std::size_t cell;
    FenceGrid::Item item;
};
// What one thread places: the items of a run of the entries, and the edge lists of their
// boundary items (Item::edges_begin and edges_end count from the piece's start).
struct Piece {
    std::vector<Placed> placed;
    std::vector<std::uint32_t> edge_ids;  ///< into FenceGrid::edges
};

// Placing entries: the items of a run of the gridded entries, in entry order, for the cells
// they reach. Two threads may place two runs at once: each writes the grid's edges of its
// own entries only.
class Placement {
public:
    Placement(FenceGrid& grid, const std::vector<Fence>& fences, const std::vector<FenceEntry>& entries,
              const std::vector<EntryBox>& gridded, const std::vector<std::uint32_t>& first_edge)
        : grid_(grid), fences_(fences), entries_(entries), gridded_(gridded), first_edge_(first_edge) {}

    /// Places the gridded entries [first, last) into `piece`.
    void place(std::size_t first, std::size_t last, Piece& piece) const {
        std::vector<std::pair<std::size_t, std::uint32_t>> near;  // (cell, edge) of one entry
        for (std::size_t g = first; g < last; ++g) {
            const FenceEntry entry = entries_[gridded_[g].second];
            const FenceShape& s = fences_[entry.fence].shape();
            if (s.circle) {
                place_circle(g, piece);
            } else {
                place_part(g, s.parts[entry.part], near, piece);
            }
        }
    }

private:
    [[nodiscard]] FenceGrid::Item item(std::size_t g, std::uint8_t kind) const {
        return FenceGrid::Item{static_cast<std::uint32_t>(gridded_[g].second), 0, 0, kind, false};
    }

    // A circle: in every cell its box meets, to be tested whole.
    void place_circle(std::size_t g, Piece& piece) const {
        const Box& box = gridded_[g].first;
        const auto [i0, i1] = cell_span(box.min_corner().x(), box.max_corner().x(), grid_.x0, grid_.cell_w, grid_.nx);
        const auto [j0, j1] = cell_span(box.min_corner().y(), box.max_corner().y(), grid_.y0, grid_.cell_h, grid_.ny);
        for (std::size_t j = j0; j <= j1; ++j) {
            for (std::size_t i = i0; i <= i1; ++i) {
                if (bg::intersects(grid_.cell_box(i, j), box)) {
                    piece.placed.push_back({j * grid_.nx + i, item(g, FenceGrid::circle)});
                }
            }
        }
    }

    // A polygon part: its edges into the grid, and for each cell of its box a full item
    // (no edge near, centre inside), a boundary item with the edges near it, or nothing.
    void place_part(std::size_t g, const Polygon& part, std::vector<std::pair<std::size_t, std::uint32_t>>& near,
                    Piece& piece) const {
        near.clear();
        std::uint32_t id = first_edge_[g];
        const auto add_ring = [&](const Ring& ring) {
            for (std::size_t v = 0; v + 1 < ring.size(); ++v, ++id) {
                const Point& a = ring[v];
                const Point& b = ring[v + 1];
                grid_.edges[id] = {a, b};
                const Box edge_box({std::min(a.x(), b.x()), std::min(a.y(), b.y())},
                                   {std::max(a.x(), b.x()), std::max(a.y(), b.y())});
                const auto [ei0, ei1] =
                    cell_span(edge_box.min_corner().x(), edge_box.max_corner().x(), grid_.x0, grid_.cell_w, grid_.nx);
                const auto [ej0, ej1] =
                    cell_span(edge_box.min_corner().y(), edge_box.max_corner().y(), grid_.y0, grid_.cell_h, grid_.ny);
                for (std::size_t j = ej0; j <= ej1; ++j) {
                    for (std::size_t i = ei0; i <= ei1; ++i) {
                        if (bg::intersects(grid_.cell_box(i, j), edge_box)) near.emplace_back(j * grid_.nx + i, id);
                    }
                }
            }
        };
        add_ring(part.outer());
        for (const auto& hole : part.inners()) add_ring(hole);
        std::sort(near.begin(), near.end());

        const Box& box = gridded_[g].first;
        const auto [i0, i1] = cell_span(box.min_corner().x(), box.max_corner().x(), grid_.x0, grid_.cell_w, grid_.nx);
        const auto [j0, j1] = cell_span(box.min_corner().y(), box.max_corner().y(), grid_.y0, grid_.cell_h, grid_.ny);
        auto next = near.begin();
        for (std::size_t j = j0; j <= j1; ++j) {
            const RowSides sides(part, grid_.cell_box(i0, j));
            for (std::size_t i = i0; i <= i1; ++i) {
                const std::size_t cell = j * grid_.nx + i;
                const int side = sides.side(part, grid_.cell_centre(i, j), grid_.cell_w);
                if (next == near.end() || next->first != cell) {
                    // No edge comes near: the part covers all of the cell or none of it.
                    if (side > 0) piece.placed.push_back({cell, item(g, FenceGrid::full)});
                    continue;
                }
                FenceGrid::Item it = item(g, FenceGrid::boundary);
                it.edges_begin = static_cast<std::uint32_t>(piece.edge_ids.size());
                for (; next != near.end() && next->first == cell; ++next) piece.edge_ids.push_back(next->second);
                it.edges_end = static_cast<std::uint32_t>(piece.edge_ids.size());
                // The centre is the reference point; in the rare cell whose centre is on the
                // boundary, every point takes the whole test.
                it.kind = side == 0 ? FenceGrid::slow : FenceGrid::boundary;
                it.reference_inside = side > 0;
                piece.placed.push_back({cell, it});
            }
        }
    }

    FenceGrid& grid_;
    const std::vector<Fence>& fences_;
    const std::vector<FenceEntry>& entries_;
    const std::vector<EntryBox>& gridded_;
    const std::vector<std::uint32_t>& first_edge_;
};

// Where the gridded entries split between two threads: half of the work, counted as cells
// of the entries' boxes plus their edges; after the last (one thread) when they are few.
std::size_t balanced_split(const FenceGrid& grid, const std::vector<EntryBox>& gridded,
                           const std::vector<std::uint32_t>& first_edge) {
    if (gridded.size() < grid_entries_for_two_threads) return gridded.size();
    std::vector<double> work(gridded.size() + 1, 0);
    for (std::size_t g = 0; g < gridded.size(); ++g) {
        const Box& box = gridded[g].first;
        const double edges = first_edge[g + 1] - first_edge[g];
        work[g + 1] = work[g] + (width(box) / grid.cell_w + 3) * (height(box) / grid.cell_h + 3) + 9 * edges;
    }
    return static_cast<std::size_t>(std::lower_bound(work.begin(), work.end(), work.back() / 2) - work.begin());
}

// Joining pieces: the second piece's edge lists after the first's (its items' places in
// them shift), then the items of both grouped by cell by a stable counting sort, the first
// piece's before the second's: the grid is the same as one thread's.
void join_pieces(FenceGrid& grid, Piece& first, Piece& second) {
    const auto ids_before = static_cast<std::uint32_t>(first.edge_ids.size());
    for (Placed& p : second.placed) {
        if (p.item.kind == FenceGrid::boundary || p.item.kind == FenceGrid::slow) {
            p.item.edges_begin += ids_before;
            p.item.edges_end += ids_before;
        }
    }
    grid.edge_ids.reserve(first.edge_ids.size() + second.edge_ids.size());
    grid.edge_ids.assign(first.edge_ids.begin(), first.edge_ids.end());
    grid.edge_ids.insert(grid.edge_ids.end(), second.edge_ids.begin(), second.edge_ids.end());
    first.edge_ids = {};
    second.edge_ids = {};
    grid.cell_start.assign(grid.nx * grid.ny + 1, 0);
    for (const Piece* piece : {&first, &second}) {
        for (const Placed& p : piece->placed) ++grid.cell_start[p.cell + 1];
    }
    for (std::size_t c = 0; c < grid.nx * grid.ny; ++c) grid.cell_start[c + 1] += grid.cell_start[c];
    grid.items.resize(grid.cell_start.back());
    std::vector<std::uint32_t> fill(grid.cell_start.begin(), grid.cell_start.end() - 1);
    for (const Piece* piece : {&first, &second}) {
        for (const Placed& p : piece->placed) grid.items[fill[p.cell]++] = p.item;
    }
}

}  // namespace

std::vector<EntryBox> build_grid(FenceGrid& grid, const std::vector<Fence>& fences,
                                 const std::vector<FenceEntry>& entries, const std::vector<EntryBox>& boxes) {
    std::vector<EntryBox> gridded, large;
    if (boxes.empty()) return large;
    choose_cells(boxes, grid, gridded, large);
    if (gridded.empty()) return large;
    const std::vector<std::uint32_t> first_edge = edge_offsets(fences, entries, gridded);
    grid.edges.resize(first_edge.back());
    const Placement placement(grid, fences, entries, gridded, first_edge);
    const std::size_t split = balanced_split(grid, gridded, first_edge);
    Piece first, second;
    if (split < gridded.size()) {
        std::thread other([&] { placement.place(split, gridded.size(), second); });
        placement.place(0, split, first);
        other.join();
    } else {
        placement.place(0, gridded.size(), first);
    }
    join_pieces(grid, first, second);
    return large;
}

}  // namespace track
