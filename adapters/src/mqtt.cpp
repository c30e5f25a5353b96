// adapters::mqtt over libmosquitto 2.0: broker URLs, and a Client whose socket lives on
// libmosquitto's network thread (mosquitto_loop_start) while trk's thread publishes and reads.
#include "adapters/mqtt.hpp"

#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <mosquitto.h>
#include <mutex>
#include <set>
#include <thread>

#include "adapters/backoff.hpp"
#include "track/error.hpp"

namespace adapters::mqtt {

BrokerUrl parse_broker_url(std::string_view option, std::string_view url) {
    const std::string opt(option);
    const std::string text(url);
    BrokerUrl broker;
    std::string_view rest = url;
    if (rest.starts_with("mqtt://")) {
        rest.remove_prefix(7);
        broker.port = 1883;
    } else if (rest.starts_with("mqtts://")) {
        rest.remove_prefix(8);
        broker.tls = true;
        broker.port = 8883;
    } else {
        throw track::UsageError(opt + ": '" + text +
                                "' is not an MQTT broker URL (mqtt://HOST[:PORT] or mqtts://HOST[:PORT])");
    }
    if (rest.find('@') != std::string_view::npos)
        throw track::UsageError(
            opt + ": '" + text +
            "': no user or password in the URL (--username, and --password-file or TRK_MQTT_PASSWORD)");
    if (const std::size_t slash = rest.find('/'); slash != std::string_view::npos) {
        // "mqtt://host/" is still the broker; anything after the slash would be silently lost.
        if (slash + 1 != rest.size())
            throw track::UsageError(opt + ": '" + text + "': a broker URL has no path (topics go in --topic)");
        rest = rest.substr(0, slash);
    }
    std::string_view host = rest;
    std::string_view port;
    if (rest.starts_with('[')) {  // [::1]:1883
        const std::size_t close = rest.find(']');
        if (close == std::string_view::npos)
            throw track::UsageError(opt + ": '" + text + "': unclosed '[' in the host");
        host = rest.substr(1, close - 1);
        std::string_view after = rest.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') throw track::UsageError(opt + ": '" + text + "': unexpected text after ']'");
            port = after.substr(1);
            if (port.empty()) throw track::UsageError(opt + ": '" + text + "': empty port");
        }
    } else if (const std::size_t colon = rest.find(':'); colon != std::string_view::npos) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
        if (port.empty()) throw track::UsageError(opt + ": '" + text + "': empty port");
    }
    if (host.empty()) throw track::UsageError(opt + ": '" + text + "': no host");
    if (!port.empty()) {
        int value = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535)
            throw track::UsageError(opt + ": '" + text + "': bad port '" + std::string(port) + "' (1 to 65535)");
        broker.port = value;
    }
    broker.host = std::string(host);
    const bool ipv6 = broker.host.find(':') != std::string::npos;
    broker.text = (broker.tls ? "mqtts://" : "mqtt://") + (ipv6 ? "[" + broker.host + "]" : broker.host) + ":" +
                  std::to_string(broker.port);
    return broker;
}

void check_filter(std::string_view option, std::string_view filter) {
    const std::string text(filter);
    if (mosquitto_sub_topic_check(text.c_str()) != MOSQ_ERR_SUCCESS || text.empty() ||
        mosquitto_validate_utf8(text.c_str(), static_cast<int>(text.size())) != MOSQ_ERR_SUCCESS)
        throw track::UsageError(std::string(option) + ": '" + text +
                                "' is not a topic filter (+ and # stand for whole levels, # only last)");
}

std::string library_version() {
    int major = 0;
    int minor = 0;
    int revision = 0;
    mosquitto_lib_version(&major, &minor, &revision);
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(revision);
}

