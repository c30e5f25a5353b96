// `trk read mqtt`: subscribes to topics on a broker and writes what arrives as records: trk's
// own records as published, other JSON through --topic-map, Sparkplug B.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adapters/mqtt.hpp"
#include "adapters/mqtt_payload.hpp"
#include "diagnostics.hpp"
#include "mqtt_options.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "read.hpp"
#include "signals.hpp"
#include "track/error.hpp"
#include "track/number.hpp"

namespace cli {

namespace {

namespace mqtt = adapters::mqtt;

// Messages received but not yet written: the bound on trk's memory for a fast broker (at
// --max-payload each, a full queue of large payloads is at most this many megabytes).
constexpr std::size_t queue_messages = 256;

struct MqttReadOptions {
    MqttArgs connection;
    std::vector<std::string> topics;
    std::string qos = "1";
    std::string session;
    std::string count;
    std::string duration;
    std::string topic_map;
    std::string value_field = "value";
    std::string time_field = "time";
    std::string unit_field = "unit";
    std::string max_payload = "1MiB";
    bool strict = false;
    bool verbose = false;
    // Checked by setup:
    mqtt::ClientOptions client;
    mqtt::PayloadOptions payload;
    int qos_level = 1;
    std::optional<std::uint64_t> records;  ///< --count
    std::optional<track::Millis> duration_ms;
};

void check(MqttReadOptions& o) {
    o.client = to_client_options(o.connection);
    if (!o.session.empty()) {
        if (!o.connection.client_id.empty())
            throw track::UsageError("--session NAME is the client id too: give --session or --client-id, not both");
        o.client.client_id = o.session;
        o.client.clean_session = false;
    }
    for (const std::string& filter : o.topics) mqtt::check_filter("--topic", filter);
    const auto qos = track::parse_uint(o.qos);
    if (!qos || *qos > 2) throw track::UsageError(fmt::format("--qos: '{}' is not 0, 1 or 2", o.qos));
    o.qos_level = *qos;
    if (!o.count.empty()) {
        o.records = track::parse_uint64(o.count);
        if (!o.records || *o.records == 0)
            throw track::UsageError(fmt::format("--count: '{}' is not a number of records (1 or more)", o.count));
    }
    if (!o.duration.empty()) o.duration_ms = parse_duration("--duration", o.duration);
    if (!o.topic_map.empty()) o.payload.topic_map = mqtt::parse_topic_map("--topic-map", o.topic_map);
    for (const auto& [name, value] :
         {std::pair{"--value-field", &o.value_field}, {"--time-field", &o.time_field}, {"--unit-field", &o.unit_field}})
        if (value->empty()) throw track::UsageError(fmt::format("{}: empty field name", name));
    o.payload.value_field = o.value_field;
    o.payload.time_field = o.time_field;
    o.payload.unit_field = o.unit_field;
    const std::uint64_t max_payload = parse_size("--max-payload", o.max_payload);
    // MQTT's own limit: a payload is at most 256 MiB less its headers.
    if (max_payload == 0 || max_payload > (256ULL << 20))
        throw track::UsageError(fmt::format("--max-payload: '{}' is not from 1B to 256MiB", o.max_payload));
    o.payload.max_payload = static_cast<std::size_t>(max_payload);
}

int run_mqtt(const MqttReadOptions& o) {
    const std::atomic<bool>& stop = stop_on_signals();
    Diagnostics diagnostics("read mqtt", o.strict);
    mqtt::ClientOptions options = o.client;
    // Status lines come from libmosquitto's thread; "connected" is news only after trouble.
    auto trouble = std::make_shared<std::atomic<bool>>(false);
    options.on_status = [&diagnostics, trouble, verbose = o.verbose](std::string_view message) {
        const bool connected = message.starts_with("connected");
        if (!connected) *trouble = true;
        if (!connected || verbose || trouble->exchange(false)) diagnostics.note(message);
    };
    mqtt::Client client(options);
    client.subscribe(o.topics, o.qos_level);
    client.set_queue_limit(o.records ? std::min<std::size_t>(queue_messages, *o.records) : queue_messages);
    without_stop_signals([&client] { client.start(); });
    if (o.verbose)
        diagnostics.note(fmt::format("subscribing to {} on {} (QoS {}{}; libmosquitto {})", fmt::join(o.topics, " "),
                                     options.broker.text, o.qos_level,
                                     options.clean_session ? "" : ", durable session " + options.client_id,
                                     mqtt::library_version()));

    mqtt::PayloadDecoder decoder(o.payload, options.broker.text);
    Output out;
    std::uint64_t written = 0;
    std::uint64_t messages = 0;
    const auto emit = [&](std::string_view line) {
        if (o.records && written >= *o.records) return;  // a Sparkplug message past --count
        auto& buffer = out.buffer();
        buffer.append(line.data(), line.data() + line.size());
        buffer.push_back('\n');
        ++written;
    };
    const auto take = [&](const mqtt::Message& message) {
        ++messages;
        decoder.decode(message.topic, message.payload, now_ms(), diagnostics, emit);
        out.maybe_flush();
    };
    const auto started = std::chrono::steady_clock::now();
    const auto remaining = [&]() -> std::chrono::milliseconds {
        if (!o.duration_ms) return std::chrono::milliseconds(200);
        const auto left =
            std::chrono::milliseconds(*o.duration_ms) -
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        return std::clamp(left, std::chrono::milliseconds(0), std::chrono::milliseconds(200));
    };
    const auto done = [&] {
        return stop.load() || (o.records && written >= *o.records) ||
               (o.duration_ms && remaining() == std::chrono::milliseconds(0));
    };
    while (!done()) {
        if (std::string why = client.refused(); !why.empty()) throw track::DeviceError(why);
        auto message = client.next_message(remaining(), &stop);
        // A batch: what has arrived already is written before one flush (a live pipe sees
        // each batch at once; a fast broker is not slowed by a write per message).
        while (message) {
            take(*message);
            if (done()) break;
            message = client.next_message(std::chrono::milliseconds(0), nullptr);
        }
        out.flush();
    }
    client.stop(std::chrono::seconds(1));
    // What libmosquitto received, and acknowledged, before the stop is written: the broker
    // will not send it again. Past --count it is lost (trk-read(1), Sessions).
    while (!(o.records && written >= *o.records)) {
        const auto message = client.next_message(std::chrono::milliseconds(0), nullptr);
        if (!message) break;
        take(*message);
    }
    out.flush();
    if (o.verbose) diagnostics.note(fmt::format("{} messages, {} records", messages, written));
    diagnostics.summary();
    return 0;
}

}  // namespace

void add_read_mqtt_command(CLI::App& read, Invocation& chosen) {
    auto options = std::make_shared<MqttReadOptions>();
    MqttReadOptions& o = *options;
    auto* command = read.add_subcommand(
        "mqtt", "Subscribe to topics on an MQTT broker; write trk records, JSON readings (--topic-map), Sparkplug B");
    add_mqtt_options(*command, o.connection);
    command->add_option("--topic", o.topics, "A topic filter to subscribe to (+ and # wildcards); repeatable")
        ->type_name("FILTER")
        ->required();
    command->add_option("--qos", o.qos, "Subscription QoS: 0, 1 or 2")->type_name("N")->default_str(o.qos);
    command
        ->add_option("--session", o.session,
                     "A durable session: client id NAME, clean session off; the broker keeps QoS 1/2 messages "
                     "for it while trk is not running")
        ->type_name("NAME");
    command->add_option("--count", o.count, "Stop after N records written")->type_name("N");
    command->add_option("--duration", o.duration, "Stop after this long (default: until Ctrl-C or SIGTERM)")
        ->type_name("DURATION");
    command
        ->add_option("--topic-map", o.topic_map,
                     "Other JSON to readings: a template of whole levels, {site} {asset} {metric} {device} {unit} "
                     "or +, e.g. 'plant/{site}/{asset}/{metric}'")
        ->type_name("TEMPLATE");
    command->add_option("--value-field", o.value_field, "The reading's value in the JSON (a dotted path: data.temp)")
        ->type_name("PATH")
        ->default_str(o.value_field);
    command
        ->add_option("--time-field", o.time_field,
                     "The reading's time: RFC 3339, or epoch seconds or milliseconds; absent: arrival time")
        ->type_name("PATH")
        ->default_str(o.time_field);
    command->add_option("--unit-field", o.unit_field, "The reading's unit (a string); else the topic's {unit}")
        ->type_name("PATH")
        ->default_str(o.unit_field);
    command->add_option("--max-payload", o.max_payload, "Skip larger payloads unread (B, kB, MB, KiB, MiB)")
        ->type_name("SIZE")
        ->default_str(o.max_payload);
    command->add_flag("--strict", o.strict, "Stop at the first unusable message with exit status 65");
    command->add_flag("-v,--verbose", o.verbose, "Say what is subscribed, each (re)connection, and counts at the end");
    command->callback([options, &chosen] {
        check(*options);
        chosen = {"read mqtt", [options] { return run_mqtt(*options); }};
    });
}

}  // namespace cli
