// What an asset's conditions read in `trk check`: its held metric values and the zones of its latest fix.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace track::check {

/// One asset's inputs to comparisons and zone tests. Values are sampled and held: a
/// comparison reads the latest value of its metric (readings' metrics, and speed and hdop
/// of fixes), and an asset without one does not meet it. Only the metrics that rules
/// compare are held, one slot each (MetricSlots).
///
/// Where the trend functions of the rule language join (rate, ewma, zscore, forecast, issue
/// 17): they read a window of the asset's recent readings of one metric, and the windows
/// belong here, beside the latest values, fed by the same hold(). Each distinct (metric,
/// window length) that a trend factor names gets a window slot, numbered once like the
/// metric slots; a window keeps (time, value) readings ending at the latest one, as few as
/// its statistic needs (running sums where the math allows, a bounded buffer where not) and
/// knows when its last reading was, so that a silent sensor reads as stale, not as flat.
/// ConditionNode then gets a test per function that reads window(slot) in holds(), and
/// check_state.cpp saves the windows with the values so that split runs give the same
/// events. The checker's other parts (timers, families, selection, events) stay as they are.
class HeldValues {
public:
    /// Makes room for `slots` metrics, none held.
    explicit HeldValues(std::size_t slots = 0) : latest_(slots) {}

    /// Holds `value` as the latest of the metric in `slot`.
    void hold(std::size_t slot, double value) { latest_[slot] = value; }
    /// The latest value of the metric in `slot`; nullopt until one is held.
    [[nodiscard]] const std::optional<double>& latest(std::size_t slot) const { return latest_[slot]; }
    /// As latest(slot), and nullopt without a slot (a rule that compares nothing).
    [[nodiscard]] std::optional<double> latest(const std::optional<std::size_t>& slot) const {
        return slot ? latest_[*slot] : std::nullopt;
    }
    [[nodiscard]] std::size_t slots() const { return latest_.size(); }

    /// Holds the zones of a fix that had them (fixes without `zones` leave them as they were).
    void hold_zones(const std::vector<std::string>& zones) { zones_ = zones; }
    /// The zones of the latest fix that had them; nullopt when none had.
    [[nodiscard]] const std::optional<std::vector<std::string>>& zones() const { return zones_; }
    /// Whether the latest zones known include `zone` (false when none are known).
    [[nodiscard]] bool in_zone(std::string_view zone) const {
        return zones_ && std::find(zones_->begin(), zones_->end(), zone) != zones_->end();
    }

private:
    std::vector<std::optional<double>> latest_;           ///< by metric slot
    std::optional<std::vector<std::string>> zones_ = {};  ///< of the latest fix that had them
};

}  // namespace track::check
