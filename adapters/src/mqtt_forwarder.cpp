// The forwarding thread of trk publish (see adapters/mqtt_forwarder.hpp).
#include "adapters/mqtt_forwarder.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "track/error.hpp"
#include "track/number.hpp"

namespace adapters::mqtt {

namespace {
using Clock = std::chrono::steady_clock;
// No acknowledgement at all for this long while connected, with messages in flight: take
// them for lost (a client that dropped them on a reconnect) and send them again.
constexpr auto resend_after = std::chrono::seconds(30);
// Removals from the spool are batched: one transaction per this many acknowledgements, or
// after this long, or when nothing more is in flight.
constexpr auto removal_interval = std::chrono::milliseconds(100);
}  // namespace

// What the forwarding thread shares with libmosquitto's network thread.
struct Forwarder::Shared {
    struct InFlight {
        std::int64_t seq;
        bool acked;
    };
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<InFlight> window;                   ///< sent, in seq order, until acknowledged at the front
    std::unordered_map<int, std::int64_t> seq_of;  ///< message id -> seq, of those in the window
    std::vector<int> early;                        ///< acknowledged ids not (yet) in seq_of
    bool appended = true;                          ///< the spool may hold messages not read yet
    bool stop = false;
    std::uint64_t connections = 0;  ///< connections made so far
    std::uint64_t acknowledged = 0;
    bool failed = false;
    std::string refused;
    std::exception_ptr error;