namespace {

// mosquitto_lib_init once per process, before the first client, from whichever thread.
void init_library() {
    static const int once = [] { return mosquitto_lib_init(); }();
    if (once != MOSQ_ERR_SUCCESS)
        throw track::DeviceError("libmosquitto: cannot initialise: " + std::string(mosquitto_strerror(once)));
}

void check_readable(const char* option, const std::string& path) {
    if (path.empty()) return;
    std::ifstream file(path);
    if (!file) throw track::UsageError(std::string(option) + ": cannot read '" + path + "': " + std::strerror(errno));
}

// libmosquitto's text for `rc`, without its final period (it goes inside trk's sentences).
std::string reason_of(int rc) {
    std::string text = mosquitto_strerror(rc);
    if (text.ends_with('.')) text.pop_back();
    return text;
}

// Why a CONNACK refused the client (MQTT 3.1.1 return codes), or empty when retrying may help.
std::string connack_refusal(int rc) {
    switch (rc) {
        case 1: return "refused: the broker does not speak MQTT 3.1.1";
        case 2: return "refused: client identifier rejected (is --client-id/--session allowed and unique?)";
        case 4: return "refused: bad username or password (check --username and --password-file/TRK_MQTT_PASSWORD)";
        case 5:
            return "refused: not authorized (check --username and --password-file/TRK_MQTT_PASSWORD, or the "
                   "broker's ACL)";
        default: return {};  // 3 = server unavailable: weather, retry
    }
}

// What a TLS failure in libmosquitto's log means for the user, or empty when the line is no
// TLS failure.
std::string tls_refusal(std::string_view line) {
    if (line.find("OpenSSL Error") == std::string_view::npos && line.find("SSL routines") == std::string_view::npos)
        return {};
    std::string_view detail = line;
    if (const std::size_t routines = line.find("routines:"); routines != std::string_view::npos) {
        detail = line.substr(routines + 9);
        if (const std::size_t colon = detail.find(':');
            colon < 40 && detail.substr(0, colon).find(' ') == std::string_view::npos)
            detail = detail.substr(colon + 1);  // OpenSSL 1.1's "FUNCTION:reason"
        while (detail.starts_with(':')) detail.remove_prefix(1);
    }
    std::string hint;
    if (line.find("certificate verify failed") != std::string_view::npos)
        hint = " (is --cafile the CA that signed the broker's certificate, and is the URL's host the one in it?)";
    else if (line.find("certificate required") != std::string_view::npos ||
             line.find("bad certificate") != std::string_view::npos ||
             line.find("unknown ca") != std::string_view::npos)
        hint = " (the broker wants a client certificate its CA signed: check --cert and --key)";
    else if (line.find("wrong version number") != std::string_view::npos ||
             line.find("unexpected eof") != std::string_view::npos)
        hint =
            " (is this port a TLS listener? mqtt:// is without TLS; or does the broker want a client "
            "certificate: --cert, --key?)";
    return "TLS: " + std::string(detail) + hint;
}

}  // namespace

struct Client::Impl {
    ClientOptions options;
    mosquitto* mosq = nullptr;

    mutable std::mutex mutex;
    std::condition_variable state_changed;  // connected, refused, a delivery, stopping
    std::condition_variable queue_changed;  // a message queued or taken
    std::atomic<bool> is_connected{false};
    std::string refusal;
    std::deque<Message> queue;
    std::size_t queue_limit = 1000;
    bool stopping = false;
    bool started = false;
    bool stopped = false;
    std::atomic<bool> loop_running{false};  // mosquitto_loop_start was called
    std::thread starter;                    // retries the first connection
    std::atomic<bool> abandon{false};       // stop(): the starter gives up
    std::string last_failure;               // the last reason the first connection failed
    std::set<int> outstanding;              // published, not yet acknowledged
    std::set<int> acknowledged_early;       // acknowledged before publish() could record them
    std::vector<std::string> filters;
    int subscribe_qos = 1;
    std::function<void(int)> delivered;
    std::function<void(bool)> connection;

    void status(const std::string& text) const {
        if (options.on_status) options.on_status(text);
    }

    // `disconnect`: end the network thread's reconnect loop (no retry can help). Not from the
    // log callback: mosquitto_disconnect logs, and libmosquitto holds its log lock there (a
    // TLS failure ends the loop by itself anyway: MOSQ_ERR_TLS is fatal to loop_forever).
    void refuse(const std::string& why, bool disconnect) {
        {
            const std::lock_guard lock(mutex);
            if (!refusal.empty()) return;
            refusal = options.broker.text + ": " + why;
        }
        state_changed.notify_all();
        if (disconnect) mosquitto_disconnect(mosq);
    }

