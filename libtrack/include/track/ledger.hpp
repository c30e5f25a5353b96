// The asset ledger: assets, their tags and devices, fixed readers, and every record, behind a
// narrow interface with two backends: a site's SQLite file (ledger_sqlite*.cpp) and a central
// PostgreSQL/PostGIS database that many sites push to (ledger_pg*.cpp, track/central.hpp).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "track/record.hpp"
#include "track/sha256.hpp"
#include "track/signing.hpp"

namespace track {

/// One schema migration, compiled in from schemas/ledger/NNN_name.sql.
struct Migration {
    int version;       ///< NNN: applied in order, recorded in PRAGMA user_version
    const char* name;  ///< "001_initial"
    const char* sql;
};

/// Every migration this trk knows, in order (generated from schemas/ledger/).
const std::vector<Migration>& ledger_migrations();

/// Every migration of the central ledger, in order (generated from schemas/central/;
/// recorded in trk.migrations).
const std::vector<Migration>& central_migrations();

/// An asset of the registry.
struct Asset {
    std::string id;
    std::string name;
    std::string kind;  ///< forklift, trailer, reefer, pallet, ...
    std::string home;  ///< the zone it belongs in
    std::map<std::string, std::string> attrs;
    Millis created = 0;
    std::optional<Millis> retired;
};

/// What identifies an asset in records.
enum class LinkKind { epc, uri, device };

/// "epc", "uri", "device".
std::string_view to_string(LinkKind kind) noexcept;

/// Why `id` cannot name an asset, a reader or a device in the ledger: "is empty", "holds a
/// control character: U+000A at byte 4", "is not valid UTF-8"; empty when it can.
/// Such an id could not be typed back, printed or matched; trk refuses it where ids enter.
std::string id_problem(std::string_view id);

/// The kinds of name the ledger knows and a user types (see Ledger::knows).
enum class NameKind {
    asset,   ///< an asset registered, or named by stored records
    reader,  ///< a fixed reader
    zone,    ///< a zone: an asset's home, a reader's or antenna's, a fence kept, an audited one, a fix's
    fence,   ///< a fence kept in the ledger
};

/// "asset", "reader", "zone", "fence": how messages name the kind.
std::string_view to_string(NameKind kind) noexcept;

/// One identifier of an asset.
struct Link {
    LinkKind kind = LinkKind::epc;
    std::string value;  ///< upper-case hex EPC, urn:epc:id:... URI, or device name
    std::string asset;
    Millis since = 0;
};

/// A fixed RFID reader and where it (or each antenna) stands.
struct Reader {
    std::string id;
    std::string zone;
    std::optional<double> lat;
    std::optional<double> lon;
    std::map<int, std::string> antenna_zones;  ///< antenna -> zone, where it differs from the reader's
};

/// A geofence kept in the ledger.
struct StoredFence {
    std::string id;
    std::string feature;  ///< the GeoJSON Feature, minified
    Millis added = 0;
};

/// The state a stage keeps in the ledger between runs.
struct StageState {
    std::string state;           ///< the stage's own JSON
    std::int64_t generation = 0;  ///< 1 when first saved, one more at each save
    Millis saved = 0;
};

/// A fix or read stored in the ledger, with the zones it was in: the fix's zones (from trk
/// fence), or the zone of the read's reader (or antenna).
struct Sighting {
    std::string type;     ///< "fix" or "read"
    Millis time = 0;
    std::string asset;    ///< empty when the record has none (a tag linked to no asset)
    std::string epc;      ///< reads: the EPC (hex)
    std::string uri;      ///< reads: the decoded URI
    std::string reader;   ///< reads
    std::vector<std::string> zones;
};

/// One yard audit as kept: each asset's (or "epc:HEX" tag's) status.
struct StoredAudit {
    std::string zone;
    Millis time = 0;
    Millis from = 0, to = 0;
    std::map<std::string, std::string> statuses;
    std::string site;  ///< central ledger: the site that ran it; empty in a site's file
};

/// Where an asset was last seen.
struct Position {
    std::string asset;
    Millis time = 0;
    std::string type;  ///< "fix" or "read"
    std::optional<double> lat;
    std::optional<double> lon;
    std::string zone;    ///< of the reader (antenna) for reads
    std::string reader;  ///< for reads
    std::optional<int> antenna;
    std::string src;  ///< the record's src
    std::string site;  ///< central ledger: the site whose record this is; empty in a site's file
};

/// A tag read but linked to no asset.
struct UnknownTag {
    std::string epc;
    std::string uri;
    std::uint64_t reads = 0;  ///< stored read records
    Millis first = 0;
    Millis last = 0;
    std::string reader;  ///< of the last read
};

/// What one import stored.
struct ImportCounts {
    std::uint64_t stored = 0;      ///< new records
    std::uint64_t duplicates = 0;  ///< already in the ledger (same natural key)
    std::uint64_t unresolved = 0;  ///< stored with no asset (a tag or device linked to none)
};

/// Result of walking the ledger for tampering and damage.
struct Verification {
    std::string integrity;                     ///< "ok", or what SQLite's integrity_check says
    std::uint64_t records = 0;                 ///< records whose chain was checked
    std::optional<std::int64_t> first_broken;  ///< seq of the first record whose hash does not follow
    std::string broken_record;                 ///< its JSON
    std::string broken_site;                   ///< central ledger: the site whose chain broke there
    /// Central ledger: each site's chain checked, in site order (records checked, complete).
    std::vector<std::pair<std::string, std::uint64_t>> sites;
};

/// A record's place in the hash chain.
struct ChainLink {
    std::int64_t seq = 0;  ///< the record's sequence number
    Digest hash{};         ///< SHA-256 over the previous record's hash and this record's JSON
};

/// A signed statement that the chain passed through `seq` with `hash` at `time` (see
/// track/checkpoint.hpp for what is signed).
struct Checkpoint {
    std::int64_t seq = 0;  ///< the head when signed: the last record's seq
    Digest hash{};         ///< that record's chain hash
    Millis time = 0;       ///< when it was signed
    PublicKey key{};       ///< who signed it
    Signature signature{};
    friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

/// How to open a ledger.
struct LedgerOptions {
    /// A file path (the SQLite ledger), or a PostgreSQL connection URI (postgresql://... or
    /// postgres://...: the central ledger, see is_central_url).
    std::string path;
    std::chrono::milliseconds busy_timeout{5000};
    bool create = false;  ///< create the file (trk ledger init); otherwise it must exist
    int mode = 0600;      ///< permissions of a created file
    /// Central ledger: answer for this site only (--site); empty: every site. A site's file
    /// ignores it, except that `create` keeps it as the site's name (see Ledger::setting).
    std::string site;
};

/// A record as stored, for shipping it elsewhere (trk ledger push): every column of the
/// site ledger's `records` table. Views into the ledger's memory, valid during the callback.
struct StoredRecord {
    std::int64_t seq = 0;
    std::array<std::uint8_t, 16> key{};  ///< the natural key as stored (time, then 8 bytes of digest)
    std::string_view type;
    Millis time = 0;
    std::string_view asset;    ///< empty when none
    std::string_view subject;  ///< empty when none
    std::string_view json;     ///< the canonical JSON, as hashed
    Digest hash{};
};

/// A session storing records: records are added one by one and committed in batches;
/// nothing added is durable before commit() returns.
class Importer {
public:
    virtual ~Importer() = default;
    /// Stores `record` (fix, read, reading or event; other types are refused with a
    /// reason), resolving its asset through the links when it has none. Returns "" when
    /// stored or a duplicate (see counts()), else why it was refused. The record gets its
    /// resolved asset.
    virtual std::string add(Record& record) = 0;
    /// Makes every record added so far durable (synchronous=FULL in WAL mode).
    virtual void commit() = 0;
    /// Counts of what was committed so far.
    [[nodiscard]] virtual const ImportCounts& counts() const = 0;
    /// Records added since the last commit.
    [[nodiscard]] virtual std::uint64_t pending() const = 0;
};

/// What `where` asks for.
struct WhereQuery {
    std::vector<std::string> assets;   ///< empty: every asset with a position
    std::string zone;                  ///< only positions in this zone (reads at readers in it)
    std::optional<Millis> older_than;  ///< only positions older than this instant (stale ones)
};

/// What `history` asks for.
struct HistoryQuery {
    std::string asset;
    std::optional<Millis> since;
    std::optional<Millis> until;
    std::vector<std::string> types;  ///< empty: every type
};

/// The ledger. Methods throw track::Error subclasses: BusyError (75) when the database
/// stayed locked past the busy timeout, InputError (65) for a file that is not a ledger
/// or is damaged, UsageError (64) for requests that contradict the registry.
class Ledger {
public:
    virtual ~Ledger() = default;

