// Sparkplug B (Eclipse Sparkplug 3.0): topics spBv1.0/GROUP/TYPE/NODE[/DEVICE] and their
// protobuf payloads (schemas/sparkplug/sparkplug_b.proto, compiled by protoc-c) to readings.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "track/problems.hpp"
#include "track/record.hpp"

namespace adapters::sparkplug {

/// A Sparkplug B topic's parts. `type` is NBIRTH, NDEATH, DBIRTH, DDEATH, NDATA, DDATA,
/// NCMD, DCMD or STATE; `device` is empty for node messages.
struct Topic {
    std::string group;
    std::string type;
    std::string node;
    std::string device;
};

/// The parts of `topic` when it is a Sparkplug B topic ("spBv1.0/..."), nullopt otherwise.
std::optional<Topic> parse_topic(std::string_view topic);

/// Decodes the messages of one broker, in the order they arrive. It remembers each edge
/// node's BIRTH certificates (metric names by alias, datatypes) and its sequence numbers.
class Decoder {
public:
    /// Decodes one message's payload. Each metric that carries a number or a boolean becomes
    /// a reading given to `emit`: asset the device (the node for node metrics), metric the
    /// metric's name (from the BIRTH when the DATA message carries only an alias), time the
    /// metric's timestamp (else the payload's, else `arrived`), `src` = `src`, and
    /// `"historical":true` in its extra fields when the metric is flagged so. What cannot be
    /// decoded goes to `problems` at `where` (the topic): a truncated or invalid protobuf, an
    /// alias no BIRTH named (a rebirth is needed), a sequence gap ("expected seq 5, got 7: 2
    /// messages lost"), a metric of a type that is not a number (string, dataset, template).
    void decode(std::string_view topic, std::string_view payload, track::Millis arrived, std::string_view src,
                const track::Location& where, track::ProblemSink& problems,
                const std::function<void(track::Reading&)>& emit);

private:
    struct Node {
        std::map<std::uint64_t, std::string> names;  ///< alias -> metric name, per node and device
        std::optional<int> last_seq;
    };
    std::map<std::string, Node, std::less<>> nodes_;  ///< by "GROUP/NODE" (and "GROUP/NODE/DEVICE" for names)
};

}  // namespace adapters::sparkplug