    // One attempt to connect (TLS handshake included), then the network thread. True when
    // done: connected, or refused (refused() says why, and no thread is started: it would
    // retry what cannot work); false when the broker is unreachable for now (said once per
    // distinct reason through on_status).
    bool connect_once() {
        const int rc =
            mosquitto_connect_async(mosq, options.broker.host.c_str(), options.broker.port, options.keepalive_s);
        const int error = errno;
        if (rc == MOSQ_ERR_INVAL) {
            refuse("libmosquitto refuses the host or port", false);
            return true;
        }
        if (options.broker.tls &&
            (rc == MOSQ_ERR_TLS || rc == MOSQ_ERR_PROTOCOL || (rc == MOSQ_ERR_ERRNO && error == EPROTO))) {
            refuse("TLS: the handshake failed (" +
                       std::string(rc == MOSQ_ERR_TLS ? "TLS error" : "the broker closed it") +
                       "): does the broker want a client certificate (--cert, --key) its CA signed, and is "
                       "--cafile the CA that signed the broker's?",
                   false);
        }
        {
            const std::lock_guard lock(mutex);
            if (!refusal.empty()) return true;
        }
        if (rc != MOSQ_ERR_SUCCESS) {
            std::string why = rc == MOSQ_ERR_ERRNO ? std::strerror(error) : reason_of(rc);
            if (why != last_failure) status(options.broker.text + ": cannot connect: " + why + ", retrying");
            last_failure = std::move(why);
            return false;
        }
        const int loop = mosquitto_loop_start(mosq);
        if (loop != MOSQ_ERR_SUCCESS) {
            refuse("libmosquitto cannot start its network thread: " + std::string(mosquitto_strerror(loop)), false);
            return true;
        }
        loop_running = true;
        return true;
    }

    static Impl& of(void* user) { return *static_cast<Impl*>(user); }

    static void on_connect(mosquitto*, void* user, int rc) {
        Impl& self = of(user);
        if (rc != 0) {
            const std::string why = connack_refusal(rc);
            if (!why.empty()) {
                self.refuse(why, true);
                return;
            }
            self.status(self.options.broker.text + ": " + mosquitto_connack_string(rc) + ", retrying");
            return;
        }
        for (const std::string& filter : self.filters)
            mosquitto_subscribe(self.mosq, nullptr, filter.c_str(), self.subscribe_qos);
        self.is_connected = true;
        self.state_changed.notify_all();
        self.status("connected to " + self.options.broker.text);
        if (self.connection) self.connection(true);
    }

    static void on_disconnect(mosquitto*, void* user, int rc) {
        Impl& self = of(user);
        const bool was = self.is_connected.exchange(false);
        self.state_changed.notify_all();
        if (rc != 0 && was) {
            bool quiet = false;
            {
                const std::lock_guard lock(self.mutex);
                quiet = self.stopping || !self.refusal.empty();
            }
            if (!quiet) self.status(self.options.broker.text + ": connection lost: " + reason_of(rc) + ", retrying");
        }
        if (was && self.connection) self.connection(false);
    }

    static void on_publish(mosquitto*, void* user, int mid) {
        Impl& self = of(user);
        {
            const std::lock_guard lock(self.mutex);
            if (self.outstanding.erase(mid) == 0) self.acknowledged_early.insert(mid);
        }
        self.state_changed.notify_all();
        if (self.delivered) self.delivered(mid);
    }

    static void on_message(mosquitto*, void* user, const mosquitto_message* message) {
        Impl& self = of(user);
        Message copy;
        copy.topic = message->topic != nullptr ? message->topic : "";
        if (message->payloadlen > 0)
            copy.payload.assign(static_cast<const char*>(message->payload),
                                static_cast<std::size_t>(message->payloadlen));
        copy.qos = message->qos;
        copy.retained = message->retain;
        std::unique_lock lock(self.mutex);
        // A full queue holds the network thread here: the broker keeps what trk cannot take yet.
        self.queue_changed.wait(lock, [&] { return self.stopping || self.queue.size() < self.queue_limit; });
        // Stopping: kept past the limit (libmosquitto has acknowledged it), for the caller to
        // take with next_message after stop().
        self.queue.push_back(std::move(copy));
        lock.unlock();
        self.queue_changed.notify_all();
    }

