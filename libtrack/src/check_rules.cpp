// Compiling `trk check` rules (check_rules.hpp): metric slots, families, what reads what; evaluating conditions.
#include "check_rules.hpp"

#include <algorithm>
#include <map>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "track/error.hpp"

namespace track::check {

namespace {

// The first comparison of a condition, depth first: what a violation's value and peak are of.
const Comparison* first_comparison(const Condition& condition) {
    if (condition.kind == Condition::Kind::test) return std::get_if<Comparison>(&condition.test);
    for (const Condition& child : condition.children) {
        if (const Comparison* found = first_comparison(child)) return found;
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
        if (const auto* comparison = std::get_if<Comparison>(&test)) {
            if (comparison->metric == "speed" || comparison->metric == "hdop") compiled.reads_fixes = true;
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

// The family a rule belongs to: one comparison, its metric and direction, and the where
// clause; any other rule is a family of its own.
std::string family_key(const CompiledRule& compiled) {
    const Rule& rule = compiled.rule;
    if (rule.condition.kind != Condition::Kind::test || compiled.metric.empty() || compiled.direction == 0) {
        return rule.name;
    }
    std::string key = fmt::format("{}\x1f{}", compiled.metric, compiled.direction);
    for (const Selector& selector : rule.where) key += fmt::format("\x1f{}={}", selector.key, selector.value);
    return key;
}

}  // namespace

std::size_t MetricSlots::add(const std::string& metric) {
    const auto [found, added] = slot_of_.emplace(metric, names_.size());
    if (added) names_.push_back(metric);
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
        if (const Comparison* first = first_comparison(compiled.rule.condition)) {
            compiled.metric = first->metric;
            compiled.direction = direction_of(first->op);
        }
        read_tests(compiled);
        const auto [family, added] = family_of.emplace(family_key(compiled), families.size());
        if (added) families.push_back({name, {}});
        compiled.family = family->second;
        families[compiled.family].rules.push_back(rules.size());
        rules.push_back(std::move(compiled));
    }
    // Slots are numbered rule by rule, each rule's metrics in name order: state files list
    // held values in slot order.
    for (std::size_t index = 0; index < rules.size(); ++index) {
        CompiledRule& compiled = rules[index];
        std::vector<std::string> compared;
        for_each_test(compiled.rule.condition, [&](const auto& test) {
            if (const auto* comparison = std::get_if<Comparison>(&test)) compared.push_back(comparison->metric);
        });
        std::sort(compared.begin(), compared.end());
        compared.erase(std::unique(compared.begin(), compared.end()), compared.end());
        for (const std::string& metric : compared) {
            const std::size_t slot = metrics.add(metric);
            if (slot == rules_of_metric.size()) rules_of_metric.emplace_back();
            rules_of_metric[slot].push_back(index);
        }
        compiled.condition = compile(compiled.rule.condition);
        if (!compiled.metric.empty()) compiled.slot = metrics.find(compiled.metric);
        if (compiled.reads_fixes) fix_rules.push_back(index);
        if (compiled.unseen) unseen_rules.push_back(index);
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
        node.slot = *metrics.find(comparison->metric);
        node.op = comparison->op;
        node.threshold = comparison->value;
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

}  // namespace track::check
