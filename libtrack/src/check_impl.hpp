// The inside of track::Checker, shared by check.cpp (evaluation) and check_state.cpp (state files).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "check_asset.hpp"
#include "check_events.hpp"
#include "check_names.hpp"
#include "check_rules.hpp"
#include "check_selection.hpp"
#include "check_timers.hpp"
#include "track/check.hpp"

namespace track {

namespace check {

/// The assets of `assets` (a map of names to AssetState, const or not) in name order: the
/// same state gives the same events and state files in the same order.
template <typename Assets>
auto by_name(Assets& assets) {
    std::map<std::string_view, decltype(&assets.begin()->second)> sorted;
    for (auto& [name, state] : assets) sorted.emplace(name, &state);
    return sorted;
}

}  // namespace check

/// The compiled rules, the assets' states, record time; and the steps of evaluation that
/// join the parts: a record's held values, then its rules' timers, then their families.
struct Checker::Impl {
    Impl(std::vector<Rule> given, ProfileLookup profiles, Sink sink);

    /// The asset's state, made when it is first named.
    check::AssetState& asset(const std::string& name);

    void record(const Record& record);
    void advance_to(Millis now);
    /// Evaluates a rule for an asset at `time`, and settles its family when its timer opened or closed.
    void evaluate(check::AssetState& asset, std::size_t rule, const std::string& name, Millis time);
    /// Holds a metric's value when a rule compares it (other metrics are not kept).
    void hold(check::AssetState& asset, const std::string& metric, double value);
    /// Opens the unseen violations whose deadline record time has passed.
    void pass_deadlines(Millis now);
    /// The asset was seen at `time`: its unseen violations clear, its deadlines move.
    void saw(check::AssetState& asset, const std::string& name, Millis time);
    /// Restores when the asset was last seen (state files): deadlines for the unseen rules
    /// not open already, as the run that saved the state had them.
    void restore_seen(check::AssetState& asset, const std::string& name, Millis time);

    check::CompiledRules rules;
    check::RuleSelection selection;  ///< reads `rules`
    check::EventWriter events;
    check::UnseenDeadlines deadlines;  ///< by unseen rule (rules.unseen_rules)
    check::UnmetNames unmet;           ///< reads `rules`
    std::unordered_map<std::string, check::AssetState> assets;
    Millis record_time = 0;  ///< the latest record time seen
    bool any_record = false;

    class StateReader;  ///< reads state files into a checker (check_state.cpp)
};

}  // namespace track
