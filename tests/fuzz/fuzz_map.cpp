// Fuzz harness: `trk map`'s scene and documents: JSON Lines through track::RecordParser into a
// SceneBuilder over a few fences and readers, then write_svg and write_html.
#include <cctype>
#include <string>
#include <vector>

#include "adapters/map.hpp"
#include "fuzz.hpp"

namespace {

// Two bays (one across the antimeridian, so that the fitted arc may cross it), a circle and two
// readers, one without a position.
const std::vector<track::Fence>& fences() {
    static const std::vector<track::Fence> kept = track::parse_fences(
        R"({"type":"FeatureCollection","features":[)"
        R"({"type":"Feature","id":"bay-3","properties":{"kind":"bay"},"geometry":{"type":"Polygon","coordinates":)"
        R"([[[9.93,53.5],[9.931,53.5],[9.931,53.501],[9.93,53.501],[9.93,53.5]]]}},)"
        R"({"type":"Feature","id":"date-line","properties":{},"geometry":{"type":"Polygon","coordinates":)"
        R"([[[179.99,0],[180,0],[180,0.01],[179.99,0.01],[179.99,0]]]}},)"
        R"({"type":"Feature","id":"pump","properties":{"radius":15},"geometry":{"type":"Point","coordinates":[9.932,53.5]}}]})",
        "fuzz");
    return kept;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static track::RecordParser parser;
    const std::string_view text = fuzz::text_of(data, size);
    adapters::map::SceneOptions options;
    options.now = 1'800'000'000'000;
    options.max_track_points = 64;  // small budgets, so that the doubling and sharing run
    options.max_points = 256;
    if (!text.empty() && text.front() == '#') options.tolerance_m = 0.0;  // every turn kept
    adapters::map::SceneBuilder builder(options);
    builder.fences(fences());
    builder.readers({{"dock-1", "dock", 53.5005, 9.9305, {}}, {"dock-3", "dock", std::nullopt, std::nullopt, {}}});
    std::uint64_t fixes = 0;
    fuzz::for_each_line(text, [&](std::string_view line) {
        track::Record record;
        try {
            record = parser.parse(line, "fuzz:1");
        } catch (const track::InputError&) {
            return;
        }
        if (!track::validate(record).empty()) return;
        if (std::holds_alternative<track::Fix>(record)) ++fixes;
        builder.record(record);
    });
    adapters::map::Scene scene;
    try {
        scene = builder.finish();
    } catch (const track::InputError&) {
        fuzz::fail("the fences alone are something to draw");
    }
    fuzz::expect(scene.fixes == fixes, "every fix counted");
    fuzz::expect(scene.fences.size() == 3, "every fence drawn");
    for (const adapters::map::Track& t : scene.tracks) {
        fuzz::expect(!t.points.empty() && t.points.size() <= t.fixes, "a track keeps some of its fixes", t.asset);
        for (std::size_t i = 1; i < t.points.size(); ++i) {
            fuzz::expect(t.points[i - 1].time <= t.points[i].time, "track points in time order", t.asset);
        }
        for (const adapters::map::TrackPoint& p : t.points) {
            fuzz::expect(p.zones < scene.zone_sets.size(), "zone sets exist", t.asset);
        }
    }
    adapters::map::RenderOptions render;
    fmt::memory_buffer svg, html;
    adapters::map::write_svg(scene, render, svg);
    adapters::map::write_html(scene, render, html);
    const std::string_view s(svg.data(), svg.size()), h(html.data(), html.size());
    fuzz::expect(s.ends_with("</svg>\n"), "the SVG is complete");
    fuzz::expect(h.ends_with("</html>\n"), "the page is complete");
    // Input text never becomes markup: the page ends exactly two scripts (its data and its code),
    // and the SVG has none.
    // (Case-blind, as HTML parsers end a script.)
    const auto lower = [](std::string_view document) {
        std::string out(document);
        for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return out;
    };
    const std::string page = lower(h);
    std::size_t scripts = 0;
    for (auto at = page.find("</script"); at != std::string::npos; at = page.find("</script", at + 1)) ++scripts;
    fuzz::expect(scripts == 2, "the page's two scripts and no other");
    fuzz::expect(lower(s).find("<script") == std::string::npos, "no script in the SVG");
    return 0;
}
