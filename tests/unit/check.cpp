// Unit tests of track/check.hpp: rule states, families, selectors, unseen deadlines, state round trips.
#include "track/check.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "track/error.hpp"
#include "track/json.hpp"
#include "track/time.hpp"

namespace {

track::Millis at(const char* text) { return *track::parse_rfc3339(text); }

track::Reading reading(const char* time, const char* asset, const char* metric, double value) {
    track::Reading r;
    r.time = at(time);
    r.asset = asset;
    r.metric = metric;
    r.value = value;
    return r;
}

// A checker over `rules` whose events are kept as "event rule severity asset time" lines.
struct Run {
    std::vector<std::string> events;
    std::map<std::string, track::AssetProfile> profiles;
    track::Checker checker;

    explicit Run(const std::vector<std::string>& rules)
        : checker(parse(rules),
                  [this](const std::string& asset) -> const track::AssetProfile* {
                      const auto it = profiles.find(asset);
                      return it == profiles.end() ? nullptr : &it->second;
                  },
                  [this](const track::Event& e) {
                      events.push_back(e.event + " " + e.rule + " " + e.asset + " " + track::format_rfc3339(e.time));
                  }) {}

    static std::vector<track::Rule> parse(const std::vector<std::string>& texts) {
        std::vector<track::Rule> rules;
        for (const std::string& text : texts) rules.push_back(track::parse_rule(text, "test"));
        return rules;
    }
};

}  // namespace

TEST_CASE("check: a family escalates, eases and clears as one violation") {
    Run run({"hot: t > 8 severity critical", "warm: t > 6"});
    for (const auto& [time, value] : std::vector<std::pair<const char*, double>>{
             {"2026-11-23T07:00:00Z", 7}, {"2026-11-23T07:01:00Z", 9}, {"2026-11-23T07:02:00Z", 7},
             {"2026-11-23T07:03:00Z", 5}}) {
        run.checker.record(reading(time, "R", "t", value));
    }
    CHECK(run.events == std::vector<std::string>{
                            "violation warm R 2026-11-23T07:00:00.000Z",
                            "violation hot R 2026-11-23T07:01:00.000Z",   // escalated
                            "violation warm R 2026-11-23T07:02:00.000Z",  // eased
                            "clear warm R 2026-11-23T07:03:00.000Z",
                        });
    CHECK(run.checker.counts().violations == 1);
    CHECK(run.checker.counts().escalations == 2);
    CHECK(run.checker.counts().clears == 1);
}

TEST_CASE("check: different where clauses or directions are different families") {
    Run run({"high: t > 8", "low: t < 0", "high-a: t > 8 where id=A*"});
    run.checker.record(reading("2026-11-23T07:00:00Z", "A1", "t", 9));
    run.checker.record(reading("2026-11-23T07:00:00Z", "B1", "t", 9));
    CHECK(run.events == std::vector<std::string>{"violation high A1 2026-11-23T07:00:00.000Z",
                                                 "violation high-a A1 2026-11-23T07:00:00.000Z",
                                                 "violation high B1 2026-11-23T07:00:00.000Z"});
    CHECK(run.checker.open().size() == 3);
}

TEST_CASE("check: selectors by kind, home and attribute come from profiles") {
    Run run({"cold: t > 8 where kind=reefer and owner=acme"});
    run.profiles["R1"] = {"reefer", "yard-a", {{"owner", "acme"}}};
    run.profiles["R2"] = {"reefer", "yard-a", {{"owner", "other"}}};
    run.profiles["T1"] = {"trailer", "yard-a", {{"owner", "acme"}}};
    for (const char* asset : {"R1", "R2", "T1", "X"})
        run.checker.record(reading("2026-11-23T07:00:00Z", asset, "t", 9));
    CHECK(run.events == std::vector<std::string>{"violation cold R1 2026-11-23T07:00:00.000Z"});
}

TEST_CASE("check: unseen opens when record time passes the deadline and clears when seen") {
    Run run({"gone: unseen 1h"});
    run.checker.seen("LEDGER-ONLY", at("2026-11-23T05:00:00Z"));
    run.checker.record(reading("2026-11-23T06:00:00Z", "A", "t", 1));
    run.checker.record(reading("2026-11-23T06:30:00Z", "B", "t", 1));
    CHECK(run.events == std::vector<std::string>{"violation gone LEDGER-ONLY 2026-11-23T06:00:00.000Z"});
    run.checker.record(reading("2026-11-23T07:30:00Z", "B", "t", 1));  // A silent since 06:00
    run.checker.record(reading("2026-11-23T07:40:00Z", "A", "t", 1));
    CHECK(run.events == std::vector<std::string>{
                            "violation gone LEDGER-ONLY 2026-11-23T06:00:00.000Z",
                            "violation gone A 2026-11-23T07:00:00.000Z",
                            "clear gone A 2026-11-23T07:40:00.000Z",
                        });
    run.checker.advance_to(at("2026-11-23T09:00:00Z"));
    CHECK(run.events.back() == "violation gone A 2026-11-23T08:40:00.000Z");
}

