// Unit tests of trk map's documents (adapters/map.hpp write_html, write_svg; map_draw.hpp): escaping,
// determinism, the page's structure, the CSP's script hash, numbers, the scale bar and the legend.
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "../../adapters/src/map_draw.hpp"
#include "adapters/map.hpp"
#include "track/error.hpp"
#include "track/sha256.hpp"

namespace {

using namespace adapters::map;

constexpr std::string_view hostile = "</script><img src=x onerror=alert(1)>";

// A square ring of side `side` metres with its south-west corner at (x, y), closed.
std::vector<XY> square(double x, double y, double side) {
    return {{x, y}, {x + side, y}, {x + side, y + side}, {x, y + side}, {x, y}};
}

// A small yard: a yard with a bay inside, a circle gate, one track, an asset, a reader, two
// events, two audit findings and one thing not drawn.
Scene yard() {
    Scene scene;
    scene.title = "Yard A";
    scene.bounds = {0, 0, 200, 200, false};
    MapFence outer;
    outer.id = "yard-a";
    outer.kind = "yard";
    outer.parts = {{square(0, 0, 200), square(150, 50, 20)}};  // with a hole
    outer.label = {100, 20};
    outer.area_m2 = 40'000 - 400;
    MapFence bay;
    bay.id = "bay-1";
    bay.kind = "bay";
    bay.parts = {{square(10, 10, 30)}};
    bay.label = {25, 25};
    bay.area_m2 = 900;
    MapFence gate;
    gate.id = "gate";
    gate.kind = "gate";
    gate.shape = track::Fence::Kind::circle;
    gate.centre = {190, 90};
    gate.radius = 5;
    gate.label = {190, 90};
    gate.area_m2 = 78.5;
    scene.fences = {outer, bay, gate};
    Track track;
    track.asset = "FL-07";
    track.fixes = 40;
    track.tolerance_m = 0.5;
    for (int i = 0; i < 5; ++i) {
        TrackPoint point;
        point.at = {10.0 + 40 * i, 20.0 + 5 * i};
        point.time = 1'700'000'000'000 + 60'000 * i;
        if (i % 2 == 0) point.speed = 1.25 * i;
        point.zones = i < 2 ? 1 : 0;
        point.src = fmt::format("yard.jsonl:{}", 10 + 3 * i);
        track.points.push_back(point);
    }
    scene.tracks = {track};
    scene.zone_sets = {{}, {"yard-a", "bay-1"}};
    Latest latest;
    latest.asset = "FL-07";
    latest.at = {170, 40};
    latest.time = 1'700'000'240'000;
    latest.age_ms = (6 * 60 + 59) * 60'000;
    latest.source = "fix";
    latest.zones = {"yard-a"};
    latest.src = "yard.jsonl:22";
    scene.latest = {latest};
    scene.readers = {{"dock-1", "bay-1", {30, 30}, 0, 0}};
    MapEvent enter;
    enter.event = "enter";
    enter.asset = "FL-07";
    enter.fence = "bay-1";
    enter.at = {10, 20};
    MapEvent violation;
    violation.event = "violation";
    violation.severity = "critical";
    violation.asset = "FL-07";
    violation.rule = "speed > 3";
    violation.at = {90, 30};
    scene.events = {enter, violation};
    AuditMark missing;
    missing.key = "PAL-1";
    missing.status = "missing";
    missing.zone = "yard-a";
    missing.at = XY{60, 60};
    AuditMark unexpected;
    unexpected.key = "PAL-2";
    unexpected.status = "unexpected";
    unexpected.zone = "yard-a";
    unexpected.at = XY{80, 60};
    scene.audit = {missing, unexpected};
    scene.not_drawn = {{"PAL-3", "missing, never seen"}};
    scene.from = 1'700'000'000'000;
    scene.to = 1'700'000'240'000;
    scene.tolerance_m = 0.5;
    scene.fixes = 40;
    scene.points = 5;
    return scene;
}

std::string html(const Scene& scene, const RenderOptions& options = {}) {
    fmt::memory_buffer out;
    write_html(scene, options, out);
    return fmt::to_string(out);
}

std::string svg(const Scene& scene, const RenderOptions& options = {}) {
    fmt::memory_buffer out;
    write_svg(scene, options, out);
    return fmt::to_string(out);
}

std::size_t occurrences(const std::string& text, std::string_view part) {
    std::size_t count = 0;
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
    return count;
}

// Base64 written again here, apart from the page's, to check the CSP.
std::string base64(const track::Digest& bytes) {
    static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string text;
    unsigned bits = 0;
    int count = 0;
    for (std::uint8_t byte : bytes) {
        bits = (bits << 8) | byte;
        count += 8;
        while (count >= 6) {
            count -= 6;
            text += alphabet[(bits >> count) & 63];
        }
    }
    if (count > 0) text += alphabet[(bits << (6 - count)) & 63];
    while (text.size() % 4 != 0) text += '=';
    return text;
}

}  // namespace