    /// Adds an asset; UsageError when the id exists.
    virtual void add_asset(const Asset& asset) = 0;
    /// Adds many assets in one transaction, replacing name/kind/home/attrs of existing
    /// ones; returns how many were new.
    virtual std::uint64_t upsert_assets(const std::vector<Asset>& assets) = 0;
    /// Links an identifier to an asset; UsageError when it is linked to another asset or
    /// the asset does not exist.
    virtual void link(const Link& link) = 0;
    /// Removes the link of `kind` and `value` from `asset`; records stored through it keep
    /// their asset. NotFoundError (67) when the asset or that link of it is not known.
    virtual void unlink(const Link& link) = 0;
    /// The asset with this id, if any.
    virtual std::optional<Asset> asset(const std::string& id) = 0;
    /// Assets, by id; of `kind` when not empty; retired ones only when `retired`.
    virtual std::vector<Asset> assets(const std::string& kind, bool retired) = 0;
    /// The identifiers linked to an asset.
    virtual std::vector<Link> links(const std::string& asset) = 0;
    /// Marks an asset retired at `when`; its history is kept. UsageError when unknown.
    virtual void retire(const std::string& id, Millis when) = 0;
    /// Adds or replaces a reader.
    virtual void put_reader(const Reader& reader) = 0;
    /// Every reader, by id.
    virtual std::vector<Reader> readers() = 0;
    /// Removes a reader and its antennas; stored reads keep its id (and no longer locate an
    /// asset). NotFoundError (67) when there is none with that id.
    virtual void remove_reader(const std::string& id) = 0;

