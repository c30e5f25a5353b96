// What the fuzz harnesses of the rule language and of check state files share: a Checker run over a few records.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "fuzz.hpp"
#include "track/check.hpp"
#include "track/rules.hpp"

namespace fuzz {

/// Runs a Checker with `rules`, from the state `saved` (none: a first run), over a reefer that
/// warms and cools, a forklift speeding in a zone and a dropped crate, then to two days later
/// (unseen). Every event written is checked (check_written), and the state it saves, loaded
/// into a new Checker, saves the same text: what a cron job's next run reads is what this one
/// meant. Input that the Checker refuses (rules it cannot evaluate, a state file it does not
/// read) ends the run.
inline void run_checker(const std::vector<track::Rule>& rules, std::optional<std::string_view> saved) {
    const std::map<std::string, track::AssetProfile> profiles{
        {"RF-12", {"reefer", "dock-3", {{"owner", "cold store"}}}}, {"FL-07", {"forklift", "yard-a", {}}}};
    const track::ProfileLookup lookup = [&profiles](const std::string& asset) -> const track::AssetProfile* {
        const auto it = profiles.find(asset);
        return it == profiles.end() ? nullptr : &it->second;
    };
    const auto write = [](const track::Event& event) { check_written(event); };
    std::string state;
    try {
        track::Checker checker(rules, lookup, write);
        if (saved) checker.load_state(*saved, "fuzz.state");
        constexpr track::Millis t0 = 1'795'478'400'000;  // 2026-11-24T00:00:00Z
        const auto reading = [](track::Millis time, const char* asset, const char* metric, double value) {
            track::Reading r;
            r.time = time;
            r.asset = asset;
            r.metric = metric;
            r.value = value;
            return r;
        };
        track::Fix fix;
        fix.time = t0 + 1000;
        fix.asset = "FL-07";
        fix.lat = 53.5012;
        fix.lon = 9.9321;
        fix.speed = 5;
        fix.zones = std::vector<std::string>{"yard-a"};
        for (const track::Record& record :
             std::vector<track::Record>{reading(t0, "RF-12", "temperature", 9), fix,
                                        reading(t0 + 1'200'000, "RF-12", "temperature", 9.5),
                                        reading(t0 + 1'300'000, "CR-1", "shock", 6.5),
                                        reading(t0 + 2'400'000, "RF-12", "temperature", 6)}) {
            checker.record(record);
        }
        checker.seen("TRL-1", t0 - 3'600'000);
        checker.advance_to(t0 + 2 * track::ms_per_day);
        for (const track::OpenViolation& v : checker.open()) {
            expect(!v.asset.empty() && !v.violation.empty(), "an open violation names its asset and id", v.violation);
        }
        state = checker.save_state();
    } catch (const track::InputError&) {
        return;
    }
    track::Checker again(rules, lookup, write);
    try {
        again.load_state(state, "saved.state");
    } catch (const track::InputError& e) {
        fail("a saved check state loads", state + "\n" + e.what());
    }
    expect(again.save_state() == state, "a check state loaded saves the same", state + "\n" + again.save_state());
}

}  // namespace fuzz
