// trk ledger push: a site's records, positions, audits and checkpoints into the central
// ledger (the algorithm is track/central.hpp's header comment). Records go by COPY in text
// format, streamed in chunks while the site's file is read; each batch is one central
// transaction under a per-site advisory lock; the site's mark moves only after the commit.
#include <algorithm>
#include <cstring>
#include <iterator>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "ledger_sqlite.hpp"  // strings_json: an audit's result column, as the site's file keeps it
#include "pg.hpp"
#include "track/central.hpp"
#include "track/error.hpp"
#include "track/sha256.hpp"

namespace track {

namespace {

// COPY data goes to the server in chunks of about this size: well under a socket's buffer
// (about 200 kB on Linux), so that the server always has rows waiting while the next chunk
// is made. With 1 MB chunks the server sat idle while each was formatted, and a push took
// 1.4 times psql's \copy of the same rows; with 32 kB, about the same (scripts/bench/push.sh).
constexpr std::size_t copy_chunk = std::size_t{32} << 10;
// Rows per multi-row INSERT (PostgreSQL takes at most 65535 parameters per statement).
constexpr std::size_t insert_rows = 1000;

std::string hex(const Digest& d) { return to_hex(d); }

// The site's name: --site, or the one the file keeps; they must agree.
std::string site_name(Ledger& local, const std::string& flag) {
    const std::optional<std::string> kept = local.setting("site");
    if (flag.empty()) {
        if (!kept) throw UsageError("name this site: trk ledger init --site NAME, or --site");
        return *kept;
    }
    if (const std::string problem = id_problem(flag); !problem.empty()) {
        throw UsageError(fmt::format("--site: the site name {}", problem));
    }
    if (kept && *kept != flag) {
        throw UsageError(
            fmt::format("--site {}: this ledger is site '{}' (kept by trk ledger init --site); push it "
                        "as '{}', or leave --site out",
                        flag, *kept, *kept));
    }
    return flag;
}

// Throws InputError unless the database holds a central trk schema this trk knows.
void check_schema(pg::Connection& c) {
    const std::string create = "create it with 'trk ledger init --central --ledger URL' (as its administrator)";
    if (c.query("SELECT to_regclass('trk.migrations') IS NOT NULL", "checking the schema").text(0, 0) != "t") {
        throw InputError(fmt::format("central ledger {}", c.where()), "holds no trk central ledger; " + create);
    }
    // A role that may not read trk.migrations (a site's, where the administrator granted
    // nothing more than the schema does) is not asked: its inserts are checked all the same.
    if (c.query("SELECT has_table_privilege('trk.migrations', 'SELECT')", "checking the schema").text(0, 0) != "t") {
        return;
    }
    const std::int64_t version =
        c.query("SELECT coalesce(max(version), 0) FROM trk.migrations", "reading the schema version").integer(0, 0);
    const auto& migrations = central_migrations();
    const int latest = migrations.empty() ? 0 : migrations.back().version;
    if (version > latest) {
        throw InputError(
            fmt::format("central ledger {}", c.where()),
            fmt::format("schema version {} is newer than this trk knows ({}); use a newer trk", version, latest));
    }
    if (version < latest) {
        throw InputError(fmt::format("central ledger {}", c.where()),
                         fmt::format("schema version {} is older than this trk's ({}); upgrade it with 'trk ledger "
                                     "init --central --ledger URL' (as its administrator)",
                                     version, latest));
    }
}

// Registers the site when the role pushes for none (an administrator); refuses a role that
// pushes for another site before anything is sent.
void register_site(pg::Connection& c, const std::string& site) {
    const pg::Result own = c.query("SELECT trk.role_site(), current_user", "reading the role's site");
    if (own.is_null(0, 0)) {
        c.query("INSERT INTO trk.sites (name) VALUES ($1) ON CONFLICT DO NOTHING", pg::Params().add(site),
                "registering the site");
        return;
    }
    if (own.text(0, 0) != site) {
        throw DeviceError(
            fmt::format("central ledger {}: role {} pushes for site '{}', not '{}' (push that site's "
                        "ledger, or as site '{}''s role)",
                        c.where(), own.text(0, 1), own.text(0, 0), site, site));
    }
}

// A multi-row INSERT of `columns` (each row's values in `params`, in order), sent in
// statements of at most insert_rows rows; `tail` follows the VALUES (ON CONFLICT ...).
class RowInserter {
public:
    RowInserter(pg::Connection& c, std::string head, std::size_t columns, std::string tail, std::string doing)
        : c_(c), head_(std::move(head)), tail_(std::move(tail)), doing_(std::move(doing)), columns_(columns) {}
    pg::Params& row() {
        if (rows_ == insert_rows) flush();
        ++rows_;
        return params_;
    }
    void flush() {
        if (rows_ == 0) return;
        std::string sql = head_ + " VALUES ";
        int n = 0;
        for (std::size_t r = 0; r < rows_; ++r) {
            sql += r == 0 ? "(" : ", (";
            for (std::size_t col = 0; col < columns_; ++col) sql += fmt::format("{}${}", col == 0 ? "" : ", ", ++n);
            sql += ')';
        }
        sql += ' ';
        sql += tail_;
        c_.query(sql, params_, doing_);
        params_ = pg::Params();
        rows_ = 0;
    }

private:
    pg::Connection& c_;
    std::string head_, tail_, doing_;
    std::size_t columns_;
    pg::Params params_;
    std::size_t rows_ = 0;
};

// An asset's latest position in a batch, as ledger_sqlite_import.cpp's note_position
// decides: a fix with a mode (its lat and lon), or a read at a reader.
struct BatchPosition {
    std::int64_t seq = 0;
    Millis time = 0;
    bool fix = false;
    std::string lat, lon;  ///< fixes: the JSON's number text
    std::string reader;    ///< reads
    std::string antenna;   ///< reads: the JSON's number text, empty when none
};

// What one record's JSON says about where its asset is; only what push needs is parsed.
struct Whereabouts {
    bool position = false;
    std::string_view lat, lon;  ///< fixes with a position
    std::string_view reader;    ///< reads at a reader
    std::string_view antenna;
};

class JsonFields {
public:
    // The position fields of a fix's or a read's JSON (views valid until the next call).
    Whereabouts of(std::string_view type, std::string_view json) {
        Whereabouts w;
        const bool fix = type == "fix";
        if (!fix && type != "read") return w;
        buffer_.resize(json.size() + simdjson::SIMDJSON_PADDING);
        std::memcpy(buffer_.data(), json.data(), json.size());
        simdjson::ondemand::document doc;
        if (parser_.iterate(buffer_.data(), json.size(), buffer_.size()).get(doc) != simdjson::SUCCESS) return w;
        simdjson::ondemand::object object;
        if (doc.get_object().get(object) != simdjson::SUCCESS) return w;
        std::string_view mode;
        for (auto field : object) {
            std::string_view key;
            if (field.unescaped_key().get(key) != simdjson::SUCCESS) return {};
            simdjson::ondemand::value value;
            if (field.value().get(value) != simdjson::SUCCESS) return {};
            if (fix && (key == "lat" || key == "lon")) {
                std::string_view token = trim(value.raw_json_token());
                (key == "lat" ? w.lat : w.lon) = token;
            } else if (fix && key == "fix") {
                if (value.get_string().get(mode) != simdjson::SUCCESS) return {};
            } else if (!fix && key == "reader") {
                if (value.get_string().get(w.reader) != simdjson::SUCCESS) return {};
            } else if (!fix && key == "antenna") {
                w.antenna = trim(value.raw_json_token());
            }
        }
        w.position = fix ? !w.lat.empty() && !w.lon.empty() && mode != "none" : !w.reader.empty();
        if (fix && !w.position) w.lat = w.lon = {};
        return w;
    }

private:
    static std::string_view trim(std::string_view token) {
        while (!token.empty() &&
               (token.back() == ' ' || token.back() == '\n' || token.back() == '\t' || token.back() == '\r')) {
            token.remove_suffix(1);
        }
        return token;
    }
    simdjson::ondemand::parser parser_;
    std::vector<char> buffer_;
};

class Pusher {
public:
    Pusher(Ledger& local, const PushOptions& options, std::string site)
        : local_(local), options_(options), site_(std::move(site)), c_(options.url) {
        pg::append_copy_text(copy_site_, site_);
    }

