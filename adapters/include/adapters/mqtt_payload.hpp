// What `trk read mqtt` makes of a received MQTT message: trk's own records (the bytes as
// published), other JSON through a topic template (--topic-map) to readings, Sparkplug B.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "adapters/sparkplug.hpp"
#include "track/json.hpp"
#include "track/problems.hpp"
#include "track/time.hpp"

namespace adapters::mqtt {

/// A --topic-map template such as "plant/{site}/{asset}/{metric}": one entry per topic level,
/// each a literal, "+" (any one level, ignored) or a field.
struct TopicMap {
    enum class Field { none, site, asset, metric, device, unit };
    struct Level {
        std::string literal;  ///< the level's text when field is none ("+": any)
        Field field = Field::none;
    };
    std::vector<Level> levels;
    std::string text;  ///< the template as given, for messages
};

/// Parses a --topic-map template. Throws track::UsageError naming `option` for an empty
/// level, a field that is not a whole level ("pump{asset}"), an unknown or repeated field,
/// '#', and a template without {metric} or without {asset} or {device}.
TopicMap parse_topic_map(std::string_view option, std::string_view text);

/// The fields a topic gives by `map`, nullopt when it does not match (another number of
/// levels, a literal level that differs, an empty level where a field stands).
struct TopicFields {
    std::string site, asset, metric, device, unit;
};
std::optional<TopicFields> match_topic(const TopicMap& map, std::string_view topic);

struct PayloadOptions {
    std::optional<TopicMap> topic_map;  ///< none: JSON that is not a trk record is skipped
    std::string value_field = "value";  ///< dotted path into the JSON object ("data.temp")
    std::string time_field = "time";    ///< RFC 3339 text, or epoch seconds (< 1e11) or milliseconds
    std::string unit_field = "unit";    ///< a string; else the topic's {unit}
    std::size_t max_payload = 1 << 20;  ///< bytes; larger payloads are skipped unread
};

/// Decodes the messages of one broker, in the order they arrive (one per run: Sparkplug B
/// keeps each node's BIRTH certificate).
class PayloadDecoder {
public:
    /// `broker` is the broker's URL text ("mqtt://127.0.0.1:1883"): records' src and the
    /// place of problems are `broker`/TOPIC.
    PayloadDecoder(PayloadOptions options, std::string broker);

    /// Decodes one message that arrived at `arrived`: each record it holds goes to `emit` as
    /// one JSON line without its newline. A trk record (fix, read, reading, event: parsed and
    /// validated as trk reads records) is given as the payload's own bytes; topics under
    /// "spBv1.0/" go to the Sparkplug B decoder; other JSON (an object, or a bare number as
    /// the value) becomes one reading through the topic map. What cannot be used goes to
    /// `problems` with the topic as the place: too large, not UTF-8, not JSON, a topic the
    /// map does not match, no number at the value field, a bad time.
    void decode(std::string_view topic, std::string_view payload, track::Millis arrived, track::ProblemSink& problems,
                const std::function<void(std::string_view line)>& emit);

private:
    void decode_json(std::string_view topic, std::string_view payload, track::Millis arrived,
                     const track::Location& where, const std::string& src, track::ProblemSink& problems,
                     const std::function<void(std::string_view line)>& emit);

    PayloadOptions options_;
    std::string broker_;
    track::RecordParser records_;
    simdjson::dom::parser json_;
    sparkplug::Decoder sparkplug_;
    fmt::memory_buffer line_;
};

}  // namespace adapters::mqtt
