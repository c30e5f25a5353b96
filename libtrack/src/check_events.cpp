// Writing `trk check` events (check_events.hpp): the members of violation and clear events, in a fixed order.
#include "check_events.hpp"

#include <algorithm>

#include "track/json_writer.hpp"

namespace track::check {

std::string violation_id(std::string_view family_key, std::string_view asset, Millis since) {
    return fmt::format("{}/{}/{}", family_key, asset, format_rfc3339(since));
}

void EventWriter::opened(const std::string& asset, const CompiledRule& rule, const std::string& id, Millis since,
                         const std::optional<double>& value) {
    JsonWriter members = begin(rule, id, std::nullopt);
    if (value) members.key("value").number(*value);
    write("violation", asset, rule, since);
    ++counts_.violations;
}

void EventWriter::changed_severity(const std::string& asset, const CompiledRule& rule, Severity previous,
                                   const std::string& id, const std::optional<double>& value, Millis time) {
    JsonWriter members = begin(rule, id, previous);
    if (value) members.key("value").number(*value);
    write("violation", asset, rule, time);
    ++counts_.escalations;
}

void EventWriter::cleared(const std::string& asset, const CompiledRule& rule, const std::string& id,
                          const std::optional<double>& peak, Millis since, Millis time) {
    JsonWriter members = begin(rule, id, std::nullopt);
    if (peak) members.key("peak").number(*peak);
    members.key("duration_s").rounded(static_cast<double>(std::max<Millis>(time - since, 0)) / 1000.0, 3);
    write("clear", asset, rule, time);
    ++counts_.clears;
}

// The members every violation and clear starts with: severity, previous (a change of
// severity), violation, metric; the writer goes on with the event's own.
JsonWriter EventWriter::begin(const CompiledRule& rule, const std::string& id,
                              const std::optional<Severity>& previous) {
    JsonWriter members = JsonWriter::extra_members(members_);
    members.key("severity").string(to_string(rule.rule.severity));
    if (previous) members.key("previous").string(to_string(*previous));
    members.key("violation").string(id);
    if (!rule.metric.empty()) members.key("metric").string(rule.metric);
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
