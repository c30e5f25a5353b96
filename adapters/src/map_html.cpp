// trk map's HTML page: one self-contained file, the map's SVG inline (map_draw.cpp), a side panel
// (legend, span, counts, what is not drawn, details), the page script (map.js) and its data, and a
// Content-Security-Policy that lets the page fetch nothing but the tiles asked for.
#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "adapters/map.hpp"
#include "export_pieces.hpp"
#include "map_draw.hpp"
#include "track/error.hpp"
#include "track/json_writer.hpp"
#include "track/number.hpp"
#include "track/sha256.hpp"

namespace adapters::map {

/// map.js, embedded by cmake/embed-text.cmake.
extern const std::string_view page_script;

namespace {

using export_pieces::append;

constexpr int max_tile_zoom = 19;

constexpr std::string_view page_style =
    "html,body{margin:0;height:100%;font:13px sans-serif;color:#1a1a1a}"
    "body{display:flex}"
    "#map{position:relative;flex:1;overflow:hidden;background:#f7f7f4}"
    "#trk-map{position:absolute;left:0;top:0;width:100%;height:100%;cursor:grab;touch-action:none;"
    "user-select:none;transform-origin:50% 50%;will-change:transform}"
    "#trk-map .sym{transform:scale(var(--px))}"
    "#trk-map .track{stroke-width:3px}"
    "#panel{width:290px;overflow:auto;padding:8px 12px;border-left:1px solid #bbb;background:#fff;"
    "overflow-wrap:anywhere}"
    "#panel h1{font-size:16px;margin:4px 0}#panel h2{font-size:14px;margin:12px 0 4px}"
    "#north{position:absolute;top:8px;right:12px;pointer-events:none}"
    "#scale{position:absolute;left:12px;bottom:12px;background:#ffffffcc;padding:2px 6px;pointer-events:none}"
    "#scale-bar{height:6px;border:2px solid #000;border-top:0}"
    "#controls{position:absolute;top:8px;left:8px;display:flex;flex-direction:column;gap:4px}"
    "#controls button{width:30px;height:30px;font-size:18px;line-height:1}"
    "#legend{list-style:none;padding:0;margin:0}#legend svg{vertical-align:middle;margin-right:6px}"
    "#details dl{display:grid;grid-template-columns:auto 1fr;gap:2px 8px;margin:0}"
    "#details dt{color:#666}#details dd{margin:0;word-break:break-all}";

// Standard base64 (RFC 4648), for the CSP's hash of the script.
std::string base64(const track::Digest& bytes) {
    constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string text;
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::size_t left = std::min<std::size_t>(3, bytes.size() - i);
        std::uint32_t group = static_cast<std::uint32_t>(bytes[i]) << 16;
        if (left > 1) group |= static_cast<std::uint32_t>(bytes[i + 1]) << 8;
        if (left > 2) group |= bytes[i + 2];
        for (std::size_t k = 0; k < 4; ++k) text += k <= left ? alphabet[(group >> (18 - 6 * k)) & 63] : '=';
    }
    return text;
}

// Appends JSON for inside a <script> element: < > & and U+2028/2029 as \u escapes, so that no
// `</script>` nor `<!--` ends or changes the element (they only occur inside JSON strings).
void append_script_json(fmt::memory_buffer& out, std::string_view json) {
    for (std::size_t i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (c == '<') append(out, "\\u003c");
        else if (c == '>') append(out, "\\u003e");
        else if (c == '&') append(out, "\\u0026");
        else if (c == '\xE2' && i + 2 < json.size() && json[i + 1] == '\x80' &&
                 (json[i + 2] == '\xA8' || json[i + 2] == '\xA9')) {
            append(out, json[i + 2] == '\xA8' ? "\\u2028" : "\\u2029");
            i += 2;
        } else out.push_back(c);
    }
}

// A src split for the data's columns: "yard.jsonl:" and 1234, or the whole src and no number.
std::pair<std::string_view, std::optional<long long>> split_src(std::string_view src) {
    const std::size_t at = src.find_last_of(":@");
    if (at == std::string_view::npos || at + 1 == src.size() || src.size() - at - 1 > 15) return {src, std::nullopt};
    const std::string_view digits = src.substr(at + 1);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return {src, std::nullopt};
    return {src.substr(0, at + 1), std::stoll(std::string(digits))};
}

// Writes values as runs: value, count, value, count...
template <typename Value>
void runs(track::JsonWriter& json, const std::vector<Value>& values) {
    json.begin_array();
    for (std::size_t i = 0; i < values.size();) {
        std::size_t end = i;
        while (end < values.size() && values[end] == values[i]) ++end;
        json.integer(values[i]).integer(end - i);
        i = end;
    }
    json.end_array();
}

// The script's data: the home view, the projection, the tiles, and each track's kept points
// (time, speed, zones and src; their positions are the paths' own) in compact columns.
std::string page_data(const Scene& scene, const draw::View& view, const RenderOptions& options) {
    fmt::memory_buffer out;
    track::JsonWriter json(out);
    json.begin_object();
    json.key("view").begin_array();
    for (double value : {view.x, view.y, view.width, view.height}) json.rounded(value, 1);
    json.end_array();
    json.key("proj").begin_object();
    json.key("lat0").fixed(scene.projection.lat0(), 7).key("lon0").fixed(scene.projection.lon0(), 7);
    json.key("mlat").rounded(scene.projection.metres_per_deg_lat(), 3);
    json.key("mlon").rounded(scene.projection.metres_per_deg_lon(), 3);
    json.key("maxzoom").integer(max_tile_zoom).end_object();
    json.key("tiles");
    if (options.tiles.empty()) json.null();
    else json.string(options.tiles);
    json.key("zones").begin_array();
    for (const auto& set : scene.zone_sets) {
        json.begin_array();
        for (const std::string& zone : set) json.string(zone);
        json.end_array();
    }
    json.end_array();
    // The src prefixes, each once.
    std::map<std::string_view, std::size_t> prefixes;
    std::vector<std::string_view> prefix_list;
    json.key("tracks").begin_array();
    for (const Track& track : scene.tracks) {
        json.newline().begin_object();
        json.key("t0").integer(track.points.empty() ? 0 : track.points.front().time);
        json.key("dt").begin_array();
        track::Millis previous = track.points.empty() ? 0 : track.points.front().time;
        for (const TrackPoint& point : track.points) {
            json.integer(point.time - previous);
            previous = point.time;
        }
        json.end_array();
        if (std::any_of(track.points.begin(), track.points.end(),
                        [](const TrackPoint& p) { return p.speed.has_value(); })) {
            json.key("v").begin_array();
            for (const TrackPoint& point : track.points) {
                if (point.speed) json.rounded(*point.speed, 1);
                else json.null();
            }
            json.end_array();
        }
        std::vector<std::uint32_t> zones;
        std::vector<std::size_t> prefix_of;
        for (const TrackPoint& point : track.points) {
            zones.push_back(point.zones);
            const auto [prefix, number] = split_src(point.src);
            const auto [at, added] = prefixes.emplace(prefix, prefix_list.size());
            if (added) prefix_list.push_back(prefix);
            prefix_of.push_back(at->second);
        }
        json.key("z");
        runs(json, zones);
        json.key("sp");
        runs(json, prefix_of);
        json.key("sn").begin_array();
        long long last = 0;
        for (const TrackPoint& point : track.points) {
            const auto number = split_src(point.src).second;
            if (!number) {
                json.null();
                continue;
            }
            json.integer(*number - last);
            last = *number;
        }
        json.end_array().end_object();
    }
    json.end_array();
    json.key("src").begin_array();
    for (std::string_view prefix : prefix_list) json.string(prefix);
    json.end_array();
    json.end_object();
    return fmt::to_string(out);
}

// A swatch of the legend, in an SVG of 20 x 14 pixels.
void append_swatch(const draw::LegendEntry& entry, fmt::memory_buffer& out) {
    append(out, "<svg width=\"20\" height=\"14\" viewBox=\"-10 -7 20 14\">");
    draw::append_swatch(entry, 0, 0, out);
    append(out, "</svg>");
}

void append_panel(const Scene& scene, fmt::memory_buffer& out) {
    append(out, "<aside id=\"panel\"><h1>");
    draw::append_text(out, scene.title);
    append(out, "</h1>\n<p id=\"span\">");
    draw::append_text(out, draw::span_text(scene));
    append(out, "</p>\n<p id=\"counts\">");
    draw::append_text(out, draw::counts_text(scene));
    append(out, "</p>\n<h2>Legend</h2><ul id=\"legend\">");
    for (const auto& entry : draw::legend(scene)) {
        append(out, "\n<li>");
        append_swatch(entry, out);
        draw::append_text(out, entry.text);
        append(out, "</li>");
    }
    append(out, "</ul>\n<section id=\"not-drawn\">");
    if (!scene.not_drawn.empty()) {
        append(out, "<h2>Not drawn</h2><ul>");
        for (const NotDrawn& item : scene.not_drawn) {
            append(out, "\n<li><b>");
            draw::append_text(out, item.what);
            append(out, "</b>: ");
            draw::append_text(out, item.why);
            append(out, "</li>");
        }
        append(out, "</ul>");
    }
    append(out,
           "</section>\n<h2>Details</h2><div id=\"details\"><p>Point at or click something on the map.</p>"
           "</div></aside>\n");
}

}  // namespace

