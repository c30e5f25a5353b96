// Which `trk check` rules apply to which assets: `where` selectors, and the rules each record of an asset concerns.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "check_rules.hpp"
#include "check_values.hpp"
#include "track/check.hpp"

namespace track::check {

/// What is known of which rules select one asset, worked out on first need. Id, kind, home
/// and attribute selectors (the static ones) do not change during a run; zones do.
struct AssetSelection {
    std::vector<std::int8_t> statically;  ///< by rule: 1 its static selectors pass, 0 not, -1 not worked out yet
    /// By metric slot: the rules comparing it whose static selectors pass; nullopt until a reading needs them.
    std::vector<std::optional<std::vector<std::uint32_t>>> metric_rules;
    std::optional<std::vector<std::uint32_t>> fix_rules;  ///< the same for the rules reading fixes
};

/// Decides which rules select which assets: static selectors once per asset and rule (from
/// the ledger's profiles), `zone` selectors at every evaluation.
class RuleSelection {
public:
    /// `rules` must outlive the selection.
    RuleSelection(const CompiledRules& rules, ProfileLookup profiles) : rules_(rules), profiles_(std::move(profiles)) {}

    /// Whether the rule selects the asset now: all its selectors pass.
    bool selects(AssetSelection& asset, const HeldValues& values, std::size_t rule, const std::string& name) {
        if (!selects_statically(asset, rule, name)) return false;
        const std::vector<Selector>& where = rules_.rules[rule].rule.where;
        return std::all_of(where.begin(), where.end(), [&](const Selector& selector) {
            return selector.key != "zone" || values.in_zone(selector.value);
        });
    }

    /// The rules to evaluate at the asset's readings of the metric in `slot`.
    const std::vector<std::uint32_t>& rules_reading(AssetSelection& asset, std::size_t slot, const std::string& name) {
        auto& selected = asset.metric_rules[slot];
        if (!selected) selected = statically_selected(asset, rules_.rules_of_metric[slot], name);
        return *selected;
    }
    /// The rules to evaluate at the asset's fixes.
    const std::vector<std::uint32_t>& rules_reading_fixes(AssetSelection& asset, const std::string& name) {
        if (!asset.fix_rules) asset.fix_rules = statically_selected(asset, rules_.fix_rules, name);
        return *asset.fix_rules;
    }

private:
    bool selects_statically(AssetSelection& asset, std::size_t rule, const std::string& name) {
        if (asset.statically[rule] < 0) asset.statically[rule] = work_out_statically(rule, name) ? 1 : 0;
        return asset.statically[rule] == 1;
    }
    bool work_out_statically(std::size_t rule, const std::string& name) const;
    std::vector<std::uint32_t> statically_selected(AssetSelection& asset, const std::vector<std::size_t>& candidates,
                                                   const std::string& name);

    const CompiledRules& rules_;
    ProfileLookup profiles_;
};

}  // namespace track::check
