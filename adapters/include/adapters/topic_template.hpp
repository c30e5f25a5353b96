// The MQTT topic that trk publish gives a record: a template such as trk/{site}/{type}/{asset},
// its fields filled from the record, each made safe to stand in one topic level.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "track/record.hpp"

namespace adapters::mqtt {

/// A parsed --topic template: literal text and {site} {type} {asset} {event} {metric}
/// {device} fields.
class TopicTemplate {
public:
    /// The fields a template may name, in the order the messages list them.
    enum class Field { site, type, asset, event, metric, device };

    /// Parses `text`. Throws track::UsageError naming `option` for an unknown or unclosed
    /// field, a field not in `allowed` (all when empty), an empty template, or literal text
    /// that no published topic may hold (the wildcards + and #, U+0000).
    TopicTemplate(std::string_view option, std::string_view text, std::vector<Field> allowed = {});

    /// The topic of `record` published from site `site`. A field the record does not have
    /// (or has empty) is "-"; in a field's value, '/', '+', '#', '%' and control characters
    /// are percent-encoded ("FL/07" gives "FL%2F07"), so that each field stays one level and
    /// no value is a wildcard. {type} is fix, read, reading or event ("-" for other
    /// records); {device} is a fix's or reading's device, a read's reader.
    [[nodiscard]] std::string topic(const track::Record& record, std::string_view site) const;

    /// `record` as above into `out` (cleared first), for a loop that reuses its string.
    void topic_into(std::string& out, const track::Record& record, std::string_view site) const;

    /// Whether the template names `field`.
    [[nodiscard]] bool uses(Field field) const;

private:
    struct Piece {
        bool is_field = false;
        Field field = Field::site;
        std::string literal;
    };
    std::vector<Piece> pieces_;
};

/// `value` as one topic level: "-" when empty, else with '/', '+', '#', '%' and control
/// characters percent-encoded (%2F, %2B, %23, %25, %0A ...), appended to `out`.
void append_topic_level(std::string& out, std::string_view value);

}  // namespace adapters::mqtt
