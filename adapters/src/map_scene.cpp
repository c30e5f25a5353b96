// `trk map`'s scene: the local projection, and SceneBuilder gathering records, fences, readers, the
// ledger's positions and an audit into what the map draws (tracks thinned, events placed).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "adapters/map.hpp"
#include "export_pieces.hpp"
#include "track/audit.hpp"
#include "track/error.hpp"

namespace adapters::map {

namespace {

constexpr double wgs84_a = 6378137.0;
constexpr double wgs84_e2 = 6.69437999014e-3;
constexpr double pi = 3.14159265358979323846;
constexpr double deg = pi / 180.0;

// The chosen tolerance: a quarter of a pixel of a map this wide showing the whole extent.
constexpr double default_map_pixels = 1200;
constexpr double min_tolerance_m = 0.1;
// Beyond this, a local plane's distortion is worth a note.
constexpr double huge_extent_m = 20'000;

// A longitude difference wrapped into [-180, 180).
double wrap(double dlon) noexcept {
    if (dlon >= -180 && dlon < 180) return dlon;
    dlon = std::fmod(dlon + 180, 360);
    if (dlon < 0) dlon += 360;
    return dlon - 180;
}

// Metres per degree of latitude (M) and of longitude (N cos lat) at a latitude.
std::pair<double, double> metres_per_degree(double lat) noexcept {
    const double phi = lat * deg;
    const double s = std::sin(phi);
    const double w = std::sqrt(1 - wgs84_e2 * s * s);
    return {wgs84_a * (1 - wgs84_e2) / (w * w * w) * deg, wgs84_a / w * std::cos(phi) * deg};
}

// The shortest arc of longitudes holding every one given: its western end and its span (degrees).
std::pair<double, double> smallest_arc(std::vector<double> lons) {
    for (double& lon : lons) lon = wrap(lon);
    std::sort(lons.begin(), lons.end());
    // The arc is the circle minus its largest gap between neighbours (the last to the first
    // going east across the antimeridian counts too).
    double gap = lons.front() + 360 - lons.back();
    double west = lons.front();
    for (std::size_t i = 1; i < lons.size(); ++i) {
        if (lons[i] - lons[i - 1] > gap) {
            gap = lons[i] - lons[i - 1];
            west = lons[i];
        }
    }
    return {west, 360 - gap};
}

double distance(XY a, XY b) noexcept { return std::sqrt((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)); }

// The square of the distance from p to the segment a-b (hypot's care for overflow costs a
// sixth of a million-fix map, and metres of a map never overflow).
double segment_distance2(XY p, XY a, XY b) noexcept {
    const double dx = b.x - a.x, dy = b.y - a.y;
    const double length2 = dx * dx + dy * dy;
    const double t = length2 == 0 ? 0 : std::clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / length2, 0.0, 1.0);
    const double ex = p.x - a.x - t * dx, ey = p.y - a.y - t * dy;
    return ex * ex + ey * ey;
}

// Marks in `keep` the points of `xy` Douglas-Peucker keeps at `tolerance`, between points already
// kept: every dropped point lies within `tolerance` of the segment between the kept points around
// it. Iterative (a stack of spans): a track of a million fixes must not exhaust the call stack.
void douglas_peucker(const std::vector<XY>& xy, double tolerance, std::vector<char>& keep) {
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    std::size_t first = 0;
    for (std::size_t i = 1; i < xy.size(); ++i) {
        if (keep[i] == 0) continue;
        if (i - first > 1) spans.emplace_back(first, i);
        first = i;
    }
    const double tolerance2 = tolerance * tolerance;
    while (!spans.empty()) {
        const auto [a, b] = spans.back();
        spans.pop_back();
        double farthest = -1;
        std::size_t at = a;
        for (std::size_t i = a + 1; i < b; ++i) {
            const double d = segment_distance2(xy[i], xy[a], xy[b]);
            if (d > farthest) {
                farthest = d;
                at = i;
            }
        }
        if (farthest <= tolerance2) continue;
        keep[at] = 1;
        if (at - a > 1) spans.emplace_back(a, at);
        if (b - at > 1) spans.emplace_back(at, b);
    }
}

// A fix as kept while reading: 40 bytes, strings interned (a million fixes fit in 40 MB).
struct StoredFix {
    double lat = 0, lon = 0;
    track::Millis time = 0;
    float speed = std::numeric_limits<float>::quiet_NaN();  ///< NaN: none
    std::uint32_t zones = undecided;                        ///< zone set, or undecided
    std::uint32_t src = 0;                                  ///< interned src prefix (0: none)
    std::uint32_t src_number = 0;                           ///< its line or offset + 1; 0: the prefix is all
    static constexpr std::uint32_t undecided = std::numeric_limits<std::uint32_t>::max();
};

// A latest sighting of the input, before it is merged with the ledger's.
struct Sighting {
    track::Millis time = 0;
    bool read = false;
    std::size_t fix = 0;  ///< fix: its index in the asset's fixes
    std::string reader;   ///< read
    std::optional<int> antenna;
    std::string src;  ///< read
};

// What the input says about one asset (or tag, "epc:HEX", for reads of unlinked tags).
struct AssetData {
    std::vector<StoredFix> fixes;
    bool in_order = true;
    std::optional<Sighting> latest;
    std::vector<std::size_t> pending_events;           ///< events waiting for the asset's next fix
    std::optional<std::pair<double, double>> last_at;  ///< the latest position read so far (lat, lon)
    track::Millis last_time = 0;
};

// An event with where it may be drawn.
struct EventData {
    MapEvent event;
    bool placed = false;
    std::optional<std::pair<double, double>> earlier;  ///< the asset's position before it in the input
};

// An audit finding before it is placed.
struct AuditData {
    AuditMark mark;
    std::string asset;  ///< whose place it is drawn at (the key)
};

// The properties "kind" and "name" of a fence, when strings.
std::pair<std::string, std::string> kind_and_name(const track::Fence& fence) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    std::string_view kind, name;
    if (parser.parse(fence.properties()).get(doc) == simdjson::SUCCESS) {
        if (doc["kind"].get_string().get(kind) != simdjson::SUCCESS) kind = {};
        if (doc["name"].get_string().get(name) != simdjson::SUCCESS) name = {};
    }
    if (kind.empty()) {
        kind = fence.kind() == track::Fence::Kind::circle         ? "circle"
               : fence.kind() == track::Fence::Kind::multipolygon ? "multipolygon"
                                                                  : "polygon";
    }
    return {std::string(kind), std::string(name)};
}

