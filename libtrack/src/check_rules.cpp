// Compiling `trk check` rules (check_rules.hpp): metric slots, families, what reads what; evaluating conditions.
#include "check_rules.hpp"

#include <algorithm>
#include <map>
#include <type_traits>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "track/error.hpp"

namespace track::check {

namespace {

using Test = decltype(Condition::test);

// What a comparison, trend or forecast factor reads: the metric in a unit, and how it compares.
struct FactorRead {
    std::string metric;
    std::string unit;
    CompareOp op;
};

// nullopt for other tests.
std::optional<FactorRead> factor_read(const Test& test) {
    return std::visit(
        [](const auto& factor) -> std::optional<FactorRead> {
            using Factor = std::decay_t<decltype(factor)>;
            if constexpr (std::is_same_v<Factor, Comparison> || std::is_same_v<Factor, Trend> ||
                          std::is_same_v<Factor, Forecast>) {
                return FactorRead{factor.metric, factor.unit, factor.op};
            } else {
                return std::nullopt;
            }
        },
        test);
}

// The first comparison, trend or forecast factor of a condition, depth first: what a
// violation's value and peak are of.
const Condition* first_measure(const Condition& condition) {
    if (condition.kind == Condition::Kind::test) {
        return factor_read(condition.test) ? &condition : nullptr;
    }
    for (const Condition& child : condition.children) {
        if (const Condition* found = first_measure(child)) return found;
    }
    return nullptr;
}

// Calls `visit` on every leaf test of a condition.
template <typename Visit>
void for_each_test(const Condition& condition, Visit&& visit) {
    if (condition.kind == Condition::Kind::test) {
        visit(condition.test);
        return;
    }
    for (const Condition& child : condition.children) for_each_test(child, visit);
}

// +1 when higher values are worse (> and >=), -1 when lower ones are, 0 otherwise.
int direction_of(CompareOp op) {
    if (op == CompareOp::greater || op == CompareOp::greater_equal) return 1;
    if (op == CompareOp::less || op == CompareOp::less_equal) return -1;
    return 0;
}

// What a rule's tests mean for its evaluation: its stationary test, its unseen duration,
// whether it reads fixes. Throws InputError for combinations that cannot be evaluated.
void read_tests(CompiledRule& compiled) {
    const Rule& rule = compiled.rule;
    int stationary_tests = 0;
    bool unseen = false;
    for_each_test(rule.condition, [&](const auto& test) {
        if (const auto read = factor_read(test)) {
            if (read->metric == "speed" || read->metric == "hdop") compiled.reads_fixes = true;
        } else if (const auto* stationary = std::get_if<Stationary>(&test)) {
            compiled.stationary = *stationary;
            ++stationary_tests;
            compiled.reads_fixes = true;
        } else if (std::holds_alternative<Unseen>(test)) {
            unseen = true;
        } else {
            compiled.reads_fixes = true;  // a zone test
        }
    });
    if (stationary_tests > 1) throw InputError(rule.name, "a rule takes at most one stationary test");
    if (unseen) {
        if (rule.condition.kind != Condition::Kind::test) {
            throw InputError(rule.name, "unseen stands alone: it cannot be combined with and/or");
        }
        compiled.unseen = std::get<Unseen>(rule.condition.test).duration + rule.hold;
    }
    compiled.stationary_alone = compiled.stationary && rule.condition.kind == Condition::Kind::test;
    for (const Selector& selector : rule.where) {
        if (selector.key == "zone") compiled.reads_fixes = true;
    }
}

// The family a rule belongs to: one comparison, its slot (metric and unit) and direction,
// and the where clause; any other rule (a trend or forecast rule too) is a family of its own.
std::string family_key(const CompiledRule& compiled) {
    const Rule& rule = compiled.rule;
    if (rule.condition.kind != Condition::Kind::test || !std::holds_alternative<Comparison>(rule.condition.test) ||
        compiled.direction == 0) {
        return rule.name;
    }
    std::string key = fmt::format("{}\x1f{}\x1f{}", compiled.metric, compiled.unit, compiled.direction);
    for (const Selector& selector : rule.where) key += fmt::format("\x1f{}={}", selector.key, selector.value);
    return key;
}

}  // namespace

std::size_t MetricSlots::add(const std::string& metric, const std::string& unit) {
    std::string key = unit.empty() ? metric : fmt::format("{} in {}", metric, unit);
    const auto [found, added] = slot_of_key_.emplace(key, slots_.size());
    if (!added) return found->second;
    const auto [named, new_metric] = metric_of_name_.emplace(metric, metrics_.size());
    if (new_metric) metrics_.push_back({metric, {}});
    metrics_[named->second].slots.push_back(slots_.size());
    slots_.push_back({std::move(key), unit, named->second});
    return found->second;
}

CompiledRules::CompiledRules(std::vector<Rule> given) {
    std::map<std::string, std::size_t> family_of;
    for (Rule& rule : given) {
        CompiledRule compiled{.rule = std::move(rule)};
        const std::string& name = compiled.rule.name;
        if (!index_of_name_.emplace(name, rules.size()).second) {
            throw InputError("", fmt::format("rule name {} is given twice: each rule needs its own", name));
        }
        if (const Condition* first = first_measure(compiled.rule.condition)) {
            FactorRead read = *factor_read(first->test);
            compiled.metric = std::move(read.metric);
            compiled.unit = std::move(read.unit);
            compiled.direction = direction_of(read.op);
        }
        read_tests(compiled);
        const auto [family, added] = family_of.emplace(family_key(compiled), families.size());
        if (added) families.push_back({name, {}});
        compiled.family = family->second;
        families[compiled.family].rules.push_back(rules.size());
        rules.push_back(std::move(compiled));
    }
    // Slots are numbered rule by rule, each rule's (metric, unit) pairs in name order: state
    // files list held values in slot order.
    for (std::size_t index = 0; index < rules.size(); ++index) {
        CompiledRule& compiled = rules[index];
        std::vector<std::pair<std::string, std::string>> read;
        for_each_test(compiled.rule.condition, [&](const auto& test) {
            if (auto factor = factor_read(test)) read.emplace_back(std::move(factor->metric), std::move(factor->unit));
        });
        std::sort(read.begin(), read.end());
        read.erase(std::unique(read.begin(), read.end()), read.end());
        for (const auto& [metric, unit] : read) {
            const std::size_t slot = metrics.add(metric, unit);
            if (slot == rules_of_metric.size()) rules_of_metric.emplace_back();
            rules_of_metric[slot].push_back(index);
        }
        compiled.condition = compile(compiled.rule.condition);
        if (const Condition* first = first_measure(compiled.rule.condition)) {
            ConditionNode measured = compile(*first);
            if (measured.test == ConditionNode::Test::compare) {
                compiled.slot = measured.slot;
            } else {
                compiled.trend = std::move(measured);
            }
        }
        if (compiled.reads_fixes) fix_rules.push_back(index);
        if (compiled.unseen) unseen_rules.push_back(index);
    }
    trends.windows_of_slot.resize(metrics.size());
    trends.ewmas_of_slot.resize(metrics.size());
    for (std::size_t window = 0; window < trends.windows.size(); ++window) {
        trends.windows_of_slot[trends.windows[window].first].push_back(window);
    }
    for (std::size_t ewma = 0; ewma < trends.ewmas.size(); ++ewma) {
        trends.ewmas_of_slot[trends.ewmas[ewma].first].push_back(ewma);
    }
}

std::optional<std::size_t> CompiledRules::named(std::string_view name) const {
    const auto found = index_of_name_.find(name);
    return found == index_of_name_.end() ? std::nullopt : std::optional<std::size_t>(found->second);
}

ConditionNode CompiledRules::compile(const Condition& condition) {
    ConditionNode node;
    node.kind = condition.kind;
    for (const Condition& child : condition.children) node.children.push_back(compile(child));
    if (condition.kind != Condition::Kind::test) return node;
    if (const auto* comparison = std::get_if<Comparison>(&condition.test)) {
        node.slot = metrics.add(comparison->metric, comparison->unit);
        node.op = comparison->op;
        node.threshold = comparison->value;
    } else if (const auto* trend = std::get_if<Trend>(&condition.test)) {
        node.test = ConditionNode::Test::trend;
        node.slot = metrics.add(trend->metric, trend->unit);
        node.op = trend->op;
        node.threshold = trend->value;
        node.function = trend->function;
        node.per = static_cast<double>(trend->per);
        node.statistic =
            statistic(trend->function == TrendFunction::ewma ? trends.ewmas : trends.windows, node.slot, trend->window);
    } else if (const auto* forecast = std::get_if<Forecast>(&condition.test)) {
        node.test = ConditionNode::Test::forecast;
        node.slot = metrics.add(forecast->metric, forecast->unit);
        node.op = forecast->op;
        node.threshold = forecast->value;
        node.duration = forecast->within;
        node.statistic = statistic(trends.windows, node.slot, forecast->over);
    } else if (const auto* stationary = std::get_if<Stationary>(&condition.test)) {
        node.test = ConditionNode::Test::stationary;
        node.duration = stationary->duration;
    } else if (const auto* zone = std::get_if<ZoneTest>(&condition.test)) {
        node.test = ConditionNode::Test::zone;
        node.zone = zone->zone;
        node.inside = zone->inside;
    } else {
        node.test = ConditionNode::Test::unseen;
    }
    return node;
}

std::size_t CompiledRules::statistic(std::vector<std::pair<std::size_t, Millis>>& numbered, std::size_t slot,
                                     Millis length) {
    const std::pair<std::size_t, Millis> wanted{slot, length};
    const auto found = std::find(numbered.begin(), numbered.end(), wanted);
    if (found != numbered.end()) return static_cast<std::size_t>(found - numbered.begin());
    numbered.push_back(wanted);
    return numbered.size() - 1;
}

}  // namespace track::check
