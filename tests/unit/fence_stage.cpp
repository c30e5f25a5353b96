// Unit tests of track/fence_stage.hpp: enter/exit/cross/dwell, hysteresis, minimum dwell, state.
#include "track/fence_stage.hpp"

#include <optional>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "track/error.hpp"
#include "track/json.hpp"

namespace {

// A 111 m x 99 m square (bay-1) and a 15 m circle (charger) with a 60 s dwell threshold.
const char* yard = R"({"type":"FeatureCollection","features":[
 {"type":"Feature","id":"bay-1","properties":{},"geometry":{"type":"Polygon","coordinates":
   [[[9.9300,53.5000],[9.9315,53.5000],[9.9315,53.5010],[9.9300,53.5010],[9.9300,53.5000]]]}},
 {"type":"Feature","id":"charger","properties":{"radius":15,"dwell":60},"geometry":{"type":"Point","coordinates":[9.9330,53.5005]}}]})";

track::Fix fix(int second, double lat, double lon, std::optional<double> hdop = std::nullopt) {
    track::Fix f;
    f.time = 1'795'418'100'000 + second * 1000;
    f.asset = "FL-01";
    f.lat = lat;
    f.lon = lon;
    f.hdop = hdop;
    return f;
}

// Runs the fixes through a stage; events as "event fence HH:MM:SS", zones per fix as "[a b]".
struct Run {
    std::vector<std::string> events;
    std::vector<std::string> zones;
    std::string state;
};

Run run(const std::vector<track::Fix>& fixes, track::FenceStageOptions options = {}, const std::string& state = {}) {
    static const track::FenceIndex index(track::parse_fences(yard, "yard.geojson"));
    Run r;
    track::FenceStage stage(index, options, [&r](const track::Event& e) {
        r.events.push_back(
            fmt::format("{} {} {}{}", e.event, e.fence, track::format_rfc3339(e.time).substr(11, 8), e.extra));
    });
    if (!state.empty()) stage.load_state(state, "state.json");
    for (track::Fix f : fixes) {
        stage.fix(f);
        std::string z = "[";
        if (f.zones) {
            for (const auto& id : *f.zones) z += (z.size() > 1 ? " " : "") + id;
        }
        r.zones.push_back(z + "]");
    }
    r.state = stage.save_state();
    return r;
}

using List = std::vector<std::string>;

// Jitter along bay-1's south edge: 2 m either side, then 22 m in.
std::vector<track::Fix> jitter() {
    std::vector<track::Fix> out;
    for (int i = 0; i < 6; ++i) out.push_back(fix(i, 53.5000 + (i % 2 ? 0.000018 : -0.000018), 9.9307));
    out.push_back(fix(6, 53.5002, 9.9307));
    out.push_back(fix(7, 53.5002, 9.9307));
    return out;
}

}  // namespace

TEST_CASE("fence stage: without debounce, jitter at an edge flaps") {
    track::FenceStageOptions o;
    o.events = {true, true, false, false, false, false};
    const Run r = run(jitter(), o);
    CHECK(r.events.size() == 5);  // enter at 1, exit at 2, enter at 3, exit at 4, enter at 5... then stays
    CHECK(r.events.front() == "enter bay-1 07:15:01,\"visit\":\"bay-1/FL-01/2026-11-23T07:15:01.000Z\"");
}

TEST_CASE("fence stage: a margin is a hysteresis band: no event until 5 m inside") {
    track::FenceStageOptions o;
    o.margin_m = 5;
    const Run r = run(jitter(), o);
    CHECK(r.events == List{"enter bay-1 07:15:06,\"visit\":\"bay-1/FL-01/2026-11-23T07:15:06.000Z\""});
    CHECK(r.zones == List{"[]", "[]", "[]", "[]", "[]", "[]", "[bay-1]", "[bay-1]"});
}

TEST_CASE("fence stage: a minimum dwell fires with the time of the first fix of the new state") {
    track::FenceStageOptions o;
    o.min_dwell = 1500;
    const Run r = run(jitter(), o);
    // 1, 3 and 5 are inside for 0 s each; 5, 6, 7 hold for 2 s: the enter is at 5.
    CHECK(r.events == List{"enter bay-1 07:15:05,\"visit\":\"bay-1/FL-01/2026-11-23T07:15:05.000Z\""});
}

TEST_CASE("fence stage: a fix whose error radius straddles the edge changes nothing") {
    // 11 m inside with hdop 3 (15 m): uncertain; then 11 m inside with hdop 1 (5 m): enter.
    const Run r = run({fix(0, 53.4990, 9.9307, 1.0), fix(1, 53.5001, 9.9307, 3.0), fix(2, 53.5001, 9.9307, 1.0)});
    CHECK(r.events == List{"enter bay-1 07:15:02,\"visit\":\"bay-1/FL-01/2026-11-23T07:15:02.000Z\""});
}