// The signed area of a closed ring (positive counterclockwise).
double ring_area(const std::vector<XY>& ring) noexcept {
    double twice = 0;
    for (std::size_t i = 1; i < ring.size(); ++i) twice += ring[i - 1].x * ring[i].y - ring[i].x * ring[i - 1].y;
    return twice / 2;
}

// A point inside a part (exterior then holes): the middle of the widest stretch inside it along
// a horizontal line a tenth of its height below its top, so that a concave fence's label still
// lies on it, and a large fence's label stays clear of the smaller fences and the assets that
// usually fill its middle.
XY label_point(const std::vector<std::vector<XY>>& part) {
    const std::vector<XY>& outer = part.front();
    if (outer.empty()) return {};
    double top = outer.front().y, bottom = top;
    for (const XY& point : outer) {
        top = std::max(top, point.y);
        bottom = std::min(bottom, point.y);
    }
    if (top == bottom) return outer.front();
    const XY centre{outer.front().x, top - (top - bottom) / 10};
    std::vector<double> crossings;
    for (const std::vector<XY>& ring : part) {
        for (std::size_t i = 1; i < ring.size(); ++i) {
            const XY a = ring[i - 1], b = ring[i];
            if ((a.y <= centre.y) != (b.y <= centre.y)) {
                crossings.push_back(a.x + (centre.y - a.y) * (b.x - a.x) / (b.y - a.y));
            }
        }
    }
    std::sort(crossings.begin(), crossings.end());
    double widest = -1;
    XY at = centre;
    for (std::size_t i = 1; i < crossings.size(); i += 2) {
        if (crossings[i] - crossings[i - 1] > widest) {
            widest = crossings[i] - crossings[i - 1];
            at = {(crossings[i] + crossings[i - 1]) / 2, centre.y};
        }
    }
    return at;
}

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

}  // namespace

Projection::Projection(double lat0, double lon0) : lat0_(lat0), lon0_(wrap(lon0)) {
    std::tie(m_lat_, m_lon_) = metres_per_degree(lat0);
    // At a pole a degree of longitude has no width; keep the plane invertible.
    m_lon_ = std::max(m_lon_, 1e-6);
}

