// `trk check`: condition rules over the records passing through, writing violation and clear events.
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "command.hpp"
#include "diagnostics.hpp"
#include "files.hpp"
#include "ledger_access.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "record_input.hpp"
#include "report.hpp"
#include "stage_state.hpp"
#include "track/check.hpp"
#include "track/json.hpp"
#include "track/json_writer.hpp"
#include "track/names.hpp"

namespace cli {

namespace {

// A rules file is a few hundred lines at most; this bounds what a wrong file costs.
constexpr std::size_t max_rules_file = std::size_t{1} << 20;

struct CheckOptions {
    LedgerAccess ledger;  ///< assets' kind, home and attributes, and when they were last seen
    std::vector<std::string> files, rule_texts;
    std::string rules_file, now, fail_on, format;
    StateOptions state;
    bool list_open = false, strict = false, ledger_named = false;
    std::vector<track::Rule> rules;   ///< checked by setup
    std::optional<track::Millis> at;  ///< --now, checked by setup
};

void check_options(CheckOptions& o) {
    o.ledger_named = !o.ledger.path.empty() || std::getenv("TRK_LEDGER") != nullptr;
    o.ledger.check();
    for (const std::string& text : o.rule_texts) o.rules.push_back(track::parse_rule(text, "--rule"));
    if (!o.rules_file.empty()) {
        for (track::Rule& rule :
             track::parse_rules(read_file(o.rules_file, max_rules_file, "rules file"), o.rules_file)) {
            o.rules.push_back(std::move(rule));
        }
    }
    if (o.rules.empty()) throw track::UsageError("give the rules to check with --rule TEXT or --rules FILE");
    o.at = parse_now(o.now);
    if (!o.fail_on.empty()) (void)parse_choice("--fail-on", o.fail_on, "a condition", {"open", "new", "any"});
    if (o.list_open && !o.files.empty()) {
        throw track::UsageError("--list-open reads the saved state, not records: name no FILE");
    }
    if (o.list_open && o.state.file.empty() && o.state.ledger_name.empty()) {
        throw track::UsageError("--list-open needs the state to read: --state FILE or --ledger-state NAME");
    }
    if (!o.format.empty() && !o.list_open) throw track::UsageError("--format goes with --list-open");
    report_format(o.format);
    if (o.files.empty()) o.files.emplace_back("-");
}

// Whether a rule selects assets by what only the ledger knows.
bool needs_profiles(const std::vector<track::Rule>& rules) {
    for (const track::Rule& rule : rules) {
        for (const track::Selector& s : rule.where) {
            if (s.key != "id" && s.key != "zone") return true;
        }
    }
    return false;
}

// Says which rules' `where` selectors name a kind, home or attribute value that no asset of
// the ledger has: only the ledger gives assets those, so a typo there selects nothing, and
// silence would look like all clear. A note, not an error: assets may yet be registered.
// Not ids (patterns, and records name assets the ledger need not know) nor zones (they come
// with the records, from a fence file as often as from the ledger).
void note_selectors_selecting_nothing(const std::vector<track::Rule>& rules,
                                      const std::unordered_map<std::string, track::AssetProfile>& profiles,
                                      const Diagnostics& diagnostics) {
    for (const track::Rule& rule : rules) {
        for (const track::Selector& s : rule.where) {
            if (s.key == "id" || s.key == "zone") continue;
            std::set<std::string> known;
            for (const auto& [id, p] : profiles) {
                if (s.key == "kind") known.insert(p.kind);
                else if (s.key == "home") known.insert(p.home);
                else if (const auto a = p.attributes.find(s.key); a != p.attributes.end()) known.insert(a->second);
            }
            known.erase("");
            if (known.count(s.value)) continue;
            const std::vector<std::string> names(known.begin(), known.end());
            diagnostics.note(fmt::format("rule {}: {} in the ledger; it selects no asset", rule.name,
                                         track::not_found_message(s.key, s.value, names)));
        }
    }
}

int list_open(const track::Checker& checker, const std::string& format) {
    std::vector<Row> rows;
    for (const track::OpenViolation& v : checker.open()) {
        // Values as the events write them (the shortest form that reads back the same).
        const auto number = [](std::string name, const std::optional<double>& value) {
            if (!value) return Field::raw(std::move(name), "", "");
            std::string text = track::json_text([&value](track::JsonWriter& w) { w.number(*value); });
            return Field::raw(std::move(name), text, text);
        };
        rows.push_back({Field::string("asset", v.asset), Field::string("rule", v.rule),
                        Field::string("severity", track::to_string(v.severity)), Field::time("since", v.since),
                        Field::string("metric", v.metric), number("value", v.value), number("peak", v.peak),
                        Field::string("violation", v.violation)});
    }
    Output out;
    write_report(out, report_format(format), {"asset", "rule", "severity", "since", "metric", "value", "peak"}, rows,
                 "no violation open");
    return 0;
}

int run_check(const CheckOptions& o) {
    Diagnostics diagnostics("check", o.strict);
    // The ledger, when there is one: assets' profiles, and when each was last seen.
    std::unordered_map<std::string, track::AssetProfile> profiles;
    std::vector<std::pair<std::string, track::Millis>> last_seen;
    if (o.ledger_named || std::filesystem::exists(o.ledger.path)) {
        const auto ledger = o.ledger.open();
        for (const track::Asset& a : ledger->assets("", false)) {
            profiles.emplace(a.id, track::AssetProfile{a.kind, a.home, a.attrs});
            last_seen.emplace_back(a.id, a.created);
        }
        for (const track::Position& p : ledger->where({})) last_seen.emplace_back(p.asset, p.time);
        if (!o.list_open) note_selectors_selecting_nothing(o.rules, profiles, diagnostics);
    } else if (needs_profiles(o.rules)) {
        diagnostics.note(fmt::format("{}: no ledger, so rules selecting assets by kind, home or attribute select none",
                                     o.ledger.path));
    }
    Output out;
    track::Checker checker(
        o.rules,
        [&profiles](const std::string& asset) -> const track::AssetProfile* {
            const auto it = profiles.find(asset);
            return it == profiles.end() ? nullptr : &it->second;
        },
        [&out](const track::Event& e) { track::append_json(out.buffer(), e); },
        [&diagnostics](std::string_view problem) { diagnostics.note(problem); });
    StageStateStore state("check", o.state, o.ledger);
    const auto note = [&diagnostics](std::string_view text) { diagnostics.note(text); };
    if (const auto saved = state.load(o.list_open, note)) checker.load_state(*saved, state.where());
    if (o.list_open) return list_open(checker, o.format);
    for (const auto& [asset, time] : last_seen) checker.seen(asset, time);

    const auto sources = open_inputs(o.files);
    pass_records(sources, diagnostics, out, [&checker](track::Record& record) {
        checker.record(record);
        return true;
    });
    if (o.at) checker.advance_to(*o.at);
    out.flush();
    if (state.wanted()) state.save(checker.save_state());
    const track::CheckCounts& c = checker.counts();
    const std::size_t open = checker.open().size();
    for (const std::string& typo : checker.likely_typos()) diagnostics.note(typo);
    diagnostics.summary();
    const bool found = (o.fail_on == "open" && open > 0) || (o.fail_on == "new" && c.violations > 0) ||
                       (o.fail_on == "any" && (open > 0 || c.violations > 0 || c.escalations > 0 || c.clears > 0));
    return found ? static_cast<int>(track::ExitCode::found) : 0;
}

}  // namespace

void add_check_command(CLI::App& trk, Invocation& chosen) {
    auto options = std::make_shared<CheckOptions>();
    CheckOptions& o = *options;
    auto* check = trk.add_subcommand(
        "check",
        "Condition rules (too warm, dropped, battery low, stopped, unseen, out of zone): violations and clears");
    check->add_option("FILE", o.files, "JSON Lines record files; '-' or none: standard input");
    check->add_option("--rule", o.rule_texts, "A rule, e.g. 'cold: temperature > 8 for 15m clear < 7' (repeatable)")
        ->type_name("TEXT")
        ->allow_extra_args(false);
    check->add_option("--rules", o.rules_file, "A file of rules, one a line ('#' comments)")->type_name("FILE");
    add_state_options(check, o.state);
    add_ledger_options(check, o.ledger);
    add_now_option(check, o.now,
                   "timers run on to TIME after the input, so silence counts (default: record time only)");
    check->add_option("--fail-on", o.fail_on, "Exit 1 when violations are open at the end, new, or any event")
        ->type_name("open|new|any");
    check->add_flag("--list-open", o.list_open, "Print the violations open in the saved state, read no records");
    check->add_option("--format", o.format, "With --list-open: table, jsonl or csv (default: table on a terminal)")
        ->type_name("FORMAT");
    check->add_flag("--strict", o.strict, "Stop at the first bad record with exit status 65");
    check->callback([options, &chosen] {
        check_options(*options);
        chosen = {"check", [options] { return run_check(*options); }};
    });
}

}  // namespace cli