TEST_CASE("fence stage: exit carries the visit and its dwell; dwell fires once per visit") {
    const Run r = run({fix(0, 53.5005, 9.9330), fix(30, 53.50051, 9.93301), fix(90, 53.50049, 9.93299),
                       fix(100, 53.5005, 9.9330), fix(120, 53.5005, 9.9345)});
    CHECK(r.events == List{
                          "enter charger 07:15:00,\"visit\":\"charger/FL-01/2026-11-23T07:15:00.000Z\"",
                          "dwell charger 07:16:00,\"visit\":\"charger/FL-01/2026-11-23T07:15:00.000Z\",\"dwell_s\":60",
                          "exit charger 07:17:00,\"visit\":\"charger/FL-01/2026-11-23T07:15:00.000Z\",\"dwell_s\":120",
                      });
}

TEST_CASE("fence stage: a pass through a fence between two fixes outside it is a cross") {
    const Run r = run({fix(0, 53.4995, 9.9307), fix(2, 53.5015, 9.9307)});
    CHECK(r.events == List{"cross bay-1 07:15:02,\"from\":\"2026-11-23T07:15:00.000Z\""});
}

TEST_CASE("fence stage: older fixes are passed through unused and counted") {
    static const track::FenceIndex index(track::parse_fences(yard, "yard.geojson"));
    std::vector<std::string> events;
    track::FenceStage stage(index, {}, [&](const track::Event& e) { events.push_back(e.event); });
    track::Fix a = fix(10, 53.5005, 9.9307);
    track::Fix old = fix(5, 53.4990, 9.9307);
    stage.fix(a);
    stage.fix(old);
    CHECK(events == List{"enter"});
    CHECK_FALSE(old.zones.has_value());
    CHECK(stage.counts().out_of_order == 1);
}

TEST_CASE("fence stage: a run split with state gives the events of one run") {
    track::FenceStageOptions o;
    o.margin_m = 5;
    o.min_dwell = 1500;
    std::vector<track::Fix> all = jitter();
    all.push_back(fix(20, 53.4990, 9.9307));
    all.push_back(fix(21, 53.4990, 9.9307));
    const Run whole = run(all, o);
    const std::size_t half = 6;  // splits inside the pending enter
    const Run first = run({all.begin(), all.begin() + half}, o);
    const Run second = run({all.begin() + half, all.end()}, o, first.state);
    List split = first.events;
    split.insert(split.end(), second.events.begin(), second.events.end());
    CHECK(split == whole.events);
    CHECK(second.state == whole.state);
    CHECK_THROWS_WITH_AS(run({}, o, "{\"assets\":{}}"), "state.json: not a trk fence state file (no version 1 marker)",
                         track::InputError);
}

namespace {

// 400 small squares and circles over a 0.02-degree field, and fixes of 40 assets walking
// across it in steps about a fence's size (many crosses), with repeats, fixes without a
// position and older fixes mixed in.
struct Field {
    track::FenceIndex index;
    std::vector<track::Fix> fixes;
};

const Field& field() {
    static const Field made_field = [] {
        std::mt19937 random(7);
        std::uniform_real_distribution<double> unit(0, 1);
        std::string features;
        for (int i = 0; i < 400; ++i) {
            const double x = 9.93 + 0.02 * unit(random), y = 53.50 + 0.02 * unit(random);
            const double w = 0.0003 + 0.0006 * unit(random), h = 0.0002 + 0.0004 * unit(random);
            if (!features.empty()) features += ',';
            if (i % 5 == 4) {
                features += fmt::format(
                    R"({{"type":"Feature","id":"c{}","properties":{{"radius":{}}},"geometry":{{"type":"Point","coordinates":[{},{}]}}}})",
                    i, 5 + 20 * unit(random), x, y);
            } else {
                features += fmt::format(
                    R"({{"type":"Feature","id":"p{0}","properties":{{}},"geometry":{{"type":"Polygon","coordinates":[[[{1},{2}],[{3},{2}],[{3},{4}],[{1},{4}],[{1},{2}]]]}}}})",
                    i, x, y, x + w, y + h);
            }
        }
        Field made{track::FenceIndex(track::parse_fences(
                       R"({"type":"FeatureCollection","features":[)" + features + "]}", "field.geojson")),
                   {}};
        std::vector<std::pair<double, double>> at(40);
        for (auto& [lat, lon] : at) lat = 53.50 + 0.02 * unit(random), lon = 9.93 + 0.02 * unit(random);
        for (int step = 0; step < 150; ++step) {
            for (std::size_t a = 0; a < at.size(); ++a) {
                auto& [lat, lon] = at[a];
                if (unit(random) > 0.2) {  // else stays put: a repeated position
                    lat += 0.0008 * (unit(random) - 0.5);
                    lon += 0.0012 * (unit(random) - 0.5);
                }
                track::Fix f;
                f.time = 1'795'418'100'000 + step * 1000;
                f.asset = fmt::format("A{}", a);
                f.lat = lat;
                f.lon = lon;
                const double kind = unit(random);
                if (kind < 0.02) f.mode = track::FixMode::none;
                if (kind > 0.98) f.time -= 5000;  // older than the asset's last fix
                made.fixes.push_back(f);
            }
        }
        return made;
    }();
    return made_field;
}

// The events and zones of a run of the field, as JSON Lines.
struct Scouted {
    std::string out;
    std::string state;
};

// How a run looks the fixes up: by the stage itself, or by a scout with crossings for
// every fix, for none, or for some. With a `stale` state, the scout starts from it and the
// stage from `state` (so the scout steps from other places than the stage, which must notice).
enum class Lookups { stage, all, none, some };

Scouted run_field(std::size_t from, std::size_t to, Lookups how, const std::string& state = {},
                  const std::string& stale = {}) {
    const Field& f = field();
    Scouted r;
    fmt::memory_buffer out;
    track::FenceStageOptions options;
    options.dwell = 4000;
    track::FenceStage stage(f.index, options, [&out](const track::Event& e) { track::append_json(out, e); });
    std::optional<track::FenceScout> scout;
    if (!stale.empty()) {
        stage.load_state(stale, "stale.json");
        scout.emplace(f.index, stage);
    }
    if (!state.empty()) stage.load_state(state, "state.json");
    if (!scout) scout.emplace(f.index, stage);
    track::FenceLookup lookup;
    std::mt19937 coin(11);
    for (std::size_t i = from; i < to; ++i) {
        track::Fix fix = f.fixes[i];
        if (how == Lookups::stage) {
            stage.fix(fix);
        } else {
            scout->look(fix, lookup, how == Lookups::all || (how == Lookups::some && coin() % 2 == 0));
            stage.fix(fix, lookup);
        }
        track::append_json(out, fix);
    }
    r.out = fmt::to_string(out);
    r.state = stage.save_state();
    return r;
}

}  // namespace

