// Storing records in the SQLite ledger: natural keys, the asset from the links, the hash
// chain, and each asset's latest position.
#include <cstring>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "ledger_sqlite.hpp"
#include "track/json.hpp"
#include "track/ledger_links.hpp"
#include "track/sha256.hpp"

namespace track::sqlite {

namespace {

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
                add(device_first_key(r));
            } else if constexpr (std::is_same_v<R, Read>) {
                add("read");
                add(r.epc);
                add(r.reader);
                add(r.antenna ? std::to_string(*r.antenna) : "");
            } else if constexpr (std::is_same_v<R, Reading>) {
                add("reading");
                add(device_first_key(r));
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
        Statement links(c.db(), c.path(), "SELECT kind, value, asset, since FROM links");
        while (links.step()) links_.add(link_of(links));
    }

    ~SqliteImporter() override = default;

    std::string add(Record& record) override {
        if (std::holds_alternative<OpaqueRecord>(record)) return "not a fix, read, reading or event";
        begin();
        links_.resolve(record);
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
        // The `subject` column holds what a link names (a device, an EPC), by which link()
        // adopts the records stored before it; not the record's subject_of.
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
    LinkResolver links_;
    std::unordered_map<std::string, PendingPosition> positions_;
    std::string key_;
    fmt::memory_buffer json_;
    ImportCounts counts_;
    ImportCounts pending_counts_;
};

}  // namespace

std::unique_ptr<Importer> make_importer(Connection& c) { return std::make_unique<SqliteImporter>(c); }

}  // namespace track::sqlite
