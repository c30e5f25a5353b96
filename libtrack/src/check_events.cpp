// Writing `trk check` events (check_events.hpp): the members of violation and clear events, in a fixed order.
#include "check_events.hpp"

#include <algorithm>

#include "track/json_writer.hpp"
#include "track/number.hpp"

namespace track::check {

std::string violation_id(std::string_view family_key, std::string_view asset, Millis since) {
    return fmt::format("{}/{}/{}", family_key, asset, format_rfc3339(since));
}

namespace {

/// `value` to `digits` significant digits: a slope of exactly 3 per hour reads 3, not
/// 2.9999999999999996, and 95 °F reads 35 °C, not 35.000000000000185.
double significant(double value, int digits) { return round_significant(value, digits); }

/// A trend statistic (sums of many readings) keeps 9 significant digits, a value converted
/// to the rule's unit 12: what is beyond is rounding noise.
constexpr int statistic_digits = 9;
constexpr int converted_digits = 12;

constexpr double ms_per_hour = 3'600'000;

}  // namespace

void EventWriter::write_value(JsonWriter& members, std::string_view key, const CompiledRule& rule,
                              const std::optional<double>& value) {
    if (!value) return;
    if (rule.trend) {
        members.key(key).number(significant(*value, statistic_digits));
    } else {
        members.key(key).number(rule.unit.empty() ? *value : significant(*value, converted_digits));
    }
}

void EventWriter::opened(const std::string& asset, const CompiledRule& rule, const std::string& id, Millis since,
                         const std::optional<double>& value, const std::optional<Forecasted>& forecast) {
    JsonWriter members = begin(rule, id, std::nullopt);
    write_value(members, "value", rule, value);
    if (forecast) {
        members.key("eta").time(forecast->eta);
        members.key("slope").number(significant(forecast->slope_per_ms * ms_per_hour, statistic_digits));
    }
    write("violation", asset, rule, since);
    ++counts_.violations;
}

void EventWriter::changed_severity(const std::string& asset, const CompiledRule& rule, Severity previous,
                                   const std::string& id, const std::optional<double>& value, Millis time) {
    JsonWriter members = begin(rule, id, previous);
    write_value(members, "value", rule, value);
    write("violation", asset, rule, time);
    ++counts_.escalations;
}

void EventWriter::cleared(const std::string& asset, const CompiledRule& rule, const std::string& id,
                          const std::optional<double>& peak, Millis since, Millis time) {
    JsonWriter members = begin(rule, id, std::nullopt);
    write_value(members, "peak", rule, peak);
    members.key("duration_s").rounded(static_cast<double>(std::max<Millis>(time - since, 0)) / 1000.0, 3);
    write("clear", asset, rule, time);
    ++counts_.clears;
}

// The members every violation and clear starts with: severity, previous (a change of
// severity), violation, metric, unit; the writer goes on with the event's own.
JsonWriter EventWriter::begin(const CompiledRule& rule, const std::string& id,
                              const std::optional<Severity>& previous) {
    JsonWriter members = JsonWriter::extra_members(members_);
    members.key("severity").string(to_string(rule.rule.severity));
    if (previous) members.key("previous").string(to_string(*previous));
    members.key("violation").string(id);
    if (!rule.metric.empty()) members.key("metric").string(rule.metric);
    if (!rule.unit.empty()) members.key("unit").string(rule.unit);
    return members;
}

void EventWriter::write(std::string_view kind, const std::string& asset, const CompiledRule& rule, Millis time) {
    event_.time = time;
    event_.asset.assign(asset);
    event_.event.assign(kind);
    event_.rule.assign(rule.rule.name);
    event_.extra.assign(members_.data(), members_.size());
    members_.clear();
    sink_(event_);
}

}  // namespace track::check
