// The drawing trk map's HTML page and SVG document share: the SVG body of the map (fences, tracks,
// readers, events, audit findings, latest positions), the view, the legend and the texts.
#include "map_draw.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "export_pieces.hpp"
#include "track/number.hpp"

namespace adapters::map::draw {

namespace {

using export_pieces::append;

// Opaque pastel fills for the fence kinds (given in sorted order of the kinds present), each with
// a darker outline: fences are drawn largest first, so a smaller one inside stays visible.
constexpr std::array<std::pair<std::string_view, std::string_view>, 10> fence_palette{{
    {"#cfe3f6", "#4a7fb0"},
    {"#f8dcc0", "#b07a3c"},
    {"#d5ecd0", "#4f8a45"},
    {"#eed5ea", "#945089"},
    {"#fbf0b8", "#a08a20"},
    {"#d3ece9", "#3c8a82"},
    {"#f4d3d3", "#b04d4d"},
    {"#e0dcf3", "#6a5aa8"},
    {"#e8e4d8", "#7d7563"},
    {"#d9e8c0", "#6b8a2e"},
}};

// Saturated colours for tracks, one per asset, apart from the pastel fences.
constexpr std::array<std::string_view, 12> track_palette{"#1565c0", "#d84315", "#2e7d32", "#6a1b9a",
                                                         "#00838f", "#c2185b", "#ef6c00", "#283593",
                                                         "#558b2f", "#4e342e", "#00695c", "#ad1457"};

// Colours of what the events and the audit say.
std::string_view severity_colour(std::string_view severity) {
    if (severity == "info") return "#1e88e5";
    if (severity == "warning") return "#fbc02d";
    if (severity == "minor") return "#fb8c00";
    if (severity == "critical") return "#7f0000";
    return "#e53935";  // major, and a violation whose severity is unknown
}

// The symbol (in the body's <defs>) and colour of an event.
std::pair<std::string_view, std::string_view> event_look(const MapEvent& event) {
    if (event.event == "enter") return {"s-enter", "#2e7d32"};
    if (event.event == "exit") return {"s-exit", "#6a1b9a"};
    if (event.event == "cross") return {"s-cross", "#37474f"};
    if (event.event == "violation") return {"s-violation", severity_colour(event.severity)};
    if (event.event == "clear") return {"s-event", "#43a047"};
    return {"s-event", "#607d8b"};
}

// The symbol and colour of an audit status.
std::pair<std::string_view, std::string_view> audit_look(std::string_view status) {
    if (status == "missing") return {"s-missing", "#d50000"};
    if (status == "unexpected" || status == "unknown") return {"s-flag", "#ff6d00"};
    if (status == "misplaced") return {"s-misplaced", "#aa00ff"};
    return {"s-present", "#2e7d32"};
}

// The symbols, in pixels around (0, 0): the page scales them by the metres per pixel (class sym).
// Those without a fill take the colour of their <use>.
constexpr std::string_view symbols =
    "<defs>"
    "<g id=\"s-asset\"><circle r=\"6\" fill=\"#0d47a1\" stroke=\"#fff\" stroke-width=\"2\"/></g>"
    "<g id=\"s-reader\"><path d=\"M0,-7L7,0 0,7-7,0Z\" fill=\"#37474f\" stroke=\"#fff\" stroke-width=\"1.5\"/>"
    "<circle r=\"2\" fill=\"#fff\"/></g>"
    "<g id=\"s-enter\"><path d=\"M0,-5L5,4-5,4Z\" stroke=\"#fff\"/></g>"
    "<g id=\"s-exit\"><path d=\"M0,5L5,-4-5,-4Z\" stroke=\"#fff\"/></g>"
    "<g id=\"s-cross\"><path d=\"M-4,-4L4,4M4,-4L-4,4\" stroke=\"#37474f\" stroke-width=\"2.5\"/></g>"
    "<g id=\"s-event\"><circle r=\"3.5\" stroke=\"#fff\"/></g>"
    "<g id=\"s-violation\"><path d=\"M0,-7L7,0 0,7-7,0Z\" stroke=\"#000\" stroke-width=\"1\"/></g>"
    "<g id=\"s-missing\"><circle r=\"8\" fill=\"none\" stroke=\"#d50000\" stroke-width=\"3\"/></g>"
    "<g id=\"s-flag\"><path d=\"M0,-9L8,6-8,6Z\" fill=\"#ff6d00\" stroke=\"#fff\"/>"
    "<path d=\"M0,-3V2\" stroke=\"#fff\" stroke-width=\"2\"/></g>"
    "<g id=\"s-misplaced\"><rect x=\"-6\" y=\"-6\" width=\"12\" height=\"12\" fill=\"none\" stroke=\"#aa00ff\" "
    "stroke-width=\"3\"/></g>"
    "<g id=\"s-present\"><circle r=\"4\" fill=\"#2e7d32\" stroke=\"#fff\"/></g>"
    "<g id=\"s-arrow\"><path d=\"M-4,-3.5L4,0-4,3.5Z\"/></g>"
    "<g id=\"s-start\"><circle r=\"4.5\" fill=\"#fff\" stroke-width=\"2.5\"/></g>"
    "<g id=\"s-end\"><rect x=\"-4.5\" y=\"-4.5\" width=\"9\" height=\"9\" stroke=\"#fff\"/></g>"
    "</defs>";

// Styles of the body, in both documents. Labels and symbols are in pixels inside class sym.
constexpr std::string_view body_style =
    "<style>"
    "#trk-map .label,#trk-map .zone{font:12px sans-serif;paint-order:stroke;stroke:#fff;stroke-width:3px;"
    "stroke-linejoin:round;fill:#1a1a1a}"
    "#trk-map .zone{font-size:10px;fill:#555}"
    "#trk-map .fence .label{fill:#333;font-weight:bold}"
    "#trk-map .fence-shape{stroke-width:1.5px;vector-effect:non-scaling-stroke}"
    "#trk-map .track{fill:none;stroke-width:2px;stroke-linejoin:round;vector-effect:non-scaling-stroke}"
    "</style>";

// Appends ` name="value"` with value escaped; nothing when empty and `skip_empty`.
void attribute(fmt::memory_buffer& out, std::string_view name, std::string_view value, bool skip_empty = true) {
    if (skip_empty && value.empty()) return;
    out.push_back(' ');
    append(out, name);
    append(out, "=\"");
    append_text(out, value);
    out.push_back('"');
}

void time_attribute(fmt::memory_buffer& out, std::string_view name, track::Millis time) {
    out.push_back(' ');
    append(out, name);
    append(out, "=\"");
    track::append_rfc3339(out, time);
    out.push_back('"');
}

void number_attribute(fmt::memory_buffer& out, std::string_view name, double value, int decimals = 1) {
    out.push_back(' ');
    append(out, name);
    append(out, "=\"");
    track::append_rounded(out, value, decimals);
    out.push_back('"');
}

std::string joined(const std::vector<std::string>& parts) {
    std::string text;
    for (const std::string& part : parts) {
        if (!text.empty()) text += ", ";
        text += part;
    }
    return text;
}

// ` transform="translate(x y)"` to a point of the plane (y = -north), turned by `degrees`
// (clockwise on screen) when given.
void translate(fmt::memory_buffer& out, XY at, std::optional<double> degrees = std::nullopt) {
    append(out, " transform=\"translate(");
    append_metres(out, at.x);
    out.push_back(' ');
    append_metres(out, -at.y);
    out.push_back(')');
    if (degrees) {
        append(out, " rotate(");
        append_metres(out, *degrees);
        out.push_back(')');
    }
    out.push_back('"');
}

// ` transform="scale(k)"`: pixels to metres at the view's scale (the page's CSS overrides it).
void scale(fmt::memory_buffer& out, const View& view) {
    append(out, " transform=\"scale(");
    track::append_rounded(out, view.metres_per_pixel, 4);
    append(out, ")\"");
}

// `<use class="sym" href="#symbol" fill="colour" transform="scale(k)"/>`.
void use(fmt::memory_buffer& out, const View& view, std::string_view symbol, std::string_view fill = {}) {
    append(out, "<use class=\"sym\" href=\"#");
    append(out, symbol);
    out.push_back('"');
    if (!fill.empty()) attribute(out, "fill", fill);
    scale(out, view);
    append(out, "/>");
}

// Where a symbol's label goes: right of it (assets) or left (readers, audit findings, so that an
// asset read at a reader keeps its label clear of the reader's), and how many labels of the same
// side already stand at that spot (each one more goes a line pair lower).
struct LabelPlace {
    bool left = false;
    int stacked = 0;
};

// Counts the labels placed per spot (decimetres) and side, so that things at one place, such as
// the assets read at one reader, get their labels one under the other instead of on top.
class LabelStacks {
public:
    LabelPlace place(XY at, bool left) {
        const auto key = std::tuple(std::llround(at.x * 10), std::llround(at.y * 10), left);
        return {left, used_[key]++};
    }

private:
    std::map<std::tuple<long long, long long, bool>, int> used_;
};

// A symbol with labels beside it: `<g class="sym" transform="scale(k)"><use .../><text>...`.
void labelled(fmt::memory_buffer& out, const View& view, std::string_view symbol, std::string_view label,
              std::string_view second_line = {}, LabelPlace place = {}) {
    append(out, "<g class=\"sym\"");
    scale(out, view);
    append(out, "><use href=\"#");
    append(out, symbol);
    const int y = 4 + 28 * place.stacked;  // pixels: two lines of 12 px text per label
    append(out, fmt::format("\"/><text class=\"label\" x=\"{}\" y=\"{}\"{}>", place.left ? -10 : 10, y,
                            place.left ? " text-anchor=\"end\"" : ""));
    append_text(out, label);
    append(out, "</text>");
    if (!second_line.empty()) {
        append(out, fmt::format("<text class=\"zone\" x=\"{}\" y=\"{}\"{}>", place.left ? -10 : 10, y + 12,
                                place.left ? " text-anchor=\"end\"" : ""));
        append_text(out, second_line);
        append(out, "</text>");
    }
    append(out, "</g>");
}

// The side of a fence in metres, for hiding its label when small on screen.
double fence_size(const MapFence& fence) {
    if (fence.shape == track::Fence::Kind::circle) return 2 * fence.radius;
    double area = fence.area_m2;
    if (area <= 0) {  // not given: the exterior rings' (shoelace)
        for (const auto& part : fence.parts) {
            if (part.empty()) continue;
            const auto& ring = part.front();
            double twice = 0;
            for (std::size_t i = 1; i < ring.size(); ++i)
                twice += ring[i - 1].x * ring[i].y - ring[i].x * ring[i - 1].y;
            area += std::abs(twice) / 2;
        }
    }
    return std::sqrt(area);
}

int label_level(double size) {
    if (!(size > 0)) return 0;
    return std::clamp(static_cast<int>(std::floor(std::log2(size))) + 10, 0, 40);
}

// The kinds of fences present, sorted, each with its palette index.
std::map<std::string, std::size_t> fence_kinds(const Scene& scene) {
    std::map<std::string, std::size_t> kinds;
    for (const MapFence& fence : scene.fences) kinds.emplace(fence.kind, 0);
    std::size_t index = 0;
    for (auto& [kind, colour] : kinds) colour = index++ % fence_palette.size();
    return kinds;
}

void append_fences(const Scene& scene, const View& view, fmt::memory_buffer& out) {
    const auto kinds = fence_kinds(scene);
    append(out, "<g id=\"fences\">");
    for (const MapFence& fence : scene.fences) {
        const auto& [fill, stroke] = fence_palette[kinds.at(fence.kind)];
        append(out, "\n<g class=\"fence\"");
        attribute(out, "data-id", fence.id, false);
        attribute(out, "data-kind", fence.kind, false);
        attribute(out, "data-name", fence.name);
        number_attribute(out, "data-area", fence.area_m2, 0);
        out.push_back('>');
        if (fence.shape == track::Fence::Kind::circle) {
            append(out, "<circle class=\"fence-shape\" cx=\"");
            append_metres(out, fence.centre.x);
            append(out, "\" cy=\"");
            append_metres(out, -fence.centre.y);
            append(out, "\" r=\"");
            append_metres(out, fence.radius);
            out.push_back('"');
        } else {
            append(out, "<path class=\"fence-shape\" fill-rule=\"evenodd\" d=\"");
            for (const auto& part : fence.parts) {
                for (const auto& ring : part) {
                    // Closed rings: the last point is the first again, which Z draws.
                    const std::size_t count = ring.size() > 1 ? ring.size() - 1 : ring.size();
                    for (std::size_t i = 0; i < count; ++i) {
                        out.push_back(i == 0 ? 'M' : ' ');
                        append_metres(out, ring[i].x);
                        out.push_back(',');
                        append_metres(out, -ring[i].y);
                    }
                    if (count > 0) out.push_back('Z');
                }
            }
            out.push_back('"');
        }
        attribute(out, "fill", fill);
        attribute(out, "stroke", stroke);
        append(out, "/><g");
        translate(out, fence.label);
        append(out, "><text class=\"label sym l");
        append(out, std::to_string(label_level(fence_size(fence))));
        out.push_back('"');
        scale(out, view);
        append(out, " text-anchor=\"middle\" y=\"4\">");
        append_text(out, fence.id);
        append(out, "</text></g></g>");
    }
    append(out, "</g>\n");
}

// The points of a track in decimetres, for a relative path whose sum is exact.
std::vector<std::pair<long long, long long>> decimetres(const Track& track) {
    std::vector<std::pair<long long, long long>> points;
    points.reserve(track.points.size());
    for (const TrackPoint& point : track.points)
        points.emplace_back(std::llround(point.at.x * 10), std::llround(-point.at.y * 10));
    return points;
}

void append_decimetres(fmt::memory_buffer& out, long long value) {
    if (value < 0) {
        out.push_back('-');
        value = -value;
    }
    const fmt::format_int whole(value / 10);
    out.append(whole.data(), whole.data() + whole.size());
    out.push_back('.');
    out.push_back(static_cast<char>('0' + value % 10));
}

void append_tracks(const Scene& scene, const View& view, fmt::memory_buffer& out) {
    append(out, "<g id=\"tracks\">");
    const double spacing = 90 * view.metres_per_pixel;  // between direction arrows
    // Arrows per track: 200 at most, and 5,000 on the whole map (1,000 tracks get 5 each).
    const auto max_arrows =
        static_cast<int>(std::clamp<std::size_t>(5'000 / std::max<std::size_t>(scene.tracks.size(), 1), 2, 200));
    for (std::size_t index = 0; index < scene.tracks.size(); ++index) {
        const Track& track = scene.tracks[index];
        if (track.points.empty()) continue;
        const std::string_view colour = track_colour(index);
        const auto points = decimetres(track);
        append(out, "\n<path class=\"track\"");
        attribute(out, "data-asset", track.asset, false);
        attribute(out, "data-i", std::to_string(index));
        attribute(out, "data-fixes", std::to_string(track.fixes));
        number_attribute(out, "data-length", track.length_m, 0);
        number_attribute(out, "data-tolerance", track.tolerance_m, 1);
        attribute(out, "stroke", colour);
        append(out, " d=\"M");
        append_decimetres(out, points[0].first);
        out.push_back(',');
        append_decimetres(out, points[0].second);
        if (points.size() == 1) append(out, "h0");
        for (std::size_t i = 1; i < points.size(); ++i) {
            out.push_back(i == 1 ? 'l' : ' ');
            append_decimetres(out, points[i].first - points[i - 1].first);
            out.push_back(',');
            append_decimetres(out, points[i].second - points[i - 1].second);
        }
        append(out, "\"/><g class=\"track-marks\"");
        attribute(out, "fill", colour);
        attribute(out, "stroke", colour);
        out.push_back('>');
        // Direction: an arrow every `spacing` metres along the path, pointing the way it went.
        double since = spacing / 2;
        int arrows = 0;
        for (std::size_t i = 1; i < track.points.size() && arrows < max_arrows; ++i) {
            const XY a = track.points[i - 1].at, b = track.points[i].at;
            const double length = std::hypot(b.x - a.x, b.y - a.y);
            double along = spacing - since;  // where the next arrow falls on this segment
            since += length;
            if (length <= 0) continue;
            const double degrees = std::atan2(-(b.y - a.y), b.x - a.x) * 180 / M_PI;
            for (; along <= length && arrows < max_arrows; along += spacing, ++arrows) {
                const double f = along / length;
                append(out, "<g");
                translate(out, {a.x + f * (b.x - a.x), a.y + f * (b.y - a.y)}, degrees);
                out.push_back('>');
                use(out, view, "s-arrow");
                append(out, "</g>");
                since = length - along;
            }
        }
        // Start and end.
        append(out, "<g");
        translate(out, track.points.front().at);
        out.push_back('>');
        use(out, view, "s-start");
        append(out, "</g><g");
        translate(out, track.points.back().at);
        out.push_back('>');
        use(out, view, "s-end");
        append(out, "</g></g>");
    }
    append(out, "</g>\n");
}

void append_readers(const Scene& scene, const View& view, fmt::memory_buffer& out, LabelStacks& left) {
    append(out, "<g id=\"readers\">");
    for (const MapReader& reader : scene.readers) {
        append(out, "\n<g class=\"reader\"");
        attribute(out, "data-id", reader.id, false);
        attribute(out, "data-zone", reader.zone);
        translate(out, reader.at);
        out.push_back('>');
        labelled(out, view, "s-reader", reader.id, {}, left.place(reader.at, true));
        append(out, "</g>");
    }
    append(out, "</g>\n");
}

void append_events(const Scene& scene, const View& view, fmt::memory_buffer& out) {
    append(out, "<g id=\"events\">");
    for (const MapEvent& event : scene.events) {
        const auto [symbol, colour] = event_look(event);
        append(out, "\n<g class=\"event\"");
        attribute(out, "data-event", event.event, false);
        attribute(out, "data-severity", event.severity, false);
        attribute(out, "data-asset", event.asset);
        attribute(out, "data-fence", event.fence);
        attribute(out, "data-rule", event.rule);
        attribute(out, "data-metric", event.metric);
        if (event.value) number_attribute(out, "data-value", *event.value, 3);
        time_attribute(out, "data-time", event.time);
        attribute(out, "data-src", event.src);
        translate(out, event.at);
        out.push_back('>');
        use(out, view, symbol, colour);
        append(out, "</g>");
    }
    append(out, "</g>\n");
}

void append_audit(const Scene& scene, const View& view, fmt::memory_buffer& out, LabelStacks& left) {
    append(out, "<g id=\"audit\">");
    for (const AuditMark& mark : scene.audit) {
        if (!mark.at) continue;  // listed beside the map
        append(out, "\n<g class=\"audit\"");
        attribute(out, "data-status", mark.status, false);
        attribute(out, "data-id", mark.key, false);
        attribute(out, "data-zone", mark.zone);
        if (mark.seen) time_attribute(out, "data-seen", *mark.seen);
        attribute(out, "data-seen-zone", mark.seen_zone);
        translate(out, *mark.at);
        out.push_back('>');
        // A present asset's label is its latest position's; the discrepancies say what they are.
        if (mark.status == "present") {
            use(out, view, audit_look(mark.status).first);
        } else {
            labelled(out, view, audit_look(mark.status).first, mark.key + " " + mark.status, {},
                     left.place(*mark.at, true));
        }
        append(out, "</g>");
    }
    append(out, "</g>\n");
}

void append_latest(const Scene& scene, const View& view, fmt::memory_buffer& out) {
    LabelStacks right;
    append(out, "<g id=\"latest\">");
    for (const Latest& latest : scene.latest) {
        const std::string age = age_text(latest.age_ms);
        const std::string zones = joined(latest.zones);
        append(out, "\n<g class=\"asset\"");
        attribute(out, "data-id", latest.asset, false);
        time_attribute(out, "data-time", latest.time);
        attribute(out, "data-age", age);
        attribute(out, "data-zones", zones);
        if (latest.speed) number_attribute(out, "data-speed", *latest.speed);
        attribute(out, "data-source", latest.source);
        attribute(out, "data-reader", latest.reader);
        attribute(out, "data-src", latest.src);
        translate(out, latest.at);
        out.push_back('>');
        labelled(out, view, "s-asset", latest.asset + " \u00b7 " + age, zones, right.place(latest.at, false));
        append(out, "</g>");
    }
    append(out, "</g>\n");
}

}  // namespace

View fit_view(const Scene& scene, int width, int height) {
    Bounds bounds = scene.bounds;
    if (bounds.empty) bounds = {-50, -50, 50, 50, false};
    // A margin of 5% (at least 10 m), then the box widened to the picture's proportions.
    const double margin = std::max(10.0, 0.05 * std::max(bounds.width(), bounds.height()));
    double w = bounds.width() + 2 * margin, h = bounds.height() + 2 * margin;
    const double pixels_w = std::max(width, 1), pixels_h = std::max(height, 1);
    const double metres_per_pixel = std::max(w / pixels_w, h / pixels_h);
    w = metres_per_pixel * pixels_w;
    h = metres_per_pixel * pixels_h;
    const double centre_x = (bounds.min_x + bounds.max_x) / 2, centre_y = (bounds.min_y + bounds.max_y) / 2;
    return {centre_x - w / 2, -centre_y - h / 2, w, h, metres_per_pixel};
}

void append_view_box(fmt::memory_buffer& out, const View& view) {
    append_metres(out, view.x);
    out.push_back(' ');
    append_metres(out, view.y);
    out.push_back(' ');
    append_metres(out, view.width);
    out.push_back(' ');
    append_metres(out, view.height);
}

void append_metres(fmt::memory_buffer& out, double value) {
    char digits[32];
    char* end = track::write_fixed(digits, value, 1);
    if (std::string_view(digits, static_cast<std::size_t>(end - digits)) == "-0.0") {
        append(out, "0.0");
        return;
    }
    out.append(digits, end);
}

void append_text(fmt::memory_buffer& out, std::string_view text) { export_pieces::append_xml_text(out, text); }

void append_map_body(const Scene& scene, const View& view, fmt::memory_buffer& out) {
    append(out, body_style);
    append(out, symbols);
    append(out, "\n<g id=\"tiles\"></g>\n");
    append_fences(scene, view, out);
    append_tracks(scene, view, out);
    LabelStacks left;  // readers and audit findings share the left side of their spots
    append_readers(scene, view, out, left);
    append_events(scene, view, out);
    append_audit(scene, view, out, left);
    append_latest(scene, view, out);
}

std::string small_label_rule(double metres_per_pixel) {
    // Level N holds sizes below 2^(N-9) m; its labels show when that is 40 pixels or more.
    std::string rule;
    for (int level = 0; level <= 40; ++level) {
        if (std::ldexp(1.0, level - 9) / metres_per_pixel >= 40) break;
        rule += rule.empty() ? "" : ",";
        rule += "#trk-map .l" + std::to_string(level);
    }
    return rule.empty() ? rule : rule + "{display:none}";
}

double scale_bar_metres(double max_metres) {
    if (!(max_metres > 0)) return 0;
    const double power = std::pow(10.0, std::floor(std::log10(max_metres)));
    for (const double step : {5.0, 2.0, 1.0})
        if (step * power <= max_metres * (1 + 1e-9)) return step * power;
    return power;
}

std::string length_text(double metres) {
    fmt::memory_buffer out;
    if (metres >= 1000) {
        track::append_rounded(out, metres / 1000, 3);
        append(out, " km");
    } else {
        track::append_rounded(out, metres, 3);
        append(out, " m");
    }
    return fmt::to_string(out);
}

std::string age_text(track::Millis age_ms) {
    if (age_ms < 0) return "in the future";
    const long long seconds = age_ms / 1000, minutes = seconds / 60, hours = minutes / 60, days = hours / 24;
    if (seconds < 60) return fmt::format("{} s", seconds);
    if (minutes < 60) return fmt::format("{} min", minutes);
    if (hours < 24) return fmt::format("{} h {} min", hours, minutes % 60);
    return fmt::format("{} d {} h", days, hours % 24);
}

std::string span_text(const Scene& scene) {
    if (!scene.from || !scene.to) return "no time span";
    const auto text = [](track::Millis t) {
        std::string s = track::format_rfc3339(t);  // 2026-11-24T14:03:07.250Z
        s[10] = ' ';
        s.pop_back();
        if (s.ends_with(".000")) s.resize(s.size() - 4);
        return s;
    };
    return text(*scene.from) + " \u2013 " + text(*scene.to) + " UTC";
}

std::string counts_text(const Scene& scene) {
    std::vector<std::string> parts;
    const auto count = [&parts](std::size_t n, std::string_view one, std::string_view many) {
        if (n > 0) parts.push_back(track::grouped(n) + " " + std::string(n == 1 ? one : many));
    };
    count(scene.fences.size(), "fence", "fences");
    if (!scene.tracks.empty())
        parts.push_back(fmt::format("{} {} ({} fixes, {} points drawn)", track::grouped(scene.tracks.size()),
                                    scene.tracks.size() == 1 ? "track" : "tracks", track::grouped(scene.fixes),
                                    track::grouped(scene.points)));
    count(scene.latest.size(), "asset", "assets");
    count(scene.readers.size(), "reader", "readers");
    count(scene.events.size(), "event", "events");
    count(scene.audit.size(), "audit finding", "audit findings");
    count(scene.not_drawn.size(), "not drawn", "not drawn");
    if (parts.empty()) return "nothing to show";
    std::string text;
    for (const std::string& part : parts) text += (text.empty() ? "" : " \u00b7 ") + part;
    return text;
}

std::string_view track_colour(std::size_t index) { return track_palette[index % track_palette.size()]; }

void append_swatch(const LegendEntry& entry, int x, int y, fmt::memory_buffer& out) {
    using Swatch = LegendEntry::Swatch;
    switch (entry.swatch) {
        case Swatch::area:
            append(out, fmt::format("<rect x=\"{}\" y=\"{}\" width=\"18\" height=\"12\" fill=\"", x - 9, y - 6));
            append_text(out, entry.fill);
            append(out, "\" stroke=\"");
            append_text(out, entry.stroke);
            append(out, "\"/>");
            break;
        case Swatch::line:
            append(out, fmt::format("<path d=\"M{},{}h18\" stroke-width=\"3\" stroke=\"", x - 9, y));
            append_text(out, entry.fill);
            append(out, "\"/>");
            break;
        case Swatch::symbol:
            append(out, "<use href=\"#");
            append_text(out, entry.symbol);
            append(out, fmt::format("\" transform=\"translate({} {})\"", x, y));
            if (!entry.fill.empty()) {
                append(out, " fill=\"");
                append_text(out, entry.fill);
                append(out, "\" stroke=\"");
                append_text(out, entry.fill);
                out.push_back('"');
            }
            append(out, "/>");
            break;
        case Swatch::note: break;
    }
}

std::vector<LegendEntry> legend(const Scene& scene) {
    using Swatch = LegendEntry::Swatch;
    std::vector<LegendEntry> entries;
    for (const auto& [kind, colour] : fence_kinds(scene))
        entries.push_back({Swatch::area,
                           std::string(fence_palette[colour].first),
                           std::string(fence_palette[colour].second),
                           {},
                           kind});
    constexpr std::size_t tracks_listed = 12;
    for (std::size_t i = 0; i < scene.tracks.size() && i < tracks_listed; ++i)
        entries.push_back({Swatch::line, std::string(track_colour(i)), {}, {}, "track " + scene.tracks[i].asset});
    if (scene.tracks.size() > tracks_listed)
        entries.push_back(
            {Swatch::note, {}, {}, {}, fmt::format("and {} more tracks", scene.tracks.size() - tracks_listed)});
    if (!scene.tracks.empty()) {
        double tolerance = scene.tolerance_m;
        for (const Track& track : scene.tracks) tolerance = std::max(tolerance, track.tolerance_m);
        entries.push_back({Swatch::symbol, "#555", {}, "s-start", "track start"});
        entries.push_back({Swatch::symbol, "#555", {}, "s-end", "track end"});
        entries.push_back({Swatch::note, {}, {}, {}, "tracks thinned to within " + length_text(tolerance)});
    }
    if (!scene.latest.empty()) entries.push_back({Swatch::symbol, {}, {}, "s-asset", "latest position"});
    if (!scene.readers.empty()) entries.push_back({Swatch::symbol, {}, {}, "s-reader", "reader"});
    std::set<std::string> events, severities, statuses;
    for (const MapEvent& event : scene.events) {
        if (event.event == "violation") severities.insert(event.severity);
        else events.insert(event.event);
    }
    for (const std::string& name : events) {
        MapEvent event;
        event.event = name;
        const auto [symbol, colour] = event_look(event);
        entries.push_back({Swatch::symbol, std::string(colour), {}, std::string(symbol), "event: " + name});
    }
    for (const std::string& severity : severities)
        entries.push_back({Swatch::symbol,
                           std::string(severity_colour(severity)),
                           {},
                           "s-violation",
                           "violation" + (severity.empty() ? std::string() : ": " + severity)});
    for (const AuditMark& mark : scene.audit)
        if (mark.at) statuses.insert(mark.status);
    for (const std::string& status : statuses)
        entries.push_back({Swatch::symbol, {}, {}, std::string(audit_look(status).first), "audit: " + status});
    return entries;
}

}  // namespace adapters::map::draw
