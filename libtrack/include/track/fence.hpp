// Geofences: GeoJSON (RFC 7946) polygons, multipolygons and circles, and an index that finds the fences holding a
// point.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace track {

struct FenceShape;  // the geometry (libtrack/src/fence_shape.hpp): Boost.Geometry stays out of this header

/// Receives a remark about a fence file that is not an error ("rings were reversed").
using FenceNoteHandler = std::function<void(std::string_view)>;

/// One geofence: a Polygon or MultiPolygon (edges straight in lon/lat, as RFC 7946 says;
/// holes allowed) or a circle (a Point with a radius in metres, geodesic on WGS84).
/// A point on the boundary is inside. Copies share the geometry.
class Fence {
public:
    enum class Kind { polygon, multipolygon, circle };

    /// The feature's "id" (a string, or a number as written), else properties "id", else "name".
    [[nodiscard]] const std::string& id() const noexcept { return id_; }
    [[nodiscard]] Kind kind() const noexcept { return kind_; }
    /// The feature's "properties" object as minified JSON text; "{}" when absent or null.
    [[nodiscard]] const std::string& properties() const noexcept { return properties_; }
    /// The member `name` of properties when it is a number; nullopt when absent or not a number.
    [[nodiscard]] std::optional<double> number_property(std::string_view name) const;
    /// Whether the point (WGS84 degrees) is inside or on the boundary.
    [[nodiscard]] bool covers(double lat, double lon) const;

    /// A position of an outline: WGS84 degrees.
    struct LonLat {
        double lon = 0;  ///< east positive, as read (not wrapped)
        double lat = 0;  ///< north positive
    };
    /// A ring of an outline: closed (the last position equals the first).
    using OutlineRing = std::vector<LonLat>;
    /// One polygon of an outline: its exterior ring (counterclockwise) then its holes (clockwise).
    using OutlinePart = std::vector<OutlineRing>;
    /// The polygon parts (one for a Polygon, one per member of a MultiPolygon), for drawing
    /// without Boost.Geometry; empty for a circle (see circle()).
    [[nodiscard]] std::vector<OutlinePart> outline() const;
    /// A circle fence's centre and radius.
    struct Circle {
        double lat = 0, lon = 0;  ///< the centre, WGS84 degrees
        double radius_m = 0;      ///< metres, geodesic
    };
    /// The circle, for a circle fence; nullopt for polygons.
    [[nodiscard]] std::optional<Circle> circle() const;

    /// The whole GeoJSON Feature, minified, as it was read, except that rings wound against
    /// the right-hand rule are reversed (what the ledger keeps: loading it again has nothing
    /// to correct); empty unless the fences were read with keep_features (re-writing them
    /// costs a fifth of a load).
    [[nodiscard]] const std::string& feature() const noexcept { return feature_; }

    /// Builds a fence from its parts; use parse_fences or load_fences.
    Fence(std::string id, Kind kind, std::string properties, std::shared_ptr<const FenceShape> shape,
          std::string feature = {});
    [[nodiscard]] const FenceShape& shape() const noexcept { return *shape_; }

private:
    std::string id_;
    Kind kind_;
    std::string properties_;
    std::shared_ptr<const FenceShape> shape_;
    std::string feature_;
};

/// Reads the fences of a GeoJSON FeatureCollection, in file order. `where` names the text
/// in messages (the file name). Throws InputError (exit 65) with where = "FILE: feature ID"
/// (or "FILE: feature #N" before the id is known) for: text that is not a FeatureCollection,
/// a feature without an id or with a duplicate one, an unsupported geometry type, a
/// malformed position or one out of range, an unclosed ring or one of fewer than 4
/// positions, a polygon spanning more than 180 degrees of longitude (not split at the
/// antimeridian; one reaching both -180 and +180 is accepted), edges that cross (found
/// with exact arithmetic), a geometry that Boost.Geometry's is_valid refuses (its reason
/// quoted), a circle without a positive "radius". Rings wound against RFC 7946's
/// right-hand rule are reversed and reported to `on_note`, once per feature. With
/// `keep_features`, each Fence keeps its Feature's text (feature()).
std::vector<Fence> parse_fences(std::string_view geojson, const std::string& where,
                                const FenceNoteHandler& on_note = {}, bool keep_features = false);

/// parse_fences on the contents of the file `path`. MissingInputError (exit 66) when it
/// cannot be read.
std::vector<Fence> load_fences(const std::string& path, const FenceNoteHandler& on_note = {},
                               bool keep_features = false);

/// The signed distance in metres from the point to the fence's boundary: positive inside,
/// negative outside, 0 on it. Circles: radius minus the geodesic (Vincenty) distance to the
/// centre. Polygons: the distance to the nearest edge in a plane tangent at the point
/// (lon/lat scaled by the WGS84 radii of curvature there; edges straight in lon/lat stay
/// straight in it), whose relative error is about (d / 6371 km) * (1 + |tan(lat)|) for a
/// boundary d away: under 0.05% within 1 km below latitude 60. nullopt when the boundary
/// is more than 10 km away or the point is within 1 degree of a pole, where that
/// approximation is not kept.
std::optional<double> boundary_distance_m(const Fence& fence, double lat, double lon);

/// The fences, indexed to find those holding a point quickly: a uniform grid whose cells
/// list the polygon parts and circles reaching them (a part covering a whole cell needs no
/// test; one crossing it keeps its edges near the cell, so a point costs a few edge tests),
/// and R*-trees over the bounding boxes for fences too large for the grid and for long
/// segments. Answers are exact, the same as each Fence's covers().
class FenceIndex {
public:
    explicit FenceIndex(std::vector<Fence> fences);
    ~FenceIndex();
    FenceIndex(FenceIndex&&) noexcept;
    FenceIndex& operator=(FenceIndex&&) noexcept;

    /// The fences, in the order given.
    [[nodiscard]] const std::vector<Fence>& fences() const noexcept { return fences_; }

    /// Sets `out` to the positions (in fences()) of the fences covering the point, ascending
    /// (file order). Reuses `out`'s storage: no allocation once it has grown.
    void containing(double lat, double lon, std::vector<std::size_t>& out) const;
    /// As above, returning a new vector.
    [[nodiscard]] std::vector<std::size_t> containing(double lat, double lon) const;
    /// Sets `out` to the positions of the fences that the segment between two points (a
    /// straight line in lon/lat, like polygon edges) touches or crosses, ascending. Circles:
    /// the segment's closest approach to the centre, in a plane tangent there.
    /// Fences listed in `skip` (ascending; may be null) are not tested: the stage skips those
    /// holding either end.
    void crossing(double lat1, double lon1, double lat2, double lon2, std::vector<std::size_t>& out,
                  const std::vector<std::size_t>* skip = nullptr) const;

private:
    struct Tree;  ///< the R-trees and the grid, defined in fence_index.cpp
    std::vector<Fence> fences_;
    std::unique_ptr<Tree> tree_;
};

}  // namespace track