    PushResult run() {
        check_schema(c_);
        result_.site = site_;
        result_.central = c_.where();
        result_.central_id = c_.query("SELECT id FROM trk.ledger", "reading the ledger's id").string(0, 0);
        register_site(c_, site_);
        bool first = true;
        for (;;) {
            if (!first && options_.stop != nullptr && options_.stop->load()) {
                result_.stopped = true;
                break;
            }
            if (!batch(first)) break;
            first = false;
        }
        return result_;
    }

private:
    // One central transaction: the next records (and, on the last, the audits and
    // checkpoints). Returns whether another batch may follow.
    bool batch(bool first) {
        pg::Transaction t(c_);
        c_.query("SELECT pg_advisory_xact_lock(hashtextextended('trk push ' || $1, 0))", pg::Params().add(site_),
                 "waiting for another push of this site");
        const pg::Result head = c_.query("SELECT seq, hash FROM trk.site_head($1)", pg::Params().add(site_),
                                         "reading the site's central head");
        const std::int64_t central = head.rows() > 0 ? head.integer(0, 0) : 0;
        if (first) {
            result_.central_head = central;
            result_.head = central;
        }
        if (central > 0 && !joins(central, head.bytes(0, 1))) return false;
        if (first) progress_.total = local_.records_after(central);

        const std::uint64_t sent = send_records(central);
        const bool last = sent < options_.batch;
        std::uint64_t audits = 0, checkpoints = 0;
        if (last) {
            audits = send_audits();
            checkpoints = send_checkpoints();
        }
        if (sent == 0 && audits == 0 && checkpoints == 0) {
            // Nothing new: the mark still records the head the central ledger confirmed.
            confirm(central);
            return false;
        }
        t.commit();
        result_.records += sent;
        result_.audits += audits;
        result_.checkpoints += checkpoints;
        result_.head = sent == 0 ? central : last_seq_;
        confirm(result_.head);
        progress_.sent = result_.records;
        if (options_.progress) options_.progress(progress_);
        return !last;
    }

