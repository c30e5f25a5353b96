// The events that `trk check` writes (a violation opens, changes severity, clears), and their counts.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "check_rules.hpp"
#include "track/check.hpp"
#include "track/json_writer.hpp"
#include "track/record.hpp"
#include "track/time.hpp"

namespace track::check {

/// A violation's id: FIRST-RULE-OF-FAMILY/ASSET/SINCE.
std::string violation_id(std::string_view family_key, std::string_view asset, Millis since);

/// Writes the checker's events to its sink, reusing one Event, and counts them. Each event
/// carries the rule as written now (`rule`, its severity), the violation's id, and the
/// metric of the rule's measure (its first comparison, trend or forecast factor) when it has
/// one, with the unit the rule names for it. A trend's statistics are written to 9
/// significant digits, values converted to a rule's unit to 12 (what is beyond is rounding
/// noise).
class EventWriter {
public:
    explicit EventWriter(std::function<void(const Event&)> sink) : sink_(std::move(sink)) {}

    /// A violation opens at `since` (when its condition began to hold) with `value`, and
    /// what its forecast found when it is a forecast rule.
    void opened(const std::string& asset, const CompiledRule& rule, const std::string& id, Millis since,
                const std::optional<double>& value, const std::optional<Forecasted>& forecast = std::nullopt);
    /// An open violation is written again at `time` with `rule`'s severity, `previous` before.
    void changed_severity(const std::string& asset, const CompiledRule& rule, Severity previous, const std::string& id,
                          const std::optional<double>& value, Millis time);
    /// A violation, last written as `rule`, clears at `time`: it lasted from `since`.
    void cleared(const std::string& asset, const CompiledRule& rule, const std::string& id,
                 const std::optional<double>& peak, Millis since, Millis time);

    [[nodiscard]] const CheckCounts& counts() const { return counts_; }

private:
    JsonWriter begin(const CompiledRule& rule, const std::string& id, const std::optional<Severity>& previous);
    /// "KEY":VALUE when there is a value, to the digits that mean something (see above).
    static void write_value(JsonWriter& members, std::string_view key, const CompiledRule& rule,
                            const std::optional<double>& value);
    void write(std::string_view kind, const std::string& asset, const CompiledRule& rule, Millis time);

    std::function<void(const Event&)> sink_;
    Event event_;                 ///< reused for every event written
    fmt::memory_buffer members_;  ///< an event's members beyond the common ones
    CheckCounts counts_;
};

}  // namespace track::check
