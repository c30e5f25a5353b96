// The inside of track::Checker, shared by check.cpp (evaluation) and check_state.cpp (state files).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
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
#include "track/units.hpp"

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
    Impl(std::vector<Rule> given, ProfileLookup profiles, Sink sink, Note note);

    /// The asset's state, made when it is first named.
    check::AssetState& asset(const std::string& name);

    void record(const Record& record);
    void advance_to(Millis now);
    /// Evaluates a rule for an asset at `time`, and settles its family when its timer opened or closed.
    void evaluate(check::AssetState& asset, std::size_t rule, const std::string& name, Millis time);
    /// Holds a value of `metric` in `unit`, read at `time`, in each of the metric's slots that
    /// it converts to (none when no rule reads the metric), and calls `held(slot)` for each. A
    /// slot it does not convert to is left as it was, and the problem told once per asset.
    /// False when no rule reads the metric.
    template <typename Held>
    bool hold(check::AssetState& asset, const std::string& name, const std::string& metric, std::string_view unit,
              double value, Millis time, Held&& held);
    /// `value` in `unit` converted to the unit of `slot`; nullopt when it does not convert
    /// (or has no unit, and the slot has one). A slot without a unit takes it as it is.
    std::optional<double> converted(std::size_t slot, std::string_view unit, double value);
    /// Tells (once per asset, slot and unit) that the asset's value in `unit` does not convert to the slot's.
    void unit_problem(const std::string& name, std::size_t slot, std::string_view unit);
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
    Note note;                         ///< where problems with units are told
    /// By slot: the last unit converted from, and its conversion to the slot's (nullopt: none).
    struct SlotConversion {
        std::optional<std::string> from = {};
        std::optional<UnitConversion> conversion = {};
    };
    std::vector<SlotConversion> conversions;
    std::set<std::string, std::less<>> told_unit_problems;  ///< asset, slot and unit, as told
    /// The slots a reading was held in (reused: no allocation per reading once grown).
    std::vector<std::size_t> held_slots;
    std::unordered_map<std::string, check::AssetState> assets;
    Millis record_time = 0;  ///< the latest record time seen
    bool any_record = false;

    class StateReader;  ///< reads state files into a checker (check_state.cpp)
};

}  // namespace track
