// `trk map`: what a map of the yard shows (fences, tracks, latest positions, readers, events, an
// audit's findings) in a local plane in metres, built from records and the ledger; and the two
// documents drawn from it, one self-contained HTML page and one SVG.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "track/audit.hpp"
#include "track/fence.hpp"
#include "track/ledger.hpp"
#include "track/problems.hpp"
#include "track/record.hpp"
#include "track/time.hpp"

namespace adapters::map {

/// A point of the local plane: metres east (x) and north (y) of the projection's origin.
struct XY {
    double x = 0;
    double y = 0;
};

/// A local plane true to shape over a yard: lon/lat to metres east/north of an origin, with
/// WGS84's radii of curvature at the origin (an equirectangular projection there). Longitudes
/// are taken relative to the origin's, wrapped into [-180, 180), so that places on both sides
/// of the antimeridian lie side by side. Distortion grows with the distance from the origin:
/// under 0.1% within 10 km below latitude 60 (extent_m() lets the caller say so beyond).
class Projection {
public:
    Projection() = default;
    Projection(double lat0, double lon0);
    /// The projection centred on the points given (lat, lon in degrees): the origin is the
    /// middle of the smallest box holding them, where the box's longitude span is the shortest
    /// arc that holds them all (across the antimeridian when that is shorter). {0, 0} when empty.
    static Projection fit(const std::vector<std::pair<double, double>>& latlon);
    [[nodiscard]] XY to_plane(double lat, double lon) const noexcept;
    /// The inverse of to_plane (for tiles and the page's coordinates read-out).
    [[nodiscard]] std::pair<double, double> to_latlon(XY point) const noexcept;
    [[nodiscard]] double lat0() const noexcept { return lat0_; }
    [[nodiscard]] double lon0() const noexcept { return lon0_; }
    /// Metres per degree of latitude and of longitude at the origin.
    [[nodiscard]] double metres_per_deg_lat() const noexcept { return m_lat_; }
    [[nodiscard]] double metres_per_deg_lon() const noexcept { return m_lon_; }

private:
    double lat0_ = 0, lon0_ = 0;
    double m_lat_ = 111'132.954, m_lon_ = 111'319.49;
};

/// A box of the plane.
struct Bounds {
    double min_x = 0, min_y = 0, max_x = 0, max_y = 0;
    bool empty = true;
    void add(XY point) noexcept;
    [[nodiscard]] double width() const noexcept { return empty ? 0 : max_x - min_x; }
    [[nodiscard]] double height() const noexcept { return empty ? 0 : max_y - min_y; }
};

/// A fence as drawn.
struct MapFence {
    std::string id;
    std::string name;  ///< properties "name", when a string
    /// properties "kind" when a string ("yard", "bay", "gate", ...), else the geometry's
    /// ("polygon", "multipolygon", "circle"): what the colour and the legend tell apart.
    std::string kind;
    track::Fence::Kind shape = track::Fence::Kind::polygon;
    /// polygon, multipolygon: parts, each an exterior ring then its holes, each ring's points in
    /// the plane (closed: the last equals the first).
    std::vector<std::vector<std::vector<XY>>> parts;
    XY centre;           ///< circle: its centre
    double radius = 0;   ///< circle: metres
    XY label;            ///< where its id is written: inside the fence (its largest part), near its top
    double area_m2 = 0;  ///< drawn largest first, so that a fence inside another stays visible
};

/// One kept point of a track.
struct TrackPoint {
    XY at;
    double lat = 0, lon = 0;
    track::Millis time = 0;
    std::optional<double> speed;  ///< m/s, when the fix had one
    std::uint32_t zones = 0;      ///< index into Scene::zone_sets: the fences holding it
    std::string src;              ///< the fix's src
};

/// An asset's fixes in time order, thinned.
struct Track {
    std::string asset;
    std::vector<TrackPoint> points;  ///< kept points, first and last fix always among them
    std::uint64_t fixes = 0;         ///< fixes with a position read for it
    double length_m = 0;             ///< along all its fixes, before thinning
    double tolerance_m = 0;          ///< the thinning tolerance actually used for it (see SceneOptions)
};

/// Where an asset was last seen: `trk where`'s answer, from the input or the ledger,
/// whichever is later.
struct Latest {
    std::string asset;
    XY at;
    double lat = 0, lon = 0;
    track::Millis time = 0;
    track::Millis age_ms = 0;        ///< SceneOptions::now - time (negative: in the future)
    std::string source;              ///< "fix" or "read"
    std::string reader;              ///< read: the reader it was seen at (drawn there)
    std::vector<std::string> zones;  ///< the fences holding it, or the reader's zone
    std::optional<double> speed;     ///< fix: m/s
    std::string src;
};

/// A fixed reader with a position.
struct MapReader {
    std::string id;
    std::string zone;
    XY at;
    double lat = 0, lon = 0;
};

/// An event of the input placed on the map.
struct MapEvent {
    std::string event;  ///< enter, exit, cross, dwell, violation, clear, ...
    std::string asset;
    std::string fence;     ///< zone events
    std::string rule;      ///< condition events
    std::string severity;  ///< violations: info, warning, minor, major, critical
    std::string metric;    ///< violations
    std::optional<double> value;
    track::Millis time = 0;
    XY at;  ///< the position of the asset's fix that caused it (the next one in the input),
            ///< else its latest position before
    double lat = 0, lon = 0;
    std::string src;
};

/// An audit's finding about one asset or tag, at its last known place.
struct AuditMark {
    std::string key;     ///< asset id, or "epc:HEX"
    std::string status;  ///< missing, misplaced, unexpected, unknown, present
    std::string zone;    ///< the audited zone
    std::optional<track::Millis> seen;
    std::string seen_zone;
    std::optional<XY> at;  ///< its last known position; none: listed, not drawn
    double lat = 0, lon = 0;
};

/// Something of the input that could not be drawn, listed beside the map.
struct NotDrawn {
    std::string what;  ///< "PAL-6791"
    std::string why;   ///< "missing, never seen", "read at dock-3, which has no position"
};

/// Everything a map shows.
struct Scene {
    std::string title;
    Projection projection;
    Bounds bounds;                 ///< of everything drawn
    std::vector<MapFence> fences;  ///< largest first
    std::vector<Track> tracks;     ///< by asset
    std::vector<Latest> latest;    ///< by asset
    std::vector<MapReader> readers;
    std::vector<MapEvent> events;  ///< in input order
    std::vector<AuditMark> audit;  ///< discrepancies first, as trk audit writes them
    std::vector<NotDrawn> not_drawn;
    std::vector<std::vector<std::string>> zone_sets;  ///< [0] is the empty set
    std::optional<track::Millis> from, to;            ///< the time span of what is shown
    track::Millis now = 0;                            ///< what ages are counted from
    double tolerance_m = 0;                           ///< the thinning tolerance asked for (or chosen)
    std::uint64_t fixes = 0;                          ///< fixes read
    std::uint64_t points = 0;                         ///< track points kept
    std::vector<std::string> notes;                   ///< remarks for standard error ("the map spans 2,400 km: ...")
};

/// How a scene is built.
struct SceneOptions {
    std::string title = "trk map";
    track::Millis now = 0;
    /// Track thinning (Douglas-Peucker in the plane): a kept point is never further than this
    /// from the fixes it stands for. nullopt: chosen from the map's extent (a fraction of a
    /// pixel at the default size). Every track keeps its ends and every point where the set
    /// of fences holding it changed; a track still over max_track_points after thinning is
    /// thinned again with a doubled tolerance until under (Track::tolerance_m says which).
    std::optional<double> tolerance_m;
    std::size_t max_track_points = 5'000;
    /// The whole map's budget of track points, shared by the tracks by their length.
    std::size_t max_points = 250'000;
};

/// Builds a Scene from the parts given in any order; finish() projects, thins and places.
class SceneBuilder {
public:
    explicit SceneBuilder(SceneOptions options);
    ~SceneBuilder();
    SceneBuilder(const SceneBuilder&) = delete;
    SceneBuilder& operator=(const SceneBuilder&) = delete;