    void delivered(int mid) {
        {
            const std::lock_guard lock(mutex);
            const auto it = seq_of.find(mid);
            // The acknowledgement can come before the forwarding thread noted the id
            // (publish() had not returned yet), or be of a message sent outside the spool
            // (the online status): kept until the next id is noted.
            if (it == seq_of.end()) {
                early.push_back(mid);
                return;
            }
            const auto w = std::lower_bound(window.begin(), window.end(), it->second,
                                            [](const InFlight& f, std::int64_t seq) { return f.seq < seq; });
            if (w != window.end() && w->seq == it->second) w->acked = true;
            seq_of.erase(it);
            ++acknowledged;
        }
        wake.notify_one();
    }
};

Forwarder::Forwarder(Client& client, track::Spool& spool, ForwarderOptions options)
    : shared_(std::make_shared<Shared>()), client_(client), spool_(spool), options_(std::move(options)) {
    options_.inflight = std::max<std::size_t>(options_.inflight, 1);
    options_.chunk = std::max<std::size_t>(options_.chunk, 1);
    client_.on_delivered([shared = shared_](int mid) { shared->delivered(mid); });
    client_.on_connection([shared = shared_](bool connected) {
        {
            const std::lock_guard lock(shared->mutex);
            if (connected) ++shared->connections;
        }
        shared->wake.notify_one();
    });
    thread_ = std::thread([this] { run(); });
}

Forwarder::~Forwarder() { stop(); }

void Forwarder::appended() {
    {
        const std::lock_guard lock(shared_->mutex);
        shared_->appended = true;
    }
    shared_->wake.notify_one();
}

void Forwarder::check() const {
    const std::lock_guard lock(shared_->mutex);
    if (shared_->error) std::rethrow_exception(shared_->error);
    if (!shared_->refused.empty()) throw track::DeviceError(shared_->refused);
}

bool Forwarder::failed() const {
    const std::lock_guard lock(shared_->mutex);
    return shared_->failed;
}

void Forwarder::stop() {
    {
        const std::lock_guard lock(shared_->mutex);
        shared_->stop = true;
    }
    shared_->wake.notify_one();
    if (thread_.joinable()) thread_.join();
}

std::uint64_t Forwarder::acknowledged() const {
    const std::lock_guard lock(shared_->mutex);
    return shared_->acknowledged;
}

void Forwarder::run() {
    Shared& s = *shared_;
    std::vector<track::SpooledMessage> chunk;  // read from the spool, chunk[next] the next to send
    std::size_t next = 0;
    std::int64_t last_read = 0;        // the highest seq read from the spool
    std::int64_t acked_through = 0;    // every message up to it is acknowledged ...
    std::int64_t removed_through = 0;  // ... and up to this one removed from the spool
    std::size_t acked_since_removal = 0;
    std::uint64_t online_sent_for = 0;  // the connection whose online status was published
    bool was_connected = false, told_down = false;
    bool hold = false;  // the messages in flight when the connection was lost go first
    Clock::time_point last_note = Clock::now(), last_removal = Clock::now(), last_progress = Clock::now();
    const auto note = [this](const std::string& text) {
        if (options_.on_note) options_.on_note(text);
    };
    const auto waiting = [this] {
        return fmt::format("{} records waiting in {}", track::grouped(spool_.pending().messages), spool_.path());
    };
    try {
        for (;;) {
            bool read_more = false;
            std::uint64_t connections = 0;
            std::size_t in_flight = 0;
            {
                std::unique_lock lock(s.mutex);
                s.wake.wait_for(lock, std::chrono::milliseconds(200), [&] {
                    const bool room = !hold && s.window.size() < options_.inflight;
                    return s.stop || (!s.window.empty() && s.window.front().acked) ||
                           (client_.connected() &&
                            (s.connections != online_sent_for || (room && (next < chunk.size() || s.appended))));
                });
                if (s.stop) break;
                while (!s.window.empty() && s.window.front().acked) {
                    acked_through = s.window.front().seq;
                    s.window.pop_front();
                    ++acked_since_removal;
                    last_progress = Clock::now();
                }
                if (s.window.empty()) last_progress = Clock::now();
                read_more = next >= chunk.size() && s.appended;
                connections = s.connections;
                in_flight = s.window.size();
            }
            const Clock::time_point now = Clock::now();
            if (acked_through > removed_through && (acked_since_removal >= options_.chunk / 2 || in_flight == 0 ||
                                                    now - last_removal >= removal_interval)) {
                spool_.remove_through(acked_through);
                removed_through = acked_through;
                acked_since_removal = 0;
                last_removal = now;
            }

            if (!client_.connected()) {
                if (std::string why = client_.refused(); !why.empty()) {
                    const std::lock_guard lock(s.mutex);
                    s.refused = std::move(why);
                    s.failed = true;
                    break;
                }
                if (was_connected || now - last_note >= options_.report_every) {
                    note(fmt::format("broker {}unreachable: {}", was_connected || !told_down ? "" : "still ",
                                     waiting()));
                    told_down = true;
                    last_note = now;
                }
                was_connected = false;
                continue;
            }
            if (!was_connected && told_down) note(fmt::format("broker reachable again: sending {}", waiting()));
            was_connected = true;
            told_down = false;
            last_note = now;

            if (connections != online_sent_for) {
                // A new connection: libmosquitto sends what was in flight again. New messages
                // wait until those are acknowledged, so that none overtakes them.
                hold = in_flight > 0;
                online_sent_for = connections;
                if (options_.online) {
                    const Will& o = *options_.online;
                    client_.publish(o.topic, o.payload, o.qos, o.retain);
                }
            }

            // Nothing acknowledged for long with messages in flight: send them again.
            if (in_flight > 0 && now - last_progress >= resend_after) {
                note(fmt::format(
                    "no acknowledgement from the broker for {} s: sending the {} unacknowledged "
                    "records again",
                    std::chrono::duration_cast<std::chrono::seconds>(resend_after).count(), track::grouped(in_flight)));
                const std::lock_guard lock(s.mutex);
                s.window.clear();
                s.seq_of.clear();
                s.appended = true;
                chunk.clear();
                next = 0;
                last_read = acked_through;
                last_progress = now;
                hold = false;
                continue;
            }

            if (read_more) {
                spool_.read_after(last_read, options_.chunk, chunk);
                next = 0;
                const std::lock_guard lock(s.mutex);
                // A full chunk: there may be more; a short one: nothing more until appended().
                s.appended = chunk.size() == options_.chunk;
                if (!chunk.empty()) last_read = chunk.back().seq;
            }
            if (in_flight == 0) hold = false;
            bool room = !hold && in_flight < options_.inflight;
            while (room && next < chunk.size()) {
                const track::SpooledMessage& m = chunk[next];
                std::optional<int> mid;
                try {
                    mid = client_.publish(m.topic, m.payload, m.qos, m.retain);
                } catch (const track::InputError& e) {
                    // No broker would take it (trk makes topics and payloads that MQTT can
                    // carry, so it is some other program's row): it leaves the spool as if sent.
                    note(fmt::format("{}: not published: {}", m.topic, e.reason()));
                    const std::lock_guard lock(s.mutex);
                    s.window.push_back({m.seq, true});
                    ++next;
                    continue;
                }
                if (!mid) break;  // the connection went: sent again from here once back
                const std::lock_guard lock(s.mutex);
                const bool acked = std::find(s.early.begin(), s.early.end(), *mid) != s.early.end();
                // Every id acknowledged before now is of a message sent earlier (or outside
                // the spool): none can be a later message's.
                s.early.clear();
                s.window.push_back({m.seq, acked});
                if (acked) ++s.acknowledged;
                else s.seq_of.emplace(*mid, m.seq);
                room = s.window.size() < options_.inflight;
                ++next;
            }
        }
    } catch (...) {
        const std::lock_guard lock(s.mutex);
        s.error = std::current_exception();
        s.failed = true;
    }
    // Whoever waits on the spool (the drain at the end, a full spool) looks again.
    spool_.wake();
}

}  // namespace adapters::mqtt
