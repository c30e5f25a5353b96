// Opening the SQLite ledger: the file's checks, the pragmas, the schema migrations, and the
// ledger's summary.
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "ledger_pg.hpp"
#include "ledger_sqlite.hpp"
#include "track/error.hpp"

namespace track {

namespace sqlite {

namespace {

// Checks the path before SQLite sees it: a missing ledger is a message saying how to
// make one, a new one is created with its mode (and its folder).
const std::string& prepare_file(const LedgerOptions& o) {
    struct stat st {};
    if (::stat(o.path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) throw UsageError(fmt::format("{}: is a directory, not a ledger file", o.path));
        // SQLite would take an empty file for a new database and make it a ledger: an empty
        // file here is more likely a ledger cut short (a crash, a full disk, a bad copy),
        // which must not be replaced silently. Not so when a -wal beside it holds the pages.
        struct stat wal {};
        const bool wal_holds_pages = ::stat((o.path + "-wal").c_str(), &wal) == 0 && wal.st_size > 0;
        if (S_ISREG(st.st_mode) && st.st_size == 0 && !wal_holds_pages) {
            throw InputError(o.path,
                             "the file is empty (0 bytes), not a trk ledger; the file was not changed "
                             "(a ledger cut short? restore it from a backup, or remove the file and run "
                             "'trk ledger init')");
        }
        return o.path;
    }
    if (!o.create) {
        throw MissingInputError(
            fmt::format("{}: no ledger here; create one with 'trk ledger init' "
                        "(or name another with --ledger or $TRK_LEDGER)",
                        o.path));
    }
    create_private_file(o.path, o.mode);
    return o.path;
}

// "0x47504B47 ('GPKG')": an application_id as a person can look it up.
std::string application_text(std::int64_t id) {
    std::string ascii;
    for (int shift = 24; shift >= 0; shift -= 8) {
        const auto c = static_cast<char>((id >> shift) & 0xFF);
        if (c < 0x20 || c > 0x7E) return fmt::format("0x{:08X}", static_cast<std::uint32_t>(id));
        ascii += c;
    }
    return fmt::format("0x{:08X} '{}'", static_cast<std::uint32_t>(id), ascii);
}

// Throws InputError unless the database behind `c` is a trk ledger (marked with trk's
// application_id, or with trk's tables and no mark: from a trk before the mark) or an empty
// database (no schema at all) that is to become one.
void check_is_ledger(Connection& c, std::int64_t version, std::int64_t marked) {
    constexpr std::string_view not_ledger = "an SQLite database, but not a trk ledger";
    if (marked == application_id) return;
    if (marked != 0) {
        throw InputError(c.path(), fmt::format("{} (its application_id is {}: another program's file); the file was "
                                               "not changed",
                                               not_ledger, application_text(marked)));
    }
    // The tables of trk's first schema: what every ledger of an older trk has.
    const auto trk_tables = c.integer(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('assets', 'links', 'readers', "
        "'reader_antennas', 'records', 'positions')");
    const auto tables = c.integer("SELECT count(*) FROM sqlite_schema");
    if (version == 0 && tables == 0) return;
    if (version > 0 && trk_tables == 6) return;
    throw InputError(c.path(), fmt::format("{}; the file was not changed", not_ledger));
}

}  // namespace

SqliteLedger::SqliteLedger(const LedgerOptions& options) : c_(prepare_file(options), options.create) {
    sqlite3_busy_timeout(c_.db(), static_cast<int>(options.busy_timeout.count()));
    // Read before anything writes: a file from a newer trk, or someone else's
    // database, must be left exactly as it is.
    const auto version = c_.integer("PRAGMA user_version");
    const auto marked = c_.integer("PRAGMA application_id");
    const auto& migrations = ledger_migrations();
    const int latest = migrations.empty() ? 0 : migrations.back().version;
    // Whose the file is comes first: a GeoPackage's user_version (10200) is no schema
    // version of trk's.
    check_is_ledger(c_, version, marked);
    if (version > latest) {
        throw InputError(c_.path(), fmt::format("ledger schema version {} is newer than this trk knows ({}); "
                                                "use a newer trk, the file was not changed",
                                                version, latest));
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
    // A ledger of a trk from before the mark (its tables, application_id 0) gets it now.
    if (marked == 0 && version == latest && !c_.read_only()) {
        Transaction t(c_);
        c_.exec(fmt::format("PRAGMA application_id = {}", application_id), "marking the ledger");
        t.commit();
    }
    // trk ledger init --site NAME: the name the file's records are pushed under, kept once.
    if (options.create && !options.site.empty()) keep_site_name(options.site);
}

void SqliteLedger::keep_site_name(const std::string& site) {
    if (const std::string problem = id_problem(site); !problem.empty()) {
        throw UsageError(fmt::format("--site: the site name {}", problem));
    }
    const std::optional<std::string> kept = setting("site");
    if (kept == site) return;
    if (kept) {
        throw UsageError(
            fmt::format("{}: this ledger is site '{}' already, not '{}' (a site's name does not change: "
                        "its records are kept centrally under it)",
                        c_.path(), *kept, site));
    }
    put_setting("site", site);
}

std::unique_ptr<Importer> SqliteLedger::importer() { return make_importer(c_); }

std::map<std::string, std::string> SqliteLedger::info() {
    return {{"path", c_.path()},
            {"schema_version", std::to_string(c_.integer("PRAGMA user_version"))},
            {"records", std::to_string(c_.integer("SELECT count(*) FROM records"))},
            {"assets", std::to_string(c_.integer("SELECT count(*) FROM assets"))},
            {"readers", std::to_string(c_.integer("SELECT count(*) FROM readers"))},
            {"unresolved_records", std::to_string(c_.integer("SELECT count(*) FROM records WHERE asset IS NULL"))}};
}

}  // namespace sqlite

std::unique_ptr<Ledger> open_ledger(const LedgerOptions& options) {
    if (is_central_url(options.path)) return pg::open_central(options);
    return std::make_unique<sqlite::SqliteLedger>(options);
}

}  // namespace track
