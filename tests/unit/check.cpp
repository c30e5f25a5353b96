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

// A checker over `rules` whose events are kept as "event rule severity asset time" lines
// (with their other members in `members`), and its notes in `notes`.
struct Run {
    std::vector<std::string> events, members, notes;
    std::map<std::string, track::AssetProfile> profiles;
    track::Checker checker;

    struct Built {};  ///< rules built without the parser
    explicit Run(const std::vector<std::string>& rules) : Run(Built{}, parse(rules)) {}
    Run(Built, std::vector<track::Rule> rules)
        : checker(
              std::move(rules),
              [this](const std::string& asset) -> const track::AssetProfile* {
                  const auto it = profiles.find(asset);
                  return it == profiles.end() ? nullptr : &it->second;
              },
              [this](const track::Event& e) {
                  events.push_back(e.event + " " + e.rule + " " + e.asset + " " + track::format_rfc3339(e.time));
                  members.push_back(e.extra);
              },
              [this](std::string_view note) { notes.emplace_back(note); }) {}

    static std::vector<track::Rule> parse(const std::vector<std::string>& texts) {
        std::vector<track::Rule> rules;
        for (const std::string& text : texts) rules.push_back(track::parse_rule(text, "test"));
        return rules;
    }
};

// A rule of one test, built without the rule parser.
track::Rule rule_of(const char* name, decltype(track::Condition::test) test, track::Millis hold = 0) {
    track::Rule rule;
    rule.name = name;
    rule.text = name;
    rule.condition.test = std::move(test);
    rule.hold = hold;
    return rule;
}

track::Reading reading_in(track::Millis time, const char* asset, const char* metric, double value, const char* unit) {
    track::Reading r;
    r.time = time;
    r.asset = asset;
    r.metric = metric;
    r.value = value;
    r.unit = unit;
    return r;
}

constexpr track::Millis minute = 60'000;

}  // namespace

TEST_CASE("check: rate of a ramp opens once the window's guards pass, and clears when it flattens") {
    const track::Millis t0 = at("2026-11-23T07:00:00Z");
    Run run(Run::Built{},
            std::vector<track::Rule>{rule_of("heating", track::Trend{.function = track::TrendFunction::rate,
                                                                     .metric = "t",
                                                                     .window = 10 * minute,
                                                                     .value = 2.5,
                                                                     .per = 3'600'000}),
                                     rule_of("heating-m", track::Trend{.function = track::TrendFunction::rate,
                                                                       .metric = "t",
                                                                       .window = 10 * minute,
                                                                       .value = 0.04,
                                                                       .per = minute})});
    for (int m = 0; m <= 30; ++m)
        run.checker.record(reading_in(t0 + m * minute, "M", "t", 20 + 0.05 * std::min(m, 20), "Cel"));
    // 6 readings spanning 5 minutes at 07:05; flat readings pull the slope under 2.5 per hour at 07:25.
    CAPTURE(fmt::format("{}", fmt::join(run.events, " | ")));
    REQUIRE(run.events.size() == 4);
    CHECK(run.events[0] == "violation heating M 2026-11-23T07:05:00.000Z");
    CHECK(run.members[0] ==
          R"(,"severity":"warning","violation":"heating/M/2026-11-23T07:05:00.000Z","metric":"t","value":3)");
    CHECK(run.members[1].find(R"("value":0.05)") != std::string::npos);
    CHECK(run.events[2].starts_with("clear heating M 2026-11-23T07:2"));
}

TEST_CASE("check: forecast of a ramp carries the exact eta and the slope per hour") {
    const track::Millis t0 = at("2026-11-23T07:00:00Z");
    Run run(Run::Built{},
            std::vector<track::Rule>{rule_of(
                "bearing", track::Forecast{.metric = "t", .value = 90, .within = 120 * minute, .over = 30 * minute})});
    for (int m = 0; m <= 20; ++m) run.checker.record(reading_in(t0 + m * minute, "B", "t", 60 + 0.5 * m, ""));
    REQUIRE(run.events.size() == 1);
    CHECK(run.events[0] == "violation bearing B 2026-11-23T07:15:00.000Z");
    CHECK(run.members[0] == R"(,"severity":"warning","violation":"bearing/B/2026-11-23T07:15:00.000Z","metric":"t",)"
                            R"("value":67.5,"eta":"2026-11-23T08:00:00.000Z","slope":30)");
}