Projection Projection::fit(const std::vector<std::pair<double, double>>& latlon) {
    if (latlon.empty()) return Projection(0, 0);
    double south = latlon.front().first, north = south;
    std::vector<double> lons;
    lons.reserve(latlon.size());
    for (const auto& [lat, lon] : latlon) {
        south = std::min(south, lat);
        north = std::max(north, lat);
        lons.push_back(lon);
    }
    const auto [west, span] = smallest_arc(std::move(lons));
    return Projection((south + north) / 2, west + span / 2);
}

XY Projection::to_plane(double lat, double lon) const noexcept {
    return {wrap(lon - lon0_) * m_lon_, (lat - lat0_) * m_lat_};
}

std::pair<double, double> Projection::to_latlon(XY point) const noexcept {
    return {lat0_ + point.y / m_lat_, wrap(lon0_ + point.x / m_lon_)};
}

void Bounds::add(XY point) noexcept {
    if (empty) {
        min_x = max_x = point.x;
        min_y = max_y = point.y;
        empty = false;
        return;
    }
    min_x = std::min(min_x, point.x);
    max_x = std::max(max_x, point.x);
    min_y = std::min(min_y, point.y);
    max_y = std::max(max_y, point.y);
}

struct SceneBuilder::Impl {
    SceneOptions options;
    std::vector<track::Fence> fence_list;
    std::optional<track::FenceIndex> index;
    std::vector<track::Reader> readers;
    std::unordered_map<std::string, std::size_t> reader_at;  ///< id -> readers
    std::unordered_map<std::string, track::Position> positions;
    std::unordered_map<std::string, std::size_t> asset_at;  ///< asset -> assets
    std::vector<std::string> asset_names;
    std::vector<AssetData> assets;
    std::vector<EventData> events;
    std::vector<AuditData> audit;
    std::vector<NotDrawn> not_drawn;
    std::unordered_map<std::string, std::uint32_t> src_at;  ///< interned src prefixes
    std::vector<std::string> src_names{""};
    std::map<std::vector<std::string>, std::uint32_t> zone_set_at{{{}, 0}};
    std::vector<std::vector<std::string>> zone_sets{{}};
    std::optional<track::Millis> from, to;
    std::uint64_t fixes = 0, no_position = 0, not_records = 0, others = 0;

    AssetData& asset(const std::string& id) {
        const auto [it, added] = asset_at.try_emplace(id, assets.size());
        if (added) {
            assets.emplace_back();
            asset_names.push_back(id);
        }
        return assets[it->second];
    }

    void span(track::Millis t) {
        from = from ? std::min(*from, t) : t;
        to = to ? std::max(*to, t) : t;
    }

    // "file:line" as the interned "file:" and line + 1, so that a fix keeps 8 bytes of its src.
    std::pair<std::uint32_t, std::uint32_t> intern_src(const std::string& src) {
        if (src.empty()) return {0, 0};
        std::size_t cut = src.find_last_of(":@");
        std::uint64_t number = 0;
        const bool numbered = cut != std::string::npos && cut + 1 < src.size() && src.size() - cut - 1 <= 9 &&
                              (src[cut + 1] != '0' || cut + 2 == src.size()) &&
                              std::all_of(src.begin() + static_cast<std::ptrdiff_t>(cut + 1), src.end(),
                                          [](char c) { return c >= '0' && c <= '9'; });
        if (numbered) {
            for (std::size_t i = cut + 1; i < src.size(); ++i)
                number = number * 10 + static_cast<unsigned>(src[i] - '0');
        } else {
            cut = src.size() - 1;
        }
        std::string prefix = src.substr(0, cut + 1);
        const auto [it, added] = src_at.try_emplace(std::move(prefix), static_cast<std::uint32_t>(src_names.size()));
        if (added) src_names.push_back(it->first);
        return {it->second, numbered ? static_cast<std::uint32_t>(number + 1) : 0};
    }

    std::string src_of(const StoredFix& f) const {
        if (f.src_number == 0) return src_names[f.src];
        return fmt::format("{}{}", src_names[f.src], f.src_number - 1);
    }

    std::uint32_t zone_set(std::vector<std::string> names) {
        std::sort(names.begin(), names.end());
        names.erase(std::unique(names.begin(), names.end()), names.end());
        const auto [it, added] =
            zone_set_at.try_emplace(std::move(names), static_cast<std::uint32_t>(zone_sets.size()));
        if (added) zone_sets.push_back(it->first);
        return it->second;
    }

