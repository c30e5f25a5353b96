// `trk check` state files (see Checker::save_state): each asset's held values, zones, rule timers and open violations.
#include <iterator>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <simdjson.h>

#include "check_impl.hpp"
#include "track/error.hpp"
#include "track/json.hpp"
#include "track/json_limits.hpp"
#include "track/time.hpp"

namespace track {

using check::AssetState;
using check::Phase;

namespace {

void append_number(fmt::memory_buffer& out, double value) { fmt::format_to(std::back_inserter(out), "{}", value); }

// ,"KEY":NUMBER when there is a value.
void append_optional(fmt::memory_buffer& out, std::string_view key, const std::optional<double>& value) {
    if (!value) return;
    out.push_back(',');
    append_json_string(out, key);
    out.push_back(':');
    append_number(out, *value);
}

std::string_view to_string(Phase phase) {
    switch (phase) {
        case Phase::idle: return "idle";
        case Phase::pending: return "pending";
        case Phase::open: return "open";
    }
    return "idle";
}

// "values":{...},"seen":T,"zones":[...]: what is held of the asset.
void append_values(fmt::memory_buffer& out, const check::CompiledRules& rules, const AssetState& asset) {
    out.append(std::string_view("\"values\":{"));
    bool first_value = true;
    for (std::size_t slot = 0; slot < asset.values.slots(); ++slot) {
        const std::optional<double>& held = asset.values.latest(slot);
        if (!held) continue;
        if (!first_value) out.push_back(',');
        first_value = false;
        append_json_string(out, rules.metrics.name(slot));
        out.push_back(':');
        append_number(out, *held);
    }
    out.push_back('}');
    if (asset.seen) fmt::format_to(std::back_inserter(out), ",\"seen\":{}", *asset.seen);
    if (const auto& zones = asset.values.zones()) {
        out.append(std::string_view(",\"zones\":["));
        for (std::size_t index = 0; index < zones->size(); ++index) {
            if (index > 0) out.push_back(',');
            append_json_string(out, (*zones)[index]);
        }
        out.push_back(']');
    }
}

// "rules":{...}: the timers that are not idle or have an anchor, by rule name.
void append_timers(fmt::memory_buffer& out, const check::CompiledRules& rules, const AssetState& asset) {
    out.append(std::string_view("\"rules\":{"));
    bool first_rule = true;
    for (std::size_t rule = 0; rule < rules.rules.size(); ++rule) {
        const check::RuleTimer& timer = asset.timers[rule];
        if (timer.phase == Phase::idle && !timer.anchor) continue;
        if (!first_rule) out.push_back(',');
        first_rule = false;
        append_json_string(out, rules.rules[rule].rule.name);
        fmt::format_to(std::back_inserter(out), ":{{\"phase\":\"{}\",\"since\":{}", to_string(timer.phase),
                       timer.since);
        append_optional(out, "value", timer.value);
        if (timer.anchor) {
            fmt::format_to(std::back_inserter(out), ",\"anchor\":[{},{},{}]", timer.anchor->lat, timer.anchor->lon,
                           timer.anchor->time);
        }
        out.push_back('}');
    }
    out.push_back('}');
}

// "violations":{...}: the open violations, by family key.
void append_violations(fmt::memory_buffer& out, const check::CompiledRules& rules, const AssetState& asset) {
    out.append(std::string_view("\"violations\":{"));
    bool first_family = true;
    for (std::size_t family = 0; family < rules.families.size(); ++family) {
        const check::FamilyView& view = asset.families[family];
        if (!view.shown) continue;
        if (!first_family) out.push_back(',');
        first_family = false;
        append_json_string(out, rules.families[family].key);
        out.append(std::string_view(":{\"shown\":"));
        append_json_string(out, rules.rules[*view.shown].rule.name);
        fmt::format_to(std::back_inserter(out), ",\"since\":{}", view.since);
        append_optional(out, "value", view.value);
        append_optional(out, "peak", view.peak);
        out.push_back('}');
    }
    out.push_back('}');
}

}  // namespace

// A state file is input too: what it says must be what the checker itself could have saved,
// or its events carry absurd times and ids (an asset without a name).
class Checker::Impl::StateReader {
public:
    StateReader(Checker::Impl& checker, const std::string& where) : checker_(checker), where_(where) {}

    void read(std::string_view json) {
        simdjson::dom::parser parser = bounded_json_parser();
        simdjson::dom::element doc;
        if (const auto error = parser.parse(json.data(), json.size()).get(doc); error) {
            bad(error == simdjson::DEPTH_ERROR ? json_error_reason(error) : "not JSON");
        }
        std::int64_t version = 0;
        if (doc["trk_check_state"].get_int64().get(version) != simdjson::SUCCESS || version != 1) {
            bad("no version 1 marker");
        }
        std::int64_t time = 0;
        simdjson::dom::object assets;
        if (doc["time"].get_int64().get(time) != simdjson::SUCCESS || doc["assets"].get_object().get(assets)) {
            bad("no time or no assets");
        }
        if (!is_rfc3339_time(time)) bad(fmt::format("time {} is out of range (years 0000..9999)", time));
        checker_.record_time = time;
        checker_.any_record = true;
        for (const auto [asset_name, saved] : assets) {
            if (asset_name.empty()) bad("an asset without a name");
            read_asset(std::string(asset_name), saved);
        }
    }

private:
    [[noreturn]] void bad(std::string_view why) const {
        throw InputError(where_, fmt::format("not a trk check state file ({})", why));
    }