TEST_CASE("fence stage: a scout's lookups, crossings or not, give the stage's own events and zones") {
    const std::size_t n = field().fixes.size();
    const Scouted own = run_field(0, n, Lookups::stage);
    CHECK(own.out.find(R"("event":"cross")") != std::string::npos);
    CHECK(own.out.find(R"("event":"dwell")") != std::string::npos);
    CHECK(run_field(0, n, Lookups::all).out == own.out);
    CHECK(run_field(0, n, Lookups::none).out == own.out);
    CHECK(run_field(0, n, Lookups::some).out == own.out);

    // Split with state: the scout started from the loaded stage, or (misused) from an
    // older state, which puts its steps' starts elsewhere.
    const std::size_t half = n / 2 + 3;
    const Scouted first = run_field(0, half, Lookups::all);
    const Scouted quarter = run_field(0, n / 4, Lookups::all);
    for (const bool stale : {false, true}) {
        CAPTURE(stale);
        const Scouted second = run_field(half, n, Lookups::all, first.state, stale ? quarter.state : "");
        CHECK(first.out + second.out == own.out);
        CHECK(second.state == own.state);
    }
}

TEST_CASE("fence stage: a state file must hold what a stage could have saved: named assets, times and positions") {
    // Found by fuzzing (fuzz_fence_state): a visit entered at 1077000000518146692 ms gave an exit
    // with a visit in year 34130741 and a dwell of -1e15 s, which did not even round-trip.
    const auto state = [](const char* asset, const char* last, const char* lat, const char* entered) {
        return fmt::format(R"({{"trk_fence_state":1,"assets":{{"{}":{{"last":{},"lat":{},"lon":9.9300000,"fences":)"
                           R"({{"bay-1":{{"inside":true,"entered":{},"dwell_done":true,"known":true}}}}}}}}}})",
                           asset, last, lat, entered);
    };
    CHECK(run({}, {}, state("FL-07", "1795478440000", "53.5", "1795478400000")).state.starts_with(
        state("FL-07", "1795478440000", "53.5000000", "1795478400000")));
    CHECK_THROWS_WITH_AS(run({}, {}, state("FL-07", "1795478440000", "53.5", "1077000000518146692")),
                         "state.json: not a trk fence state file (entered 1077000000518146692 of asset FL-07 is out "
                         "of range (years 0000..9999))",
                         track::InputError);
    CHECK_THROWS_WITH_AS(run({}, {}, state("FL-07", "-62167219200001", "53.5", "0")),
                         "state.json: not a trk fence state file (last -62167219200001 of asset FL-07 is out of range "
                         "(years 0000..9999))",
                         track::InputError);
    CHECK_THROWS_WITH_AS(run({}, {}, state("FL-07", "0", "95", "0")),
                         "state.json: not a trk fence state file (the position of asset FL-07 is out of range)",
                         track::InputError);
    CHECK_THROWS_WITH_AS(run({}, {}, state("", "0", "53.5", "0")),
                         "state.json: not a trk fence state file (an asset without a name)", track::InputError);
}
