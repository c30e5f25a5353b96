// The rules of a `trk check` run compiled once: conditions over metric slots, families, and which rules read what.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "check_timers.hpp"
#include "check_values.hpp"
#include "track/rules.hpp"
#include "track/time.hpp"

namespace track::check {

/// The metrics that rules compare, numbered: the slot of an asset's held value of each.
class MetricSlots {
public:
    /// The metric's slot, numbered now if it has none yet.
    std::size_t add(const std::string& metric);
    /// The metric's slot; nullopt when no rule compares it (its values are not held).
    [[nodiscard]] std::optional<std::size_t> find(const std::string& metric) const {
        const auto found = slot_of_.find(metric);
        return found == slot_of_.end() ? std::nullopt : std::optional<std::size_t>(found->second);
    }
    [[nodiscard]] const std::string& name(std::size_t slot) const { return names_[slot]; }
    [[nodiscard]] std::size_t size() const { return names_.size(); }

private:
    std::unordered_map<std::string, std::size_t> slot_of_;
    std::vector<std::string> names_;  ///< by slot
};

/// A rule's condition with its metrics turned into slots: no name is compared at evaluation.
struct ConditionNode {
    /// The leaf tests. The trend functions (rate, ewma, zscore, forecast) join here as tests
    /// of their own that name a window rather than a metric slot (see HeldValues).
    enum class Test { compare, stationary, zone, unseen };
    Condition::Kind kind = Condition::Kind::test;
    Test test = Test::compare;
    std::size_t slot = 0;  ///< compare: the metric's slot
    CompareOp op = CompareOp::greater;
    double threshold = 0;  ///< compare
    Millis duration = 0;   ///< stationary
    std::string zone = {};
    bool inside = true;                        ///< zone: inside (true) or outside
    std::vector<ConditionNode> children = {};  ///< all, any
};

/// A rule with what evaluating it needs, worked out once.
struct CompiledRule {
    Rule rule;
    ConditionNode condition = {};
    std::size_t family = 0;                     ///< index in CompiledRules::families
    std::string metric = {};                    ///< of the first comparison; empty when none
    std::optional<std::size_t> slot = {};       ///< of the first comparison's metric
    int direction = 0;                          ///< of the first comparison: +1 higher is worse, -1 lower, 0 neither
    std::optional<Stationary> stationary = {};  ///< its stationary test, if any
    bool stationary_alone = false;              ///< the condition is that stationary test alone
    std::optional<Millis> unseen = {};          ///< the silence that opens it, when the condition is `unseen D` alone
    bool reads_fixes = false;                   ///< speed, hdop, zones or positions
};

/// Rules that share one comparison's metric and direction, and their `where`: one violation
/// per asset, shown with the severity of its most severe open rule.
struct RuleFamily {
    std::string key;                 ///< its first rule's name: the start of violation ids
    std::vector<std::size_t> rules;  ///< indexes in CompiledRules::rules, in the order given
};

/// All the rules of a run, and the indexes that tell which rules a record concerns.
struct CompiledRules {
    /// Throws InputError naming the rule when one cannot be evaluated (unseen combined with
    /// other tests, two stationary tests, or two rules with one name).
    explicit CompiledRules(std::vector<Rule> given);

    /// The rule with that name; nullopt when none (e.g. a rule in a state file no longer given).
    [[nodiscard]] std::optional<std::size_t> named(std::string_view name) const;

    std::vector<CompiledRule> rules;
    std::vector<RuleFamily> families;
    MetricSlots metrics;                                    ///< the metrics that rules compare
    std::vector<std::vector<std::size_t>> rules_of_metric;  ///< by slot: the rules that compare it
    std::vector<std::size_t> fix_rules;                     ///< the rules that read fixes
    std::vector<std::size_t> unseen_rules;                  ///< the rules whose condition is `unseen D`

private:
    ConditionNode compile(const Condition& condition);

    std::map<std::string, std::size_t, std::less<>> index_of_name_;  ///< rules by name
};

/// Whether `value OP threshold`.
inline bool compare(double value, CompareOp op, double threshold) {
    switch (op) {
        case CompareOp::less: return value < threshold;
        case CompareOp::less_equal: return value <= threshold;
        case CompareOp::greater: return value > threshold;
        case CompareOp::greater_equal: return value >= threshold;
        case CompareOp::equal: return value == threshold;
        case CompareOp::not_equal: return value != threshold;
    }
    return false;
}

/// Whether a compiled condition holds for an asset at `time`, from its held values and the
/// rule's timer (stationary anchors). `unseen` never holds here: its deadlines decide. A trend
/// test (rate, ewma, zscore, forecast) will be one more case of the test switch: the statistic
/// of values.window(its window slot) against the threshold, not holding while the window is
/// too short or stale. Inline: it runs at every evaluation.
inline bool holds(const ConditionNode& condition, const HeldValues& values, const RuleTimer& timer, Millis time) {
    switch (condition.kind) {
        case Condition::Kind::all:
            return std::all_of(condition.children.begin(), condition.children.end(),
                               [&](const ConditionNode& child) { return holds(child, values, timer, time); });
        case Condition::Kind::any:
            return std::any_of(condition.children.begin(), condition.children.end(),
                               [&](const ConditionNode& child) { return holds(child, values, timer, time); });
        case Condition::Kind::test: break;
    }
    switch (condition.test) {
        case ConditionNode::Test::compare: {
            const std::optional<double>& value = values.latest(condition.slot);
            return value && compare(*value, condition.op, condition.threshold);
        }
        case ConditionNode::Test::stationary: return timer.anchor && time - timer.anchor->time >= condition.duration;
        case ConditionNode::Test::zone: return values.zones() && values.in_zone(condition.zone) == condition.inside;
        case ConditionNode::Test::unseen: break;  // decided by deadlines
    }
    return false;
}

}  // namespace track::check
