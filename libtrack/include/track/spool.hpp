// trk publish's store-and-forward spool: messages kept on disk (SQLite) from the moment they
// are read until the broker acknowledged them, so that a dead link or a kill -9 loses none.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace track {

/// One message to keep: the bytes to publish and how.
struct SpoolEntry {
    std::string_view topic;
    std::string_view payload;
    int qos = 1;
    bool retain = false;
};

/// One message kept, as read back.
struct SpooledMessage {
    std::int64_t seq = 0;  ///< its place: increasing in the order appended, never reused
    std::string topic;
    std::string payload;
    int qos = 1;
    bool retain = false;
};

/// What the spool holds.
struct SpoolPending {
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;  ///< of payload
};

/// A spool file (trk-publish(1), THE SPOOL). One process at a time: the file stays locked
/// (SQLite's exclusive locking mode) while it is open. Safe to share between threads: every
/// operation takes the spool's own lock (the reading thread appends while the sending thread
/// reads and removes).
class Spool {
public:
    /// Opens the spool at `path`, creating it (mode 0600, and its folder) when missing.
    /// Throws BusyError when another process has it open ("in use by another trk publish"),
    /// InputError for a file that is no spool of trk's or one of a newer schema (the file is
    /// not changed), IoError when it cannot be created or read.
    explicit Spool(const std::string& path);
    ~Spool();
    Spool(const Spool&) = delete;
    Spool& operator=(const Spool&) = delete;

    /// Appends `batch` in one transaction, durable when this returns (the WAL fsynced): a
    /// power cut after it keeps every message of it, one before it keeps none. IoError on
    /// failure (disk full), with nothing of the batch kept.
    void append(std::span<const SpoolEntry> batch);

    /// The messages after `seq` (0: from the first), in seq order, at most `limit` of them,
    /// into `out` (cleared first; its strings' storage is reused).
    void read_after(std::int64_t seq, std::size_t limit, std::vector<SpooledMessage>& out);

    /// Removes every message up to and including `seq` (the broker acknowledged them).
    /// Not fsynced on its own: a power cut may bring back the last removals (sent again, as
    /// QoS 1 allows), never lose a message. Returns how many were removed.
    std::uint64_t remove_through(std::int64_t seq);

    /// Removes the oldest messages until at least `bytes` of payload are gone (or the spool is
    /// empty), for --when-full drop-oldest. Returns how many were removed.
    std::uint64_t drop_oldest(std::uint64_t bytes);

    /// What the spool holds now (kept in memory; counted from the file when opened).
    [[nodiscard]] SpoolPending pending() const;

    /// Waits until `ready(pending())` holds, up to `timeout`; returns whether it holds. Wakes
    /// whenever the spool changes, and calls `ready` under the spool's lock (keep it short).
    bool wait_until(const std::function<bool(const SpoolPending&)>& ready, std::chrono::milliseconds timeout) const;

    /// Wakes every wait_until (a stop request: their `ready` then sees it).
    void wake() const;

    [[nodiscard]] const std::string& path() const { return path_; }

private:
    struct Impl;
    std::string path_;
    std::unique_ptr<Impl> impl_;
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    SpoolPending pending_;
};

}  // namespace track
