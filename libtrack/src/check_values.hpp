// What an asset's conditions read in `trk check`: its held metric values, their trend windows, and the zones of its
// latest fix.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "check_trend.hpp"
#include "track/time.hpp"

namespace track::check {

/// Which statistics each metric slot feeds, numbered once for every asset (CompiledRules
/// works it out): one TrendWindow per distinct (slot, window length) that rate, zscore or
/// forecast factors name, one Ewma per distinct (slot, time constant).
struct TrendLayout {
    std::vector<std::pair<std::size_t, Millis>> windows;    ///< by window: its slot and length
    std::vector<std::pair<std::size_t, Millis>> ewmas;      ///< by EWMA: its slot and time constant
    std::vector<std::vector<std::size_t>> windows_of_slot;  ///< by slot: the windows it feeds
    std::vector<std::vector<std::size_t>> ewmas_of_slot;    ///< by slot: the EWMAs it feeds
};

/// One asset's inputs to comparisons, trend factors and zone tests. Values are sampled and
/// held: a comparison reads the latest value of its slot (a metric in a unit, MetricSlots),
/// and an asset without one does not meet it. Only the slots that rules read are held. The
/// windows and averages of trend factors are fed by the same hold(), with the held
/// (converted) value and the reading's time; each knows when its last reading was, so that
/// a silent sensor reads as stale, not as flat.
class HeldValues {
public:
    /// Makes room for `slots` slots, none held, and the statistics of `layout` (which must
    /// outlive the values; none without one).
    explicit HeldValues(std::size_t slots = 0, const TrendLayout* layout = nullptr) : latest_(slots), layout_(layout) {
        if (layout_ == nullptr) return;
        windows_.reserve(layout_->windows.size());
        for (const auto& [slot, length] : layout_->windows) windows_.emplace_back(length);
        ewmas_.reserve(layout_->ewmas.size());
        for (const auto& [slot, tau] : layout_->ewmas) ewmas_.emplace_back(tau);
    }

    /// Holds `value`, read at `time`, as the latest of `slot`, and feeds the slot's windows and averages.
    void hold(std::size_t slot, Millis time, double value) {
        latest_[slot] = value;
        if (layout_ == nullptr) return;
        for (const std::size_t window : layout_->windows_of_slot[slot]) windows_[window].add(time, value);
        for (const std::size_t ewma : layout_->ewmas_of_slot[slot]) ewmas_[ewma].add(time, value);
    }
    /// Holds `value` as the latest of `slot` and nothing else (a state file restores the windows apart).
    void restore_latest(std::size_t slot, double value) { latest_[slot] = value; }
    /// The latest value of `slot`; nullopt until one is held.
    [[nodiscard]] const std::optional<double>& latest(std::size_t slot) const { return latest_[slot]; }
    /// As latest(slot), and nullopt without a slot (a rule that compares nothing).
    [[nodiscard]] std::optional<double> latest(const std::optional<std::size_t>& slot) const {
        return slot ? latest_[*slot] : std::nullopt;
    }
    [[nodiscard]] std::size_t slots() const { return latest_.size(); }

    /// The trend window numbered `window` in the layout.
    [[nodiscard]] const TrendWindow& window(std::size_t window) const { return windows_[window]; }
    [[nodiscard]] TrendWindow& window(std::size_t window) { return windows_[window]; }
    [[nodiscard]] std::size_t windows() const { return windows_.size(); }
    /// The EWMA numbered `ewma` in the layout.
    [[nodiscard]] const Ewma& ewma(std::size_t ewma) const { return ewmas_[ewma]; }
    [[nodiscard]] Ewma& ewma(std::size_t ewma) { return ewmas_[ewma]; }
    [[nodiscard]] std::size_t ewmas() const { return ewmas_.size(); }

    /// Holds the zones of a fix that had them (fixes without `zones` leave them as they were).
    void hold_zones(const std::vector<std::string>& zones) { zones_ = zones; }
    /// The zones of the latest fix that had them; nullopt when none had.
    [[nodiscard]] const std::optional<std::vector<std::string>>& zones() const { return zones_; }
    /// Whether the latest zones known include `zone` (false when none are known).
    [[nodiscard]] bool in_zone(std::string_view zone) const {
        return zones_ && std::find(zones_->begin(), zones_->end(), zone) != zones_->end();
    }

private:
    std::vector<std::optional<double>> latest_;  ///< by slot
    const TrendLayout* layout_;
    std::vector<TrendWindow> windows_;                    ///< by window of the layout
    std::vector<Ewma> ewmas_;                             ///< by EWMA of the layout
    std::optional<std::vector<std::string>> zones_ = {};  ///< of the latest fix that had them
};

}  // namespace track::check
