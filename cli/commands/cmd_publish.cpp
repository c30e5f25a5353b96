// `trk publish`: passes records on and publishes each to an MQTT broker, through a spool on disk
// that keeps them until the broker acknowledged them (store-and-forward).
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

#include "adapters/mqtt_forwarder.hpp"
#include "adapters/publish_batch.hpp"
#include "adapters/topic_template.hpp"
#include "command.hpp"
#include "diagnostics.hpp"
#include "mqtt_options.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "record_input.hpp"
#include "signals.hpp"
#include "track/error.hpp"
#include "track/json_writer.hpp"
#include "track/number.hpp"
#include "track/spool.hpp"

namespace cli {

namespace {

using adapters::mqtt::TopicTemplate;
using Clock = std::chrono::steady_clock;

// What the spool does when it holds --spool-limit of payload (trk-publish(1), THE SPOOL).
enum class WhenFull { block, drop_oldest, fail };

struct PublishOptions {
    MqttArgs mqtt;
    std::vector<std::string> files;
    std::string topic = "trk/{site}/{type}/{asset}";
    std::string site;
    std::string qos = "1";
    bool retain = false;
    std::string spool;
    std::string spool_limit = "1GB";
    std::string when_full = "block";
    std::size_t inflight = 1000;
    std::string drain_timeout;
    std::string status_topic = "trk/{site}/status";
    // Checked by setup:
    adapters::mqtt::ClientOptions client;
    std::unique_ptr<TopicTemplate> topics;
    int qos_level = 1;
    std::uint64_t limit_bytes = 0;
    WhenFull full = WhenFull::block;
    std::optional<std::chrono::milliseconds> drain;
};

// The default spool: per user, on persistent storage (trk-publish(1), FILES).
std::string default_spool_path() {
    if (const char* state = std::getenv("XDG_STATE_HOME"); state != nullptr && *state != '\0') {
        return std::string(state) + "/trk/publish.spool";
    }
    const char* home = std::getenv("HOME");
    return std::string(home != nullptr ? home : ".") + "/.local/state/trk/publish.spool";
}

std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
    return name;
}

// {"type":"status","site":...,"client":...,"online":...}: the publisher's presence, retained.
adapters::mqtt::Will status_message(const std::string& topic, const PublishOptions& o, bool online) {
    fmt::memory_buffer json;
    track::JsonWriter w(json);
    w.begin_object();
    w.key("type").string("status");
    w.key("site").string(o.site);
    w.key("client").string(o.client.client_id);
    w.key("online").boolean(online);
    w.end_object();
    return {topic, fmt::to_string(json), 1, true};
}

void check(PublishOptions& o) {
    o.client = to_client_options(o.mqtt);
    if (o.site.empty()) o.site = host_name();
    o.topics = std::make_unique<TopicTemplate>("--topic", o.topic);
    // An id of its own per process: two publishers with one id would take turns to kick
    // each other off the broker.
    if (o.client.client_id.empty()) o.client.client_id = fmt::format("trk-publish-{}-{}", o.site, ::getpid());
    if (!o.status_topic.empty()) {
        const TopicTemplate status("--status-topic", o.status_topic, {TopicTemplate::Field::site});
        o.client.will = status_message(status.topic(track::OpaqueRecord{}, o.site), o, false);
    }
    o.qos_level = static_cast<int>(parse_choice("--qos", o.qos, "a QoS level", {"0", "1", "2"}));
    o.limit_bytes = parse_size("--spool-limit", o.spool_limit);
    o.full =
        static_cast<WhenFull>(parse_choice("--when-full", o.when_full, "a policy", {"block", "drop-oldest", "fail"}));
    if (o.inflight < 1 || o.inflight > 65535) {
        throw track::UsageError(fmt::format("--inflight: '{}' is not from 1 to 65535", o.inflight));
    }
    o.client.max_inflight = static_cast<int>(o.inflight);
    if (!o.drain_timeout.empty()) {
        o.drain = std::chrono::milliseconds(parse_duration("--drain-timeout", o.drain_timeout));
    }
    if (o.spool.empty()) o.spool = default_spool_path();
    if (o.files.empty()) o.files.emplace_back("-");
}

// One run: reads, keeps batches in the spool, passes each batch on once it is kept, and
// waits at the end until the broker has everything.
class PublishRun {
public:
    explicit PublishRun(PublishOptions& o) : o_(o), diagnostics_("publish", false) {}

