// Writing `trk check` events (check_events.hpp): the members of violation and clear events, in a fixed order.
#include "check_events.hpp"

#include <algorithm>
#include <iterator>

#include "track/json.hpp"
#include "track/number.hpp"

namespace track::check {

std::string violation_id(std::string_view family_key, std::string_view asset, Millis since) {
    return fmt::format("{}/{}/{}", family_key, asset, format_rfc3339(since));
}

void EventWriter::opened(const std::string& asset, const CompiledRule& rule, const std::string& id, Millis since,
                         const std::optional<double>& value) {
    begin(rule, id, std::nullopt);
    member("value", value);
    write("violation", asset, rule, since);
    ++counts_.violations;
}

void EventWriter::changed_severity(const std::string& asset, const CompiledRule& rule, Severity previous,
                                   const std::string& id, const std::optional<double>& value, Millis time) {
    begin(rule, id, previous);
    member("value", value);
    write("violation", asset, rule, time);
    ++counts_.escalations;
}

void EventWriter::cleared(const std::string& asset, const CompiledRule& rule, const std::string& id,
                          const std::optional<double>& peak, Millis since, Millis time) {
    begin(rule, id, std::nullopt);
    member("peak", peak);
    members_.append(std::string_view(",\"duration_s\":"));
    append_rounded(members_, static_cast<double>(std::max<Millis>(time - since, 0)) / 1000.0, 3);
    write("clear", asset, rule, time);
    ++counts_.clears;
}

// The members every violation and clear starts with: severity, previous (a change of
// severity), violation, metric.
void EventWriter::begin(const CompiledRule& rule, const std::string& id, const std::optional<Severity>& previous) {
    const auto text_member = [this](std::string_view key, std::string_view text) {
        members_.append(std::string_view(",\""));
        members_.append(key);
        members_.append(std::string_view("\":"));
        append_json_string(members_, text);
    };
    text_member("severity", to_string(rule.rule.severity));
    if (previous) text_member("previous", to_string(*previous));
    text_member("violation", id);
    if (!rule.metric.empty()) text_member("metric", rule.metric);
}

void EventWriter::member(std::string_view key, const std::optional<double>& value) {
    if (!value) return;
    members_.append(std::string_view(",\""));
    members_.append(key);
    members_.append(std::string_view("\":"));
    fmt::format_to(std::back_inserter(members_), "{}", *value);
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
