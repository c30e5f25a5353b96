// Fuzz harness: the state files of `trk fence --state` (track::FenceStage::load_state), over a yard's fences.
#include "fuzz.hpp"
#include "track/fence_stage.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const track::FenceIndex index(track::parse_fences(
        R"({"type":"FeatureCollection","features":[
{"type":"Feature","id":"yard-a","properties":{"margin":2},"geometry":{"type":"Polygon","coordinates":[[[9.9298,53.4994],[9.9348,53.4994],[9.9348,53.5031],[9.9298,53.5031],[9.9298,53.4994]]]}},
{"type":"Feature","id":"charging","properties":{"dwell":60},"geometry":{"type":"Polygon","coordinates":[[[9.93204,53.50118],[9.93220,53.50118],[9.93220,53.50129],[9.93204,53.50129],[9.93204,53.50118]]]}},
{"type":"Feature","id":"gate","properties":{"radius":15},"geometry":{"type":"Point","coordinates":[9.9301,53.4998]}}]})",
        "yard.geojson"));
    track::FenceStageOptions options;
    options.min_dwell = 2000;
    options.dwell = 30'000;
    options.events.inside = options.events.outside = true;
    const auto write = [](const track::Event& event) { fuzz::check_written(event); };
    std::string state;
    try {
        track::FenceStage stage(index, options, write);
        stage.load_state(fuzz::text_of(data, size), "fuzz.state");
        // FL-07 drives from the gate into the charging bay and out of the yard; an unknown asset passes by.
        constexpr track::Millis t0 = 1'795'478'400'000;  // 2026-11-24T00:00:00Z
        const double path[][2] = {{53.4998, 9.9301}, {53.5012, 9.9321}, {53.50124, 9.93212},
                                  {53.50124, 9.93213}, {53.5040, 9.9400}, {53.4990, 9.9290}};
        for (std::size_t i = 0; i < std::size(path); ++i) {
            for (const char* asset : {"FL-07", "TT-3"}) {
                track::Fix fix;
                fix.time = t0 + static_cast<track::Millis>(i) * 20'000;
                fix.asset = asset;
                fix.lat = path[i][0];
                fix.lon = path[i][1];
                fix.hdop = 0.9;
                stage.fix(fix);
                fuzz::check_written(fix);
            }
        }
        state = stage.save_state();
    } catch (const track::InputError&) {
        return 0;
    }
    track::FenceStage again(index, options, write);
    try {
        again.load_state(state, "saved.state");
    } catch (const track::InputError& e) {
        fuzz::fail("a saved fence state loads", state + "\n" + e.what());
    }
    fuzz::expect(again.save_state() == state, "a fence state loaded saves the same", state + "\n" + again.save_state());
    return 0;
}
