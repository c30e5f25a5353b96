// trk map's standalone SVG document: the map (map_draw.cpp's body) in a picture of the size asked,
// with a static legend, scale bar, north arrow, time span and the list of what is not drawn.
#include <algorithm>
#include <string>

#include "adapters/map.hpp"
#include "export_pieces.hpp"
#include "map_draw.hpp"
#include "track/number.hpp"

namespace adapters::map {

namespace {

using export_pieces::append;
using export_pieces::append_int;

constexpr int line_height = 16;  // of the legend's and the list's lines, in pixels
constexpr std::size_t not_drawn_listed = 20;

// A text line at (x, y) pixels.
void text_line(fmt::memory_buffer& out, int x, int y, std::string_view text, std::string_view attributes = {}) {
    append(out, "<text x=\"");
    append_int(out, x);
    append(out, "\" y=\"");
    append_int(out, y);
    out.push_back('"');
    append(out, attributes);
    out.push_back('>');
    draw::append_text(out, text);
    append(out, "</text>");
}

// The legend's box at the top left: the title, what is present, the span and the counts.
void append_legend(const Scene& scene, fmt::memory_buffer& out) {
    const auto entries = draw::legend(scene);
    const std::string span = draw::span_text(scene), counts = draw::counts_text(scene);
    std::size_t longest = std::max({scene.title.size(), span.size(), counts.size()});
    for (const auto& entry : entries) longest = std::max(longest, entry.text.size() + 4);
    const int width = static_cast<int>(std::min<std::size_t>(longest, 80)) * 7 + 20;
    const int height = static_cast<int>(entries.size() + 3) * line_height + 12;
    append(out, "<g id=\"legend\" font-family=\"sans-serif\" font-size=\"12\" fill=\"#1a1a1a\">");
    append(out, "<rect x=\"8\" y=\"8\" width=\"");
    append_int(out, width);
    append(out, "\" height=\"");
    append_int(out, height);
    append(out, "\" fill=\"#fff\" fill-opacity=\"0.9\" stroke=\"#999\"/>");
    int y = 8 + line_height;
    text_line(out, 16, y, scene.title, " font-weight=\"bold\"");
    for (const auto& entry : entries) {
        y += line_height;
        draw::append_swatch(entry, 25, y - 4, out);
        text_line(out, 42, y, entry.text);
    }
    append(out, "</g>");
    text_line(out, 16, y + line_height, span, " id=\"span\" font-family=\"sans-serif\" font-size=\"12\"");
    text_line(out, 16, y + 2 * line_height, counts, " id=\"counts\" font-family=\"sans-serif\" font-size=\"12\"");
}

// The scale bar at the bottom left: at most 150 pixels, a round length.
void append_scale(const draw::View& view, const RenderOptions& options, fmt::memory_buffer& out) {
    const double metres = draw::scale_bar_metres(150 * view.metres_per_pixel);
    const double pixels = metres / view.metres_per_pixel;
    const int y = options.height - 20;
    append(out, "<g id=\"scale\" font-family=\"sans-serif\" font-size=\"12\"><path d=\"M16,");
    append_int(out, y - 6);
    append(out, "v6h");
    track::append_rounded(out, pixels, 1);
    append(out, "v-6\" fill=\"none\" stroke=\"#000\" stroke-width=\"2\"/>");
    text_line(out, 20, y - 10, draw::length_text(metres));
    append(out, "</g>");
}

// The north arrow at the top right.
void append_north(const RenderOptions& options, fmt::memory_buffer& out) {
    append(out, "<g id=\"north\" transform=\"translate(");
    append_int(out, options.width - 30);
    append(out, " 40)\"><path d=\"M0,-22L8,4 0,-2-8,4Z\" fill=\"#000\"/>");
    append(out,
           "<text y=\"18\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"14\" "
           "font-weight=\"bold\">N</text></g>");
}

// What is not drawn, listed at the bottom right.
void append_not_drawn(const Scene& scene, const RenderOptions& options, fmt::memory_buffer& out) {
    append(out, "<g id=\"not-drawn\" font-family=\"sans-serif\" font-size=\"12\" text-anchor=\"end\">");
    if (!scene.not_drawn.empty()) {
        const std::size_t listed = std::min(scene.not_drawn.size(), not_drawn_listed);
        const bool more = scene.not_drawn.size() > listed;
        int y = options.height - 10 - static_cast<int>(listed + (more ? 1 : 0)) * line_height;
        const int x = options.width - 16;
        text_line(out, x, y, "Not drawn:", " font-weight=\"bold\"");
        for (std::size_t i = 0; i < listed; ++i) {
            y += line_height;
            text_line(out, x, y, scene.not_drawn[i].what + ": " + scene.not_drawn[i].why);
        }
        if (more) text_line(out, x, y + line_height, fmt::format("and {} more", scene.not_drawn.size() - listed));
    }
    append(out, "</g>");
}

}  // namespace

void write_svg(const Scene& scene, const RenderOptions& options, fmt::memory_buffer& out) {
    const draw::View view = draw::fit_view(scene, options.width, options.height);
    append(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"");
    append_int(out, options.width);
    append(out, "\" height=\"");
    append_int(out, options.height);
    append(out, "\" viewBox=\"0 0 ");
    append_int(out, options.width);
    out.push_back(' ');
    append_int(out, options.height);
    append(out, "\">\n<title>");
    draw::append_text(out, scene.title);
    append(out, "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#f7f7f4\"/>\n<svg id=\"trk-map\" width=\"");
    append_int(out, options.width);
    append(out, "\" height=\"");
    append_int(out, options.height);
    append(out, "\" viewBox=\"");
    draw::append_view_box(out, view);
    append(out, "\">\n");
    const std::string rule = draw::small_label_rule(view.metres_per_pixel);
    if (!rule.empty()) {
        append(out, "<style>");
        append(out, rule);
        append(out, "</style>");
    }
    draw::append_map_body(scene, view, out);
    append(out, "</svg>\n");
    append_legend(scene, out);
    append_scale(view, options, out);
    append_north(options, out);
    append_not_drawn(scene, options, out);
    append(out, "\n</svg>\n");
}

}  // namespace adapters::map