TEST_CASE("check: the saved state carries everything a split run needs") {
    const std::vector<std::string> rules = {"warm: t > 8 for 10m clear < 7", "gone: unseen 1h",
                                            "still: stationary 1h within 20m"};
    std::vector<track::Record> records;
    for (int minute = 0; minute < 180; minute += 5) {
        const std::string time = fmt::format("2026-11-23T{:02}:{:02}:00Z", 6 + minute / 60, minute % 60);
        records.emplace_back(reading(time.c_str(), "R", "t", minute < 60 ? 6.0 + minute / 10.0 : 12.0 - minute / 10.0));
        if (minute % 30 == 0 && minute <= 90) {  // F settles at 30, stands still, then falls silent
            track::Fix fix;
            fix.time = at(time.c_str());
            fix.asset = "F";
            fix.lat = 53.5 + (minute == 0 ? 0.01 : 0.0);
            fix.lon = 9.93;
            records.emplace_back(fix);
        }
    }
    Run one(rules);
    for (const auto& r : records) one.checker.record(r);
    for (std::size_t cut = 1; cut < records.size(); cut += 7) {
        Run first(rules);
        for (std::size_t i = 0; i < cut; ++i) first.checker.record(records[i]);
        Run second(rules);
        second.checker.load_state(first.checker.save_state(), "state");
        for (std::size_t i = cut; i < records.size(); ++i) second.checker.record(records[i]);
        std::vector<std::string> events = first.events;
        events.insert(events.end(), second.events.begin(), second.events.end());
        CAPTURE(cut);
        CAPTURE(fmt::format("{}", fmt::join(events, " | ")));
        CAPTURE(fmt::format("{}", fmt::join(one.events, " | ")));
        CHECK(events == one.events);
        CHECK(second.checker.save_state() == one.checker.save_state());
    }
    CHECK(one.events == std::vector<std::string>{
                            "violation warm R 2026-11-23T06:25:00.000Z",
                            "clear warm R 2026-11-23T07:00:00.000Z",
                            "violation still F 2026-11-23T07:30:00.000Z",
                            "violation gone F 2026-11-23T08:30:00.000Z",
                        });
}

TEST_CASE("check: rules that cannot be evaluated, and bad state") {
    CHECK_THROWS_AS(Run({"a: x > 1", "a: y > 1"}), track::InputError);
    CHECK_THROWS_AS(Run({"unseen 1h or x > 1"}), track::InputError);
    CHECK_THROWS_AS(Run({"stationary 1h within 5 and stationary 2h within 9"}), track::InputError);
    Run run({"x > 1"});
    CHECK_THROWS_WITH_AS(run.checker.load_state(R"({"trk_fence_state":1})", "s.json"),
                         "s.json: not a trk check state file (no version 1 marker)", track::InputError);
}

TEST_CASE("check: a state file must hold what a checker could have saved: named assets, times in range") {
    // Found by fuzzing (fuzz_check_state): an asset named "" gave violations without an asset,
    // and a "seen" of 2^63-1 overflowed when the unseen duration was added to it.
    Run run({"gone: unseen 24h"});
    CHECK_THROWS_WITH_AS(
        run.checker.load_state(
            R"({"trk_check_state":1,"time":0,"assets":{"":{"values":{},"rules":{},"violations":{}}}})", "s.json"),
        "s.json: not a trk check state file (an asset without a name)", track::InputError);
    CHECK_THROWS_WITH_AS(
        run.checker.load_state(R"({"trk_check_state":1,"time":0,"assets":{"A":{"values":{},"rules":{},)"
                               R"("violations":{},"seen":9223372036854775807}}})",
                               "s.json"),
        "s.json: not a trk check state file (seen 9223372036854775807 of asset A is out of range (years 0000..9999))",
        track::InputError);
    CHECK_THROWS_WITH_AS(run.checker.load_state(R"({"trk_check_state":1,"time":-62167219200001,"assets":{}})", "s"),
                         "s: not a trk check state file (time -62167219200001 is out of range (years 0000..9999))",
                         track::InputError);
}