    // The fences holding a point, as a zone set.
    std::uint32_t zones_at(double lat, double lon, std::vector<std::size_t>& scratch,
                           std::map<std::vector<std::size_t>, std::uint32_t>& cache) {
        if (!index) return 0;
        index->containing(lat, lon, scratch);
        if (scratch.empty()) return 0;
        if (const auto it = cache.find(scratch); it != cache.end()) return it->second;
        std::vector<std::string> names;
        names.reserve(scratch.size());
        for (const std::size_t i : scratch) names.push_back(index->fences()[i].id());
        const std::uint32_t id = zone_set(std::move(names));
        cache.emplace(scratch, id);
        return id;
    }

    void fix(const track::Fix& f) {
        ++fixes;
        if (f.mode == track::FixMode::none || !std::isfinite(f.lat) || !std::isfinite(f.lon) || std::abs(f.lat) > 90 ||
            std::abs(f.lon) > 180) {
            ++no_position;
            return;
        }
        span(f.time);
        AssetData& a = asset(track::subject_of(f));
        StoredFix s;
        s.lat = f.lat;
        s.lon = f.lon;
        s.time = f.time;
        if (f.speed) s.speed = static_cast<float>(*f.speed);
        if (f.zones) s.zones = zone_set(*f.zones);
        std::tie(s.src, s.src_number) = intern_src(f.src);
        if (!a.fixes.empty() && a.fixes.back().time > f.time) a.in_order = false;
        a.fixes.push_back(s);
        if (!a.latest || a.latest->time <= f.time) a.latest = Sighting{f.time, false, a.fixes.size() - 1, {}, {}, {}};
        for (const std::size_t e : a.pending_events) {
            events[e].event.lat = f.lat;
            events[e].event.lon = f.lon;
            events[e].placed = true;
        }
        a.pending_events.clear();
        a.last_at = std::pair(f.lat, f.lon);
        a.last_time = f.time;
    }

    void read(const track::Read& r) {
        span(r.time);
        AssetData& a = asset(r.asset.empty() ? "epc:" + r.epc : r.asset);
        if (!a.latest || a.latest->time <= r.time) a.latest = Sighting{r.time, true, 0, r.reader, r.antenna, r.src};
    }

    export_pieces::ExtraMembers extra;  ///< reused: its parser's buffers outlive each event

    void event(const track::Event& e) {
        extra.parse(e.extra);
        if (e.event == "audit") {
            AuditData d;
            d.mark.key = !e.asset.empty() ? e.asset : "epc:" + std::string(extra.string("epc"));
            d.asset = d.mark.key;
            d.mark.status = extra.string("status");
            d.mark.zone = extra.string("zone");
            d.mark.seen = track::parse_rfc3339(extra.string("seen"));
            d.mark.seen_zone = extra.string("seen_zone");
            audit.push_back(std::move(d));
            return;
        }
        span(e.time);
        EventData d;
        d.event.event = e.event;
        d.event.asset = e.asset;
        d.event.fence = e.fence;
        d.event.rule = e.rule;
        d.event.severity = extra.string("severity");
        d.event.metric = extra.string("metric");
        d.event.value = extra.number("value");
        d.event.time = e.time;
        d.event.src = e.src;
        if (!e.asset.empty()) {
            AssetData& a = asset(e.asset);
            d.earlier = a.last_at;
            a.pending_events.push_back(events.size());
        }
        events.push_back(std::move(d));
    }
};

SceneBuilder::SceneBuilder(SceneOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
}

SceneBuilder::~SceneBuilder() = default;

void SceneBuilder::fences(std::vector<track::Fence> fences) {
    impl_->fence_list = fences;
    impl_->index.emplace(std::move(fences));
}

void SceneBuilder::readers(const std::vector<track::Reader>& readers) {
    for (const track::Reader& r : readers) {
        impl_->reader_at[r.id] = impl_->readers.size();
        impl_->readers.push_back(r);
    }
}

void SceneBuilder::position(const track::Position& position) {
    track::Position& kept = impl_->positions[position.asset];
    if (kept.asset.empty() || kept.time <= position.time) kept = position;
}

