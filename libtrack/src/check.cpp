// The `trk check` stage (see track/check.hpp): a record's held values, then its rules' timers, then their families.
#include "track/check.hpp"

#include <utility>

#include <fmt/format.h>

#include "check_impl.hpp"

namespace track {

using check::AssetState;
using check::CompiledRule;
using check::Phase;
using check::RuleTimer;

/// The unit of a fix's speed (DESIGN.md: units are SI); hdop has none.
constexpr std::string_view fix_speed_unit = "m/s";

Checker::Impl::Impl(std::vector<Rule> given, ProfileLookup profiles, Sink sink, Note notes)
    : rules(std::move(given)),
      selection(rules, std::move(profiles)),
      events(std::move(sink)),
      deadlines(rules.unseen_rules.size()),
      unmet(rules),
      note(std::move(notes)),
      conversions(rules.metrics.size()) {}

AssetState& Checker::Impl::asset(const std::string& name) {
    auto found = assets.find(name);
    if (found == assets.end()) found = assets.emplace(name, AssetState(rules)).first;
    return found->second;
}

std::optional<double> Checker::Impl::converted(std::size_t slot, std::string_view unit, double value) {
    const std::string& to = rules.metrics.unit(slot);
    if (to.empty()) return value;
    if (unit.empty()) return std::nullopt;
    SlotConversion& cached = conversions[slot];
    if (!cached.from || *cached.from != unit) {
        cached.conversion = unit_conversion(unit, to);
        cached.from.emplace(unit);
    }
    return cached.conversion ? std::optional<double>(cached.conversion->apply(value)) : std::nullopt;
}

/// Unit problems told at most, so that their memory (and standard error) stays bounded
/// whatever units the input makes up.
constexpr std::size_t unit_problems_told = 1000;

void Checker::Impl::unit_problem(const std::string& name, std::size_t slot, std::string_view unit) {
    if (told_unit_problems.size() > unit_problems_told) return;
    std::string told = fmt::format("{}\x1f{}\x1f{}", name, slot, unit);
    if (told_unit_problems.count(told) != 0) return;
    told_unit_problems.insert(std::move(told));
    if (!note) return;
    if (told_unit_problems.size() > unit_problems_told) {
        note(fmt::format("more than {} readings in units that do not convert: no more are told", unit_problems_told));
        return;
    }
    const std::string& metric = rules.metrics.metric_name(rules.metrics.metric_of(slot));
    const std::string& to = rules.metrics.unit(slot);
    const std::string what = unit.empty() ? fmt::format("{} without a unit", metric)
                                          : fmt::format("{} in \"{}\" does not convert to \"{}\"", metric, unit, to);
    note(fmt::format("asset {}: {}: {} not checked against it", name, what,
                     check::rule_names(rules, rules.rules_of_metric[slot])));
}

template <typename Held>
bool Checker::Impl::hold(AssetState& asset, const std::string& name, const std::string& metric, std::string_view unit,
                         double value, Millis time, Held&& held) {
    const auto number = rules.metrics.find_metric(metric);
    if (!number) return false;
    unmet.met_metric(*number);
    for (const std::size_t slot : rules.metrics.slots_of(*number)) {
        if (const std::optional<double> in_unit = converted(slot, unit, value)) {
            asset.values.hold(slot, time, *in_unit);
            held(slot);
        } else {
            unit_problem(name, slot, unit);
        }
    }
    return true;
}

void Checker::Impl::evaluate(AssetState& asset, std::size_t rule, const std::string& name, Millis time) {
    const CompiledRule& compiled = rules.rules[rule];
    RuleTimer& timer = asset.timers[rule];
    const bool selected = selection.selects(asset.selection, asset.values, rule, name);
    check::Evaluation now{.holds = selected && check::holds(compiled.condition, asset.values, timer, time)};
    if (!compiled.trend) {
        now.value = asset.values.latest(compiled.slot);
    } else if (now.holds || timer.phase == Phase::open) {  // what the violation carries, or its peak
        now.value = check::measure(*compiled.trend, asset.values, time);
    }
    // A stationary test alone began to hold when the asset had stood still long enough.
    now.began = compiled.stationary_alone && timer.anchor ? timer.anchor->time + compiled.stationary->duration : time;
    const std::optional<Comparison>& clear = compiled.rule.clear;
    now.clears = !selected || (clear ? now.value && check::compare(*now.value, clear->op, clear->value) : !now.holds);
    const bool changed = timer.step(now, compiled.rule.hold, time);
    check::FamilyView& family = asset.families[compiled.family];
    // The timer first: the family's view is another cache line, needed only while open.
    if (timer.phase == Phase::open && now.value && compiled.direction != 0 && family.shown) {
        family.note_peak(*now.value, compiled.direction);
    }
    if (changed) check::settle_family(rules, compiled.family, asset, name, time, events);
}

// Silence of exactly the duration is not yet too long.
void Checker::Impl::pass_deadlines(Millis now) {
    for (std::size_t unseen = 0; unseen < rules.unseen_rules.size(); ++unseen) {
        const std::size_t rule = rules.unseen_rules[unseen];
        while (const auto passed = deadlines.take_passed(unseen, now)) {
            const auto [deadline, name_view] = *passed;
            const std::string name(name_view);
            AssetState& silent = assets.at(name);
            RuleTimer& timer = silent.timers[rule];
            if (timer.phase == Phase::open || !selection.selects(silent.selection, silent.values, rule, name)) continue;
            timer.open_since(deadline);  // the silence itself: its length is in the clear's duration
            check::settle_family(rules, rules.rules[rule].family, silent, name, deadline, events);
        }
    }
}

void Checker::Impl::saw(AssetState& asset, const std::string& name, Millis time) {
    if (asset.seen && time <= *asset.seen) return;
    if (rules.unseen_rules.empty()) {
        asset.seen = time;
        return;
    }
    const std::string_view key = assets.find(name)->first;
    for (std::size_t unseen = 0; unseen < rules.unseen_rules.size(); ++unseen) {
        const std::size_t rule = rules.unseen_rules[unseen];
        const Millis silence = *rules.rules[rule].unseen;
        if (asset.seen) deadlines.remove(unseen, *asset.seen + silence, key);
        deadlines.add(unseen, time + silence, key);
        RuleTimer& timer = asset.timers[rule];
        if (timer.phase == Phase::open) {
            timer.close();
            check::settle_family(rules, rules.rules[rule].family, asset, name, time, events);
        }
    }
    asset.seen = time;
}

void Checker::Impl::restore_seen(AssetState& asset, const std::string& name, Millis time) {
    const std::string_view key = assets.find(name)->first;
    for (std::size_t unseen = 0; unseen < rules.unseen_rules.size(); ++unseen) {
        const std::size_t rule = rules.unseen_rules[unseen];
        if (asset.timers[rule].phase != Phase::open) deadlines.add(unseen, time + *rules.rules[rule].unseen, key);
    }
    asset.seen = time;
}

void Checker::Impl::record(const Record& record) {
    const RecordBase* base = nullptr;
    const std::string* name = nullptr;
    if (const auto* fix = std::get_if<Fix>(&record)) {
        base = fix;
        name = fix->asset.empty() ? &fix->device : &fix->asset;
    } else if (const auto* reading = std::get_if<Reading>(&record)) {
        base = reading;
        name = reading->asset.empty() ? &reading->device : &reading->asset;
    } else if (const auto* read = std::get_if<Read>(&record)) {
        base = read;
        name = &read->asset;
    } else if (const auto* other = std::get_if<Event>(&record)) {
        base = other;
    }
    if (base == nullptr) return;
    const Millis time = base->time;
    // Record time first: an asset silent too long shows as unseen until this record of it.
    if (!any_record || time > record_time) record_time = time;
    any_record = true;
    pass_deadlines(record_time);
    if (name == nullptr || name->empty()) return;
    AssetState& state = asset(*name);
    if (const auto* reading = std::get_if<Reading>(&record)) {
        // Every slot of the metric is held before any rule is evaluated, so that a rule reading
        // two of them (°C and °F) never sees one updated and the other not. Such a rule is
        // evaluated twice at the same time: the second changes nothing.
        held_slots.clear();
        const bool read = hold(state, *name, reading->metric, reading->unit, reading->value, time,
                               [&](std::size_t slot) { held_slots.push_back(slot); });
        if (!read) unmet.other_metric(reading->metric);
        for (const std::size_t slot : held_slots) {
            for (const std::uint32_t rule : selection.rules_reading(state.selection, slot, *name)) {
                evaluate(state, rule, *name, time);
            }
        }
    } else if (const auto* fix = std::get_if<Fix>(&record); fix != nullptr && fix->mode != FixMode::none) {
        const auto nothing_more = [](std::size_t) {};
        if (fix->speed) hold(state, *name, "speed", fix_speed_unit, *fix->speed, time, nothing_more);
        if (fix->hdop) hold(state, *name, "hdop", "", *fix->hdop, time, nothing_more);
        if (fix->zones) {
            state.values.hold_zones(*fix->zones);
            unmet.zones(*fix->zones);
        }
        for (const std::uint32_t rule : selection.rules_reading_fixes(state.selection, *name)) {
            if (const auto& stationary = rules.rules[rule].stationary) {
                state.timers[rule].moved_to(*fix, stationary->within_m);
            }
            evaluate(state, rule, *name, time);
        }
    }
    saw(state, *name, time);
}

void Checker::Impl::advance_to(Millis now) {
    if (!any_record || now > record_time) record_time = now;
    any_record = true;
    pass_deadlines(now);
    for (const auto& [name_view, state] : check::by_name(assets)) {
        const std::string name(name_view);
        for (std::size_t rule = 0; rule < rules.rules.size(); ++rule) {
            if (!rules.rules[rule].unseen) evaluate(*state, rule, name, now);
        }
    }
}

Checker::Checker(std::vector<Rule> rules, ProfileLookup profiles, Sink sink, Note note)
    : impl_(std::make_unique<Impl>(std::move(rules), std::move(profiles), std::move(sink), std::move(note))) {}
Checker::~Checker() = default;

void Checker::record(const Record& record) { impl_->record(record); }

void Checker::seen(const std::string& asset, Millis time) { impl_->saw(impl_->asset(asset), asset, time); }

void Checker::advance_to(Millis now) { impl_->advance_to(now); }

const CheckCounts& Checker::counts() const { return impl_->events.counts(); }

std::vector<std::string> Checker::likely_typos() const { return impl_->unmet.likely_typos(impl_->rules); }

std::vector<OpenViolation> Checker::open() const {
    std::vector<OpenViolation> open;
    const Impl& checker = *impl_;
    for (const auto& [name, state] : check::by_name(checker.assets)) {
        for (std::size_t family = 0; family < checker.rules.families.size(); ++family) {
            const check::FamilyView& view = state->families[family];
            if (!view.shown) continue;
            const CompiledRule& shown = checker.rules.rules[*view.shown];
            const std::string asset(name);
            open.push_back({asset, shown.rule.name,
                            check::violation_id(checker.rules.families[family].key, asset, view.since),
                            shown.rule.severity, view.since, shown.metric, view.value, view.peak});
        }
    }
    return open;
}

}  // namespace track