    int run() {
        const auto sources = open_inputs(o_.files);
        track::Spool spool(o_.spool);
        spool_ = &spool;
        if (const auto p = spool.pending(); p.messages > 0) {
            note(fmt::format("{} records of an earlier run waiting in {}: sent first", track::grouped(p.messages),
                             spool.path()));
        }
        o_.client.on_status = [this](std::string_view text) { note(text); };
        adapters::mqtt::Client client(o_.client);
        adapters::mqtt::ForwarderOptions f;
        f.inflight = o_.inflight;
        if (o_.client.will) f.online = status_message(o_.client.will->topic, o_, true);
        f.on_note = [this](std::string_view text) { note(text); };
        // However the run ends, the broker hears that this publisher went offline, once the
        // forwarder (declared below, so destroyed first) has stopped publishing.
        struct Goodbye {
            adapters::mqtt::Client& client;
            const std::optional<adapters::mqtt::Will>& offline;
            ~Goodbye() {
                // Acknowledgements still outstanding are no reason to wait: the spool keeps those.
                const auto wait = client.connected() ? std::chrono::seconds(2) : std::chrono::seconds(0);
                client.stop(wait, offline);
            }
        } goodbye{client, o_.client.will};
        // The forwarder's and libmosquitto's threads leave the stop signals to this one: a
        // SIGTERM must interrupt its read of a quiet pipe.
        std::optional<adapters::mqtt::Forwarder> forwarder;
        without_stop_signals([&] {
            forwarder.emplace(client, spool, f);
            client.start();
        });
        forwarder_ = &*forwarder;

        for (const auto& source : sources) {
            if (stop_on_signals().load()) break;
            source->set_on_idle([this] { forwarder_->check(); });
            read_records(
                *source, diagnostics_, [this](track::Record& record, const track::Location&) { add(record); },
                [this] { commit(); });
            source->set_on_idle({});
        }
        commit();
        diagnostics_.summary();
        if (stop_on_signals().load()) {
            note(fmt::format("stopped: {} records waiting in {} for the next run",
                             track::grouped(spool.pending().messages), spool.path()));
            return 0;
        }
        return drain();
    }

private:
    void note(std::string_view text) {
        const std::lock_guard lock(notes_);
        diagnostics_.note(text);
    }

    void add(track::Record& record) {
        const bool fix = std::holds_alternative<track::Fix>(record);
        batch_.add(record, *o_.topics, o_.site, o_.qos_level, o_.retain && fix);
        if (batch_.size() >= batch_records) commit();
    }

    // Keeps the batch in the spool (durable on return), then passes its records on.
    void commit() {
        forwarder_->check();
        if (batch_.size() == 0) return;
        make_room(batch_.payload_bytes());
        spool_->append(batch_.entries());
        forwarder_->appended();
        batch_.write_lines(out_.buffer());
        batch_.clear();
        out_.flush();
    }

    // Applies --when-full before `bytes` more of payload go into the spool.
    void make_room(std::uint64_t bytes) {
        const auto fits = [&](const track::SpoolPending& p) {
            return p.bytes + bytes <= o_.limit_bytes || p.messages == 0;
        };
        if (fits(spool_->pending())) return;
        if (o_.full == WhenFull::fail) {
            throw track::IoError(
                fmt::format("{}: the spool is full ({} records, {} bytes of payload; --spool-limit "
                            "{}) and --when-full is fail; this batch was not kept nor passed on",
                            spool_->path(), track::grouped(spool_->pending().messages),
                            track::grouped(spool_->pending().bytes), o_.spool_limit));
        }
        if (o_.full == WhenFull::drop_oldest) {
            std::uint64_t dropped = 0;
            while (!fits(spool_->pending())) {
                const auto p = spool_->pending();
                dropped += spool_->drop_oldest(p.bytes + bytes - o_.limit_bytes);
            }
            dropped_ += dropped;
            note(fmt::format("spool full: dropped the {} oldest records ({} dropped in this run)",
                             track::grouped(dropped), track::grouped(dropped_)));
            return;
        }
        note(
            fmt::format("spool full ({} of payload, --spool-limit {}): not reading the input until the broker takes "
                        "some",
                        track::grouped(spool_->pending().bytes), o_.spool_limit));
        const std::atomic<bool>& stop = stop_on_signals();
        while (!spool_->wait_until([&](const track::SpoolPending& p) { return fits(p) || stop.load(); },
                                   std::chrono::milliseconds(200))) {
            forwarder_->check();
        }
    }

