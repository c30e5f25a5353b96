// Rule families in `trk check`: one violation per family and asset, shown with its most severe open rule's severity.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>

#include "check_events.hpp"
#include "check_rules.hpp"
#include "track/time.hpp"

namespace track::check {

struct AssetState;

/// What has been written of one family's violation on one asset.
struct FamilyView {
    std::optional<std::size_t> shown = {};  ///< the open rule whose severity was written; nullopt: none open
    Millis since = 0;                       ///< when the violation began: its id's time
    std::optional<double> value = {};       ///< what opened it
    std::optional<double> peak = {};        ///< the worst value of its metric since, for rules with a direction

    /// Takes a held value of the violation's metric into its peak; `direction` is the
    /// rule's (+1: higher is worse, -1: lower is worse).
    void note_peak(double held, int direction) {
        peak = !peak ? held : direction > 0 ? std::max(*peak, held) : std::min(*peak, held);
    }
};

/// After a rule of the family opened or closed on the asset: writes a violation when the
/// first rule opens or the most severe open rule's severity changes, and a clear when the
/// last one closes.
void settle_family(const CompiledRules& rules, std::size_t family, AssetState& asset, const std::string& name,
                   Millis time, EventWriter& events);

}  // namespace track::check
