// Store-and-forward for trk publish: a thread that sends a spool's messages to a broker in seq
// order, a bounded window of them unacknowledged, and removes each from the spool only once the
// broker acknowledged it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "adapters/mqtt.hpp"
#include "track/spool.hpp"

namespace adapters::mqtt {

struct ForwarderOptions {
    std::size_t inflight = 1000;  ///< messages sent and not yet acknowledged, at most
    std::size_t chunk = 1000;     ///< messages read from the spool at a time (the memory used)
    /// While the broker stays away, on_note says so this often.
    std::chrono::milliseconds report_every{10'000};
    /// Published on each connection, before the spool's messages ("online": true, retained).
    std::optional<Will> online;
    /// What a person running trk wants to know: the broker gone ("broker unreachable: 12,345
    /// records waiting in SPOOL"), still gone, back. Called on the forwarding thread.
    std::function<void(std::string_view)> on_note;
};

/// Sends the messages of `spool` through `client`, oldest first; the spool is shared with the
/// thread that appends to it (track::Spool takes its own lock).
///
/// Threads: libmosquitto's network thread calls on_delivered and on_connection; they only
/// mark a message acknowledged (by its message id) and wake the forwarding thread, under the
/// forwarder's lock. The forwarding thread reads the spool in chunks, publishes while fewer
/// than `inflight` messages wait for their acknowledgement, and removes from the spool the
/// longest run of acknowledged messages at its front (so a message that the broker
/// acknowledged out of order leaves with those before it, never before them).
///
/// A connection lost with messages in flight: libmosquitto sends them again after it
/// reconnects (with DUP set, at QoS 1 the broker may deliver twice); a process that dies
/// leaves them in the spool, and the next run sends them first.
class Forwarder {
public:
    /// Sets the client's callbacks (before client.start()) and starts the forwarding thread.
    Forwarder(Client& client, track::Spool& spool, ForwarderOptions options);
    ~Forwarder();  ///< stop()
    Forwarder(const Forwarder&) = delete;
    Forwarder& operator=(const Forwarder&) = delete;

    /// Tells the thread that the spool has new messages.
    void appended();

    /// Throws what ended forwarding for good: track::DeviceError with Client::refused()'s
    /// message when the broker refused the client, or the spool's error. Returns otherwise.
    void check() const;
    /// Whether forwarding ended for good (check() would throw).
    [[nodiscard]] bool failed() const;

    /// Stops the thread; what was not acknowledged stays in the spool.
    void stop();

    /// Messages the broker acknowledged in this run.
    [[nodiscard]] std::uint64_t acknowledged() const;

private:
    void run();

    struct Shared;
    std::shared_ptr<Shared> shared_;  ///< also held by the client's callbacks
    Client& client_;
    track::Spool& spool_;
    ForwarderOptions options_;
    std::thread thread_;
};

}  // namespace adapters::mqtt
