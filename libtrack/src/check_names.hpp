// Names that rules ask for and no record carried: a rule with a typo in a metric or a zone
// never holds, which looks like "all clear"; the checker notes what the input did carry, so
// that the end of the run can say "did you mean".
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "check_rules.hpp"

namespace track::check {

/// "rule NAME", or "rules NAME, NAME, ...": the rules numbered `which`.
std::string rule_names(const CompiledRules& rules, const std::vector<std::size_t>& which);

class UnmetNames {
public:
    explicit UnmetNames(const CompiledRules& rules);

    /// A record carried the metric numbered `metric` (MetricSlots::find_metric): rules'
    /// comparisons, trend and forecast factors name it.
    void met_metric(std::size_t metric) {
        if (metric_met_[metric] == 0) {
            metric_met_[metric] = 1;
            --metrics_unmet_;
        }
    }
    /// A reading's metric that no rule compares: kept only while a rule's metric is unmet.
    void other_metric(const std::string& metric) {
        if (metrics_unmet_ > 0) remember(other_metrics_, metric);
    }
    /// A fix's zones: kept only while a zone that a rule names is unmet.
    void zones(const std::vector<std::string>& zones);

    /// One line per metric or zone that rules name, that no record carried, and that is
    /// close to one the input did carry: `rule cold: no record had the metric "tempertaure"
    /// (did you mean "temperature"?)`. Empty when nothing looks like a typo.
    [[nodiscard]] std::vector<std::string> likely_typos(const CompiledRules& rules) const;

private:
    /// Adds `name` to `names` unless there already, or there are enough to choose from.
    static void remember(std::vector<std::string>& names, const std::string& name);

    std::vector<char> metric_met_;  ///< by metric number
    std::size_t metrics_unmet_ = 0;
    std::vector<std::string> other_metrics_;
    struct WantedZone {
        std::string zone;
        std::vector<std::size_t> rules;  ///< the rules that name it
        bool met = false;
    };
    std::vector<WantedZone> zones_;
    std::size_t zones_unmet_ = 0;
    std::vector<std::string> other_zones_;
};

}  // namespace track::check
