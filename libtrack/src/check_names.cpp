// Names that rules ask for and no record carried (see check_names.hpp).
#include "check_names.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "track/names.hpp"

namespace track::check {

namespace {

/// Enough distinct names to find a typo among; more are not kept (bounded memory).
constexpr std::size_t names_kept = 64;

void zones_of(const ConditionNode& node, std::vector<std::string>& out) {
    if (node.kind == Condition::Kind::test && node.test == ConditionNode::Test::zone) out.push_back(node.zone);
    for (const ConditionNode& child : node.children) zones_of(child, out);
}

}  // namespace

std::string rule_names(const CompiledRules& rules, const std::vector<std::size_t>& which) {
    std::vector<std::string> names;
    names.reserve(which.size());
    for (const std::size_t rule : which) names.push_back(rules.rules[rule].rule.name);
    return fmt::format("{} {}", names.size() == 1 ? "rule" : "rules", fmt::join(names, ", "));
}

UnmetNames::UnmetNames(const CompiledRules& rules)
    : metric_met_(rules.metrics.metric_count(), 0), metrics_unmet_(rules.metrics.metric_count()) {
    for (std::size_t rule = 0; rule < rules.rules.size(); ++rule) {
        std::vector<std::string> named;
        zones_of(rules.rules[rule].condition, named);
        for (const Selector& selector : rules.rules[rule].rule.where) {
            if (selector.key == "zone") named.push_back(selector.value);
        }
        for (const std::string& zone : named) {
            auto wanted =
                std::find_if(zones_.begin(), zones_.end(), [&](const WantedZone& w) { return w.zone == zone; });
            if (wanted == zones_.end()) wanted = zones_.insert(zones_.end(), WantedZone{zone, {}, false});
            if (std::find(wanted->rules.begin(), wanted->rules.end(), rule) == wanted->rules.end()) {
                wanted->rules.push_back(rule);
            }
        }
    }
    zones_unmet_ = zones_.size();
}

void UnmetNames::zones(const std::vector<std::string>& zones) {
    if (zones_unmet_ == 0) return;
    for (const std::string& zone : zones) {
        auto wanted = std::find_if(zones_.begin(), zones_.end(), [&](const WantedZone& w) { return w.zone == zone; });
        if (wanted == zones_.end()) {
            remember(other_zones_, zone);
        } else if (!wanted->met) {
            wanted->met = true;
            --zones_unmet_;
        }
    }
}

void UnmetNames::remember(std::vector<std::string>& names, const std::string& name) {
    if (names.size() < names_kept && std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(name);
    }
}

std::vector<std::string> UnmetNames::likely_typos(const CompiledRules& rules) const {
    std::vector<std::string> lines;
    for (std::size_t number = 0; number < metric_met_.size(); ++number) {
        if (metric_met_[number] != 0) continue;
        const std::string& metric = rules.metrics.metric_name(number);
        const std::vector<std::string> close = closest_names(metric, other_metrics_);
        if (close.empty()) continue;
        std::vector<std::size_t> naming;  // the rules reading any of the metric's slots, in order
        for (const std::size_t slot : rules.metrics.slots_of(number)) {
            naming.insert(naming.end(), rules.rules_of_metric[slot].begin(), rules.rules_of_metric[slot].end());
        }
        std::sort(naming.begin(), naming.end());
        naming.erase(std::unique(naming.begin(), naming.end()), naming.end());
        lines.push_back(fmt::format("{}: no record had the metric \"{}\" ({})", rule_names(rules, naming), metric,
                                    did_you_mean(close)));
    }
    for (const WantedZone& wanted : zones_) {
        if (wanted.met) continue;
        const std::vector<std::string> close = closest_names(wanted.zone, other_zones_);
        if (close.empty()) continue;
        lines.push_back(fmt::format("{}: no fix was in the zone \"{}\" ({})", rule_names(rules, wanted.rules),
                                    wanted.zone, did_you_mean(close)));
    }
    return lines;
}

}  // namespace track::check
