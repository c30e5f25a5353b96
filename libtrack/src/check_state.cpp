// `trk check` state files (Checker::save_state): each asset's held values, trend windows, zones, rule timers and open
// violations.
#include <algorithm>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <simdjson.h>

#include "check_impl.hpp"
#include "track/json_state.hpp"
#include "track/json_writer.hpp"

namespace track {

using check::AssetState;
using check::Phase;

namespace {

/// The layout that save_state writes: `"trk_check_state":1`.
constexpr int state_version = 1;

std::string_view to_string(Phase phase) {
    switch (phase) {
        case Phase::idle: return "idle";
        case Phase::pending: return "pending";
        case Phase::open: return "open";
    }
    return "idle";
}

// "KEY":NUMBER when there is a value.
void write_optional(JsonWriter& json, std::string_view key, const std::optional<double>& value) {
    if (value) json.key(key).number(*value);
}

// "windows":[...],"ewmas":[...]: the trend windows and averages that have readings, each
// with its slot's key and length; a window's buckets as arrays of their sums and times.
void write_trends(JsonWriter& json, const check::CompiledRules& rules, const AssetState& asset) {
    json.key("windows").begin_array();
    for (std::size_t index = 0; index < asset.values.windows(); ++index) {
        const check::TrendWindow& window = asset.values.window(index);
        const std::optional<Millis> latest = window.latest();
        if (!latest) continue;
        json.begin_object().key("slot").string(rules.metrics.key(rules.trends.windows[index].first));
        json.key("over").integer(window.length()).key("latest").integer(*latest);
        json.key("value").number(*window.latest_value()).key("buckets").begin_array();
        for (const check::TrendBucket& b : window.buckets()) {
            json.begin_array().integer(b.start).integer(b.count).number(b.sum_t).number(b.sum_v).number(b.sum_tt);
            json.number(b.sum_tv).number(b.sum_vv).integer(b.first).integer(b.last).end_array();
        }
        json.end_array().end_object();
    }
    json.end_array().key("ewmas").begin_array();
    for (std::size_t index = 0; index < asset.values.ewmas(); ++index) {
        const std::optional<check::Ewma::Saved> saved = asset.values.ewma(index).saved();
        if (!saved) continue;
        const auto& [slot, tau] = rules.trends.ewmas[index];
        json.begin_object().key("slot").string(rules.metrics.key(slot)).key("tau").integer(tau);
        json.key("average").number(saved->average).key("first").integer(saved->first);
        json.key("latest").integer(saved->latest).key("count").integer(saved->count).end_object();
    }
    json.end_array();
}

// "values":{...},"windows":[...],"ewmas":[...],"seen":T,"zones":[...]: what is held of the
// asset. A slot's key is its metric, or "METRIC in UNIT" when rules name a unit.
void write_held(JsonWriter& json, const check::CompiledRules& rules, const AssetState& asset) {
    json.key("values").begin_object();
    for (std::size_t slot = 0; slot < asset.values.slots(); ++slot) {
        write_optional(json, rules.metrics.key(slot), asset.values.latest(slot));
    }
    json.end_object();
    if (asset.values.windows() + asset.values.ewmas() > 0) write_trends(json, rules, asset);
    if (asset.seen) json.key("seen").integer(*asset.seen);
    if (const auto& zones = asset.values.zones()) {
        json.key("zones").begin_array();
        for (const std::string& zone : *zones) json.string(zone);
        json.end_array();
    }
}

// "rules":{...}: the timers that are not idle or have an anchor, by rule name.
void write_timers(JsonWriter& json, const check::CompiledRules& rules, const AssetState& asset) {
    json.key("rules").begin_object();
    for (std::size_t rule = 0; rule < rules.rules.size(); ++rule) {
        const check::RuleTimer& timer = asset.timers[rule];
        if (timer.phase == Phase::idle && !timer.anchor) continue;
        json.key(rules.rules[rule].rule.name).begin_object();
        json.key("phase").string(to_string(timer.phase)).key("since").integer(timer.since);
        write_optional(json, "value", timer.value);
        if (timer.anchor) {
            json.key("anchor").begin_array().number(timer.anchor->lat).number(timer.anchor->lon);
            json.integer(timer.anchor->time).end_array();
        }
        json.end_object();
    }
    json.end_object();
}

// "violations":{...}: the open violations, by family key.
void write_violations(JsonWriter& json, const check::CompiledRules& rules, const AssetState& asset) {
    json.key("violations").begin_object();
    for (std::size_t family = 0; family < rules.families.size(); ++family) {
        const check::FamilyView& view = asset.families[family];
        if (!view.shown) continue;
        json.key(rules.families[family].key).begin_object();
        json.key("shown").string(rules.rules[*view.shown].rule.name).key("since").integer(view.since);
        write_optional(json, "value", view.value);
        write_optional(json, "peak", view.peak);
        json.end_object();
    }
    json.end_object();
}

}  // namespace

// A state file is input too: what it says must be what the checker itself could have saved,
// or its events carry absurd times and ids (an asset without a name).
class Checker::Impl::StateReader {
public:
    StateReader(Checker::Impl& checker, const std::string& where)
        : checker_(checker), file_("check", state_version, where) {}