TEST_CASE("check: readings are converted to a rule's unit; one that does not convert is told once, and skipped") {
    const track::Millis t0 = at("2026-11-23T07:00:00Z");
    Run run(Run::Built{},
            std::vector<track::Rule>{rule_of("hot", track::Comparison{.metric = "t", .value = 30, .unit = "Cel"})});
    run.checker.record(reading_in(t0, "A", "t", 90, "[degF]"));          // 32.2 °C
    run.checker.record(reading_in(t0 + minute, "A", "t", 10, "kg"));     // neither meets nor clears
    run.checker.record(reading_in(t0 + 2 * minute, "A", "t", 5, "kg"));  // told already
    run.checker.record(reading_in(t0 + 3 * minute, "A", "t", 5, ""));
    run.checker.record(reading_in(t0 + 4 * minute, "A", "t", 80, "[degF]"));  // 26.7 °C
    CHECK(run.events ==
          std::vector<std::string>{"violation hot A 2026-11-23T07:00:00.000Z", "clear hot A 2026-11-23T07:04:00.000Z"});
    CHECK(run.members[0].find(R"("metric":"t","unit":"Cel","value":32.2)") != std::string::npos);
    CHECK(run.notes ==
          std::vector<std::string>{R"(asset A: t in "kg" does not convert to "Cel": rule hot not checked against it)",
                                   R"(asset A: t without a unit: rule hot not checked against it)"});
}

TEST_CASE("check: split runs of trend rules give the events of one run") {
    const track::Millis t0 = at("2026-11-23T07:00:00Z");
    const auto rules = [] {
        return std::vector<track::Rule>{
            rule_of("rising", track::Trend{.function = track::TrendFunction::rate,
                                           .metric = "t",
                                           .window = 20 * minute,
                                           .value = 1,
                                           .per = 3'600'000}),
            rule_of("smooth", track::Trend{.function = track::TrendFunction::ewma,
                                           .metric = "t",
                                           .window = 15 * minute,
                                           .value = 21,
                                           .unit = "Cel"}),
            rule_of("odd",
                    track::Trend{
                        .function = track::TrendFunction::zscore, .metric = "t", .window = 30 * minute, .value = 3}),
            rule_of("soon",
                    track::Forecast{
                        .metric = "t", .value = 25, .unit = "Cel", .within = 60 * minute, .over = 20 * minute})};
    };
    std::vector<track::Record> records;
    for (int m = 0; m < 120; m += 1 + m % 3) {
        const double value = m < 60 ? 20 + 0.05 * m + 0.1 * (m % 2) : m < 70 ? 30 : 22 - 0.01 * m;
        records.emplace_back(reading_in(t0 + m * minute + m % 7 * 1000, "S", "t", value, "Cel"));
    }
    Run one(Run::Built{}, rules());
    for (const auto& r : records) one.checker.record(r);
    CAPTURE(fmt::format("{}", fmt::join(one.events, " | ")));
    CAPTURE(fmt::format("{}", fmt::join(one.members, " | ")));
    CHECK(one.events.size() >= 6);
    for (std::size_t cut = 1; cut < records.size(); cut += 3) {
        Run first(Run::Built{}, rules());
        for (std::size_t i = 0; i < cut; ++i) first.checker.record(records[i]);
        Run second(Run::Built{}, rules());
        second.checker.load_state(first.checker.save_state(), "state");
        for (std::size_t i = cut; i < records.size(); ++i) second.checker.record(records[i]);
        std::vector<std::string> events = first.events, members = first.members;
        events.insert(events.end(), second.events.begin(), second.events.end());
        members.insert(members.end(), second.members.begin(), second.members.end());
        CAPTURE(cut);
        CHECK(events == one.events);
        CHECK(members == one.members);
        CHECK(second.checker.save_state() == one.checker.save_state());
    }
}

TEST_CASE("check: a family escalates, eases and clears as one violation") {
    Run run({"hot: t > 8 severity critical", "warm: t > 6"});
    for (const auto& [time, value] : std::vector<std::pair<const char*, double>>{{"2026-11-23T07:00:00Z", 7},
                                                                                 {"2026-11-23T07:01:00Z", 9},
                                                                                 {"2026-11-23T07:02:00Z", 7},
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
    for (int elapsed = 0; elapsed < 180; elapsed += 5) {
        const std::string time = fmt::format("2026-11-23T{:02}:{:02}:00Z", 6 + elapsed / 60, elapsed % 60);
        records.emplace_back(
            reading(time.c_str(), "R", "t", elapsed < 60 ? 6.0 + elapsed / 10.0 : 12.0 - elapsed / 10.0));
        if (elapsed % 30 == 0 && elapsed <= 90) {  // F settles at 30, stands still, then falls silent
            track::Fix fix;
            fix.time = at(time.c_str());
            fix.asset = "F";
            fix.lat = 53.5 + (elapsed == 0 ? 0.01 : 0.0);
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