    static void on_log(mosquitto*, void* user, int level, const char* text) {
        if (level != MOSQ_LOG_ERR || text == nullptr) return;
        Impl& self = of(user);
        const std::string why = tls_refusal(text);
        if (!why.empty()) self.refuse(why, false);
    }
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>()) {
    init_library();
    Impl& self = *impl_;
    self.options = std::move(options);
    const ClientOptions& o = self.options;
    if (!o.cert.empty() && o.key.empty()) throw track::UsageError("--cert needs --key (the client certificate's key)");
    if (o.cert.empty() && !o.key.empty()) throw track::UsageError("--key needs --cert (the client certificate)");
    if (!o.broker.tls && (!o.cafile.empty() || !o.cert.empty()))
        throw track::UsageError("--cafile/--cert/--key need an mqtts:// broker URL (TLS), not " + o.broker.text);
    check_readable("--cafile", o.cafile);
    check_readable("--cert", o.cert);
    check_readable("--key", o.key);
    if (!o.clean_session && o.client_id.empty())
        throw track::UsageError("a durable session (clean session off) needs a client id");

    self.mosq = mosquitto_new(o.client_id.empty() ? nullptr : o.client_id.c_str(), o.clean_session, &self);
    if (self.mosq == nullptr)
        throw track::DeviceError("libmosquitto: cannot create a client: " + std::string(std::strerror(errno)));
    const auto check = [&](int rc, const char* what) {
        if (rc != MOSQ_ERR_SUCCESS)
            throw track::DeviceError("libmosquitto: " + std::string(what) + ": " + mosquitto_strerror(rc));
    };
    check(mosquitto_int_option(self.mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311), "MQTT 3.1.1");
    if (o.broker.tls) {
        const char* cafile = o.cafile.empty() ? nullptr : o.cafile.c_str();
        const char* capath = o.cafile.empty() ? "/etc/ssl/certs" : nullptr;
        check(mosquitto_tls_set(self.mosq, cafile, capath, o.cert.empty() ? nullptr : o.cert.c_str(),
                                o.key.empty() ? nullptr : o.key.c_str(), nullptr),
              "TLS set up (--cafile, --cert, --key)");
    }
    if (!o.username.empty() || o.password)
        check(mosquitto_username_pw_set(self.mosq, o.username.empty() ? nullptr : o.username.c_str(),
                                        o.password ? o.password->c_str() : nullptr),
              "username and password");
    if (o.will)
        check(mosquitto_will_set(self.mosq, o.will->topic.c_str(), static_cast<int>(o.will->payload.size()),
                                 o.will->payload.data(), o.will->qos, o.will->retain),
              "last will");
    check(mosquitto_max_inflight_messages_set(self.mosq, static_cast<unsigned>(std::max(0, o.max_inflight))),
          "max inflight");
    // libmosquitto counts whole seconds: 1 s, growing to 8 s.
    check(mosquitto_reconnect_delay_set(self.mosq, 1, 8, true), "reconnect delay");
    mosquitto_connect_callback_set(self.mosq, &Impl::on_connect);
    mosquitto_disconnect_callback_set(self.mosq, &Impl::on_disconnect);
    mosquitto_publish_callback_set(self.mosq, &Impl::on_publish);
    mosquitto_message_callback_set(self.mosq, &Impl::on_message);
    mosquitto_log_callback_set(self.mosq, &Impl::on_log);
}

Client::~Client() {
    if (impl_->started && !impl_->stopped) stop(std::chrono::milliseconds(0));
    if (impl_->mosq != nullptr) mosquitto_destroy(impl_->mosq);
}

void Client::start() {
    Impl& self = *impl_;
    if (self.started) return;
    self.started = true;
    if (self.connect_once()) return;
    // libmosquitto's thread reconnects after a loss, but not when the first connection never
    // came (experimentally, 2.0.11: loop_forever gives up): retry that here, on a thread of
    // our own, until the broker answers; then the network thread takes over.
    self.starter = std::thread([&self] {
        Backoff backoff;
        while (backoff.wait(&self.abandon)) {
            if (self.connect_once()) return;
            backoff.failed();
        }
    });
}