    /// Whether `name` is a known name of `kind`: what a command checks before it answers a
    /// question about it, so that a typo is an error, not an empty answer.
    virtual bool knows(NameKind kind, const std::string& name) = 0;
    /// The known names of `kind`, sorted, for "did you mean" (zones and assets named only by
    /// old records may be left out; knows() finds them).
    virtual std::vector<std::string> names(NameKind kind) = 0;
    /// The names under which `stage` ("fence", "check") keeps a state, sorted.
    virtual std::vector<std::string> stage_state_names(const std::string& stage) = 0;

    /// Adds fences (checked by the caller), replacing those with the same ids, in one
    /// transaction; returns how many were new.
    virtual std::uint64_t put_fences(const std::vector<StoredFence>& fences) = 0;
    /// Every fence kept, in the order added.
    virtual std::vector<StoredFence> fences() = 0;
    /// Removes a fence. NotFoundError (67) when there is none with that id.
    virtual void remove_fence(const std::string& id) = 0;

    /// Every link, of every asset.
    virtual std::vector<Link> all_links() = 0;
    /// Calls `each` for every fix and read whose time is in [from, to], in time order.
    virtual void sightings(Millis from, Millis to, const std::function<void(const Sighting&)>& each) = 0;
    /// The latest audit of `zone`; nullopt when there was none.
    virtual std::optional<StoredAudit> last_audit(const std::string& zone) = 0;
    /// Keeps an audit.
    virtual void add_audit(const StoredAudit& audit) = 0;

    /// The state `stage` ("fence") last saved under `name`; nullopt when none was.
    virtual std::optional<StageState> stage_state(const std::string& stage, const std::string& name) = 0;
    /// Saves a stage's state under `name`, provided the kept one is still at `generation`
    /// (0: none kept): false, saving nothing, when another run saved it in between.
    virtual bool save_stage_state(const std::string& stage, const std::string& name, const std::string& state,
                                  std::int64_t generation, Millis saved) = 0;

    /// Starts storing records (one write transaction at a time).
    virtual std::unique_ptr<Importer> importer() = 0;
    /// Last known positions.
    virtual std::vector<Position> where(const WhereQuery& query) = 0;
    /// The stored records of an asset in time order, as their JSON text.
    virtual void history(const HistoryQuery& query, const std::function<void(std::string_view json)>& each) = 0;
    /// Tags read but linked to no asset.
    virtual std::vector<UnknownTag> unknown_tags() = 0;
    /// integrity_check, then the hash chain from the first record; `on_record` (may be
    /// empty) is told how many records were checked so far, after each one.
    virtual Verification verify(const std::function<void(std::uint64_t)>& on_record = {}) = 0;
    /// The last record's place in the chain; nullopt when the ledger holds no record.
    virtual std::optional<ChainLink> head() = 0;
    /// The chain hash stored with record `seq`; nullopt when there is no such record.
    virtual std::optional<Digest> record_hash(std::int64_t seq) = 0;
    /// How many records come after record `seq`.
    virtual std::uint64_t records_after(std::int64_t seq) = 0;
    /// Keeps a signed checkpoint (checked by the caller).
    virtual void add_checkpoint(const Checkpoint& checkpoint) = 0;
    /// Every checkpoint kept, by seq, then in the order kept.
    virtual std::vector<Checkpoint> checkpoints() = 0;
    /// Schema version and record count, for `trk ledger info`.
    virtual std::map<std::string, std::string> info() = 0;

