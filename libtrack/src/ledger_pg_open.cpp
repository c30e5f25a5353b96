// Opening the central ledger: the URL's check, the schema's migrations (with the group roles
// they grant to), and the ledger's summary and sites.
#include <utility>

#include <fmt/format.h>

#include "ledger_pg.hpp"
#include "track/error.hpp"
#include "track/names.hpp"

namespace track::pg {

namespace {

// pg_advisory_xact_lock's key for migrations: 'trk1', as the SQLite ledger's application_id.
constexpr std::string_view migration_lock = "SELECT pg_advisory_xact_lock(1953655601)";

// The URL, once it is known to hold no password (checked before connecting).
const std::string& checked_url(const std::string& url) {
    if (const std::string why = central_url_problem(url); !why.empty()) {
        throw UsageError(fmt::format("--ledger: the central ledger's URL {}: put it in ~/.pgpass or PGPASSFILE", why));
    }
    return url;
}

int latest_version() {
    const auto& migrations = central_migrations();
    return migrations.empty() ? 0 : migrations.back().version;
}

// The schema version of the database behind `c`: the last migration recorded; nullopt when
// it holds no trk ledger (no table trk.migrations).
std::optional<int> schema_version(Connection& c) {
    const Result has = c.query("SELECT to_regclass('trk.migrations') IS NOT NULL", "looking for the trk schema");
    if (has.text(0, 0) != "t") return std::nullopt;
    const Result r = c.query("SELECT coalesce(max(version), 0) FROM trk.migrations", "reading the schema version");
    return static_cast<int>(r.integer(0, 0));
}

void refuse_newer(Connection& c, int version) {
    if (version > latest_version()) {
        throw InputError(fmt::format("central ledger {}", c.where()),
                         fmt::format("ledger schema version {} is newer than this trk knows ({}); use a newer trk, "
                                     "the database was not changed",
                                     version, latest_version()));
    }
}

}  // namespace

std::unique_ptr<Ledger> open_central(const LedgerOptions& options) {
    checked_url(options.path);
    return std::make_unique<PgLedger>(options);
}

int migrate(Connection& c) {
    // A database of a newer trk is left as it is: nothing below runs.
    if (const auto version = schema_version(c)) refuse_newer(c, *version);
    {
        Transaction t(c);
        c.exec(migration_lock, "waiting for another trk migrating the central ledger");
        // PostGIS in public, where QGIS, ogr2ogr and psql find its functions (trk's
        // connections look in trk, then public): 001's CREATE EXTENSION would otherwise put
        // it in trk, the first schema of trk's search_path.
        c.exec(
            "CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public;"
            "CREATE SCHEMA IF NOT EXISTS trk;"
            "CREATE TABLE IF NOT EXISTS trk.migrations (version integer PRIMARY KEY, name text NOT NULL, "
            "applied timestamptz NOT NULL DEFAULT now());"
            "DO $$ BEGIN "
            "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'trk_site') THEN CREATE ROLE trk_site NOLOGIN; "
            "END IF; "
            "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'trk_report') THEN CREATE ROLE trk_report NOLOGIN; "
            "END IF; END $$;"
            // Every role that reads the ledger reads its version first.
            "GRANT USAGE ON SCHEMA trk TO trk_site, trk_report;"
            "GRANT SELECT ON trk.migrations TO trk_site, trk_report",
            "creating PostGIS, the schema trk and the roles trk_site and trk_report");
        t.commit();
    }
    int reached = 0;
    for (const Migration& m : central_migrations()) {
        Transaction t(c);
        c.exec(migration_lock, "waiting for another trk migrating the central ledger");
        // Another trk may have applied it while this one waited for the lock.
        const Result done = c.query("SELECT 1 FROM trk.migrations WHERE version = $1",
                                    Params().add(static_cast<std::int64_t>(m.version)), "reading the migrations");
        if (done.rows() == 0) {
            c.exec(m.sql, fmt::format("applying migration {}", m.name));
            c.query("INSERT INTO trk.migrations (version, name) VALUES ($1, $2)",
                    Params().add(static_cast<std::int64_t>(m.version)).add(m.name), "recording the migration");
        }
        t.commit();
        reached = m.version;
    }
    return reached;
}

PgLedger::PgLedger(const LedgerOptions& options)
    : c_(checked_url(options.path)), url_(options.path), site_(options.site) {
    const auto version = schema_version(c_);
    if (!version && !options.create) {
        throw InputError(fmt::format("central ledger {}", c_.where()),
                         fmt::format("holds no trk ledger (no schema trk); create one with "
                                     "'trk ledger init --central --ledger {}'",
                                     url_));
    }
    if (version) refuse_newer(c_, *version);
    if (!version || *version < latest_version()) migrate(c_);
    // A mistyped --site must not read as a site with nothing to report.
    if (!site_.empty() && sites().empty()) {
        const std::string wanted = std::exchange(site_, std::string());
        throw NotFoundError(not_found_message("site", wanted, sites()));
    }
}

std::unique_ptr<Importer> PgLedger::importer() {
    throw UsageError(fmt::format(
        "{}: records enter a central ledger by 'trk ledger push' from a site's ledger, not by import", url_));
}

std::map<std::string, std::string> PgLedger::info() {
    // Every count narrowed to the site when there is one ($1 NULL: every site).
    const Result r = c_.query(
        "SELECT (SELECT coalesce(max(version), 0) FROM trk.migrations), "
        "(SELECT count(*) FROM trk.records WHERE $1::text IS NULL OR site = $1), "
        "(SELECT count(*) FROM trk.assets), (SELECT count(*) FROM trk.readers), "
        "(SELECT count(*) FROM trk.records WHERE asset IS NULL AND ($1::text IS NULL OR site = $1))",
        Params().add_optional(site_), "counting the ledger's contents");
    return {{"path", url_},
            {"schema_version", r.string(0, 0)},
            {"records", r.string(0, 1)},
            {"assets", r.string(0, 2)},
            {"readers", r.string(0, 3)},
            {"unresolved_records", r.string(0, 4)},
            {"sites", std::to_string(sites().size())}};
}

std::vector<std::string> PgLedger::sites() {
    // The sites registered, and those whose records are here (distinct sites of records by
    // skipping through the primary key: one index probe a site, not a scan).
    const Result r = c_.query(
        "WITH RECURSIVE s(site) AS (SELECT min(site) FROM trk.records UNION ALL "
        "SELECT (SELECT min(site) FROM trk.records WHERE site > s.site) FROM s WHERE s.site IS NOT NULL) "
        "SELECT name FROM (SELECT site AS name FROM s WHERE site IS NOT NULL UNION SELECT name FROM trk.sites) n "
        "WHERE $1::text IS NULL OR name = $1 ORDER BY name",
        Params().add_optional(site_), "listing the sites");
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.string(i, 0));
    return out;
}

}  // namespace track::pg
