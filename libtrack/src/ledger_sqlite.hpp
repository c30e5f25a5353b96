// What the files of the SQLite ledger share (private to libtrack): the thin RAII over SQLite's
// C API, and the SqliteLedger class whose methods those files define, one idea a file:
//   ledger_sqlite.cpp          the connection, statements, and how SQLite's errors map to trk's
//   ledger_sqlite_open.cpp     opening a ledger file: checks, pragmas, schema migrations, info
//   ledger_sqlite_import.cpp   storing records: natural keys, links, the hash chain, positions
//   ledger_sqlite_registry.cpp assets, links, readers and fences
//   ledger_sqlite_queries.cpp  what reports read: where, history, unknown tags, sightings
//   ledger_sqlite_kept.cpp     what commands keep between runs: audits and stage states
//   ledger_sqlite_chain.cpp    verification of the hash chain, and signed checkpoints
//   ledger_sqlite_shipping.cpp what trk ledger push reads (records, audits, checkpoints since
//                              a mark) and the settings the file keeps about itself
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <sqlite3.h>
#include <string>
#include <string_view>
#include <type_traits>

#include <simdjson.h>

#include "track/ledger.hpp"

namespace track::sqlite {

/// 'trk1': marks a database as a trk ledger (PRAGMA application_id).
constexpr int application_id = ledger_application_id;

/// Throws the track::Error that SQLite's result `rc` calls for (BusyError, IoError,
/// InputError for a damaged file or one that is no ledger, else Error 70), naming `path`
/// and what trk was `doing`.
[[noreturn]] void fail(sqlite3* db, int rc, const std::string& path, std::string_view doing);

/// Creates the empty file `path` with exactly `mode` (whatever the umask), and its missing
/// folders (0700). IoError when it cannot, or when the file exists already.
void create_private_file(const std::string& path, int mode);

/// A prepared statement, finalized on destruction; every failure goes through fail().
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

/// One connection, closed on destruction.
class Connection {
public:
    /// Opens `path` read-write (creating it when `create`), or read-only where it cannot be
    /// written; schema code of the file never runs functions with side effects.
    Connection(const std::string& path, bool create);
    ~Connection() { sqlite3_close_v2(db_); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Runs SQL text of our own (migrations, pragmas, transactions), never input.
    void exec(std::string_view sql, std::string_view doing);
    /// The integer a one-row query returns.
    std::int64_t integer(std::string_view sql);
    [[nodiscard]] sqlite3* db() const { return db_; }
    [[nodiscard]] const std::string& path() const { return path_; }
    /// Whether the file can only be read (see the constructor).
    [[nodiscard]] bool read_only() const { return sqlite3_db_readonly(db_, "main") == 1; }

private:
    // Whether a first read works (what fails where the -shm cannot be made).
    bool readable();

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

// The first 8 bytes of a stored record key: its time, big-endian with the sign bit flipped,
// so that keys sort by time (negative times first).
inline std::array<std::uint8_t, 8> time_key(Millis time) {
    std::array<std::uint8_t, 8> key{};
    const std::uint64_t t = static_cast<std::uint64_t>(time) ^ (std::uint64_t{1} << 63);
    for (int i = 0; i < 8; ++i) key[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(t >> (56 - 8 * i));
    return key;
}

// The bytes of a stored blob as an array; a blob of another size (damaged, or changed behind
// trk's back) is cut or padded with zeros, and then fails whatever check it is put to.
template <std::size_t N>
inline std::array<std::uint8_t, N> blob_array(std::string_view blob) {
    std::array<std::uint8_t, N> out{};
    std::memcpy(out.data(), blob.data(), std::min(blob.size(), N));
    return out;
}

/// The link a row of (kind, value, asset, since) holds.
inline Link link_of(const Statement& s) {
    const std::string kind = s.text(0);
    return {kind == "device" ? LinkKind::device
            : kind == "uri"  ? LinkKind::uri
                             : LinkKind::epc,
            s.text(1), s.text(2), s.integer(3)};
}

/// A session storing records into the ledger behind `c` (ledger_sqlite_import.cpp).
std::unique_ptr<Importer> make_importer(Connection& c);

/// A JSON object of string members, as the attrs and audit result columns keep them.
std::string strings_json(const std::map<std::string, std::string>& members);
/// Such an object read back; members that are not strings (changed behind trk's back) are left out.
std::map<std::string, std::string> parse_attrs(std::string_view json);
/// Throws UsageError when `id` cannot be an id (see id_problem): the commands check first,
/// this keeps any other caller from storing one. `what`: "an asset".
void require_id(std::string_view what, const std::string& id);

/// The ledger in one SQLite file; its methods are defined in the files listed above.
class SqliteLedger final : public Ledger {
public:
    /// Opens (or creates) the file and brings its schema up to date (ledger_sqlite_open.cpp).
    explicit SqliteLedger(const LedgerOptions& options);

    // ledger_sqlite_registry.cpp
    void add_asset(const Asset& a) override;
    std::uint64_t upsert_assets(const std::vector<Asset>& assets) override;
    void link(const Link& link) override;
    void unlink(const Link& link) override;
    std::optional<Asset> asset(const std::string& id) override;
    std::vector<Asset> assets(const std::string& kind, bool retired) override;
    std::vector<Link> links(const std::string& asset) override;
    std::vector<Link> all_links() override;
    void retire(const std::string& id, Millis when) override;
    void put_reader(const Reader& r) override;
    std::vector<Reader> readers() override;
    std::uint64_t put_fences(const std::vector<StoredFence>& fences) override;
    std::vector<StoredFence> fences() override;
    void remove_fence(const std::string& id) override;
    void remove_reader(const std::string& id) override;
    bool knows(NameKind kind, const std::string& name) override;
    std::vector<std::string> names(NameKind kind) override;

    // ledger_sqlite_queries.cpp
    void sightings(Millis from, Millis to, const std::function<void(const Sighting&)>& each) override;
    std::vector<Position> where(const WhereQuery& q) override;
    void history(const HistoryQuery& q, const std::function<void(std::string_view)>& each) override;
    std::vector<UnknownTag> unknown_tags() override;

    // ledger_sqlite_kept.cpp
    std::optional<StoredAudit> last_audit(const std::string& zone) override;
    void add_audit(const StoredAudit& audit) override;
    std::optional<StageState> stage_state(const std::string& stage, const std::string& name) override;
    bool save_stage_state(const std::string& stage, const std::string& name, const std::string& state,
                          std::int64_t generation, Millis saved) override;
    std::vector<std::string> stage_state_names(const std::string& stage) override;

    // ledger_sqlite_chain.cpp
    Verification verify(const std::function<void(std::uint64_t)>& on_record = {}) override;
    std::optional<ChainLink> head() override;
    std::optional<Digest> record_hash(std::int64_t seq) override;
    std::uint64_t records_after(std::int64_t seq) override;
    void add_checkpoint(const Checkpoint& k) override;
    std::vector<Checkpoint> checkpoints() override;

    // ledger_sqlite_shipping.cpp
    void records_since(std::int64_t after, const std::function<bool(const StoredRecord&)>& each) override;
    std::vector<std::pair<std::int64_t, StoredAudit>> audits_since(std::int64_t after) override;
    std::vector<std::pair<std::int64_t, Checkpoint>> checkpoints_since(std::int64_t after) override;
    std::optional<std::string> setting(const std::string& key) override;
    void put_setting(const std::string& key, const std::string& value) override;

    // ledger_sqlite_open.cpp
    std::unique_ptr<Importer> importer() override;
    std::map<std::string, std::string> info() override;

private:
    // Keeps `site` as the setting "site" (trk ledger init --site); UsageError when the file
    // has another name already.
    void keep_site_name(const std::string& site);
    // The statuses of an audit's result column (a JSON object of strings).
    std::map<std::string, std::string> audit_statuses(const std::string& result);

    Connection c_;
    simdjson::dom::parser json_parser_;  ///< for JSON kept in columns (zones, audit results)
};

}  // namespace track::sqlite