    // Sites and the central ledger. The defaults are a site's file's answers.

    /// Whether answers may hold records of more than one site (a central ledger not narrowed
    /// by LedgerOptions::site): reports then show a site column.
    [[nodiscard]] virtual bool multi_site() const { return false; }
    /// The sites whose records the ledger holds, sorted (a site's file: none).
    virtual std::vector<std::string> sites() { return {}; }

    // What trk ledger push reads from a site's file, and keeps in it. A central ledger
    // throws UsageError: it is pushed to, never pushed from.

    /// Calls `each` for every record with seq > `after`, in seq order, until it returns false.
    virtual void records_since(std::int64_t after, const std::function<bool(const StoredRecord&)>& each);
    /// The audits kept with id > `after`, in id order, with their ids.
    virtual std::vector<std::pair<std::int64_t, StoredAudit>> audits_since(std::int64_t after);
    /// The checkpoints kept with id > `after`, in id order, with their ids.
    virtual std::vector<std::pair<std::int64_t, Checkpoint>> checkpoints_since(std::int64_t after);
    /// A value the site's file keeps about itself ("site": its name; "push:ID": the last seq
    /// the central ledger ID confirmed); nullopt when not set.
    virtual std::optional<std::string> setting(const std::string& key);
    /// Keeps a setting (replacing it), durably.
    virtual void put_setting(const std::string& key, const std::string& value);
};

/// Throws NotFoundError (67) with not_found_message (track/names.hpp) unless `ledger` knows
/// `name` as a name of `kind`.
void require_known(Ledger& ledger, NameKind kind, const std::string& name);

/// Throws NotFoundError (67) for a link `ledger` does not hold on link.asset, naming the
/// closest values of that kind the asset has (unlink's error, the same on both backends).
[[noreturn]] void throw_unknown_link(Ledger& ledger, const Link& link);

/// PRAGMA application_id of every trk ledger: 0x74726B31, "trk1" in ASCII.
constexpr std::int32_t ledger_application_id = 0x74726B31;

/// Opens (or, with options.create, creates) the ledger at options.path: a central ledger when
/// is_central_url(path) (track/central.hpp), else the SQLite ledger file, applying
/// pending migrations. Throws MissingInputError (66) when it does not exist and create is
/// off, InputError (65) when the file is empty (0 bytes: never made into a ledger, even by
/// create, since a truncated ledger must not be silently replaced), is not a trk
/// ledger (another program's database: its application_id is not trk's), or comes from a
/// newer trk (it is then left untouched), IoError (74) when it cannot be written,
/// BusyError (75). A ledger of an older trk (trk's tables, application_id 0) is marked
/// with trk's application_id when it is opened for writing.
std::unique_ptr<Ledger> open_ledger(const LedgerOptions& options);

/// Whether `path` names a central ledger: a PostgreSQL connection URI, postgresql:// or
/// postgres:// (libpq's own; its environment, PGHOST, PGPASSFILE, ~/.pgpass, apply).
bool is_central_url(std::string_view path) noexcept;

/// Why a central ledger's URI must not be used as given: "holds a password" (a password
/// in a command line is seen by every user of the machine, in ps and in shell history);
/// empty when it may. Hint for the message: ~/.pgpass or PGPASSFILE.
std::string central_url_problem(std::string_view url);

/// The host and database a central ledger's URL names, as libpq reads it (percent-decoding,
/// host= and dbname= parameters); empty where the URL leaves them to libpq's defaults.
struct CentralUrlParts {
    std::string host;
    std::string database;
};
CentralUrlParts central_url_parts(std::string_view url);

/// The ledger path trk uses: `flag` when given, else $TRK_LEDGER, else
/// ${XDG_DATA_HOME:-$HOME/.local/share}/trk/ledger.db. A URL is returned as is.
std::string default_ledger_path(const std::string& flag);

}  // namespace track
