// What trk map's two documents share (map_html.cpp, map_svg.cpp): the view, the SVG body of the
// map (one drawing serves both), the legend's entries, the texts of the span and the counts, and
// the number and text appends. Private to adapters.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "adapters/map.hpp"

namespace adapters::map::draw {

/// The part of the plane shown (the SVG viewBox, y = -north) and its scale on screen.
struct View {
    double x = 0, y = 0, width = 0, height = 0;  ///< viewBox in metres
    double metres_per_pixel = 1;                 ///< at the size the view was fitted to
};

/// The view holding the scene's bounds with a margin, fitted to width x height pixels (an empty
/// scene shows 100 m around the origin).
View fit_view(const Scene& scene, int width, int height);

/// Appends the view as an SVG viewBox value: "x y width height" in metres.
void append_view_box(fmt::memory_buffer& out, const View& view);

/// Appends `value` in metres with one decimal ("12.3", "-0.5"; never "-0.0").
void append_metres(fmt::memory_buffer& out, double value);

/// Appends `text` escaped for XML and HTML (text or quoted attribute value).
void append_text(fmt::memory_buffer& out, std::string_view text);

/// The SVG body of the map: `<defs>` (the symbols) and the groups g#tiles (empty), g#fences,
/// g#tracks, g#readers, g#events, g#audit, g#latest, in that order, for `view` (symbols and labels
/// sized for its metres_per_pixel: the page's script rescales them with the CSS variable --px).
void append_map_body(const Scene& scene, const View& view, fmt::memory_buffer& out);

/// The CSS rule that hides the labels of fences too small to hold them at `metres_per_pixel`
/// (fence labels carry the class lN, N = floor(log2(size in metres)) + 10, clamped to 0..40);
/// empty when none is too small. The page's script (map.js) writes the same rule on zoom.
std::string small_label_rule(double metres_per_pixel);

/// The scale bar's length: the largest 1, 2 or 5 x 10^n metres not over `max_metres` (> 0).
double scale_bar_metres(double max_metres);

/// A length for people: "500 m", "2 km", "0.5 m".
std::string length_text(double metres);

/// An age for people: "42 s", "7 min", "6 h 59 min", "3 d 4 h"; "in the future" when negative.
std::string age_text(track::Millis age_ms);

/// The time span shown: "2026-11-24 00:00:07 – 07:00:00 UTC" style, from..to in UTC; "no time
/// span" when the scene has none.
std::string span_text(const Scene& scene);

/// What the map holds, counted: "3 fences · 2 tracks (1,200 fixes, 340 points) · ...".
std::string counts_text(const Scene& scene);

/// The colour of track `index` (tracks are coloured in the scene's order, by asset).
std::string_view track_colour(std::size_t index);

/// One line of the legend: a swatch and its text.
struct LegendEntry {
    enum class Swatch { area, line, symbol, note };
    Swatch swatch = Swatch::note;
    std::string fill;    ///< area: the fill; line: the stroke; symbol: its colour
    std::string stroke;  ///< area: the outline
    std::string symbol;  ///< symbol: the id of its <symbol> in the body's <defs>
    std::string text;
};

/// Draws a legend entry's swatch (18 x 12 pixels) centred on (x, y) of the current user units
/// (pixels): the page's legend draws it in a small SVG of its own, the SVG document in its legend
/// group. Nothing for a note.
void append_swatch(const LegendEntry& entry, int x, int y, fmt::memory_buffer& out);

/// The legend: only what the scene holds (fence kinds, tracks and their thinning, latest
/// positions, readers, event kinds and severities, audit statuses).
std::vector<LegendEntry> legend(const Scene& scene);

}  // namespace adapters::map::draw
