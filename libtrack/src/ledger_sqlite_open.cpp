// Opening the SQLite ledger: the file's checks, the pragmas, the schema migrations, and the
// ledger's summary.
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

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

}  // namespace

SqliteLedger::SqliteLedger(const LedgerOptions& options) : c_(prepare_file(options), options.create) {
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
    return std::make_unique<sqlite::SqliteLedger>(options);
}

}  // namespace track