    /// The fences to draw (and to find the zones of fixes that do not carry them).
    void fences(std::vector<track::Fence> fences);
    /// The fixed readers (those without a position are kept for the reads' zones only).
    void readers(const std::vector<track::Reader>& readers);
    /// A latest position from the ledger (trk where); the input's later ones win.
    void position(const track::Position& position);
    /// A record of the input: fixes make tracks and latest positions; reads latest positions at
    /// their reader; events are placed; audit events ("event":"audit") become AuditMarks.
    /// Other records are ignored. A fix without a position (fix "none") is counted, not drawn.
    void record(const track::Record& record);
    /// An audit line computed from the ledger (--audit ZONE).
    void audit_line(const std::string& zone, const track::AuditLine& line);
    /// The scene. InputError when there is nothing at all to draw.
    [[nodiscard]] Scene finish();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// How the documents are drawn.
struct RenderOptions {
    /// An XYZ tile URL template with {z} {x} {y} (and optionally {s}); empty: no base map, the
    /// page fetches nothing.
    std::string tiles;
    /// SVG: the picture's size in pixels (the HTML page fills the window).
    int width = 1200, height = 800;
};

/// The origin a tile URL template's tiles come from, for the page's Content-Security-Policy
/// ("https://tile.example.org:8080", a `{s}` subdomain as "*"). UsageError ("--tiles URL: why")
/// when the template is not an http(s) URL whose host is plain (letters, digits, dots, hyphens,
/// a port), lacks {z}, {x} or {y}, or holds spaces, quotes, <, > or backslashes.
std::string tile_origin(std::string_view url);

/// Writes the scene as one self-contained HTML page: an inline SVG (metres, north up), a
/// legend, a scale bar, a north arrow, the time span, and an inline script for pan, zoom and
/// hover/click details. Nothing is fetched unless RenderOptions::tiles is set.
///
/// The page's structure, which the browser tests rely on:
/// - `svg#trk-map`, with groups `g#fences`, `g#tracks`, `g#readers`, `g#events`, `g#audit`,
///   `g#latest` (drawn in that order);
/// - each fence `g.fence[data-id][data-kind]` holding `.fence-shape` (a path or circle whose
///   fill is the kind's opaque colour) and `text.label` (the id);
/// - each track `path.track[data-asset]`; each latest position `g.asset[data-id]` holding
///   `text.label`; each reader `g.reader[data-id]` with `text.label`; each event
///   `g.event[data-event][data-severity]`; each audit finding `g.audit[data-status][data-id]`;
/// - `#legend`, `#scale`, `#north`, `#span` (the time span), `#details` (hover/click);
/// - every element that has details carries them in data-* attributes (time, speed, zones, src).
void write_html(const Scene& scene, const RenderOptions& options, fmt::memory_buffer& out);

/// Writes the scene as one standalone SVG document with the same elements (no script; a
/// static legend, scale bar, north arrow and time span), sized options.width x height.
void write_svg(const Scene& scene, const RenderOptions& options, fmt::memory_buffer& out);

}  // namespace adapters::map