void SceneBuilder::record(const track::Record& record) {
    Impl& m = *impl_;
    if (const auto* f = std::get_if<track::Fix>(&record)) {
        m.fix(*f);
    } else if (const auto* r = std::get_if<track::Read>(&record)) {
        m.read(*r);
    } else if (const auto* e = std::get_if<track::Event>(&record)) {
        m.event(*e);
    } else if (std::holds_alternative<track::OpaqueRecord>(record)) {
        ++m.not_records;
    } else {
        ++m.others;
    }
}

void SceneBuilder::audit_line(const std::string& zone, const track::AuditLine& line) {
    AuditData d;
    d.asset = line.key;
    d.mark.key = line.key;
    d.mark.status = track::to_string(line.status);
    d.mark.zone = zone;
    d.mark.seen = line.seen;
    d.mark.seen_zone = line.seen_zone;
    impl_->audit.push_back(std::move(d));
}

namespace {

// Where a latest sighting is drawn, or why it is not.
struct Place {
    std::optional<std::pair<double, double>> at;  ///< lat, lon
    std::string why;                              ///< when not
};

}  // namespace

Scene SceneBuilder::finish() {
    Impl& m = *impl_;
    Scene scene;
    scene.title = m.options.title;
    scene.now = m.options.now;
    scene.fixes = m.fixes;

    const auto reader_place = [&m](const std::string& id, std::optional<int> antenna) {
        Place place;
        const auto it = m.reader_at.find(id);
        if (it == m.reader_at.end()) {
            place.why = fmt::format("read at {}, a reader the ledger does not know", id);
            return std::pair(place, std::string());
        }
        const track::Reader& r = m.readers[it->second];
        std::string zone = r.zone;
        if (antenna) {
            if (const auto z = r.antenna_zones.find(*antenna); z != r.antenna_zones.end()) zone = z->second;
        }
        if (r.lat && r.lon) {
            place.at = std::pair(*r.lat, *r.lon);
        } else {
            place.why = fmt::format("read at {}, which has no position", id);
        }
        return std::pair(place, zone);
    };

    // Every asset's latest sighting: the input's, or the ledger's when later.
    struct LatestData {
        Latest latest;
        Place place;
        std::uint32_t zone_set = StoredFix::undecided;
    };
    std::map<std::string, LatestData> latest;
    for (std::size_t i = 0; i < m.assets.size(); ++i) {
        const AssetData& a = m.assets[i];
        if (!a.latest) continue;
        LatestData d;
        d.latest.asset = m.asset_names[i];
        d.latest.time = a.latest->time;
        if (a.latest->read) {
            d.latest.source = "read";
            d.latest.reader = a.latest->reader;
            d.latest.src = a.latest->src;
            auto [place, zone] = reader_place(a.latest->reader, a.latest->antenna);
            d.place = std::move(place);
            if (!zone.empty()) d.latest.zones = {zone};
        } else {
            const StoredFix& f = a.fixes[a.latest->fix];
            d.latest.source = "fix";
            d.latest.src = m.src_of(f);
            if (!std::isnan(f.speed)) d.latest.speed = f.speed;
            d.place.at = std::pair(f.lat, f.lon);
            d.zone_set = f.zones;
        }
        latest.emplace(d.latest.asset, std::move(d));
    }
    for (const auto& [asset, p] : m.positions) {
        const auto it = latest.find(asset);
        if (it != latest.end() && it->second.latest.time >= p.time) continue;
        LatestData d;
        d.latest.asset = asset;
        d.latest.time = p.time;
        d.latest.source = p.type;
        d.latest.reader = p.reader;
        d.latest.src = p.src;
        if (!p.zone.empty()) d.latest.zones = {p.zone};
        if (p.lat && p.lon) {
            d.place.at = std::pair(*p.lat, *p.lon);
        } else if (!p.reader.empty()) {
            d.place = reader_place(p.reader, p.antenna).first;
        } else {
            d.place.why = "its latest position has no coordinates";
        }
        if (p.zone.empty() && p.type == "fix") d.zone_set = StoredFix::undecided;
        latest[asset] = std::move(d);
    }

    // The projection: centred on everything with a position.
    std::vector<std::pair<double, double>> points;
    std::vector<std::vector<track::Fence::OutlinePart>> outlines;
    outlines.reserve(m.fence_list.size());
    for (const track::Fence& f : m.fence_list) {
        outlines.push_back(f.outline());
        for (const auto& part : outlines.back()) {
            for (const track::Fence::LonLat& p : part.front()) points.emplace_back(p.lat, p.lon);
        }
        if (const auto c = f.circle()) points.emplace_back(c->lat, c->lon);
    }
    for (const AssetData& a : m.assets) {
        for (const StoredFix& f : a.fixes) points.emplace_back(f.lat, f.lon);
    }
    for (const track::Reader& r : m.readers) {
        if (r.lat && r.lon) points.emplace_back(*r.lat, *r.lon);
    }
    for (const auto& [asset, d] : latest) {
        if (d.place.at) points.push_back(*d.place.at);
    }
    scene.projection = Projection::fit(points);
    const Projection& proj = scene.projection;
    Bounds extent;  // of every position, to choose the tolerance
    for (const auto& [lat, lon] : points) extent.add(proj.to_plane(lat, lon));
    points = {};

    // Fences, largest first; each ring projected as one piece, so that a fence reaching across
    // the antimeridian keeps its shape whichever side the origin is.
    for (std::size_t i = 0; i < m.fence_list.size(); ++i) {
        const track::Fence& f = m.fence_list[i];
        MapFence mf;
        mf.id = f.id();
        std::tie(mf.kind, mf.name) = kind_and_name(f);
        mf.shape = f.kind();
        if (const auto c = f.circle()) {
            mf.centre = proj.to_plane(c->lat, c->lon);
            mf.radius = c->radius_m;
            mf.label = {mf.centre.x, mf.centre.y + 0.7 * mf.radius};  // near the top, as polygons'
            mf.area_m2 = pi * c->radius_m * c->radius_m;
            scene.bounds.add({mf.centre.x - mf.radius, mf.centre.y - mf.radius});
            scene.bounds.add({mf.centre.x + mf.radius, mf.centre.y + mf.radius});
        } else {
            double largest = -1;
            for (const auto& part : outlines[i]) {
                auto& drawn = mf.parts.emplace_back();
                const double x0 = proj.to_plane(part.front().front().lat, part.front().front().lon).x;
                const double lon0 = part.front().front().lon;
                double area = 0;
                for (const auto& ring : part) {
                    auto& xy = drawn.emplace_back();
                    xy.reserve(ring.size());
                    for (const track::Fence::LonLat& p : ring) {
                        xy.push_back({x0 + (p.lon - lon0) * proj.metres_per_deg_lon(),
                                      (p.lat - proj.lat0()) * proj.metres_per_deg_lat()});
                        scene.bounds.add(xy.back());
                    }
                    area += std::abs(ring_area(xy)) * (&ring == &part.front() ? 1 : -1);
                }
                mf.area_m2 += area;
                if (area > largest) {
                    largest = area;
                    mf.label = label_point(drawn);
                }
            }
        }
        scene.fences.push_back(std::move(mf));
    }
    std::stable_sort(scene.fences.begin(), scene.fences.end(),
                     [](const MapFence& a, const MapFence& b) { return a.area_m2 > b.area_m2; });

    // Readers with a position.
    for (const track::Reader& r : m.readers) {
        if (!r.lat || !r.lon) continue;
        MapReader mr{r.id, r.zone, proj.to_plane(*r.lat, *r.lon), *r.lat, *r.lon};
        scene.bounds.add(mr.at);
        scene.readers.push_back(std::move(mr));
    }

    // The zones of fixes that do not carry them.
    std::vector<std::size_t> scratch;
    std::map<std::vector<std::size_t>, std::uint32_t> cache;
    for (AssetData& a : m.assets) {
        for (StoredFix& f : a.fixes) {
            if (f.zones == StoredFix::undecided) f.zones = m.zones_at(f.lat, f.lon, scratch, cache);
        }
    }

    // Tracks: thinned in the plane, each within its share of the point budget.
    const double chosen = std::max(min_tolerance_m, std::max(extent.width(), extent.height()) / default_map_pixels / 4);
    scene.tolerance_m = m.options.tolerance_m.value_or(chosen);
    std::vector<std::size_t> order(m.assets.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&m](std::size_t a, std::size_t b) { return m.asset_names[a] < m.asset_names[b]; });
    std::vector<std::vector<XY>> planes(m.assets.size());
    std::vector<double> lengths(m.assets.size(), 0);
    double total_length = 0;
    for (AssetData& a : m.assets) {
        if (!a.in_order) {
            std::stable_sort(a.fixes.begin(), a.fixes.end(),
                             [](const StoredFix& x, const StoredFix& y) { return x.time < y.time; });
        }
    }
    for (const std::size_t i : order) {
        const AssetData& a = m.assets[i];
        if (a.fixes.empty()) continue;
        std::vector<XY>& xy = planes[i];
        xy.reserve(a.fixes.size());
        for (const StoredFix& f : a.fixes) {
            xy.push_back(proj.to_plane(f.lat, f.lon));
            if (xy.size() > 1) lengths[i] += distance(xy[xy.size() - 2], xy.back());
        }
        total_length += lengths[i];
    }
    for (const std::size_t i : order) {
        const AssetData& a = m.assets[i];
        if (a.fixes.empty()) continue;
        const std::vector<XY>& xy = planes[i];
        const std::size_t n = a.fixes.size();
        const double share = total_length > 0
                                 ? static_cast<double>(m.options.max_points) * lengths[i] / total_length
                                 : static_cast<double>(m.options.max_points) / static_cast<double>(m.assets.size());
        const std::size_t cap =
            std::max<std::size_t>(2, std::min(m.options.max_track_points, static_cast<std::size_t>(share)));
        std::vector<char> required(n, 0);
        required.front() = required.back() = 1;
        for (std::size_t k = 1; k < n; ++k) {
            if (a.fixes[k].zones != a.fixes[k - 1].zones) required[k] = 1;
        }
        const auto must = static_cast<std::size_t>(std::count(required.begin(), required.end(), 1));
        Track t;
        t.asset = m.asset_names[i];
        t.fixes = n;
        t.length_m = lengths[i];
        t.tolerance_m = scene.tolerance_m;
        std::vector<char> keep;
        for (;;) {
            keep = required;
            douglas_peucker(xy, t.tolerance_m, keep);
            const auto kept = static_cast<std::size_t>(std::count(keep.begin(), keep.end(), 1));
            // The ends and the zone changes stay whatever the cap: past them, doubling gains nothing.
            if (kept <= cap || kept <= must || t.tolerance_m > 1e8) break;
            t.tolerance_m *= 2;
        }
        for (std::size_t k = 0; k < n; ++k) {
            if (keep[k] == 0) continue;
            const StoredFix& f = a.fixes[k];
            TrackPoint p;
            p.at = xy[k];
            p.lat = f.lat;
            p.lon = f.lon;
            p.time = f.time;
            if (!std::isnan(f.speed)) p.speed = f.speed;
            p.zones = f.zones;
            p.src = m.src_of(f);
            scene.bounds.add(p.at);
            t.points.push_back(std::move(p));
        }
        scene.points += t.points.size();
        scene.tracks.push_back(std::move(t));
        planes[i] = {};
    }

    // Latest positions.
    for (auto& [asset, d] : latest) {
        const bool tag = asset.rfind("epc:", 0) == 0;  // an unlinked tag: for audit marks only
        if (!d.place.at) {
            if (!tag) m.not_drawn.push_back({asset, d.place.why});
            continue;
        }
        Latest& l = d.latest;
        std::tie(l.lat, l.lon) = *d.place.at;
        l.at = proj.to_plane(l.lat, l.lon);
        l.age_ms = scene.now - l.time;
        if (l.zones.empty() && l.source == "fix") {
            const std::uint32_t z =
                d.zone_set != StoredFix::undecided ? d.zone_set : m.zones_at(l.lat, l.lon, scratch, cache);
            l.zones = m.zone_sets[z];
        }
        scene.bounds.add(l.at);
        m.span(l.time);
        if (!tag) scene.latest.push_back(l);
    }

    // Events: at the fix that caused them, else the position before.
    for (EventData& e : m.events) {
        MapEvent& ev = e.event;
        if (!e.placed && e.earlier) {
            std::tie(ev.lat, ev.lon) = *e.earlier;
            e.placed = true;
        }
        if (!e.placed) {
            m.not_drawn.push_back(
                {fmt::format("{} {}{}", ev.event, ev.asset.empty() ? "" : ev.asset + " ",
                             track::format_rfc3339(ev.time)),
                 ev.asset.empty() ? "the event names no asset" : "no position of its asset before or after it"});
            continue;
        }
        ev.at = proj.to_plane(ev.lat, ev.lon);
        scene.bounds.add(ev.at);
        scene.events.push_back(std::move(ev));
    }

    // Audit findings at their asset's last known place.
    for (AuditData& d : m.audit) {
        AuditMark& mark = d.mark;
        const auto it = latest.find(d.asset);
        if (it != latest.end() && it->second.place.at) {
            std::tie(mark.lat, mark.lon) = *it->second.place.at;
            mark.at = proj.to_plane(mark.lat, mark.lon);
            scene.bounds.add(*mark.at);
        } else {
            std::string why = mark.status;
            if (!mark.seen) {
                why += ", never seen";
            } else if (it != latest.end()) {
                why += ", " + it->second.place.why;
            } else {
                why += fmt::format(", last seen {}{}, no position known", track::format_rfc3339(*mark.seen),
                                   mark.seen_zone.empty() ? "" : " in " + mark.seen_zone);
            }
            m.not_drawn.push_back({mark.key, why});
        }
        scene.audit.push_back(std::move(mark));
    }

    scene.zone_sets = m.zone_sets;
    scene.from = m.from;
    scene.to = m.to;

    // Notes.
    if (m.no_position > 0) {
        scene.notes.push_back(fmt::format("{} without a position (fix \"none\") counted, not drawn",
                                          plural(m.no_position, "fix", "fixes")));
    }
    const double span_m = std::max(scene.bounds.width(), scene.bounds.height());
    if (span_m > huge_extent_m) {
        // East-west scale is true at the origin's latitude only: off by N cos(lat) / N0 cos(lat0).
        const auto [lat_s, lon_s] = proj.to_latlon({0, scene.bounds.min_y});
        const auto [lat_n, lon_n] = proj.to_latlon({0, scene.bounds.max_y});
        (void)lon_s;
        (void)lon_n;
        double worst = 0;
        for (const double lat : {lat_s, lat_n}) {
            const double ratio = metres_per_degree(std::clamp(lat, -90.0, 90.0)).second / proj.metres_per_deg_lon();
            worst = std::max(worst, std::abs(ratio - 1));
        }
        scene.notes.push_back(fmt::format(
            "the map spans {:.0f} km: a local plane true at its centre ({:.5f}, {:.5f}); shapes far from it are "
            "distorted, east-west distances by up to {:.1f}% at its northern and southern edges",
            span_m / 1000, proj.lat0(), proj.lon0(), worst * 100));
    }
    if (!scene.bounds.empty) {
        const double west = proj.lon0() + scene.bounds.min_x / proj.metres_per_deg_lon();
        const double east = proj.lon0() + scene.bounds.max_x / proj.metres_per_deg_lon();
        if (west < -180 || east >= 180) {
            scene.notes.emplace_back(
                "the map reaches across the antimeridian (180°): both sides are drawn side by side");
        }
    }
    scene.not_drawn = std::move(m.not_drawn);

    const bool nothing =
        scene.fences.empty() && scene.tracks.empty() && scene.latest.empty() && scene.readers.empty() &&
        scene.events.empty() &&
        std::none_of(scene.audit.begin(), scene.audit.end(), [](const AuditMark& a) { return a.at.has_value(); });
    if (nothing) {
        std::string why;
        if (m.not_records > 0 && m.fixes == 0 && m.events.empty() && m.audit.empty() && latest.empty()) {
            why = fmt::format(
                "{} of the input {} a trk record (no \"type\" of fix, read, reading or event); reports write rows, not "
                "records: pipe records (trk history, trk read ...) or audit events (trk audit --format jsonl)",
                m.not_records == 1 ? "the one object" : fmt::format("none of the {} objects", m.not_records),
                m.not_records == 1 ? "is not" : "is");
        } else if (m.no_position > 0 && m.no_position == m.fixes) {
            why = fmt::format("the {} of the input {} no position (fix \"none\")", plural(m.fixes, "fix", "fixes"),
                              m.fixes == 1 ? "has" : "have");
        } else if (!scene.not_drawn.empty()) {
            why = fmt::format(
                "nothing has a position: {}: {}{}", scene.not_drawn.front().what, scene.not_drawn.front().why,
                scene.not_drawn.size() > 1 ? fmt::format(" (and {} more)", scene.not_drawn.size() - 1) : "");
        } else {
            why =
                "no fences, readers, positions or records with a position (give records, --fences FILE, or a ledger "
                "that has them)";
        }
        throw track::InputError("", "nothing to map: " + why);
    }
    return scene;
}

}  // namespace adapters::map
