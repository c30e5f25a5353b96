// A site's ledger and the central one: shipping records up (push) and the registry down
// (pull). The central ledger itself is a Ledger (open_ledger with a postgresql:// URL).
//
// Push is safe to interrupt anywhere: the central ledger's head for a site (its last seq) is
// the truth of what arrived. Each batch goes in one central transaction (COPY, then the
// site's positions, under a per-site advisory lock), and the site's high-water mark
// (setting "push:CENTRAL_ID") is written only after that commit. A push that dies
// before the commit leaves nothing centrally; one that dies after it finds the head moved
// and sends only what follows. Before sending, the site's chain must join the central one:
// the site's record at the central head's seq must have the central head's hash, so a
// restored older copy of a site's ledger sends nothing twice, and a ledger that diverged
// from what was pushed (another site's file, or new records after a restore) is refused.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "track/ledger.hpp"

namespace track {

/// How far a push is, for the progress line.
struct PushProgress {
    std::uint64_t sent = 0;   ///< records committed centrally by this push so far
    std::uint64_t total = 0;  ///< records this push has to send
};

/// How to push.
struct PushOptions {
    std::string url;                               ///< the central ledger (postgresql://...)
    std::string site;                              ///< the site's name; empty: the site ledger's setting "site"
    std::chrono::milliseconds busy_timeout{5000};  ///< local ledger locks
    std::uint64_t batch = 500000;                  ///< records per central transaction
    /// Called after each committed batch (may be empty).
    std::function<void(const PushProgress&)> progress;
    /// When set and true, the push stops after the batch in progress (signals).
    const std::atomic<bool>* stop = nullptr;
};

/// What a push did.
struct PushResult {
    std::string site;
    std::string central_id;         ///< the central ledger's id (trk.ledger.id, a UUID)
    std::string central;            ///< where it is, for messages: "host:port/database"
    std::int64_t central_head = 0;  ///< the site's last seq centrally before the push
    std::int64_t head = 0;          ///< ... after it
    std::uint64_t records = 0;      ///< records sent and committed
    std::uint64_t audits = 0;       ///< audits sent
    std::uint64_t checkpoints = 0;  ///< checkpoints sent
    bool stopped = false;           ///< ended early by PushOptions::stop
};

/// Ships everything of `local` (a site's SQLite ledger) that the central ledger at
/// options.url lacks: records (COPY), each asset's latest position, audits and signed
/// checkpoints, tagged with the site. Throws UsageError (64) when the site has no name or
/// the URL holds a password, InputError (65) when the site's chain does not join the
/// central one (with both hashes and what to do), DeviceError (69) when the server cannot
/// be reached, refuses the login or the role may not write this site's records (with the
/// server's words), BusyError (75) when the connection is lost half-way (what was
/// committed stays; push again).
PushResult push(Ledger& local, const PushOptions& options);

/// One registry entry that pull found differing.
struct PullChange {
    std::string kind;    ///< "asset", "link", "reader", "fence"
    std::string id;      ///< its id (a link: "KIND:VALUE")
    std::string action;  ///< "added", "replaced" (central won: the local version differed),
                         ///< "kept" (known here, not centrally: left as it is)
    std::string detail;  ///< for "replaced": what the local version was, in short
};

/// What a pull did.
struct PullResult {
    std::vector<PullChange> changes;  ///< in kind, then id order; unchanged entries are not listed
    std::uint64_t unchanged = 0;
};

/// Brings the central registry (assets, links, readers, fences) into `local`: central wins
/// for every entry it knows, and each local version it replaces is reported ("replaced");
/// entries known only locally are kept and reported ("kept"). With `dry_run`, changes
/// nothing and reports what it would do.
PullResult pull(Ledger& local, Ledger& central, bool dry_run);

}  // namespace track
