// Everything `trk check` keeps of one asset, part by part.
#pragma once

#include <optional>
#include <vector>

#include "check_families.hpp"
#include "check_rules.hpp"
#include "check_selection.hpp"
#include "check_timers.hpp"
#include "check_values.hpp"
#include "track/time.hpp"

namespace track::check {

/// One asset's state: what its conditions read, each rule's timer, each family's violation,
/// which rules select it, and when it was last seen. Inputs to conditions (held values,
/// trend windows, zones) belong in HeldValues, not here.
struct AssetState {
    explicit AssetState(const CompiledRules& rules)
        : values(rules.metrics.size(), &rules.trends),
          timers(rules.rules.size()),
          families(rules.families.size()),
          selection{.statically = std::vector<std::int8_t>(rules.rules.size(), -1),
                    .metric_rules = decltype(AssetSelection::metric_rules)(rules.metrics.size()),
                    .fix_rules = std::nullopt} {}

    HeldValues values;                 ///< held metric values, trend windows and zones
    std::vector<RuleTimer> timers;     ///< by rule
    std::vector<FamilyView> families;  ///< by family
    AssetSelection selection;          ///< which rules select it
    std::optional<Millis> seen = {};   ///< its latest fix, read or reading (or the ledger's time)
};

}  // namespace track::check