    // At the end of the input: waits until the broker acknowledged everything (or
    // --drain-timeout, or a signal), saying how it goes every 10 s.
    int drain() {
        const std::atomic<bool>& stop = stop_on_signals();
        const Clock::time_point started = Clock::now();
        Clock::time_point said = started;
        for (;;) {
            const bool empty = spool_->wait_until(
                [&](const track::SpoolPending& p) { return p.messages == 0 || stop.load() || forwarder_->failed(); },
                std::chrono::milliseconds(200));
            forwarder_->check();
            const std::uint64_t left = spool_->pending().messages;
            if (left == 0) break;
            const Clock::time_point now = Clock::now();
            if (stop.load()) {
                note(fmt::format("stopped: {} records waiting in {} for the next run", track::grouped(left),
                                 spool_->path()));
                return 0;
            }
            if (o_.drain && now - started >= *o_.drain) {
                throw track::Error(track::ExitCode::temp_fail,
                                   fmt::format("{}: {} records not acknowledged within --drain-timeout {}; they stay "
                                               "in the spool for the next run",
                                               spool_->path(), track::grouped(left), o_.drain_timeout));
            }
            if (!empty && now - said >= std::chrono::seconds(10)) {
                note(fmt::format("end of input: {} records still to be acknowledged", track::grouped(left)));
                said = now;
            }
        }
        if (forwarder_->acknowledged() > 0 || dropped_ > 0) {
            note(fmt::format("{} records published and acknowledged{}", track::grouped(forwarder_->acknowledged()),
                             dropped_ > 0 ? fmt::format(", {} dropped (spool full)", track::grouped(dropped_)) : ""));
        }
        return 0;
    }

    // A group commit: one fsync for this many records (or fewer, when the input goes quiet).
    static constexpr std::size_t batch_records = 1000;

    PublishOptions& o_;
    Diagnostics diagnostics_;
    std::mutex notes_;  ///< notes come from three threads (this one, forwarding, libmosquitto)
    Output out_;
    adapters::mqtt::PublishBatch batch_;
    track::Spool* spool_ = nullptr;
    adapters::mqtt::Forwarder* forwarder_ = nullptr;
    std::uint64_t dropped_ = 0;
};

}  // namespace

void add_publish_command(CLI::App& trk, Invocation& chosen) {
    auto options = std::make_shared<PublishOptions>();
    PublishOptions& o = *options;
    auto* publish = trk.add_subcommand(
        "publish", "Pass records on and publish each to an MQTT broker, kept in a spool on disk until acknowledged");
    publish->add_option("FILE", o.files, "JSON Lines record files; '-' or none: standard input");
    add_mqtt_options(*publish, o.mqtt);
    publish
        ->add_option("--topic", o.topic,
                     "Topic template: {site} {type} {asset} {event} {metric} {device}; a missing field is '-'")
        ->type_name("TEMPLATE")
        ->capture_default_str();
    publish->add_option("--site", o.site, "The site's name in topics and the status message (default: the host name)")
        ->type_name("NAME");
    publish->add_option("--qos", o.qos, "MQTT QoS: 0, 1 or 2")->type_name("LEVEL")->capture_default_str();
    publish->add_flag("--retain", o.retain,
                      "Retain fix records (a new subscriber gets each topic's last position at once)");
    publish->add_option("--spool", o.spool, "The spool file (default: $XDG_STATE_HOME/trk/publish.spool)")
        ->type_name("PATH");
    publish->add_option("--spool-limit", o.spool_limit, "Payload the spool holds at most (B, kB, MB, GB)")
        ->type_name("SIZE")
        ->capture_default_str();
    publish->add_option("--when-full", o.when_full, "When the spool is full: block, drop-oldest or fail")
        ->type_name("POLICY")
        ->capture_default_str();
    publish->add_option("--inflight", o.inflight, "Messages sent and not yet acknowledged, at most")
        ->type_name("N")
        ->capture_default_str();
    publish
        ->add_option("--drain-timeout", o.drain_timeout,
                     "At the end of input, wait this long at most for the broker (default: until all is sent)")
        ->type_name("DURATION");
    publish
        ->add_option("--status-topic", o.status_topic,
                     "Topic of the retained online/offline status ({site}); '' for none")
        ->type_name("TEMPLATE")
        ->capture_default_str();
    publish->callback([options, &chosen] {
        check(*options);
        chosen = {"publish", [options] { return PublishRun(*options).run(); }};
    });
}

}  // namespace cli