    void read(std::string_view json) {
        const simdjson::dom::object state = file_.read(json);
        std::int64_t time = 0;
        simdjson::dom::object saved_assets;
        if (state["time"].get_int64().get(time) != simdjson::SUCCESS ||
            state["assets"].get_object().get(saved_assets)) {
            file_.fail("no time or no assets");
        }
        if (!is_rfc3339_time(time)) file_.fail(fmt::format("time {} is out of range (years 0000..9999)", time));
        checker_.record_time = time;
        checker_.any_record = true;
        for (const auto [asset_name, saved] : saved_assets) {
            if (asset_name.empty()) file_.fail("an asset without a name");
            read_asset(std::string(asset_name), saved);
        }
    }

private:
    void read_asset(const std::string& name, simdjson::dom::element saved) {
        AssetState& asset = checker_.asset(name);
        simdjson::dom::object values, timers, violations;
        if (saved["values"].get_object().get(values) || saved["rules"].get_object().get(timers) ||
            saved["violations"].get_object().get(violations)) {
            file_.fail(fmt::format("asset {} is incomplete", name));
        }
        for (const auto [key, held] : values) {
            double value = 0;
            if (held.get_double().get(value)) file_.fail(fmt::format("a value of asset {} is not a number", name));
            if (const auto slot = checker_.rules.metrics.find(key)) {  // else no rule reads it now
                asset.values.restore_latest(*slot, value);
                checker_.unmet.met_metric(checker_.rules.metrics.metric_of(*slot));
            }
        }
        simdjson::dom::array trends;
        if (saved["windows"].get_array().get(trends) == simdjson::SUCCESS) {
            for (const auto window : trends) read_window(asset, name, window);
        }
        if (saved["ewmas"].get_array().get(trends) == simdjson::SUCCESS) {
            for (const auto ewma : trends) read_ewma(asset, name, ewma);
        }
        simdjson::dom::array zones;
        if (saved["zones"].get_array().get(zones) == simdjson::SUCCESS) {
            std::vector<std::string> held;
            for (const auto zone : zones) {
                std::string_view text;
                if (zone.get_string().get(text)) file_.fail(fmt::format("a zone of asset {} is not a string", name));
                held.emplace_back(text);
            }
            asset.values.hold_zones(held);
        }
        for (const auto [rule_name, timer] : timers) read_timer(asset, name, rule_name, timer);
        for (const auto [family_key, violation] : violations) read_violation(asset, name, family_key, violation);
        std::int64_t seen = 0;
        if (saved["seen"].get_int64().get(seen) == simdjson::SUCCESS) {
            file_.check_time(seen, "seen", name);
            checker_.restore_seen(asset, name, seen);
        }
    }

    // The number of the window or EWMA of `numbered` (the layout's) of the slot keyed
    // `slot` and of `length`; nullopt when no rule reads it now.
    std::optional<std::size_t> numbered(const std::vector<std::pair<std::size_t, Millis>>& numbered,
                                        std::string_view slot, std::int64_t length) const {
        const auto found_slot = checker_.rules.metrics.find(slot);
        if (!found_slot) return std::nullopt;
        const auto found = std::find(numbered.begin(), numbered.end(), std::pair{*found_slot, Millis{length}});
        if (found == numbered.end()) return std::nullopt;
        return static_cast<std::size_t>(found - numbered.begin());
    }