std::string tile_origin(std::string_view url) {
    const auto fail = [url](std::string_view why) { throw track::UsageError(fmt::format("--tiles {}: {}", url, why)); };
    std::size_t scheme_end = 0;
    if (url.starts_with("https://")) scheme_end = 8;
    else if (url.starts_with("http://")) scheme_end = 7;
    else fail("not an http:// or https:// URL");
    for (std::string_view part : {"{z}", "{x}", "{y}"})
        if (url.find(part) == std::string_view::npos) fail(fmt::format("no {} in the template", part));
    const std::size_t host_end = std::min(url.find('/', scheme_end), url.size());
    std::string host(url.substr(scheme_end, host_end - scheme_end));
    // (Written with substr and +, not replace, which draws GCC 12's false -Wrestrict at -O2.)
    if (const std::size_t s = host.find("{s}"); s != std::string::npos)
        host = host.substr(0, s) + '*' + host.substr(s + 3);
    const bool plain = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
               c == ':' || c == '*';
    });
    if (!plain) fail("the host must be letters, digits, dots and hyphens (and {s})");
    for (char c : url)
        if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\')
            fail("spaces, quotes, <, > and backslashes are not allowed");
    return std::string(url.substr(0, scheme_end)) + host;
}

void write_html(const Scene& scene, const RenderOptions& options, fmt::memory_buffer& out) {
    const std::string images = options.tiles.empty() ? "'none'" : tile_origin(options.tiles);
    const draw::View view = draw::fit_view(scene, options.width, options.height);
    append(out,
           "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'sha256-");
    append(out, base64(track::sha256(page_script)));
    append(out, "'; style-src 'unsafe-inline'; img-src ");
    append(out, images);
    append(out,
           "; connect-src 'none'; base-uri 'none'; form-action 'none'\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    draw::append_text(out, scene.title);
    append(out, "</title>\n<style>");
    append(out, page_style);
    append(out, "</style>\n<style id=\"lod\">");
    append(out, draw::small_label_rule(view.metres_per_pixel));
    append(out,
           "</style>\n</head><body>\n<div id=\"map\">\n<svg id=\"trk-map\" xmlns=\"http://www.w3.org/2000/svg\" "
           "preserveAspectRatio=\"xMidYMid meet\" viewBox=\"");
    draw::append_view_box(out, view);
    append(out, "\" style=\"--px:");
    track::append_rounded(out, view.metres_per_pixel, 4);
    append(out, "\">\n");
    draw::append_map_body(scene, view, out);
    const double scale_metres = draw::scale_bar_metres(150 * view.metres_per_pixel);
    append(out,
           "</svg>\n<svg id=\"north\" width=\"24\" height=\"44\" viewBox=\"-12 -26 24 44\">"
           "<path d=\"M0,-22L8,4 0,-2-8,4Z\"/><text y=\"17\" text-anchor=\"middle\" font-weight=\"bold\">N</text>"
           "</svg>\n<div id=\"scale\"><div id=\"scale-bar\" style=\"width:");
    track::append_rounded(out, scale_metres / view.metres_per_pixel, 1);
    append(out, "px\"></div><span id=\"scale-text\">");
    append(out, draw::length_text(scale_metres));
    append(out,
           "</span></div>\n<div id=\"controls\"><button data-act=\"in\" title=\"Zoom in (+)\">+</button>"
           "<button data-act=\"out\" title=\"Zoom out (-)\">\u2212</button>"
           "<button data-act=\"reset\" title=\"Whole map (0)\">\u2302</button></div>\n</div>\n");
    append_panel(scene, out);
    append(out, "<script type=\"application/json\" id=\"trk-data\">");
    append_script_json(out, page_data(scene, view, options));
    append(out, "</script>\n<script>");
    append(out, page_script);
    append(out, "</script>\n</body></html>\n");
}

}  // namespace adapters::map
