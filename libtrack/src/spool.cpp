// trk publish's spool on SQLite (see track/spool.hpp): one table of messages keyed by an
// increasing seq, WAL, synchronous=FULL for appends, the file locked by its one publisher.
#include "track/spool.hpp"

#include <sys/stat.h>

#include <fmt/format.h>

#include "ledger_sqlite.hpp"
#include "track/error.hpp"

namespace track {

namespace {

// 'trkS': marks a database as a spool of trk publish (PRAGMA application_id).
constexpr std::int64_t spool_application_id = 0x74726B53;
// The schema this trk writes. A spool of a newer one is refused, never changed.
constexpr std::int64_t spool_schema_version = 1;

// AUTOINCREMENT: a seq is never reused, even once the spool was emptied, so that "the messages
// after seq N" never misses one appended later.
constexpr std::string_view spool_schema = R"sql(
CREATE TABLE messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    qos INTEGER NOT NULL,
    retain INTEGER NOT NULL
);
)sql";

std::string in_use_message(const std::string& path) {
    return fmt::format(
        "{}: the spool is in use by another trk publish (one spool, one publisher: give each its own --spool)", path);
}

}  // namespace

struct Spool::Impl {
    std::unique_ptr<sqlite::Connection> c;  ///< holds the file's lock while it lives
    sqlite::Statement insert, read, count_through, remove, oldest;

    explicit Impl(std::unique_ptr<sqlite::Connection> connection)
        : c(std::move(connection)),
          insert(c->db(), c->path(), "INSERT INTO messages (topic, payload, qos, retain) VALUES (?, ?, ?, ?)"),
          read(c->db(), c->path(),
               "SELECT seq, topic, payload, qos, retain FROM messages WHERE seq > ? ORDER BY seq LIMIT ?"),
          count_through(c->db(), c->path(),
                        "SELECT count(*), coalesce(sum(length(payload)), 0) FROM messages WHERE seq <= ?"),
          remove(c->db(), c->path(), "DELETE FROM messages WHERE seq <= ?"),
          oldest(c->db(), c->path(), "SELECT seq, length(payload) FROM messages ORDER BY seq LIMIT 1000") {}
};

namespace {

// Opens the connection and takes the file for this process: a second publisher on the same
// spool would send the same messages twice and remove what the other has not sent.
std::unique_ptr<sqlite::Connection> open_locked(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) sqlite::create_private_file(path, 0600);
    else if (S_ISDIR(st.st_mode)) throw UsageError(fmt::format("--spool: {} is a directory, not a spool file", path));
    auto c = std::make_unique<sqlite::Connection>(path, true);
    if (c->read_only()) throw IoError(fmt::format("{}: the spool cannot be written", path));
    // No waiting for a lock: the one who holds it is a publisher that runs for hours.
    sqlite3_busy_timeout(c->db(), 0);
    // Exclusive locking: the first access takes the file's lock and keeps it until the
    // connection closes (the kernel drops it when the process dies, kill -9 included). In WAL
    // mode it also means no -shm file: nobody else may read the spool meanwhile anyway.
    c->exec("PRAGMA locking_mode = EXCLUSIVE", "locking the spool");
    const int rc = sqlite3_exec(c->db(), "BEGIN EXCLUSIVE; COMMIT", nullptr, nullptr, nullptr);
    if ((rc & 0xFF) == SQLITE_BUSY || (rc & 0xFF) == SQLITE_LOCKED) throw BusyError(in_use_message(path));
    if (rc != SQLITE_OK) {
        try {
            sqlite::fail(c->db(), rc, path, "locking the spool");
        } catch (const InputError&) {
            throw InputError(path, "not a spool of trk publish, or a damaged one; the file was not changed");
        }
    }
    return c;
}

}  // namespace