    // Whether the site's chain joins the central one at `central` (its head's seq, with
    // `central_hash`): false when the file holds nothing past it (a restored older copy:
    // nothing to send). Throws InputError when the chains diverged.
    bool joins(std::int64_t central, const std::string& central_hash) {
        const std::optional<Digest> here = local_.record_hash(central);
        if (here) {
            if (same_hash(central_hash, *here)) return true;
            diverged(central, central_hash, *here, central);
        }
        // The file ends before the central head: an older copy, which must be a prefix.
        const std::optional<ChainLink> local_head = local_.head();
        if (local_head) {
            const pg::Result r = c_.query("SELECT trk.site_record_hash($1, $2)",
                                          pg::Params().add(site_).add(local_head->seq), "reading a central hash");
            const std::string theirs = r.is_null(0, 0) ? std::string() : r.bytes(0, 0);
            if (!same_hash(theirs, local_head->hash)) diverged(local_head->seq, theirs, local_head->hash, central);
        }
        result_.head = central;
        return false;
    }

    [[noreturn]] void diverged(std::int64_t seq, const std::string& theirs, const Digest& ours, std::int64_t central) {
        const std::string central_hex = theirs.size() == ours.size() ? hex(blob_digest(theirs)) : std::string("(none)");
        throw InputError(
            fmt::format("central ledger {}", c_.where()),
            fmt::format("site '{}': this ledger's chain does not join the central one: record {} has hash {} here "
                        "but {} centrally (central head: record {}); {}. Is this another site's "
                        "ledger (push it with its own --site), or a restored copy that took new records after "
                        "the restore? Then keep it under a new site name (trk ledger init --site NEW on a fresh "
                        "file) and check both with trk ledger verify",
                        site_, seq, hex(ours), central_hex, central,
                        result_.records == 0
                            ? std::string("nothing was sent")
                            : fmt::format("only the {} records before it were sent", result_.records)));
    }

    static bool same_hash(const std::string& bytes, const Digest& d) {
        return bytes.size() == d.size() && std::memcmp(bytes.data(), d.data(), d.size()) == 0;
    }

    static Digest blob_digest(const std::string& bytes) {
        Digest d{};
        std::memcpy(d.data(), bytes.data(), std::min(bytes.size(), d.size()));
        return d;
    }

    // COPYs up to options.batch records after `after`; notes each asset's latest position
    // and upserts them. Returns how many were sent.
    std::uint64_t send_records(std::int64_t after) {
        std::uint64_t count = 0;
        positions_.clear();
        std::string data;
        data.reserve(copy_chunk + std::size_t{64} * 1024);
        bool copying = false;
        local_.records_since(after, [&](const StoredRecord& r) {
            if (!copying) {
                c_.copy_begin(
                    "COPY trk.records (site, seq, key, type, time, asset, subject, json, hash, lat, lon) "
                    "FROM STDIN",
                    "sending records");
                copying = true;
            }
            const Whereabouts w = json_.of(r.type, r.json);
            append_row(data, r, w);
            if (w.position && !r.asset.empty()) note_position(r, w);
            last_seq_ = r.seq;
            if (data.size() >= copy_chunk) {
                c_.copy_put(data);
                data.clear();
            }
            return ++count < options_.batch;
        });
        if (!copying) return 0;
        if (!data.empty()) c_.copy_put(data);
        c_.copy_end();
        send_positions();
        return count;
    }

    void append_row(std::string& data, const StoredRecord& r, const Whereabouts& w) const {
        const auto field = [&data](std::string_view text) {
            if (text.empty()) {
                data += "\\N";
            } else {
                pg::append_copy_text(data, text);
            }
        };
        data += copy_site_;
        fmt::format_to(std::back_inserter(data), "\t{}\t", r.seq);
        pg::append_copy_bytes(data, r.key.data(), r.key.size());
        data += '\t';
        pg::append_copy_text(data, r.type);
        fmt::format_to(std::back_inserter(data), "\t{}\t", r.time);
        field(r.asset);
        data += '\t';
        field(r.subject);
        data += '\t';
        pg::append_copy_text(data, r.json);
        data += '\t';
        pg::append_copy_bytes(data, r.hash.data(), r.hash.size());
        data += '\t';
        field(w.lat);
        data += '\t';
        field(w.lon);
        data += '\n';
    }