    void read_window(AssetState& asset, const std::string& name, simdjson::dom::element saved) {
        std::string_view slot;
        std::int64_t over = 0, latest = 0;
        double value = 0;
        simdjson::dom::array buckets;
        if (saved["slot"].get_string().get(slot) || saved["over"].get_int64().get(over) ||
            saved["latest"].get_int64().get(latest) || saved["value"].get_double().get(value) ||
            saved["buckets"].get_array().get(buckets)) {
            file_.fail(fmt::format("a trend window of asset {} is incomplete", name));
        }
        file_.check_time(latest, "window time", name);
        const std::optional<std::size_t> window = numbered(checker_.rules.trends.windows, slot, over);
        std::vector<check::TrendBucket> restored;
        for (const auto bucket : buckets) {
            check::TrendBucket b;
            simdjson::dom::array sums;
            if (bucket.get_array().get(sums) || sums.size() != 9 || sums.at(0).get_int64().get(b.start) ||
                sums.at(1).get_uint64().get(b.count) || sums.at(2).get_double().get(b.sum_t) ||
                sums.at(3).get_double().get(b.sum_v) || sums.at(4).get_double().get(b.sum_tt) ||
                sums.at(5).get_double().get(b.sum_tv) || sums.at(6).get_double().get(b.sum_vv) ||
                sums.at(7).get_int64().get(b.first) || sums.at(8).get_int64().get(b.last)) {
                file_.fail(fmt::format("a trend window of asset {} has a bad bucket", name));
            }
            restored.push_back(b);
        }
        if (!window) return;  // no rule reads it now
        if (!asset.values.window(*window).restore(restored, latest, value)) {
            file_.fail(fmt::format("the window of {} over {} ms of asset {} could not have been saved by trk check",
                                   slot, over, name));
        }
    }

    void read_ewma(AssetState& asset, const std::string& name, simdjson::dom::element saved) {
        std::string_view slot;
        std::int64_t tau = 0;
        check::Ewma::Saved restored;
        if (saved["slot"].get_string().get(slot) || saved["tau"].get_int64().get(tau) ||
            saved["average"].get_double().get(restored.average) || saved["first"].get_int64().get(restored.first) ||
            saved["latest"].get_int64().get(restored.latest) || saved["count"].get_uint64().get(restored.count)) {
            file_.fail(fmt::format("an average of asset {} is incomplete", name));
        }
        file_.check_time(restored.first, "average start", name);
        file_.check_time(restored.latest, "average time", name);
        const std::optional<std::size_t> ewma = numbered(checker_.rules.trends.ewmas, slot, tau);
        if (ewma && !asset.values.ewma(*ewma).restore(restored)) {
            file_.fail(fmt::format("the average of {} over {} ms of asset {} could not have been saved by trk check",
                                   slot, tau, name));
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
            file_.fail(fmt::format("rule {} of asset {} is incomplete", rule_name, name));
        }
        file_.check_time(since, "since", name);
        timer.phase = phase == "open" ? Phase::open : phase == "pending" ? Phase::pending : Phase::idle;
        timer.since = since;
        double value = 0;
        if (saved["value"].get_double().get(value) == simdjson::SUCCESS) timer.value = value;
        simdjson::dom::array anchor;
        if (saved["anchor"].get_array().get(anchor) == simdjson::SUCCESS && anchor.size() == 3) {
            check::Anchor settled;
            if (anchor.at(0).get_double().get(settled.lat) || anchor.at(1).get_double().get(settled.lon) ||
                anchor.at(2).get_int64().get(settled.time)) {
                file_.fail(fmt::format("rule {} of asset {} has a bad anchor", rule_name, name));
            }
            file_.check_time(settled.time, "anchor time", name);
            timer.anchor = settled;
        }
    }

    void read_violation(AssetState& asset, const std::string& name, std::string_view family_key,
                        simdjson::dom::element saved) {
        std::string_view shown;
        std::int64_t since = 0;
        if (saved["shown"].get_string().get(shown) || saved["since"].get_int64().get(since)) {
            file_.fail(fmt::format("violation {} of asset {} is incomplete", family_key, name));
        }
        file_.check_time(since, "since", name);
        const std::optional<std::size_t> rule = checker_.rules.named(shown);
        if (!rule) return;  // a rule no longer given
        check::FamilyView& view = asset.families[checker_.rules.rules[*rule].family];
        view.shown = rule;
        view.since = since;
        double value = 0;
        if (saved["value"].get_double().get(value) == simdjson::SUCCESS) view.value = value;
        if (saved["peak"].get_double().get(value) == simdjson::SUCCESS) view.peak = value;
    }

    Checker::Impl& checker_;
    StateFileReader file_;
};

std::string Checker::save_state() const {
    const Impl& checker = *impl_;
    StateFileWriter file("check", state_version);
    JsonWriter& json = file.json();
    json.key("time").integer(checker.record_time).key("assets").begin_object();
    for (const auto& [name, asset] : check::by_name(checker.assets)) {
        json.key(name).begin_object();
        write_held(json, checker.rules, *asset);
        write_timers(json, checker.rules, *asset);
        write_violations(json, checker.rules, *asset);
        json.end_object();
    }
    json.end_object();
    return file.finish();
}

void Checker::load_state(std::string_view json, const std::string& where) {
    Impl::StateReader(*impl_, where).read(json);
}

}  // namespace track
