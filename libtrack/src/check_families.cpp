// Settling `trk check` rule families (check_families.hpp): which open rule a violation shows, and what is written.
#include "check_families.hpp"

#include "check_asset.hpp"

namespace track::check {

namespace {

// The family's open rule of the highest severity (the first given among equals); nullopt when none is open.
std::optional<std::size_t> most_severe_open(const CompiledRules& rules, const RuleFamily& family,
                                            const AssetState& asset) {
    std::optional<std::size_t> worst;
    for (const std::size_t rule : family.rules) {
        if (asset.timers[rule].phase != Phase::open) continue;
        if (!worst || rules.rules[rule].rule.severity > rules.rules[*worst].rule.severity) worst = rule;
    }
    return worst;
}

}  // namespace

void settle_family(const CompiledRules& rules, std::size_t family, AssetState& asset, const std::string& name,
                   Millis time, EventWriter& events) {
    const RuleFamily& members = rules.families[family];
    FamilyView& view = asset.families[family];
    const std::optional<std::size_t> worst = most_severe_open(rules, members, asset);
    if (worst == view.shown) return;
    if (!worst) {
        events.cleared(name, rules.rules[*view.shown], violation_id(members.key, name, view.since), view.peak,
                       view.since, time);
        view = FamilyView{};
        return;
    }
    const CompiledRule& now = rules.rules[*worst];
    const RuleTimer& opened = asset.timers[*worst];
    if (!view.shown) {
        view.since = opened.since;
        view.value = opened.value;
        if (now.direction != 0) view.peak = opened.value;
        view.shown = worst;
        // A forecast rule is a family of its own: it opened at this evaluation, on the same window.
        const std::optional<Forecasted> forecast = now.trend && now.trend->test == ConditionNode::Test::forecast
                                                       ? forecasted(*now.trend, asset.values, time)
                                                       : std::nullopt;
        events.opened(name, now, violation_id(members.key, name, view.since), view.since, view.value, forecast);
        return;
    }
    const Severity before = rules.rules[*view.shown].rule.severity;
    view.shown = worst;
    if (before == now.rule.severity) return;  // another rule of the same severity: nothing to tell
    const bool escalated = now.rule.severity > before;
    // Escalated: the value that opened the worse rule, since its condition began to hold;
    // eased: the value now, now (when the worse one cleared).
    events.changed_severity(name, now, before, violation_id(members.key, name, view.since),
                            escalated ? opened.value : asset.values.latest(now.slot),
                            escalated ? std::max(opened.since, view.since) : time);
}

}  // namespace track::check