TEST_CASE("map documents escape hostile ids, names and src") {
    Scene scene = yard();
    scene.title = std::string(hostile);
    scene.fences[1].id = std::string(hostile);
    scene.fences[1].name = "]]>";
    scene.tracks[0].asset = "]]><x>";
    scene.tracks[0].points[1].src = std::string(hostile) + ":12 \u2028";
    scene.latest[0].asset = "a\"b'c&d";
    scene.readers[0].id = std::string(hostile);
    scene.zone_sets[1].push_back(std::string(hostile));
    scene.not_drawn[0].what = std::string(hostile);
    for (const std::string& document : {html(scene), svg(scene)}) {
        CHECK(document.find("<img") == std::string::npos);
        CHECK(document.find("]]><x>") == std::string::npos);
        CHECK(document.find("a\"b'c") == std::string::npos);
        CHECK(document.find("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);
        CHECK(document.find("a&quot;b&apos;c&amp;d") != std::string::npos);
    }
    const std::string page = html(scene);
    // Only the two script elements end: the data's and the script's.
    CHECK(occurrences(page, "</script") == 2);
    CHECK(page.find("\\u003c/script\\u003e\\u003cimg") != std::string::npos);
    CHECK(page.find("\u2028") == std::string::npos);
    CHECK(page.find("\\u2028") != std::string::npos);
}

TEST_CASE("map documents are the same bytes for the same scene") {
    const Scene scene = yard();
    CHECK(html(scene) == html(scene));
    CHECK(svg(scene) == svg(scene));
}

TEST_CASE("the page holds the structure the browser tests rely on, in order") {
    const std::string page = html(yard());
    std::size_t previous = 0;
    for (std::string_view group : {"<svg id=\"trk-map\"", "<g id=\"tiles\"", "<g id=\"fences\"", "<g id=\"tracks\"",
                                   "<g id=\"readers\"", "<g id=\"events\"", "<g id=\"audit\"", "<g id=\"latest\""}) {
        const std::size_t at = page.find(group);
        CHECK_MESSAGE(at != std::string::npos, group);
        CHECK_MESSAGE(at > previous, group);
        previous = at;
    }
    for (std::string_view part :
         {"<g class=\"fence\" data-id=\"yard-a\" data-kind=\"yard\"",
          "<g class=\"fence\" data-id=\"gate\" data-kind=\"gate\"",
          "<path class=\"fence-shape\" fill-rule=\"evenodd\" d=\"M0.0,0.0 200.0,0.0 200.0,-200.0 0.0,-200.0Z"
          "M150.0,-50.0 170.0,-50.0 170.0,-70.0 150.0,-70.0Z\"",
          "<circle class=\"fence-shape\" cx=\"190.0\" cy=\"-90.0\" r=\"5.0\"",
          ">bay-1</text>",
          "<path class=\"track\" data-asset=\"FL-07\"",
          "d=\"M10.0,-20.0l40.0,-5.0 40.0,-5.0 40.0,-5.0 40.0,-5.0\"",
          "<g class=\"asset\" data-id=\"FL-07\"",
          ">FL-07 \u00b7 6 h 59 min</text>",
          "data-zones=\"yard-a\"",
          "<g class=\"reader\" data-id=\"dock-1\"",
          ">dock-1</text>",
          "<g class=\"event\" data-event=\"enter\" data-severity=\"\"",
          "<g class=\"event\" data-event=\"violation\" data-severity=\"critical\"",
          "<g class=\"audit\" data-status=\"missing\" data-id=\"PAL-1\"",
          "id=\"legend\"",
          "id=\"scale\"",
          "id=\"north\"",
          "id=\"span\"",
          "id=\"details\"",
          "id=\"not-drawn\"",
          "<b>PAL-3</b>: missing, never seen",
          "<script type=\"application/json\" id=\"trk-data\">"})
        CHECK_MESSAGE(page.find(part) != std::string::npos, part);
    // Text labels inside each fence, asset and reader.
    CHECK(occurrences(page, "<text class=\"label") == 3 + 1 + 1 + 2);
    const std::string picture = svg(yard());
    for (std::string_view part :
         {"<svg id=\"trk-map\"", "<g class=\"fence\" data-id=\"bay-1\"", "id=\"legend\"", "id=\"scale\"",
          "id=\"north\"", "id=\"span\"", "id=\"not-drawn\"", "PAL-3: missing, never seen"})
        CHECK_MESSAGE(picture.find(part) != std::string::npos, part);
    CHECK(picture.find("<script") == std::string::npos);
}

TEST_CASE("the page's CSP holds the hash of its script and allows no fetch without tiles") {
    const std::string page = html(yard());
    const std::size_t open = page.rfind("<script>") + 8;
    const std::string script = page.substr(open, page.find("</script>", open) - open);
    CHECK(script.size() < 12'000);
    const std::string hash = base64(track::sha256(script));
    CHECK(page.find("script-src 'sha256-" + hash + "'") != std::string::npos);
    CHECK(page.find("default-src 'none'") != std::string::npos);
    CHECK(page.find("img-src 'none'") != std::string::npos);
    CHECK(page.find("connect-src 'none'") != std::string::npos);
    CHECK(page.find("\"tiles\":null") != std::string::npos);
    // No URL but the SVG namespace.
    CHECK(occurrences(page, "http://") == occurrences(page, "http://www.w3.org/2000/svg"));
    CHECK(page.find("https://") == std::string::npos);
}

TEST_CASE("--tiles opens img-src to the tile server's origin only") {
    RenderOptions options;
    options.tiles = "https://{s}.tile.example.org/{z}/{x}/{y}.png";
    const std::string page = html(yard(), options);
    CHECK(page.find("img-src https://*.tile.example.org;") != std::string::npos);
    CHECK(page.find("\"tiles\":\"https://{s}.tile.example.org/{z}/{x}/{y}.png\"") != std::string::npos);
    for (std::string_view bad : {"ftp://x/{z}/{x}/{y}", "https://a b/{z}/{x}/{y}", "https://x/{z}/{y}",
                                 "https://x';script-src */{z}/{x}/{y}", "https://x\"/{z}/{x}/{y}"}) {
        options.tiles = std::string(bad);
        CHECK_THROWS_AS(html(yard(), options), track::UsageError);
    }
}

TEST_CASE("numbers: metres with one decimal, no negative zero") {
    const auto metres = [](double value) {
        fmt::memory_buffer out;
        draw::append_metres(out, value);
        return fmt::to_string(out);
    };
    CHECK(metres(12.345) == "12.3");
    CHECK(metres(-0.04) == "0.0");
    CHECK(metres(-7.25) == "-7.3");
    CHECK(metres(1'234'567.0) == "1234567.0");
    CHECK(draw::age_text(42'000) == "42 s");
    CHECK(draw::age_text(7 * 60'000 + 5'000) == "7 min");
    CHECK(draw::age_text((6 * 60 + 59) * 60'000) == "6 h 59 min");
    CHECK(draw::age_text((3 * 24 + 4) * 3'600'000LL) == "3 d 4 h");
    CHECK(draw::age_text(-1) == "in the future");
    CHECK(draw::length_text(500) == "500 m");
    CHECK(draw::length_text(2000) == "2 km");
    CHECK(draw::length_text(0.5) == "0.5 m");
    CHECK(draw::span_text(yard()) == "2023-11-14 22:13:20 \u2013 2023-11-14 22:17:20 UTC");
}

TEST_CASE("the scale bar is a round 1, 2 or 5 x 10^n metres") {
    CHECK(draw::scale_bar_metres(150) == 100);
    CHECK(draw::scale_bar_metres(199) == 100);
    CHECK(draw::scale_bar_metres(200) == 200);
    CHECK(draw::scale_bar_metres(499.9) == 200);
    CHECK(draw::scale_bar_metres(500) == 500);
    CHECK(draw::scale_bar_metres(0.73) == doctest::Approx(0.5));
    CHECK(draw::scale_bar_metres(12'000) == 10'000);
    CHECK(draw::scale_bar_metres(0) == 0);
}

TEST_CASE("the legend names only what is present") {
    const auto texts = [](const Scene& scene) {
        std::vector<std::string> list;
        for (const auto& entry : draw::legend(scene)) list.push_back(entry.text);
        return list;
    };
    CHECK(texts(yard()) == std::vector<std::string>{"bay", "gate", "yard", "track FL-07", "track start", "track end",
                                                    "tracks thinned to within 0.5 m", "latest position", "reader",
                                                    "event: enter", "violation: critical", "audit: missing",
                                                    "audit: unexpected"});
    Scene fences_only = yard();
    fences_only.tracks.clear();
    fences_only.latest.clear();
    fences_only.readers.clear();
    fences_only.events.clear();
    fences_only.audit.clear();
    CHECK(texts(fences_only) == std::vector<std::string>{"bay", "gate", "yard"});
    // A page with nothing but fences is whole: every group there, empty.
    const std::string page = html(fences_only);
    CHECK(page.find("<g id=\"tracks\"></g>") != std::string::npos);
    CHECK(page.find("<g id=\"latest\"></g>") != std::string::npos);
    CHECK(page.find("\"tracks\":[]") != std::string::npos);
    CHECK(page.find("</html>") != std::string::npos);
    // An empty scene too.
    const std::string empty = html(Scene{});
    CHECK(empty.find("<g id=\"fences\"></g>") != std::string::npos);
    CHECK(draw::counts_text(Scene{}) == "nothing to show");
}

TEST_CASE("fence labels hide when their fence is small on screen") {
    CHECK(draw::small_label_rule(1e-6).empty());         // every level 40 pixels or more
    const std::string rule = draw::small_label_rule(1);  // 1 m a pixel: fences under 32 m
    CHECK(rule.find(".l14") != std::string::npos);       // 16..32 m
    CHECK(rule.find(".l15") == std::string::npos);       // 32..64 m
    const std::string page = html(yard());
    CHECK(page.find("class=\"label sym l14\"") != std::string::npos);  // bay-1: 30 m
}

TEST_CASE("250,000 track points make a few MB") {
    Scene scene;
    scene.bounds = {0, 0, 5000, 5000, false};
    scene.zone_sets = {{}, {"yard"}};
    for (int t = 0; t < 50; ++t) {
        Track track;
        track.asset = fmt::format("FL-{:02}", t);
        for (int i = 0; i < 5000; ++i) {
            TrackPoint point;
            point.at = {(i * 7 % 5000) + 0.37 * t, (i * 13 % 5000) + 0.11 * t};
            point.time = 1'700'000'000'000 + 1000LL * i;
            point.speed = (i % 50) * 0.1;
            point.zones = i / 1000 % 2;
            point.src = fmt::format("fixes-{}.jsonl:{}", t, 1 + i * 2);
            track.points.push_back(point);
        }
        scene.tracks.push_back(std::move(track));
    }
    const std::string page = html(scene);
    MESSAGE("250,000 points: ", page.size(), " bytes");
    CHECK(page.size() < 9'000'000);
    CHECK(occurrences(page, "href=\"#s-arrow\"") <= 5'000);
}
