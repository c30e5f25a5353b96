// MQTT over libmosquitto: a broker's URL, and one client connection (TLS, a password, a last
// will) whose network side runs on libmosquitto's own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace adapters::mqtt {

/// A broker as its URL names it: mqtt://HOST[:PORT] (1883) or mqtts://HOST[:PORT] (8883, TLS).
struct BrokerUrl {
    std::string host;
    int port = 1883;
    bool tls = false;
    std::string text;  ///< "mqtt://HOST:PORT", for messages and the src of records read
};

/// Parses `url`. Throws track::UsageError naming `option` for any other scheme, a bad port,
/// a path, or credentials in the URL (a password never goes on a command line: trk-publish(1)).
BrokerUrl parse_broker_url(std::string_view option, std::string_view url);

/// The message the broker publishes for the client when its connection ends without a
/// DISCONNECT (a crash, a cut link, a missed keepalive).
struct Will {
    std::string topic;
    std::string payload;
    int qos = 1;
    bool retain = true;
};

struct ClientOptions {
    BrokerUrl broker;
    std::string client_id;      ///< empty: libmosquitto makes a random one (clean sessions only)
    bool clean_session = true;  ///< false: the broker keeps the session (subscriptions, queued QoS 1/2)
    int keepalive_s = 30;
    // TLS (mqtts://): the CA certificates that sign the broker's (empty: the system's
    // /etc/ssl/certs), and a client certificate with its key (both or neither).
    std::string cafile;
    std::string cert;
    std::string key;
    std::string username;                 ///< empty: none
    std::optional<std::string> password;  ///< from --password-file or the environment, never argv
    std::optional<Will> will;
    /// QoS 1/2 messages the client keeps unacknowledged at once (libmosquitto's max inflight).
    int max_inflight = 1000;
    /// Says what happens to the connection ("connected to mqtt://...", "connection lost: ...,
    /// retrying"), from libmosquitto's thread.
    std::function<void(std::string_view)> on_status;
};

/// One message received.
struct Message {
    std::string topic;
    std::string payload;
    int qos = 0;
    bool retained = false;
};

/// One connection to a broker. libmosquitto's network thread (mosquitto_loop_start) reads
/// and writes the socket, reconnects after a loss (1 s growing to 8 s: libmosquitto counts
/// whole seconds; a first connection that fails is retried by a starter thread of the Client,
/// 0.5 s doubling to 8 s, because libmosquitto's thread gives up on it), and calls the
/// callbacks; the calling thread publishes and takes received messages from a bounded queue
/// (a slow consumer slows the network thread, and the broker queues, instead of trk's memory
/// growing). A broker that refuses the client (bad username or password, not authorized) or a
/// TLS handshake that fails (an untrusted certificate) is no network weather: no retry helps,
/// and refused() says why.
class Client {
public:
    /// Sets up the client (TLS, credentials, will); connects nothing. Throws
    /// track::UsageError for an unreadable --cafile/--cert/--key, track::DeviceError when
    /// libmosquitto cannot be set up.
    explicit Client(ClientOptions options);
    ~Client();  ///< disconnects cleanly (DISCONNECT: the will is not sent) and stops the thread
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// Starts connecting in the background. Returns at once: connected() tells when the
    /// broker accepted, refused() when it never will.
    void start();
    /// Waits until connected, refused, `stop` is set or `timeout` passed; true when connected.
    bool wait_connected(std::chrono::milliseconds timeout, const std::atomic<bool>* stop);
    [[nodiscard]] bool connected() const;
    /// Why the broker will never accept this client ("mqtts://h:8883: TLS: certificate verify
    /// failed (is --cafile the CA that signed the broker's certificate?)", "...: not
    /// authorized: bad username or password"); empty while that is not known.
    [[nodiscard]] std::string refused() const;

    /// Publishes one message. Returns its message id, or nullopt when not connected (the
    /// caller keeps it and publishes it again once connected). Throws track::InputError for a
    /// topic or payload the protocol cannot carry (a wildcard in the topic, not UTF-8, over
    /// 256 MB).
    std::optional<int> publish(std::string_view topic, std::string_view payload, int qos, bool retain);
    /// Called, on the network thread, when the broker acknowledged a message (PUBACK for QoS
    /// 1, PUBCOMP for 2; for QoS 0: when it was written to the socket). Set before start().
    /// It may run before publish() has returned that id to the caller. Messages unacknowledged
    /// when a connection is lost are sent again by libmosquitto after the reconnect (same id).
    void on_delivered(std::function<void(int message_id)> callback);
    /// Called, on the network thread, when a connection is lost or made. Set before start().
    void on_connection(std::function<void(bool connected)> callback);

    /// Subscribes to `filters` at `qos` on every connection (again after each reconnect
    /// with a clean session). Set before start().
    void subscribe(std::vector<std::string> filters, int qos);
    /// The next message received: waits up to `timeout` (or until `stop`), nullopt when none
    /// came. The queue holds at most `queue_limit` messages (set before start()); past
    /// that, the network thread waits for the caller.
    std::optional<Message> next_message(std::chrono::milliseconds timeout, const std::atomic<bool>* stop);
    void set_queue_limit(std::size_t messages);

    /// Sends DISCONNECT and stops the network thread, publishing `last` first if given (the
    /// clean-exit twin of the will). Waits up to `timeout` for outstanding acknowledgements.
    void stop(std::chrono::milliseconds timeout, const std::optional<Will>& last = std::nullopt);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Libmosquitto's version, "2.0.11", for --version and messages.
std::string library_version();

}  // namespace adapters::mqtt
