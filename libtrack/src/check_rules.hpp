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
#include <utility>
#include <vector>

#include "check_timers.hpp"
#include "check_trend.hpp"
#include "check_values.hpp"
#include "track/rules.hpp"
#include "track/time.hpp"

namespace track::check {

/// The metrics that rules read, each in the units they name it in: a slot per (metric, unit),
/// numbered, holding an asset's latest value of that metric converted to that unit. A slot
/// without a unit holds readings' values as they are (rules without units compare those).
class MetricSlots {
public:
    /// The slot of `metric` in `unit` (empty: as readings give it), numbered now if it has none yet.
    std::size_t add(const std::string& metric, const std::string& unit);
    /// The metric's number (for its slots); nullopt when no rule reads it (its values are not held).
    [[nodiscard]] std::optional<std::size_t> find_metric(const std::string& metric) const {
        const auto found = metric_of_name_.find(metric);
        return found == metric_of_name_.end() ? std::nullopt : std::optional<std::size_t>(found->second);
    }
    /// The slot whose key() is `key`; nullopt when no rule reads it.
    [[nodiscard]] std::optional<std::size_t> find(std::string_view key) const {
        const auto found = slot_of_key_.find(key);
        return found == slot_of_key_.end() ? std::nullopt : std::optional<std::size_t>(found->second);
    }
    /// The slots of metric number `metric`, one per unit rules name it in.
    [[nodiscard]] const std::vector<std::size_t>& slots_of(std::size_t metric) const { return metrics_[metric].slots; }
    /// "METRIC", or "METRIC in UNIT": how state files name the slot.
    [[nodiscard]] const std::string& key(std::size_t slot) const { return slots_[slot].key; }
    [[nodiscard]] const std::string& unit(std::size_t slot) const { return slots_[slot].unit; }
    /// The number of the slot's metric.
    [[nodiscard]] std::size_t metric_of(std::size_t slot) const { return slots_[slot].metric; }
    [[nodiscard]] const std::string& metric_name(std::size_t metric) const { return metrics_[metric].name; }
    [[nodiscard]] std::size_t size() const { return slots_.size(); }
    [[nodiscard]] std::size_t metric_count() const { return metrics_.size(); }

private:
    struct Slot {
        std::string key, unit;
        std::size_t metric;
    };
    struct Metric {
        std::string name;
        std::vector<std::size_t> slots;
    };
    std::unordered_map<std::string, std::size_t> metric_of_name_;
    std::map<std::string, std::size_t, std::less<>> slot_of_key_;
    std::vector<Slot> slots_;      ///< by slot
    std::vector<Metric> metrics_;  ///< by metric number
};

/// A rule's condition with its metrics turned into slots and windows: no name is compared at evaluation.
struct ConditionNode {
    /// The leaf tests; trend reads a window or an EWMA of a slot (HeldValues), forecast a window.
    enum class Test { compare, stationary, zone, unseen, trend, forecast };
    Condition::Kind kind = Condition::Kind::test;
    Test test = Test::compare;
    std::size_t slot = 0;  ///< compare, trend, forecast: the slot read
    CompareOp op = CompareOp::greater;
    double threshold = 0;                          ///< compare, trend; forecast: the level
    TrendFunction function = TrendFunction::rate;  ///< trend
    std::size_t statistic = 0;  ///< trend, forecast: the window (rate, zscore, forecast) or EWMA read
    double per = 1;             ///< rate: the `per` in ms (the slope is per ms)
    Millis duration = 0;        ///< stationary; forecast: `within`
    std::string zone = {};
    bool inside = true;                        ///< zone: inside (true) or outside
    std::vector<ConditionNode> children = {};  ///< all, any
};

/// A rule with what evaluating it needs, worked out once.
struct CompiledRule {
    Rule rule;
    ConditionNode condition = {};
    std::size_t family = 0;  ///< index in CompiledRules::families
    /// Its measure is its first comparison, trend or forecast factor (depth first): what a
    /// violation's value and peak are of.
    std::string metric = {};                    ///< of the measure; empty when none
    std::string unit = {};                      ///< of the measure, as the rule wrote it; empty when none
    std::optional<std::size_t> slot = {};       ///< of the measure, when it is a comparison
    std::optional<ConditionNode> trend = {};    ///< the measure, when it is a trend or forecast factor
    int direction = 0;                          ///< of the measure: +1 higher is worse, -1 lower, 0 neither
    std::optional<Stationary> stationary = {};  ///< its stationary test, if any
    bool stationary_alone = false;              ///< the condition is that stationary test alone
    std::optional<Millis> unseen = {};          ///< the silence that opens it, when the condition is `unseen D` alone
    bool reads_fixes = false;                   ///< speed, hdop, zones or positions
};

/// Rules that are one comparison each on the same slot (metric and unit) in the same
/// direction, with the same `where`: one violation per asset, shown with the severity of its
/// most severe open rule. Any other rule (a trend or forecast rule too) is a family of its own.
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
    MetricSlots metrics;                                    ///< the metrics that rules read, by unit
    std::vector<std::vector<std::size_t>> rules_of_metric;  ///< by slot: the rules that read it
    TrendLayout trends;                                     ///< the windows and EWMAs that trend factors read
    std::vector<std::size_t> fix_rules;                     ///< the rules that read fixes
    std::vector<std::size_t> unseen_rules;                  ///< the rules whose condition is `unseen D`

private:
    ConditionNode compile(const Condition& condition);
    /// The number of the window of `slot` and `length`, or of its EWMA of time constant `length`.
    std::size_t statistic(std::vector<std::pair<std::size_t, Millis>>& numbered, std::size_t slot, Millis length);

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

/// What a forecast factor found: the line's value at the latest reading, when it reaches the
/// level, and its slope.
struct Forecasted {
    double value = 0;
    Millis eta = 0;  ///< not before `now`
    double slope_per_ms = 0;
};

/// The line of a forecast factor's window at `now`, and when it reaches the level: nullopt
/// while the window's guards fail, or when the line is flat, recedes, or reaches the level
/// later than `within` after the latest reading.
inline std::optional<Forecasted> forecasted(const ConditionNode& forecast, const HeldValues& values, Millis now) {
    const std::optional<LineFit> fit = values.window(forecast.statistic).fit(now);
    if (!fit) return std::nullopt;
    const bool upward = forecast.op == CompareOp::greater || forecast.op == CompareOp::greater_equal;
    const std::optional<Millis> reaches = forecast_eta(*fit, upward, forecast.threshold);
    if (!reaches) return std::nullopt;
    const Millis eta = std::max(*reaches, now);
    if (eta - fit->latest > forecast.duration) return std::nullopt;
    return Forecasted{fit->value_at_latest, eta, fit->slope_per_ms};
}

/// The statistic that a trend factor compares (rate: the slope per its `per`), or the line's
/// value at the latest reading for a forecast: what the rule's violation carries. Nullopt
/// while the window's guards fail.
inline std::optional<double> measure(const ConditionNode& trend, const HeldValues& values, Millis now) {
    if (trend.test == ConditionNode::Test::forecast) {
        const std::optional<LineFit> fit = values.window(trend.statistic).fit(now);
        return fit ? std::optional<double>(fit->value_at_latest) : std::nullopt;
    }
    switch (trend.function) {
        case TrendFunction::rate: {
            const std::optional<LineFit> fit = values.window(trend.statistic).fit(now);
            return fit ? std::optional<double>(fit->slope_per_ms * trend.per) : std::nullopt;
        }
        case TrendFunction::ewma: return values.ewma(trend.statistic).value(now);
        case TrendFunction::zscore: return values.window(trend.statistic).zscore(now);
    }
    return std::nullopt;
}

/// Whether a compiled condition holds for an asset at `time`, from its held values and
/// windows and the rule's timer (stationary anchors). `unseen` never holds here: its
/// deadlines decide. A trend or forecast factor does not hold while its window is too short
/// or stale. Inline: it runs at every evaluation.
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
        case ConditionNode::Test::trend: {
            const std::optional<double> value = measure(condition, values, time);
            return value && compare(*value, condition.op, condition.threshold);
        }
        case ConditionNode::Test::forecast: return forecasted(condition, values, time).has_value();
    }
    return false;
}

}  // namespace track::check