bool Client::wait_connected(std::chrono::milliseconds timeout, const std::atomic<bool>* stop) {
    Impl& self = *impl_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(self.mutex);
    while (!self.is_connected && self.refusal.empty() && (stop == nullptr || !stop->load())) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) break;
        // Short slices: `stop` is set by a signal handler, which cannot notify.
        self.state_changed.wait_for(
            lock, std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(100)));
    }
    return self.is_connected;
}

bool Client::connected() const { return impl_->is_connected; }

std::string Client::refused() const {
    const std::lock_guard lock(impl_->mutex);
    return impl_->refusal;
}

std::optional<int> Client::publish(std::string_view topic, std::string_view payload, int qos, bool retain) {
    Impl& self = *impl_;
    if (!self.is_connected) return std::nullopt;
    if (payload.size() > 268435455) throw track::InputError(std::string(topic), "payload over 256 MB");
    const std::string name(topic);
    int mid = 0;
    const int rc =
        mosquitto_publish(self.mosq, &mid, name.c_str(), static_cast<int>(payload.size()), payload.data(), qos, retain);
    switch (rc) {
        case MOSQ_ERR_SUCCESS: {
            // The acknowledgement may have come already (on_publish ran before this line).
            const std::lock_guard lock(self.mutex);
            if (self.acknowledged_early.erase(mid) == 0) self.outstanding.insert(mid);
            return mid;
        }
        case MOSQ_ERR_NO_CONN: return std::nullopt;
        case MOSQ_ERR_INVAL: throw track::InputError(name, "not a topic to publish to (empty, or a + or # wildcard)");
        case MOSQ_ERR_MALFORMED_UTF8: throw track::InputError(name, "topic is not UTF-8");
        case MOSQ_ERR_PAYLOAD_SIZE: throw track::InputError(name, "payload too large for MQTT");
        default:
            // A connection that broke under the call: the caller publishes it again later.
            if (rc == MOSQ_ERR_ERRNO || rc == MOSQ_ERR_CONN_LOST) return std::nullopt;
            throw track::DeviceError(self.options.broker.text + ": publish: " + mosquitto_strerror(rc));
    }
}

void Client::on_delivered(std::function<void(int)> callback) { impl_->delivered = std::move(callback); }

void Client::on_connection(std::function<void(bool)> callback) { impl_->connection = std::move(callback); }

void Client::subscribe(std::vector<std::string> filters, int qos) {
    for (const std::string& filter : filters) check_filter("--topic", filter);
    impl_->filters = std::move(filters);
    impl_->subscribe_qos = qos;
}

std::optional<Message> Client::next_message(std::chrono::milliseconds timeout, const std::atomic<bool>* stop) {
    Impl& self = *impl_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(self.mutex);
    while (self.queue.empty() && (stop == nullptr || !stop->load())) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return std::nullopt;
        self.queue_changed.wait_for(
            lock, std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(100)));
    }
    if (self.queue.empty()) return std::nullopt;
    Message message = std::move(self.queue.front());
    self.queue.pop_front();
    lock.unlock();
    self.queue_changed.notify_all();
    return message;
}

void Client::set_queue_limit(std::size_t messages) { impl_->queue_limit = std::max<std::size_t>(1, messages); }

void Client::stop(std::chrono::milliseconds timeout, const std::optional<Will>& last) {
    Impl& self = *impl_;
    if (!self.started || self.stopped) return;
    self.stopped = true;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    if (last && self.is_connected) {
        try {
            publish(last->topic, last->payload, last->qos, last->retain);
        } catch (const track::Error&) {
            // The last message is a courtesy; a bad one must not keep the client from stopping.
        }
    }
    {
        std::unique_lock lock(self.mutex);
        self.state_changed.wait_until(lock, deadline, [&] { return self.outstanding.empty() || !self.is_connected; });
        self.stopping = true;
    }
    self.queue_changed.notify_all();  // a network thread waiting for room in the queue
    self.abandon = true;
    if (self.starter.joinable()) self.starter.join();
    mosquitto_disconnect(self.mosq);
    if (self.loop_running) mosquitto_loop_stop(self.mosq, false);
    self.is_connected = false;
}

}  // namespace adapters::mqtt
