// The SQLite ledger (see track/ledger.hpp): WAL, synchronous=FULL, prepared statements only.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>
#include <simdjson.h>

#include "track/epc.hpp"
#include "track/error.hpp"
#include "track/json.hpp"
#include "track/ledger.hpp"
#include "track/sha256.hpp"

namespace track {

std::string_view to_string(LinkKind kind) noexcept {
    switch (kind) {
        case LinkKind::epc: return "epc";
        case LinkKind::uri: return "uri";
        case LinkKind::device: return "device";
    }
    return "?";
}

std::string default_ledger_path(const std::string& flag) {
    if (!flag.empty()) return flag;
    if (const char* env = std::getenv("TRK_LEDGER"); env != nullptr && *env != '\0') return env;
    if (const char* data = std::getenv("XDG_DATA_HOME"); data != nullptr && *data != '\0') {
        return std::string(data) + "/trk/ledger.db";
    }
    const char* home = std::getenv("HOME");
    return std::string(home != nullptr ? home : ".") + "/.local/share/trk/ledger.db";
}

namespace {

// 'trk1': marks a database as a trk ledger (PRAGMA application_id).
constexpr int application_id = 0x74726B31;

// ---------------------------------------------------------------------------------------
// Thin RAII over the C API; every failure becomes the track::Error its cause calls for.

// The error reading the whole file at `path` gives (EIO from a bad sector), or 0.
int read_error(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    char chunk[1 << 16];
    ssize_t n = 0;
    while ((n = ::read(fd, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR)) {
    }
    const int error = n < 0 ? errno : 0;
    ::close(fd);
    return error;
}

[[noreturn]] void fail(sqlite3* db, int rc, const std::string& path, std::string_view doing) {
    const int primary = rc & 0xFF;
    const std::string why = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    // What the system said, where SQLite got an error from it (ENOSPC, EIO, EROFS).
    const int os_error = db != nullptr ? sqlite3_system_errno(db) : 0;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
        throw BusyError(
            fmt::format("{}: the ledger is busy ({}): another trk is writing to it; try again, "
                        "or wait longer with --busy-timeout",
                        path, doing));
    }
    if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) {
        // SQLite reports a read that failed with EIO as corruption: when the disk, not the
        // contents, is at fault, say so.
        if (const int error = os_error == EIO ? EIO : read_error(path); error != 0) {
            throw IoError(fmt::format("{}: I/O error ({}) while {}", path, std::strerror(error), doing));
        }
        throw InputError(path, fmt::format("not a trk ledger, or a damaged one ({}: {})", doing, why));
    }
    const std::string detail = os_error != 0 ? std::strerror(os_error) : why;
    if (primary == SQLITE_FULL || os_error == ENOSPC || os_error == EDQUOT) {
        throw IoError(fmt::format("{}: disk full while {}", path, doing));
    }
    if (primary == SQLITE_READONLY || primary == SQLITE_PERM || os_error == EROFS) {
        throw IoError(fmt::format("{}: the ledger cannot be written ({}) while {}", path, detail, doing));
    }
    if (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR) {
        throw IoError(fmt::format("{}: {} ({}) while {}", path, primary == SQLITE_IOERR ? "I/O error" : "cannot open",
                                  detail, doing));
    }
    throw Error(ExitCode::software, fmt::format("{}: {}: {}", path, doing, why));
}

class Statement {
public:
    Statement(sqlite3* db, const std::string& path, std::string_view sql) : db_(db), path_(&path) {
        const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                          &stmt_, nullptr);
        if (rc != SQLITE_OK) fail(db, rc, path, "preparing a statement");
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int i, std::string_view text) {
        check(sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_STATIC));
        return *this;
    }
    Statement& bind(int i, std::int64_t value) {
        check(sqlite3_bind_int64(stmt_, i, value));
        return *this;
    }
    Statement& bind(int i, double value) {
        check(sqlite3_bind_double(stmt_, i, value));
        return *this;
    }
    Statement& bind_blob(int i, const void* data, std::size_t size) {
        check(sqlite3_bind_blob(stmt_, i, data, static_cast<int>(size), SQLITE_STATIC));
        return *this;
    }
    Statement& bind_null(int i) {
        check(sqlite3_bind_null(stmt_, i));
        return *this;
    }
    /// Binds text, or NULL when empty.
    Statement& bind_optional(int i, std::string_view text) { return text.empty() ? bind_null(i) : bind(i, text); }
    template <typename T>
    Statement& bind_optional(int i, const std::optional<T>& value) {
        return value ? bind(i, static_cast<std::conditional_t<std::is_integral_v<T>, std::int64_t, double>>(*value))
                     : bind_null(i);
    }

    /// Steps once: true when a row is ready, false when done.
    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        sqlite3_reset(stmt_);
        fail(db_, rc, *path_, "running a statement");
    }
    /// Runs a statement that returns no rows, then resets it for the next use.
    void run() {
        while (step()) {
        }
        reset();
    }
    void reset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }

    [[nodiscard]] bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
    [[nodiscard]] std::string text(int col) const {
        const auto* p = sqlite3_column_text(stmt_, col);
        return p == nullptr ? std::string()
                            : std::string(reinterpret_cast<const char*>(p),
                                          static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
    }
    [[nodiscard]] std::string_view text_view(int col) const {
        const auto* p = sqlite3_column_text(stmt_, col);
        return p == nullptr ? std::string_view()
                            : std::string_view(reinterpret_cast<const char*>(p),
                                               static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
    }
    [[nodiscard]] std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
    [[nodiscard]] double real(int col) const { return sqlite3_column_double(stmt_, col); }
    [[nodiscard]] std::optional<double> optional_real(int col) const {
        return is_null(col) ? std::nullopt : std::optional<double>(real(col));
    }
    [[nodiscard]] std::optional<std::int64_t> optional_integer(int col) const {
        return is_null(col) ? std::nullopt : std::optional<std::int64_t>(integer(col));
    }
    [[nodiscard]] std::string_view blob(int col) const {
        const void* p = sqlite3_column_blob(stmt_, col);
        return p == nullptr ? std::string_view()
                            : std::string_view(static_cast<const char*>(p),
                                               static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
    }

private:
    void check(int rc) {
        if (rc != SQLITE_OK) fail(db_, rc, *path_, "binding a value");
    }
    sqlite3* db_;
    const std::string* path_;
    sqlite3_stmt* stmt_ = nullptr;
};

// `path` as an SQLite URI ("file:" and the path with the characters URIs reserve escaped).
std::string file_uri(const std::string& path, std::string_view query) {
    std::string uri = "file:";
    for (const char c : path) {
        if (c == '%' || c == '?' || c == '#') uri += fmt::format("%{:02X}", static_cast<unsigned char>(c));
        else uri += c;
    }
    return uri + "?" + std::string(query);
}

// One connection, closed on destruction.
class Connection {
public:
    Connection(const std::string& path, bool create) : path_(path) {
        const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
        int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
        if (rc != SQLITE_OK) fail(db_, rc, path, "opening");
        sqlite3_extended_result_codes(db_, 1);
        // A ledger that cannot be written (a read-only mount, a file of another user's) is
        // opened read-only. SQLite reads a WAL database only where it can make the -shm
        // beside it; where it cannot (a read-only folder) and no -wal holds commits that
        // the file lacks, nothing can be writing it: read it as an immutable file.
        if (sqlite3_db_readonly(db_, "main") == 1 && !readable() && ::access((path + "-wal").c_str(), F_OK) != 0) {
            sqlite3_close_v2(db_);
            db_ = nullptr;
            rc = sqlite3_open_v2(file_uri(path, "immutable=1").c_str(), &db_,
                                 SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
            if (rc != SQLITE_OK) fail(db_, rc, path, "opening read-only");
            sqlite3_extended_result_codes(db_, 1);
        }
        // A ledger file may come from anyone: its schema (triggers, views) must not run SQL
        // functions with side effects, and no statement may corrupt the file on purpose
        // (writable_schema and the like), as SQLite advises for untrusted database files.
        sqlite3_db_config(db_, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
        sqlite3_db_config(db_, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    }
    ~Connection() { sqlite3_close_v2(db_); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Runs SQL text of our own (migrations, pragmas, transactions), never input.
    void exec(std::string_view sql, std::string_view doing) {
        const std::string text(sql);
        const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK) fail(db_, rc, path_, doing);
    }
    /// The integer a one-row query returns.
    std::int64_t integer(std::string_view sql) {
        Statement s(db_, path_, sql);
        return s.step() ? s.integer(0) : 0;
    }
    [[nodiscard]] sqlite3* db() const { return db_; }
    [[nodiscard]] const std::string& path() const { return path_; }
    /// Whether the file can only be read (see the constructor).
    [[nodiscard]] bool read_only() const { return sqlite3_db_readonly(db_, "main") == 1; }

private:
    // Whether a first read works (what fails where the -shm cannot be made).
    bool readable() {
        return sqlite3_exec(db_, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr) == SQLITE_OK;
    }

    std::string path_;
    sqlite3* db_ = nullptr;
};

// A write transaction that rolls back unless committed.
class Transaction {
public:
    explicit Transaction(Connection& c) : c_(c) { c_.exec("BEGIN IMMEDIATE", "starting a write"); }
    ~Transaction() {
        if (open_) sqlite3_exec(c_.db(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit() {
        c_.exec("COMMIT", "committing");
        open_ = false;
    }

private:
    Connection& c_;
    bool open_ = true;
};

// ---------------------------------------------------------------------------------------
// Encodings

std::string attrs_json(const std::map<std::string, std::string>& attrs) {
    fmt::memory_buffer out;
    out.push_back('{');
    for (const auto& [k, v] : attrs) {
        if (out.size() > 1) out.push_back(',');
        append_json_string(out, k);
        out.push_back(':');
        append_json_string(out, v);
    }
    out.push_back('}');
    return fmt::to_string(out);
}

// The first 8 bytes of a stored record key: its time, big-endian with the sign bit flipped,
// so that keys sort by time (negative times first).
std::array<std::uint8_t, 8> time_key(Millis time) {
    std::array<std::uint8_t, 8> key{};
    const std::uint64_t t = static_cast<std::uint64_t>(time) ^ (std::uint64_t{1} << 63);
    for (int i = 0; i < 8; ++i) key[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(t >> (56 - 8 * i));
    return key;
}

// The bytes of a stored blob as an array; a blob of another size (damaged, or changed behind
// trk's back) is cut or padded with zeros, and then fails whatever check it is put to.
template <std::size_t N>
std::array<std::uint8_t, N> blob_array(std::string_view blob) {
    std::array<std::uint8_t, N> out{};
    std::memcpy(out.data(), blob.data(), std::min(blob.size(), N));
    return out;
}

Link link_of(const Statement& s) {
    const std::string kind = s.text(0);
    return {kind == "device" ? LinkKind::device
            : kind == "uri"  ? LinkKind::uri
                             : LinkKind::epc,
            s.text(1), s.text(2), s.integer(3)};
}

std::map<std::string, std::string> parse_attrs(std::string_view json) {
    std::map<std::string, std::string> attrs;
    simdjson::dom::parser parser;
    simdjson::dom::object object;
    if (parser.parse(json.data(), json.size()).get_object().get(object) != simdjson::SUCCESS) return attrs;
    for (const auto [key, value] : object) {
        std::string_view text;
        if (value.get_string().get(text) == simdjson::SUCCESS) attrs.emplace(std::string(key), std::string(text));
    }
    return attrs;
}

// The natural key of a record: what makes two imports of it the same record.
void natural_key(const Record& record, std::string& key) {
    key.clear();
    const auto add = [&key](std::string_view part) {
        key += part;
        key += '\x1F';
    };
    std::visit(
        [&](const auto& r) {
            using R = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<R, Fix>) {
                add("fix");
                add(r.device.empty() ? r.asset : r.device);
            } else if constexpr (std::is_same_v<R, Read>) {
                add("read");
                add(r.epc);
                add(r.reader);
                add(r.antenna ? std::to_string(*r.antenna) : "");
            } else if constexpr (std::is_same_v<R, Reading>) {
                add("reading");
                add(r.device.empty() ? r.asset : r.device);
                add(r.metric);
            } else if constexpr (std::is_same_v<R, Event>) {
                add("event");
                add(r.asset);
                add(r.event);
                add(r.fence);
                add(r.rule);
            }
            if constexpr (!std::is_same_v<R, OpaqueRecord>) add(std::to_string(r.time));
        },
        record);
}

// The time of any typed record.
Millis record_time(const Record& record) {
    return std::visit(
        [](const auto& r) -> Millis {
            if constexpr (std::is_same_v<std::decay_t<decltype(r)>, OpaqueRecord>) return 0;
            else return r.time;
        },
        record);
}

// ---------------------------------------------------------------------------------------
// Import

// The latest position an import saw for an asset, written to `positions` at commit.
struct PendingPosition {
    std::int64_t seq = 0;
    Millis time = 0;
    std::string type;
    std::optional<double> lat, lon;
    std::string reader;
    std::optional<int> antenna;
};

class SqliteImporter final : public Importer {
public:
    explicit SqliteImporter(Connection& c)
        : c_(c),
          insert_(
              c.db(), c.path(),
              "INSERT INTO records (key, type, time, asset, subject, json, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
              "ON CONFLICT (key) DO NOTHING"),
          position_(c.db(), c.path(),
                    "INSERT INTO positions (asset, seq, time, type, lat, lon, reader, antenna) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (asset) DO UPDATE SET seq = excluded.seq, "
                    "time = excluded.time, type = excluded.type, lat = excluded.lat, lon = excluded.lon, "
                    "reader = excluded.reader, antenna = excluded.antenna WHERE excluded.time >= positions.time") {
        // Index pages of a large import stay in memory rather than being evicted and read
        // back (64 MB at most, per connection).
        c.exec("PRAGMA cache_size = -65536", "sizing the page cache");
        // Copy the WAL back into the database every 64 MB rather than every 4 MB: fewer
        // checkpoints (each waits for the disk) during a large import.
        c.exec("PRAGMA wal_autocheckpoint = 16384", "sizing checkpoints");
        Statement links(c.db(), c.path(), "SELECT kind, value, asset FROM links");
        while (links.step()) {
            const std::string kind = links.text(0);
            auto& map = kind == "device" ? devices_ : kind == "uri" ? uris_ : epcs_;
            map.emplace(links.text(1), links.text(2));
        }
    }

    ~SqliteImporter() override = default;

    std::string add(Record& record) override {
        if (std::holds_alternative<OpaqueRecord>(record)) return "not a fix, read, reading or event";
        begin();
        resolve(record);
        natural_key(record, key_);
        // The stored key: the record's time first (big-endian, sign bit flipped), so that
        // records arriving in time order append to the unique index instead of landing on
        // random pages, then 8 bytes of the natural key's digest.
        const Digest digest = sha256(key_);
        std::array<std::uint8_t, 16> stored_key{};
        const std::array<std::uint8_t, 8> time = time_key(record_time(record));
        std::memcpy(stored_key.data(), time.data(), 8);
        std::memcpy(stored_key.data() + 8, digest.data(), 8);
        json_.clear();
        append_json(json_, record);
        json_.resize(json_.size() - 1);  // the newline
        Sha256 chain;
        chain.update(head_.data(), head_.size());
        chain.update(std::string_view(json_.data(), json_.size()));
        const Digest hash = chain.finish();

        const RecordBase& base = std::visit(
            [](const auto& r) -> const RecordBase& {
                if constexpr (std::is_same_v<std::decay_t<decltype(r)>, OpaqueRecord>) {
                    static const RecordBase none;
                    return none;
                } else {
                    return r;
                }
            },
            record);
        const std::string_view type = std::visit(
            [](const auto& r) -> std::string_view {
                using R = std::decay_t<decltype(r)>;
                if constexpr (std::is_same_v<R, Fix>) return "fix";
                else if constexpr (std::is_same_v<R, Read>) return "read";
                else if constexpr (std::is_same_v<R, Reading>) return "reading";
                else return "event";
            },
            record);
        std::string_view subject;
        if (const auto* fix = std::get_if<Fix>(&record)) subject = fix->device;
        else if (const auto* read = std::get_if<Read>(&record)) subject = read->epc;
        else if (const auto* reading = std::get_if<Reading>(&record)) subject = reading->device;

        insert_.bind_blob(1, stored_key.data(), stored_key.size())
            .bind(2, type)
            .bind(3, static_cast<std::int64_t>(base.time))
            .bind_optional(4, base.asset)
            .bind_optional(5, subject)
            .bind(6, std::string_view(json_.data(), json_.size()))
            .bind_blob(7, hash.data(), hash.size());
        insert_.run();
        if (sqlite3_changes(c_.db()) == 0) {
            ++pending_counts_.duplicates;
            return {};
        }
        head_ = hash;
        ++pending_counts_.stored;
        if (base.asset.empty()) {
            ++pending_counts_.unresolved;
            return {};
        }
        note_position(record, base, sqlite3_last_insert_rowid(c_.db()));
        return {};
    }

    void commit() override {
        if (!transaction_) return;
        for (const auto& [asset, p] : positions_) {
            position_.bind(1, asset)
                .bind(2, p.seq)
                .bind(3, static_cast<std::int64_t>(p.time))
                .bind(4, p.type)
                .bind_optional(5, p.lat)
                .bind_optional(6, p.lon)
                .bind_optional(7, p.reader)
                .bind_optional(8, p.antenna);
            position_.run();
        }
        transaction_->commit();
        transaction_.reset();
        positions_.clear();
        counts_.stored += pending_counts_.stored;
        counts_.duplicates += pending_counts_.duplicates;
        counts_.unresolved += pending_counts_.unresolved;
        pending_counts_ = {};
    }

    [[nodiscard]] const ImportCounts& counts() const override { return counts_; }
    [[nodiscard]] std::uint64_t pending() const override { return pending_counts_.stored + pending_counts_.duplicates; }

private:
    void begin() {
        if (transaction_) return;
        transaction_.emplace(c_);
        // The chain's head is read inside the write lock: no other writer can move it.
        Statement last(c_.db(), c_.path(), "SELECT hash FROM records ORDER BY seq DESC LIMIT 1");
        head_ = last.step() ? blob_array<32>(last.blob(0)) : Digest{};
    }

    // Fills in the asset of a record that has none, from the links.
    void resolve(Record& record) {
        const auto find = [](const std::unordered_map<std::string, std::string>& map, const std::string& k) {
            const auto it = map.find(k);
            return it == map.end() ? std::string() : it->second;
        };
        if (auto* fix = std::get_if<Fix>(&record); fix != nullptr && fix->asset.empty()) {
            fix->asset = find(devices_, fix->device);
        } else if (auto* read = std::get_if<Read>(&record); read != nullptr && read->asset.empty()) {
            if (read->uri.empty() && epc::decode(read->epc, identity_)) read->uri = identity_.pure_uri;
            read->asset = find(epcs_, read->epc);
            if (read->asset.empty() && !read->uri.empty()) read->asset = find(uris_, read->uri);
        } else if (auto* reading = std::get_if<Reading>(&record); reading != nullptr && reading->asset.empty()) {
            reading->asset = find(devices_, reading->device);
        }
    }

    void note_position(const Record& record, const RecordBase& base, std::int64_t seq) {
        PendingPosition p;
        if (const auto* fix = std::get_if<Fix>(&record); fix != nullptr && fix->mode != FixMode::none) {
            p.type = "fix";
            p.lat = fix->lat;
            p.lon = fix->lon;
        } else if (const auto* read = std::get_if<Read>(&record); read != nullptr && !read->reader.empty()) {
            p.type = "read";
            p.reader = read->reader;
            p.antenna = read->antenna;
        } else {
            return;
        }
        p.seq = seq;
        p.time = base.time;
        auto [it, inserted] = positions_.try_emplace(base.asset, p);
        if (!inserted && p.time >= it->second.time) it->second = std::move(p);
    }

    Connection& c_;
    Statement insert_;
    Statement position_;
    std::optional<Transaction> transaction_;
    Digest head_{};
    std::unordered_map<std::string, std::string> epcs_, uris_, devices_;
    std::unordered_map<std::string, PendingPosition> positions_;
    std::string key_;
    epc::Identity identity_;
    fmt::memory_buffer json_;
    ImportCounts counts_;
    ImportCounts pending_counts_;
};

// ---------------------------------------------------------------------------------------
// The ledger

class SqliteLedger final : public Ledger {
public:
    explicit SqliteLedger(const LedgerOptions& options) : c_(prepare_file(options), options.create) {
        sqlite3_busy_timeout(c_.db(), static_cast<int>(options.busy_timeout.count()));
        // Read before anything writes: a file from a newer trk, or someone else's
        // database, must be left exactly as it is.
        const auto version = c_.integer("PRAGMA user_version");
        const auto& migrations = ledger_migrations();
        const int latest = migrations.empty() ? 0 : migrations.back().version;
        if (version > latest) {
            throw InputError(c_.path(), fmt::format("ledger schema version {} is newer than this trk knows ({}); "
                                                    "use a newer trk, the file was not changed",
                                                    version, latest));
        }
        if (version > 0 && c_.integer("PRAGMA application_id") != application_id) {
            throw InputError(c_.path(), "an SQLite database, but not a trk ledger; the file was not changed");
        }
        if (version == 0 && c_.integer("SELECT count(*) FROM sqlite_schema") > 0) {
            throw InputError(c_.path(), "an SQLite database, but not a trk ledger; the file was not changed");
        }
        // WAL: readers never block the writer. synchronous=FULL: a commit is on disk (WAL
        // fsynced) before it returns, so what trk reports as committed survives power loss.
        // A ledger that can only be read is read as it is (a write fails on its own).
        if (!c_.read_only() || version < latest) {
            c_.exec("PRAGMA journal_mode = WAL", "switching to WAL");
            c_.exec("PRAGMA synchronous = FULL", "setting synchronous");
        }
        c_.exec("PRAGMA foreign_keys = ON", "enabling foreign keys");
        for (const Migration& m : migrations) {
            if (m.version <= version) continue;
            Transaction t(c_);
            c_.exec(m.sql, fmt::format("applying migration {}", m.name));
            c_.exec(fmt::format("PRAGMA user_version = {}", m.version), "recording the schema version");
            c_.exec(fmt::format("PRAGMA application_id = {}", application_id), "marking the ledger");
            t.commit();
        }
    }

    void add_asset(const Asset& a) override {
        Statement s(c_.db(), c_.path(),
                    "INSERT INTO assets (id, name, kind, home, attrs, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                    "ON CONFLICT (id) DO NOTHING");
        s.bind(1, a.id).bind_optional(2, a.name).bind_optional(3, a.kind).bind_optional(4, a.home);
        const std::string attrs = attrs_json(a.attrs);
        s.bind(5, attrs).bind(6, static_cast<std::int64_t>(a.created));
        s.run();
        if (sqlite3_changes(c_.db()) == 0) throw UsageError(fmt::format("asset {} exists already", a.id));
    }

    std::uint64_t upsert_assets(const std::vector<Asset>& assets) override {
        Transaction t(c_);
        Statement s(c_.db(), c_.path(),
                    "INSERT INTO assets (id, name, kind, home, attrs, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                    "ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, "
                    "home = excluded.home, attrs = excluded.attrs");
        const auto before = c_.integer("SELECT count(*) FROM assets");
        for (const Asset& a : assets) {
            const std::string attrs = attrs_json(a.attrs);
            s.bind(1, a.id).bind_optional(2, a.name).bind_optional(3, a.kind).bind_optional(4, a.home);
            s.bind(5, attrs).bind(6, static_cast<std::int64_t>(a.created));
            s.run();
        }
        const auto after = c_.integer("SELECT count(*) FROM assets");
        t.commit();
        return static_cast<std::uint64_t>(after - before);
    }

    void link(const Link& link) override {
        Transaction t(c_);
        if (!asset(link.asset))
            throw UsageError(fmt::format("no asset {}; add it with 'trk asset add {}'", link.asset, link.asset));
        Statement existing(c_.db(), c_.path(), "SELECT asset FROM links WHERE kind = ?1 AND value = ?2");
        existing.bind(1, to_string(link.kind)).bind(2, link.value);
        if (existing.step()) {
            const std::string owner = existing.text(0);
            if (owner == link.asset) return;  // linked already: nothing to do
            throw UsageError(
                fmt::format("{} {} is linked to asset {} already", to_string(link.kind), link.value, owner));
        }
        Statement s(c_.db(), c_.path(), "INSERT INTO links (kind, value, asset, since) VALUES (?1, ?2, ?3, ?4)");
        s.bind(1, to_string(link.kind))
            .bind(2, link.value)
            .bind(3, link.asset)
            .bind(4, static_cast<std::int64_t>(link.since));
        s.run();
        // Records stored before the link, unresolved, now belong to the asset.
        Statement adopt(
            c_.db(), c_.path(),
            link.kind == LinkKind::device
                ? "UPDATE records SET asset = ?1 WHERE asset IS NULL AND subject = ?2 AND type IN ('fix', 'reading')"
            : link.kind == LinkKind::epc
                ? "UPDATE records SET asset = ?1 WHERE asset IS NULL AND subject = ?2 AND type = 'read'"
                : "UPDATE records SET asset = ?1 WHERE asset IS NULL AND type = 'read' AND "
                  "json_extract(json, '$.uri') = ?2");
        adopt.bind(1, link.asset).bind(2, link.value);
        adopt.run();
        t.commit();
    }

    std::optional<Asset> asset(const std::string& id) override {
        Statement s(c_.db(), c_.path(),
                    "SELECT id, name, kind, home, attrs, created, retired FROM assets WHERE id = ?1");
        s.bind(1, id);
        if (!s.step()) return std::nullopt;
        return asset_of(s);
    }

    std::vector<Asset> assets(const std::string& kind, bool retired) override {
        Statement s(c_.db(), c_.path(),
                    "SELECT id, name, kind, home, attrs, created, retired FROM assets "
                    "WHERE (?1 IS NULL OR kind = ?1) AND ((retired IS NOT NULL) = ?2) ORDER BY id");
        s.bind_optional(1, kind).bind(2, static_cast<std::int64_t>(retired ? 1 : 0));
        std::vector<Asset> out;
        while (s.step()) out.push_back(asset_of(s));
        return out;
    }

    std::vector<Link> links(const std::string& asset) override {
        Statement s(c_.db(), c_.path(),
                    "SELECT kind, value, asset, since FROM links WHERE asset = ?1 ORDER BY kind, value");
        s.bind(1, asset);
        std::vector<Link> out;
        while (s.step()) out.push_back(link_of(s));
        return out;
    }

    void retire(const std::string& id, Millis when) override {
        Statement s(c_.db(), c_.path(), "UPDATE assets SET retired = ?2 WHERE id = ?1 AND retired IS NULL");
        s.bind(1, id).bind(2, static_cast<std::int64_t>(when));
        s.run();
        if (sqlite3_changes(c_.db()) == 0) {
            if (!asset(id)) throw UsageError(fmt::format("no asset {}", id));
            throw UsageError(fmt::format("asset {} is retired already", id));
        }
    }

    void put_reader(const Reader& r) override {
        Transaction t(c_);
        Statement s(c_.db(), c_.path(),
                    "INSERT INTO readers (id, zone, lat, lon) VALUES (?1, ?2, ?3, ?4) "
                    "ON CONFLICT (id) DO UPDATE SET zone = excluded.zone, lat = excluded.lat, lon = excluded.lon");
        s.bind(1, r.id).bind(2, r.zone).bind_optional(3, r.lat).bind_optional(4, r.lon);
        s.run();
        Statement clear(c_.db(), c_.path(), "DELETE FROM reader_antennas WHERE reader = ?1");
        clear.bind(1, r.id);
        clear.run();
        Statement antenna(c_.db(), c_.path(),
                          "INSERT INTO reader_antennas (reader, antenna, zone) VALUES (?1, ?2, ?3)");
        for (const auto& [number, zone] : r.antenna_zones) {
            antenna.bind(1, r.id).bind(2, static_cast<std::int64_t>(number)).bind(3, zone);
            antenna.run();
        }
        t.commit();
    }

    std::vector<Reader> readers() override {
        Statement s(c_.db(), c_.path(), "SELECT id, zone, lat, lon FROM readers ORDER BY id");
        Statement antennas(c_.db(), c_.path(),
                           "SELECT antenna, zone FROM reader_antennas WHERE reader = ?1 ORDER BY antenna");
        std::vector<Reader> out;
        while (s.step()) {
            Reader r{s.text(0), s.text(1), s.optional_real(2), s.optional_real(3), {}};
            antennas.bind(1, r.id);
            while (antennas.step()) r.antenna_zones.emplace(static_cast<int>(antennas.integer(0)), antennas.text(1));
            antennas.reset();
            out.push_back(std::move(r));
        }
        return out;
    }

    std::uint64_t put_fences(const std::vector<StoredFence>& fences) override {
        Transaction t(c_);
        const auto before = c_.integer("SELECT count(*) FROM fences");
        Statement s(c_.db(), c_.path(),
                    "INSERT INTO fences (id, feature, added) VALUES (?1, ?2, ?3) "
                    "ON CONFLICT (id) DO UPDATE SET feature = excluded.feature, added = excluded.added");
        for (const StoredFence& f : fences) {
            s.bind(1, f.id).bind(2, f.feature).bind(3, static_cast<std::int64_t>(f.added));
            s.run();
        }
        const auto after = c_.integer("SELECT count(*) FROM fences");
        t.commit();
        return static_cast<std::uint64_t>(after - before);
    }

    std::vector<StoredFence> fences() override {
        Statement s(c_.db(), c_.path(), "SELECT id, feature, added FROM fences ORDER BY added, rowid");
        std::vector<StoredFence> out;
        while (s.step()) out.push_back({s.text(0), s.text(1), s.integer(2)});
        return out;
    }

    bool remove_fence(const std::string& id) override {
        Statement s(c_.db(), c_.path(), "DELETE FROM fences WHERE id = ?1");
        s.bind(1, id);
        s.run();
        return sqlite3_changes(c_.db()) > 0;
    }

    std::vector<Link> all_links() override {
        Statement s(c_.db(), c_.path(), "SELECT kind, value, asset, since FROM links ORDER BY asset, kind, value");
        std::vector<Link> out;
        while (s.step()) out.push_back(link_of(s));
        return out;
    }

    void sightings(Millis from, Millis to, const std::function<void(const Sighting&)>& each) override {
        // The stored key starts with the time (see add): a range of keys is a range of times.
        const auto low = time_key(from), high = time_key(to + 1);
        Statement s(c_.db(), c_.path(),
                    "SELECT r.type, r.time, r.asset, r.subject, json_extract(r.json, '$.uri'), "
                    "json_extract(r.json, '$.reader'), COALESCE(ra.zone, rd.zone), json_extract(r.json, '$.zones') "
                    "FROM records r "
                    "LEFT JOIN readers rd ON r.type = 'read' AND rd.id = json_extract(r.json, '$.reader') "
                    "LEFT JOIN reader_antennas ra ON r.type = 'read' AND ra.reader = rd.id "
                    "  AND ra.antenna = json_extract(r.json, '$.antenna') "
                    "WHERE r.key >= ?1 AND r.key < ?2 AND r.type IN ('fix', 'read') ORDER BY r.key");
        s.bind_blob(1, low.data(), low.size()).bind_blob(2, high.data(), high.size());
        Sighting x;
        while (s.step()) {
            x.type = s.text(0);
            x.time = s.integer(1);
            x.asset = s.text(2);
            x.epc = x.type == "read" ? s.text(3) : std::string();
            x.uri = s.text(4);
            x.reader = s.text(5);
            x.zones.clear();
            if (x.type == "read") {
                if (const std::string zone = s.text(6); !zone.empty()) x.zones.push_back(zone);
            } else if (const std::string zones = s.text(7); !zones.empty()) {
                simdjson::dom::array list;
                if (json_parser_.parse(zones).get_array().get(list) == simdjson::SUCCESS) {
                    for (const auto zone : list) {
                        std::string_view z;
                        if (zone.get_string().get(z) == simdjson::SUCCESS) x.zones.emplace_back(z);
                    }
                }
            }
            each(x);
        }
    }

    std::optional<StoredAudit> last_audit(const std::string& zone) override {
        Statement s(c_.db(), c_.path(),
                    "SELECT time, window_from, window_to, result FROM audits WHERE zone = ?1 "
                    "ORDER BY time DESC, id DESC LIMIT 1");
        s.bind(1, zone);
        if (!s.step()) return std::nullopt;
        StoredAudit a{zone, s.integer(0), s.integer(1), s.integer(2), {}};
        const std::string result = s.text(3);
        simdjson::dom::object statuses;
        if (json_parser_.parse(result).get_object().get(statuses) == simdjson::SUCCESS) {
            for (const auto [key, value] : statuses) {
                std::string_view status;
                if (value.get_string().get(status) == simdjson::SUCCESS) a.statuses.emplace(key, status);
            }
        }
        return a;
    }

    void add_audit(const StoredAudit& audit) override {
        fmt::memory_buffer result;
        result.push_back('{');
        for (const auto& [key, status] : audit.statuses) {
            if (result.size() > 1) result.push_back(',');
            append_json_string(result, key);
            result.push_back(':');
            append_json_string(result, status);
        }
        result.push_back('}');
        Transaction t(c_);
        Statement s(c_.db(), c_.path(),
                    "INSERT INTO audits (zone, time, window_from, window_to, result) VALUES (?1, ?2, ?3, ?4, ?5)");
        s.bind(1, audit.zone).bind(2, static_cast<std::int64_t>(audit.time)).bind(3, static_cast<std::int64_t>(audit.from));
        s.bind(4, static_cast<std::int64_t>(audit.to)).bind(5, std::string_view(result.data(), result.size()));
        s.run();
        t.commit();
    }

    std::optional<StageState> stage_state(const std::string& stage, const std::string& name) override {
        Statement s(c_.db(), c_.path(),
                    "SELECT state, generation, saved FROM stage_state WHERE stage = ?1 AND name = ?2");
        s.bind(1, stage).bind(2, name);
        if (!s.step()) return std::nullopt;
        return StageState{s.text(0), s.integer(1), s.integer(2)};
    }

    bool save_stage_state(const std::string& stage, const std::string& name, const std::string& state,
                          std::int64_t generation, Millis saved) override {
        Transaction t(c_);
        Statement s(c_.db(), c_.path(),
                    "INSERT INTO stage_state (stage, name, state, generation, saved) VALUES (?1, ?2, ?3, 1, ?5) "
                    "ON CONFLICT (stage, name) DO UPDATE SET state = excluded.state, "
                    "generation = generation + 1, saved = excluded.saved WHERE generation = ?4");
        s.bind(1, stage).bind(2, name).bind(3, state).bind(4, generation).bind(5, static_cast<std::int64_t>(saved));
        s.run();
        // A first save (generation 0) finds no row with generation 0 when another run inserted one.
        const bool saved_it = sqlite3_changes(c_.db()) > 0;
        if (saved_it) t.commit();
        return saved_it;
    }

    std::unique_ptr<Importer> importer() override { return std::make_unique<SqliteImporter>(c_); }

    std::vector<Position> where(const WhereQuery& q) override {
        Statement s(
            c_.db(), c_.path(),
            "SELECT p.asset, p.time, p.type, COALESCE(p.lat, r.lat), COALESCE(p.lon, r.lon), p.reader, p.antenna, "
            "CASE WHEN p.type = 'read' THEN COALESCE(ra.zone, r.zone) ELSE json_extract(rec.json, '$.zones[0]') END, "
            "json_extract(rec.json, '$.src') "
            "FROM positions p JOIN records rec ON rec.seq = p.seq "
            "LEFT JOIN readers r ON r.id = p.reader "
            "LEFT JOIN reader_antennas ra ON ra.reader = p.reader AND ra.antenna = p.antenna "
            "WHERE (?1 IS NULL OR p.asset = ?1) ORDER BY p.asset");
        std::vector<Position> out;
        const auto collect = [&] {
            while (s.step()) {
                Position p{s.text(0), s.integer(1), s.text(2),    s.optional_real(3), s.optional_real(4),
                           s.text(7), s.text(5),    std::nullopt, s.text(8)};
                if (const auto a = s.optional_integer(6)) p.antenna = static_cast<int>(*a);
                if (!q.zone.empty() && p.zone != q.zone) continue;
                if (q.older_than && p.time >= *q.older_than) continue;
                out.push_back(std::move(p));
            }
            s.reset();
        };
        if (q.assets.empty()) {
            s.bind_null(1);
            collect();
        } else {
            for (const std::string& a : q.assets) {
                s.bind(1, a);
                collect();
            }
        }
        return out;
    }

    void history(const HistoryQuery& q, const std::function<void(std::string_view)>& each) override {
        Statement s(c_.db(), c_.path(),
                    "SELECT type, json FROM records WHERE asset = ?1 AND time >= ?2 AND time <= ?3 ORDER BY time, seq");
        s.bind(1, q.asset)
            .bind(2, static_cast<std::int64_t>(q.since.value_or(INT64_MIN)))
            .bind(3, static_cast<std::int64_t>(q.until.value_or(INT64_MAX)));
        while (s.step()) {
            if (!q.types.empty() && std::find(q.types.begin(), q.types.end(), s.text_view(0)) == q.types.end())
                continue;
            each(s.text_view(1));
        }
    }

    std::vector<UnknownTag> unknown_tags() override {
        Statement s(c_.db(), c_.path(),
                    "SELECT subject, json_extract(json, '$.uri'), time, json_extract(json, '$.reader') FROM records "
                    "WHERE asset IS NULL AND type = 'read' ORDER BY subject, time, seq");
        std::vector<UnknownTag> out;
        while (s.step()) {
            const std::string epc = s.text(0);
            if (out.empty() || out.back().epc != epc) out.push_back({epc, s.text(1), 0, s.integer(2), 0, {}});
            UnknownTag& tag = out.back();
            ++tag.reads;
            tag.last = s.integer(2);
            tag.reader = s.text(3);
        }
        return out;
    }

    Verification verify() override {
        Verification v;
        {
            Statement check(c_.db(), c_.path(), "PRAGMA integrity_check");
            std::string result;
            while (check.step()) {
                if (!result.empty()) result += "; ";
                result += check.text(0);
            }
            v.integrity = result;
        }
        Statement s(c_.db(), c_.path(), "SELECT seq, json, hash FROM records ORDER BY seq");
        Digest head{};
        while (s.step()) {
            Sha256 chain;
            chain.update(head.data(), head.size());
            chain.update(s.text_view(1));
            const Digest expected = chain.finish();
            const std::string_view stored = s.blob(2);
            ++v.records;
            if (stored.size() != expected.size() || std::memcmp(stored.data(), expected.data(), expected.size()) != 0) {
                v.first_broken = s.integer(0);
                v.broken_record = s.text(1);
                break;
            }
            head = expected;
        }
        return v;
    }

    std::optional<ChainLink> head() override {
        Statement s(c_.db(), c_.path(), "SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1");
        if (!s.step()) return std::nullopt;
        return ChainLink{s.integer(0), blob_array<32>(s.blob(1))};
    }

    std::optional<Digest> record_hash(std::int64_t seq) override {
        Statement s(c_.db(), c_.path(), "SELECT hash FROM records WHERE seq = ?1");
        s.bind(1, seq);
        if (!s.step()) return std::nullopt;
        return blob_array<32>(s.blob(0));
    }

    std::uint64_t records_after(std::int64_t seq) override {
        Statement s(c_.db(), c_.path(), "SELECT count(*) FROM records WHERE seq > ?1");
        s.bind(1, seq);
        return s.step() ? static_cast<std::uint64_t>(s.integer(0)) : 0;
    }

    void add_checkpoint(const Checkpoint& k) override {
        Statement s(c_.db(), c_.path(),
                    "INSERT INTO checkpoints (seq, hash, time, public_key, signature) VALUES (?1, ?2, ?3, ?4, ?5)");
        s.bind(1, k.seq).bind_blob(2, k.hash.data(), k.hash.size()).bind(3, static_cast<std::int64_t>(k.time));
        s.bind_blob(4, k.key.data(), k.key.size()).bind_blob(5, k.signature.data(), k.signature.size());
        s.run();
    }

    std::vector<Checkpoint> checkpoints() override {
        Statement s(c_.db(), c_.path(),
                    "SELECT seq, hash, time, public_key, signature FROM checkpoints ORDER BY seq, id");
        std::vector<Checkpoint> out;
        while (s.step()) {
            out.push_back({s.integer(0), blob_array<32>(s.blob(1)), s.integer(2), blob_array<32>(s.blob(3)),
                           blob_array<64>(s.blob(4))});
        }
        return out;
    }

    std::map<std::string, std::string> info() override {
        return {{"path", c_.path()},
                {"schema_version", std::to_string(c_.integer("PRAGMA user_version"))},
                {"records", std::to_string(c_.integer("SELECT count(*) FROM records"))},
                {"assets", std::to_string(c_.integer("SELECT count(*) FROM assets"))},
                {"readers", std::to_string(c_.integer("SELECT count(*) FROM readers"))},
                {"unresolved_records", std::to_string(c_.integer("SELECT count(*) FROM records WHERE asset IS NULL"))}};
    }

private:
    // Checks the path before SQLite sees it: a missing ledger is a message saying how to
    // make one, a new one is created with its mode (and its folder).
    static const std::string& prepare_file(const LedgerOptions& o) {
        struct stat st {};
        if (::stat(o.path.c_str(), &st) == 0) {
            if (S_ISDIR(st.st_mode)) throw UsageError(fmt::format("{}: is a directory, not a ledger file", o.path));
            return o.path;
        }
        if (!o.create) {
            throw MissingInputError(
                fmt::format("{}: no ledger here; create one with 'trk ledger init' "
                            "(or name another with --ledger or $TRK_LEDGER)",
                            o.path));
        }
        // mkdir -p of the folder, private to the user like the file.
        for (std::size_t slash = o.path.find('/', 1); slash != std::string::npos; slash = o.path.find('/', slash + 1)) {
            const std::string dir = o.path.substr(0, slash);
            if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
                throw IoError(fmt::format("{}: cannot create folder {}: {}", o.path, dir, std::strerror(errno)));
            }
        }
        const int fd = ::open(o.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(o.mode));
        if (fd < 0) throw IoError(fmt::format("{}: cannot create: {}", o.path, std::strerror(errno)));
        ::fchmod(fd, static_cast<mode_t>(o.mode));  // exactly the mode asked, whatever the umask
        ::close(fd);
        return o.path;
    }

    static Asset asset_of(const Statement& s) {
        Asset a;
        a.id = s.text(0);
        a.name = s.text(1);
        a.kind = s.text(2);
        a.home = s.text(3);
        a.attrs = parse_attrs(s.text_view(4));
        a.created = s.integer(5);
        if (const auto r = s.optional_integer(6)) a.retired = *r;
        return a;
    }

    Connection c_;
    simdjson::dom::parser json_parser_;  ///< for JSON kept in columns (zones, audit results)
};

}  // namespace

std::unique_ptr<Ledger> open_ledger(const LedgerOptions& options) { return std::make_unique<SqliteLedger>(options); }

}  // namespace track
