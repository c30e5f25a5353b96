// The central ledger on PostgreSQL/PostGIS (private to libtrack): the PgLedger class, whose
// methods these files define, one idea a file (schema: schemas/central/):
//   ledger_pg_open.cpp      connecting, migrations, the group roles, info, sites
//   ledger_pg_registry.cpp  assets, links, readers and fences (fences with their geometry)
//   ledger_pg_queries.cpp   what reports read: where, history, unknown tags, sightings
//   ledger_pg_kept.cpp      audits and stage states (per site)
//   ledger_pg_chain.cpp     every site's hash chain (verify), heads, checkpoints
// Pushing into it is central_push.cpp (track/central.hpp).
#pragma once

#include <memory>
#include <string>

#include <simdjson.h>

#include "pg.hpp"
#include "track/ledger.hpp"

namespace track::pg {

/// Opens the central ledger at options.path (a URL: is_central_url), creating its schema
/// with options.create (trk ledger init). Throws UsageError for a URL holding a password,
/// DeviceError (69) when the server cannot be reached or refuses, InputError (65) when the
/// database holds no trk schema and create is off (with the command that makes one), or one
/// of a newer trk.
std::unique_ptr<Ledger> open_central(const LedgerOptions& options);

/// Brings the schema of the database behind `c` up to date: creates the schema trk, the
/// table trk.migrations and the group roles trk_site and trk_report when missing, then
/// applies each pending migration in a transaction of its own, under an advisory lock (two
/// trk running init at once apply each migration once). Returns the version reached.
int migrate(Connection& c);

/// The central ledger. Narrowed to one site when options.site is set: then every answer is
/// that site's, and rows kept (audits, stage states) belong to it.
class PgLedger final : public Ledger {
public:
    explicit PgLedger(const LedgerOptions& options);

    // ledger_pg_registry.cpp
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

    // ledger_pg_queries.cpp
    void sightings(Millis from, Millis to, const std::function<void(const Sighting&)>& each) override;
    std::vector<Position> where(const WhereQuery& q) override;
    void history(const HistoryQuery& q, const std::function<void(std::string_view)>& each) override;
    std::vector<UnknownTag> unknown_tags() override;

    // ledger_pg_kept.cpp
    std::optional<StoredAudit> last_audit(const std::string& zone) override;
    void add_audit(const StoredAudit& audit) override;
    std::optional<StageState> stage_state(const std::string& stage, const std::string& name) override;
    bool save_stage_state(const std::string& stage, const std::string& name, const std::string& state,
                          std::int64_t generation, Millis saved) override;
    std::vector<std::string> stage_state_names(const std::string& stage) override;

    // ledger_pg_chain.cpp
    Verification verify(const std::function<void(std::uint64_t)>& on_record = {}) override;
    std::optional<ChainLink> head() override;
    std::optional<Digest> record_hash(std::int64_t seq) override;
    std::uint64_t records_after(std::int64_t seq) override;
    void add_checkpoint(const Checkpoint& k) override;
    std::vector<Checkpoint> checkpoints() override;

    // ledger_pg_open.cpp
    /// Records enter the central ledger by trk ledger push only: UsageError naming it.
    std::unique_ptr<Importer> importer() override;
    std::map<std::string, std::string> info() override;
    [[nodiscard]] bool multi_site() const override { return site_.empty(); }
    std::vector<std::string> sites() override;

    /// The connection, for push.
    Connection& connection() { return c_; }

private:
    Connection c_;
    std::string url_;   ///< as given (holds no password), for info
    std::string site_;  ///< LedgerOptions::site: answers narrowed to it when not empty
    simdjson::dom::parser json_parser_;
};

}  // namespace track::pg
