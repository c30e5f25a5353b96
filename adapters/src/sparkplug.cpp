// Sparkplug B topics and payloads (protobuf, decoded by protobuf-c's code for
// schemas/sparkplug/sparkplug_b.proto) to readings, with each edge node's BIRTH state.
#include "adapters/sparkplug.hpp"

#include <array>
#include <cmath>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "sparkplug_b.pb-c.h"

namespace adapters::sparkplug {

namespace {

using PbPayload = Org__Eclipse__Tahu__Protobuf__Payload;
using PbMetric = Org__Eclipse__Tahu__Protobuf__Payload__Metric;
using PbPropertySet = Org__Eclipse__Tahu__Protobuf__Payload__PropertySet;

// The DataType codes the decoder reads values by (the enum of sparkplug_b.proto).
constexpr std::uint32_t int8 = ORG__ECLIPSE__TAHU__PROTOBUF__DATA_TYPE__Int8;
constexpr std::uint32_t int16 = ORG__ECLIPSE__TAHU__PROTOBUF__DATA_TYPE__Int16;
constexpr std::uint32_t int32 = ORG__ECLIPSE__TAHU__PROTOBUF__DATA_TYPE__Int32;
constexpr std::uint32_t int64 = ORG__ECLIPSE__TAHU__PROTOBUF__DATA_TYPE__Int64;
constexpr std::uint32_t date_time = ORG__ECLIPSE__TAHU__PROTOBUF__DATA_TYPE__DateTime;

struct PayloadDeleter {
    void operator()(PbPayload* payload) const noexcept {
        org__eclipse__tahu__protobuf__payload__free_unpacked(payload, nullptr);
    }
};

// The metric's number, read as its datatype says (`datatype` 0: unknown, then as its wire
// field gives it, unsigned). nullopt: the metric carries no number or boolean.
std::optional<double> number_of(const PbMetric& metric, std::uint32_t datatype) {
    switch (metric.value_case) {
        case ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__METRIC__VALUE_INT_VALUE: {
            // Signed types travel as two's complement in the uint32; some encoders send only
            // the type's own width (255 for an Int8 of -1), so only that width is read.
            const std::uint32_t v = metric.int_value;
            switch (datatype) {
                case int8: return static_cast<double>(static_cast<std::int8_t>(static_cast<std::uint8_t>(v)));
                case int16: return static_cast<double>(static_cast<std::int16_t>(static_cast<std::uint16_t>(v)));
                case int32: return static_cast<double>(static_cast<std::int32_t>(v));
                default: return static_cast<double>(v);
            }
        }
        case ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__METRIC__VALUE_LONG_VALUE:
            if (datatype == int64) return static_cast<double>(static_cast<std::int64_t>(metric.long_value));
            if (datatype == date_time) return std::nullopt;  // DateTime: a time, not a measurement
            return static_cast<double>(metric.long_value);
        case ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__METRIC__VALUE_FLOAT_VALUE: return metric.float_value;
        case ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__METRIC__VALUE_DOUBLE_VALUE: return metric.double_value;
        case ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__METRIC__VALUE_BOOLEAN_VALUE:
            return metric.boolean_value ? 1.0 : 0.0;
        default: return std::nullopt;
    }
}

// The unit a metric's properties give: "engUnit" (Eclipse Tahu's examples and Ignition, the
// usual publishers) or "unit", as a string; empty when neither is there.
std::string unit_of(const PbPropertySet* properties) {
    if (properties == nullptr) return {};
    const std::size_t count = std::min(properties->n_keys, properties->n_values);
    for (const char* key : {"engUnit", "unit"}) {
        for (std::size_t i = 0; i < count; ++i) {
            const auto* value = properties->values[i];
            if (properties->keys[i] != nullptr && std::strcmp(properties->keys[i], key) == 0 && value != nullptr &&
                value->value_case == ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__PROPERTY_VALUE__VALUE_STRING_VALUE &&
                value->string_value != nullptr)
                return value->string_value;
        }
    }
    return {};
}

// Metrics that are the protocol's bookkeeping, not measurements: the node's birth-death
// sequence and the rebirth/reboot/scan-rate controls a host writes to.
bool is_control_metric(std::string_view name) {
    return name == "bdSeq" || name.starts_with("Node Control/") || name.starts_with("Device Control/");
}

std::string_view value_kind(const PbMetric& metric) {
    switch (metric.value_case) {
        case ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__METRIC__VALUE_LONG_VALUE: return "a DateTime";
        case ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__METRIC__VALUE_STRING_VALUE: return "a string";
        case ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__METRIC__VALUE_BYTES_VALUE: return "bytes (or an array)";
        case ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__METRIC__VALUE_DATASET_VALUE: return "a dataset";
        case ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__METRIC__VALUE_TEMPLATE_VALUE: return "a template";
        case ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__METRIC__VALUE_EXTENSION_VALUE: return "an extension";
        default: return "no value";
    }
}

}  // namespace

std::optional<Topic> parse_topic(std::string_view topic) {
    if (!topic.starts_with(topic_prefix)) return std::nullopt;
    topic.remove_prefix(topic_prefix.size());
    std::array<std::string, 4> parts;
    std::size_t count = 0;
    while (count < 4) {
        const std::size_t slash = topic.find('/');
        parts[count++] = std::string(topic.substr(0, slash));
        if (slash == std::string_view::npos) break;
        topic.remove_prefix(slash + 1);
        if (count == 4) return std::nullopt;  // more levels than GROUP/TYPE/NODE/DEVICE
    }
    if (count < 3) return std::nullopt;
    return Topic{parts[0], parts[1], parts[2], parts[3]};
}

Decoder::Scope* Decoder::scope(const std::string& key) {
    if (auto it = scopes_.find(key); it != scopes_.end()) return &it->second;
    if (scopes_.size() >= max_scopes) return nullptr;
    return &scopes_[key];
}

const std::string* Decoder::Scope::name_of(std::uint64_t alias) const {
    const auto it = aliases.find(alias);
    return it == aliases.end() ? nullptr : &it->second;
}

bool Decoder::Scope::note_unknown(std::uint64_t alias) {
    return unknown_aliases.size() < max_metrics && unknown_aliases.insert(alias).second;
}

Decoder::MetricInfo* Decoder::Scope::remember(const std::string& name) {
    auto it = metrics.find(name);
    if (it == metrics.end()) {
        if (metrics.size() >= max_metrics) return nullptr;
        it = metrics.emplace(name, MetricInfo{}).first;
    }
    return &it->second;
}

void Decoder::Scope::name_alias(std::uint64_t alias, const std::string& name) {
    if (aliases.size() < max_metrics || aliases.contains(alias)) aliases.insert_or_assign(alias, name);
}

void Decoder::forget_node(const std::string& node_key) {
    scopes_.erase(node_key);
    // Its devices' scopes, "GROUP/NODE/DEVICE", sort together from "GROUP/NODE/" on.
    const std::string devices = node_key + '/';
    auto it = scopes_.lower_bound(devices);
    while (it != scopes_.end() && it->first.starts_with(devices)) it = scopes_.erase(it);
}

void Decoder::check_seq(const std::string& node_key, std::optional<std::uint64_t> given, bool birth,
                        const track::Location& where, track::ProblemSink& problems) {
    if (!given) return;
    if (*given > 255) {
        problems.skipped(where, "bad Sparkplug seq", fmt::format("seq {} is not within 0-255", *given));
        return;
    }
    const auto seq = static_cast<int>(*given);
    auto it = seqs_.find(node_key);
    if (it == seqs_.end()) {
        if (seqs_.size() >= max_scopes) return;
        it = seqs_.emplace(node_key, seq).first;
        return;
    }
    const int expected = (it->second + 1) % 256;
    if (!birth && seq != expected) {
        const int lost = (seq - expected + 256) % 256;
        problems.skipped(
            where, "Sparkplug sequence gap",
            fmt::format("expected seq {}, got {}: {} message{} lost", expected, seq, lost, lost == 1 ? "" : "s"));
    }
    it->second = seq;
}

void Decoder::decode(std::string_view topic, std::string_view payload, track::Millis arrived, std::string_view src,
                     const track::Location& where, track::ProblemSink& problems,
                     const std::function<void(track::Reading&)>& emit) {
    const auto parts = parse_topic(topic);
    if (!parts) {
        // spBv1.0/STATE/HOST (3.0) and spBv1.0/STATE (2.2) are host applications' JSON, not data.
        if (!topic.starts_with("spBv1.0/STATE")) problems.skipped(where, "not a Sparkplug B topic", topic);
        return;
    }
    const std::string& type = parts->type;
    const bool device_message = type == "DBIRTH" || type == "DDATA" || type == "DDEATH";
    if (type == "NCMD" || type == "DCMD" || type == "STATE") return;  // from host applications, not data
    if (!device_message && type != "NBIRTH" && type != "NDATA" && type != "NDEATH") {
        problems.skipped(where, "not a Sparkplug B topic", fmt::format("unknown message type {}", type));
        return;
    }
    if (device_message == parts->device.empty()) {
        problems.skipped(
            where, "not a Sparkplug B topic",
            device_message ? fmt::format("{} without a device id", type) : fmt::format("{} with a device id", type));
        return;
    }
    if (payload.size() > max_payload) {
        problems.skipped(where, "Sparkplug B payload too large",
                         fmt::format("{} bytes, more than {}", payload.size(), max_payload));
        return;
    }
    const std::unique_ptr<PbPayload, PayloadDeleter> message(org__eclipse__tahu__protobuf__payload__unpack(
        nullptr, payload.size(), reinterpret_cast<const std::uint8_t*>(payload.data())));
    if (!message) {
        problems.skipped(where, "invalid Sparkplug B payload",
                         fmt::format("{} bytes, truncated or corrupt", payload.size()));
        return;
    }

    const std::string node_key = parts->group + '/' + parts->node;
    const std::string scope_key = device_message ? node_key + '/' + parts->device : node_key;
    if (type == "NDEATH") {
        // The node's aliases and sequence end with it; its next NBIRTH starts them again.
        forget_node(node_key);
        seqs_.erase(node_key);
        return;
    }
    const bool birth = type == "NBIRTH" || type == "DBIRTH";
    if (type == "NBIRTH") forget_node(node_key);  // its devices must be born again too
    check_seq(node_key, message->has_seq ? std::optional<std::uint64_t>(message->seq) : std::nullopt, type == "NBIRTH",
              where, problems);
    if (type == "DDEATH") {
        scopes_.erase(scope_key);
        return;
    }
    if (type == "DBIRTH") scopes_.erase(scope_key);
    Scope* state = scope(scope_key);  // null only past max_scopes: then nothing is remembered

    const std::string& asset = device_message ? parts->device : parts->node;
    for (std::size_t i = 0; i < message->n_metrics; ++i) {
        const PbMetric* metric = message->metrics[i];
        if (metric == nullptr) continue;
        std::string name;
        if (metric->name != nullptr && metric->name[0] != '\0') {
            name = metric->name;
        } else if (!metric->has_alias) {
            problems.skipped(where, "Sparkplug metric without a name", "neither a name nor an alias");
            continue;
        } else if (const std::string* named = state != nullptr ? state->name_of(metric->alias) : nullptr) {
            name = *named;
        } else {
            // Once per alias until a BIRTH: every DATA message of an unborn node would repeat it.
            if (state == nullptr || state->note_unknown(metric->alias))
                problems.skipped(where, "unknown Sparkplug alias",
                                 fmt::format("alias {} of {} unknown: no BIRTH seen (a rebirth request, NCMD Node "
                                             "Control/Rebirth, would send one)",
                                             metric->alias, scope_key));
            continue;
        }
        if (is_control_metric(name)) continue;
        MetricInfo* known = state != nullptr ? state->remember(name) : nullptr;
        if (known != nullptr) {
            if (birth && metric->has_datatype) known->datatype = metric->datatype;
            if (birth && metric->has_alias) state->name_alias(metric->alias, name);
            if (std::string unit = unit_of(metric->properties); !unit.empty()) known->unit = std::move(unit);
        }

        if (metric->has_is_null && metric->is_null) continue;  // "no value now": nothing to read
        const std::uint32_t datatype =
            metric->has_datatype ? metric->datatype : (known != nullptr ? known->datatype : 0U);
        const std::optional<double> value = number_of(*metric, datatype);
        if (!value) {
            // Once per metric and BIRTH: a string metric in every DATA message would flood.
            const bool first = known == nullptr || !known->reported_not_number;
            if (known != nullptr) known->reported_not_number = true;
            if (first)
                problems.skipped(where, "Sparkplug metric not a number",
                                 fmt::format("{} is {}", name, value_kind(*metric)));
            continue;
        }
        if (!std::isfinite(*value)) {
            problems.skipped(where, "Sparkplug metric not a number", fmt::format("{} is {}", name, *value));
            continue;
        }
        const std::uint64_t stamp =
            metric->has_timestamp ? metric->timestamp : (message->has_timestamp ? message->timestamp : 0);
        const bool stamped = metric->has_timestamp || message->has_timestamp;
        if (stamped && stamp > static_cast<std::uint64_t>(track::latest_rfc3339)) {
            problems.skipped(where, "Sparkplug timestamp out of range",
                             fmt::format("{}: {} ms is past the year 9999", name, stamp));
            continue;
        }
        track::Reading reading;
        reading.time = stamped ? static_cast<track::Millis>(stamp) : arrived;
        reading.asset = asset;
        reading.device = node_key;
        reading.src = std::string(src);
        reading.metric = name;
        reading.value = *value;
        reading.unit = known != nullptr ? known->unit : unit_of(metric->properties);
        if (metric->has_is_historical && metric->is_historical) reading.extra = R"(,"historical":true)";
        emit(reading);
    }
}

}  // namespace adapters::sparkplug