    void note_position(const StoredRecord& r, const Whereabouts& w) {
        asset_.assign(r.asset);
        const auto [it, added] = positions_.try_emplace(asset_);
        if (!added && r.time < it->second.time) return;
        BatchPosition& p = it->second;
        p.seq = r.seq;
        p.time = r.time;
        p.fix = r.type == "fix";
        p.lat = w.lat;
        p.lon = w.lon;
        p.reader = w.reader;
        p.antenna = w.antenna;
    }

    void send_positions() {
        RowInserter insert(c_, "INSERT INTO trk.positions (site, asset, seq, time, type, lat, lon, reader, antenna)", 9,
                           "ON CONFLICT (site, asset) DO UPDATE SET seq = excluded.seq, time = excluded.time, "
                           "type = excluded.type, lat = excluded.lat, lon = excluded.lon, reader = excluded.reader, "
                           "antenna = excluded.antenna WHERE excluded.time >= positions.time",
                           "keeping the site's positions");
        for (const auto& entry : positions_) {
            const BatchPosition& p = entry.second;
            insert.row()
                .add(site_)
                .add(entry.first)
                .add(p.seq)
                .add(static_cast<std::int64_t>(p.time))
                .add(p.fix ? "fix" : "read")
                .add_optional(p.lat)
                .add_optional(p.lon)
                .add_optional(p.reader)
                .add_optional(p.antenna);
        }
        insert.flush();
    }

    std::int64_t central_max(const char* table) {
        return c_
            .query(fmt::format("SELECT coalesce(max(site_id), 0) FROM trk.{} WHERE site = $1", table),
                   pg::Params().add(site_), "reading what the central ledger holds")
            .integer(0, 0);
    }

    std::uint64_t send_audits() {
        const auto audits = local_.audits_since(central_max("audits"));
        RowInserter insert(c_, "INSERT INTO trk.audits (site, site_id, zone, time, window_from, window_to, result)", 7,
                           "ON CONFLICT (site, site_id) DO NOTHING", "sending audits");
        for (const auto& [id, a] : audits) {
            insert.row()
                .add(site_)
                .add(id)
                .add(a.zone)
                .add(static_cast<std::int64_t>(a.time))
                .add(static_cast<std::int64_t>(a.from))
                .add(static_cast<std::int64_t>(a.to))
                .add(sqlite::strings_json(a.statuses));
        }
        insert.flush();
        return audits.size();
    }

    std::uint64_t send_checkpoints() {
        const auto checkpoints = local_.checkpoints_since(central_max("checkpoints"));
        RowInserter insert(c_, "INSERT INTO trk.checkpoints (site, site_id, seq, hash, time, public_key, signature)", 7,
                           "ON CONFLICT (site, site_id) DO NOTHING", "sending checkpoints");
        for (const auto& [id, k] : checkpoints) {
            insert.row()
                .add(site_)
                .add(id)
                .add(k.seq)
                .add_bytes(k.hash.data(), k.hash.size())
                .add(static_cast<std::int64_t>(k.time))
                .add_bytes(k.key.data(), k.key.size())
                .add_bytes(k.signature.data(), k.signature.size());
        }
        insert.flush();
        return checkpoints.size();
    }

    // Keeps the central head as the site's mark (and a name given by --site), after the commit.
    void confirm(std::int64_t head) {
        if (!local_.setting("site")) local_.put_setting("site", site_);
        const std::string key = "push:" + result_.central_id;
        const std::string value = std::to_string(head);
        if (local_.setting(key) != value) local_.put_setting(key, value);
    }

    Ledger& local_;
    const PushOptions& options_;
    std::string site_;
    std::string copy_site_;  ///< the site, quoted for COPY
    pg::Connection c_;
    PushResult result_;
    PushProgress progress_;
    JsonFields json_;
    std::unordered_map<std::string, BatchPosition> positions_;
    std::string asset_;  ///< note_position's key, reused
    std::int64_t last_seq_ = 0;
};

}  // namespace

PushResult push(Ledger& local, const PushOptions& options) {
    if (const std::string problem = central_url_problem(options.url); !problem.empty()) {
        throw UsageError(
            fmt::format("--to: the URL {}; put the password in ~/.pgpass or PGPASSFILE instead "
                        "(a command line is seen by every user of the machine)",
                        problem));
    }
    if (options.batch == 0) throw UsageError("--batch: must be at least 1");
    return Pusher(local, options, site_name(local, options.site)).run();
}

}  // namespace track