    void check_time(std::int64_t time, std::string_view what, std::string_view asset) const {
        if (!is_rfc3339_time(time)) {
            bad(fmt::format("{} {} of asset {} is out of range (years 0000..9999)", what, time, asset));
        }
    }

    void read_asset(const std::string& name, simdjson::dom::element saved) {
        AssetState& asset = checker_.asset(name);
        simdjson::dom::object values, timers, violations;
        if (saved["values"].get_object().get(values) || saved["rules"].get_object().get(timers) ||
            saved["violations"].get_object().get(violations)) {
            bad(fmt::format("asset {} is incomplete", name));
        }
        for (const auto [metric, held] : values) {
            double value = 0;
            if (held.get_double().get(value)) bad(fmt::format("a value of asset {} is not a number", name));
            checker_.hold(asset, std::string(metric), value);
        }
        simdjson::dom::array zones;
        if (saved["zones"].get_array().get(zones) == simdjson::SUCCESS) {
            std::vector<std::string> held;
            for (const auto zone : zones) {
                std::string_view text;
                if (zone.get_string().get(text)) bad(fmt::format("a zone of asset {} is not a string", name));
                held.emplace_back(text);
            }
            asset.values.hold_zones(held);
        }
        for (const auto [rule_name, timer] : timers) read_timer(asset, name, rule_name, timer);
        for (const auto [family_key, violation] : violations) read_violation(asset, name, family_key, violation);
        std::int64_t seen = 0;
        if (saved["seen"].get_int64().get(seen) == simdjson::SUCCESS) {
            check_time(seen, "seen", name);
            checker_.restore_seen(asset, name, seen);
        }
    }

    void read_timer(AssetState& asset, const std::string& name, std::string_view rule_name,
                    simdjson::dom::element saved) {
        const std::optional<std::size_t> rule = checker_.rules.named(rule_name);
        if (!rule) return;  // a rule no longer given
        check::RuleTimer& timer = asset.timers[*rule];
        std::string_view phase;
        std::int64_t since = 0;
        if (saved["phase"].get_string().get(phase) || saved["since"].get_int64().get(since)) {
            bad(fmt::format("rule {} of asset {} is incomplete", rule_name, name));
        }
        check_time(since, "since", name);
        timer.phase = phase == "open" ? Phase::open : phase == "pending" ? Phase::pending : Phase::idle;
        timer.since = since;
        double value = 0;
        if (saved["value"].get_double().get(value) == simdjson::SUCCESS) timer.value = value;
        simdjson::dom::array anchor;
        if (saved["anchor"].get_array().get(anchor) == simdjson::SUCCESS && anchor.size() == 3) {
            check::Anchor settled;
            if (anchor.at(0).get_double().get(settled.lat) || anchor.at(1).get_double().get(settled.lon) ||
                anchor.at(2).get_int64().get(settled.time)) {
                bad(fmt::format("rule {} of asset {} has a bad anchor", rule_name, name));
            }
            check_time(settled.time, "anchor time", name);
            timer.anchor = settled;
        }
    }

    void read_violation(AssetState& asset, const std::string& name, std::string_view family_key,
                        simdjson::dom::element saved) {
        std::string_view shown;
        std::int64_t since = 0;
        if (saved["shown"].get_string().get(shown) || saved["since"].get_int64().get(since)) {
            bad(fmt::format("violation {} of asset {} is incomplete", family_key, name));
        }
        check_time(since, "since", name);
        const std::optional<std::size_t> rule = checker_.rules.named(shown);
        if (!rule) return;
        check::FamilyView& view = asset.families[checker_.rules.rules[*rule].family];
        view.shown = rule;
        view.since = since;
        double value = 0;
        if (saved["value"].get_double().get(value) == simdjson::SUCCESS) view.value = value;
        if (saved["peak"].get_double().get(value) == simdjson::SUCCESS) view.peak = value;
    }

    Checker::Impl& checker_;
    const std::string& where_;
};

std::string Checker::save_state() const {
    const Impl& checker = *impl_;
    fmt::memory_buffer out;
    fmt::format_to(std::back_inserter(out), "{{\"trk_check_state\":1,\"time\":{},\"assets\":{{", checker.record_time);
    bool first_asset = true;
    for (const auto& [name, asset] : check::by_name(checker.assets)) {
        if (!first_asset) out.push_back(',');
        first_asset = false;
        append_json_string(out, name);
        out.append(std::string_view(":{"));
        append_values(out, checker.rules, *asset);
        out.push_back(',');
        append_timers(out, checker.rules, *asset);
        out.push_back(',');
        append_violations(out, checker.rules, *asset);
        out.push_back('}');
    }
    out.append(std::string_view("}}\n"));
    return fmt::to_string(out);
}

void Checker::load_state(std::string_view json, const std::string& where) {
    Impl::StateReader(*impl_, where).read(json);
}

}  // namespace track
