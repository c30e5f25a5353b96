// Sparkplug B (Eclipse Sparkplug 3.0): topics spBv1.0/GROUP/TYPE/NODE[/DEVICE] and their
// protobuf payloads (schemas/sparkplug/sparkplug_b.proto, compiled by protoc-c) to readings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
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

/// The namespace of every Sparkplug B topic (version 1.0 of its topics, Sparkplug 2.2 and 3.0).
inline constexpr std::string_view topic_prefix = "spBv1.0/";

/// The parts of `topic` when it is a Sparkplug B topic ("spBv1.0/..."), nullopt otherwise.
std::optional<Topic> parse_topic(std::string_view topic);

/// Decodes the messages of one broker, in the order they arrive. It remembers each edge
/// node's BIRTH certificates (metric names by alias, datatypes) and its sequence numbers.
class Decoder {
public:
    /// Decodes one message's payload. Each metric that carries a number or a boolean (1 or
    /// 0) becomes a reading given to `emit`: asset the device (the node for N* messages),
    /// device "GROUP/NODE", metric the metric's name (from the BIRTH when the DATA message
    /// carries only an alias), unit its "engUnit" or "unit" string property (else the
    /// BIRTH's), time the metric's timestamp (else the payload's, else `arrived`), `src` =
    /// `src`, and `"historical":true` in its extra fields when the metric is flagged so.
    /// Silently not readings: bdSeq, Node Control/ and Device Control/ metrics, is_null
    /// metrics, NDEATH and DDEATH (they end the aliases), NCMD, DCMD and STATE (host
    /// applications' messages). Goes to `problems` at `where`: a topic under spBv1.0/ that
    /// is not Sparkplug B's, a payload over max_payload, a truncated or invalid protobuf, an
    /// alias no BIRTH named (once per alias until a BIRTH; a rebirth is needed), a sequence
    /// gap ("expected seq 5, got 7: 2 messages lost"), a metric that is not a number
    /// (string, bytes, array, dataset, template: once per metric until its next BIRTH), a
    /// value not finite, a timestamp past 9999. Throws only what `problems` throws (--strict).
    void decode(std::string_view topic, std::string_view payload, track::Millis arrived, std::string_view src,
                const track::Location& where, track::ProblemSink& problems,
                const std::function<void(track::Reading&)>& emit);

    /// Payloads larger than this are reported and not decoded (a BIRTH of thousands of
    /// metrics with properties stays well below it).
    static constexpr std::size_t max_payload = std::size_t{4} << 20;
    /// Bounds on what is remembered, so that a stream of made-up node, device and metric
    /// names cannot grow memory without end: nodes and devices, and metrics (and aliases)
    /// of each. Past them, metrics still become readings, only not by alias.
    static constexpr std::size_t max_scopes = 65'536;
    static constexpr std::size_t max_metrics = 65'536;

private:
    /// What a BIRTH (or, for a metric named in DATA messages, those) said of one metric.
    struct MetricInfo {
        std::uint32_t datatype = 0;        ///< Sparkplug DataType code, 0: unknown
        std::string unit;                  ///< from its "engUnit" or "unit" property
        bool reported_not_number = false;  ///< "not a number" said once since the BIRTH
    };
    /// One edge node's or device's metrics, as its BIRTH defined them.
    struct Scope {
        std::map<std::uint64_t, std::string> aliases;  ///< alias -> metric name
        std::map<std::string, MetricInfo, std::less<>> metrics;
        std::set<std::uint64_t> unknown_aliases;  ///< reported as unknown since the BIRTH

        /// The name `alias` stands for, null when no BIRTH named it.
        [[nodiscard]] const std::string* name_of(std::uint64_t alias) const;
        /// Whether `alias` is to be reported as unknown (the first time since the BIRTH).
        bool note_unknown(std::uint64_t alias);
        /// The entry of `name`, made when new; null past max_metrics.
        MetricInfo* remember(const std::string& name);
        /// `alias` stands for `name` from now on (while within max_metrics).
        void name_alias(std::uint64_t alias, const std::string& name);
    };

    /// The scope of "GROUP/NODE" or "GROUP/NODE/DEVICE", made when new; null past max_scopes.
    Scope* scope(const std::string& key);
    /// Drops the node's scope and its devices' (NBIRTH, NDEATH).
    void forget_node(const std::string& node_key);
    /// Checks a message's `seq` (nullopt: it has none) against the node's last one (a gap
    /// is a problem; a `birth`, NBIRTH, starts the count again), then remembers it.
    void check_seq(const std::string& node_key, std::optional<std::uint64_t> seq, bool birth,
                   const track::Location& where, track::ProblemSink& problems);

    std::map<std::string, Scope, std::less<>> scopes_;  ///< by "GROUP/NODE" and "GROUP/NODE/DEVICE"
    std::map<std::string, int, std::less<>> seqs_;      ///< last seq by "GROUP/NODE"
};

}  // namespace adapters::sparkplug