Spool::Spool(const std::string& path) : path_(path) {
    std::unique_ptr<sqlite::Connection> c;
    std::int64_t version = 0, marked = 0, tables = 0;
    try {
        c = open_locked(path);
        version = c->integer("PRAGMA user_version");
        marked = c->integer("PRAGMA application_id");
        tables = c->integer("SELECT count(*) FROM sqlite_schema");
    } catch (const InputError&) {
        throw InputError(path, "not a spool of trk publish, or a damaged one; the file was not changed");
    }
    // Someone else's database, or a trk ledger given as --spool by mistake: leave it alone.
    if (marked != spool_application_id && (marked != 0 || tables != 0)) {
        throw InputError(path, "an SQLite database, but not a spool of trk publish; the file was not changed");
    }
    if (version > spool_schema_version) {
        throw InputError(path, fmt::format("spool schema version {} is newer than this trk knows ({}); use a newer "
                                           "trk, the file was not changed",
                                           version, spool_schema_version));
    }
    // WAL: an append is one write at the end of the log, and a torn one (a crash in the
    // middle) is ignored by the next open: its checksum does not match. synchronous=FULL: the
    // WAL is fsynced at each commit, so an append is on disk when it returns.
    c->exec("PRAGMA journal_mode = WAL", "switching the spool to WAL");
    c->exec("PRAGMA synchronous = FULL", "setting synchronous");
    if (tables == 0) {
        sqlite::Transaction t(*c);
        c->exec(spool_schema, "creating the spool");
        c->exec(fmt::format("PRAGMA user_version = {}", spool_schema_version), "recording the schema version");
        c->exec(fmt::format("PRAGMA application_id = {}", spool_application_id), "marking the spool");
        t.commit();
    }
    impl_ = std::make_unique<Impl>(std::move(c));
    sqlite::Statement count(impl_->c->db(), impl_->c->path(),
                            "SELECT count(*), coalesce(sum(length(payload)), 0) FROM messages");
    if (count.step()) {
        pending_.messages = static_cast<std::uint64_t>(count.integer(0));
        pending_.bytes = static_cast<std::uint64_t>(count.integer(1));
    }
}

Spool::~Spool() = default;

void Spool::append(std::span<const SpoolEntry> batch) {
    if (batch.empty()) return;
    std::uint64_t bytes = 0;
    {
        const std::lock_guard lock(mutex_);
        sqlite::Transaction t(*impl_->c);
        for (const SpoolEntry& e : batch) {
            impl_->insert.bind(1, e.topic)
                .bind_blob(2, e.payload.data(), e.payload.size())
                .bind(3, std::int64_t{e.qos})
                .bind(4, std::int64_t{e.retain ? 1 : 0});
            impl_->insert.run();
            bytes += e.payload.size();
        }
        t.commit();
        pending_.messages += batch.size();
        pending_.bytes += bytes;
    }
    changed_.notify_all();
}

void Spool::read_after(std::int64_t seq, std::size_t limit, std::vector<SpooledMessage>& out) {
    std::size_t n = 0;
    {
        const std::lock_guard lock(mutex_);
        sqlite::Statement& s = impl_->read;
        s.bind(1, seq).bind(2, static_cast<std::int64_t>(limit));
        while (s.step()) {
            if (n == out.size()) out.emplace_back();
            SpooledMessage& m = out[n++];
            m.seq = s.integer(0);
            m.topic.assign(s.text_view(1));
            m.payload.assign(s.blob(2));
            m.qos = static_cast<int>(s.integer(3));
            m.retain = s.integer(4) != 0;
        }
        s.reset();
    }
    out.resize(n);
}

std::uint64_t Spool::remove_through(std::int64_t seq) {
    std::uint64_t removed = 0;
    {
        const std::lock_guard lock(mutex_);
        // A removal is no promise to anyone: no fsync of its own (the next append's fsync of
        // the WAL covers it). Then FULL again for the appends.
        impl_->c->exec("PRAGMA synchronous = NORMAL", "setting synchronous");
        sqlite::Transaction t(*impl_->c);
        sqlite::Statement& count = impl_->count_through;
        count.bind(1, seq);
        std::uint64_t bytes = 0;
        if (count.step()) {
            removed = static_cast<std::uint64_t>(count.integer(0));
            bytes = static_cast<std::uint64_t>(count.integer(1));
        }
        count.reset();
        if (removed > 0) {
            impl_->remove.bind(1, seq);
            impl_->remove.run();
        }
        t.commit();
        impl_->c->exec("PRAGMA synchronous = FULL", "setting synchronous");
        pending_.messages -= std::min(removed, pending_.messages);
        pending_.bytes -= std::min(bytes, pending_.bytes);
    }
    if (removed > 0) changed_.notify_all();
    return removed;
}

std::uint64_t Spool::drop_oldest(std::uint64_t bytes) {
    std::int64_t through = 0;
    {
        const std::lock_guard lock(mutex_);
        sqlite::Statement& s = impl_->oldest;
        std::uint64_t freed = 0;
        while (freed < bytes && s.step()) {
            through = s.integer(0);
            freed += static_cast<std::uint64_t>(s.integer(1));
        }
        s.reset();
    }
    // A thousand messages at a time at most: the caller asks again while it needs room.
    return through > 0 ? remove_through(through) : 0;
}

SpoolPending Spool::pending() const {
    const std::lock_guard lock(mutex_);
    return pending_;
}

bool Spool::wait_until(const std::function<bool(const SpoolPending&)>& ready, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return ready(pending_); });
}

void Spool::wake() const {
    // Taking the lock orders the caller's change (a stop flag) before the waiters look again.
    { const std::lock_guard lock(mutex_); }
    changed_.notify_all();
}

}  // namespace track
