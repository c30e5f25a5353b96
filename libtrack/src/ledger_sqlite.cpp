// The SQLite ledger's connection (see ledger_sqlite.hpp): opening, running our own SQL, and
// mapping SQLite's failures to trk's errors.
#include "ledger_sqlite.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "track/error.hpp"
#include "track/names.hpp"

namespace track {

std::string_view to_string(LinkKind kind) noexcept {
    switch (kind) {
        case LinkKind::epc: return "epc";
        case LinkKind::uri: return "uri";
        case LinkKind::device: return "device";
    }
    return "?";
}

std::string_view to_string(NameKind kind) noexcept {
    switch (kind) {
        case NameKind::asset: return "asset";
        case NameKind::reader: return "reader";
        case NameKind::zone: return "zone";
        case NameKind::fence: return "fence";
    }
    return "?";
}

std::string id_problem(std::string_view id) {
    if (id.empty()) return "is empty";
    if (!simdjson::validate_utf8(id.data(), id.size())) return "is not valid UTF-8";
    for (std::size_t i = 0; i < id.size(); ++i) {
        // C0 controls and DEL are one byte; C1 controls (U+0080..U+009F) are 0xC2 0x80..0x9F.
        const auto byte = static_cast<unsigned char>(id[i]);
        const auto next = i + 1 < id.size() ? static_cast<unsigned char>(id[i + 1]) : 0;
        const bool c0 = byte < 0x20 || byte == 0x7F, c1 = byte == 0xC2 && next >= 0x80 && next <= 0x9F;
        if (c0 || c1) return fmt::format("holds a control character: U+{:04X} at byte {}", c0 ? byte : next, i + 1);
    }
    return {};
}

void require_known(Ledger& ledger, NameKind kind, const std::string& name) {
    if (ledger.knows(kind, name)) return;
    throw NotFoundError(not_found_message(to_string(kind), name, ledger.names(kind)));
}

void throw_unknown_link(Ledger& ledger, const Link& link) {
    std::vector<std::string> linked;
    for (const Link& l : ledger.links(link.asset)) {
        if (l.kind == link.kind) linked.push_back(l.value);
    }
    throw NotFoundError(
        not_found_message(fmt::format("{} link of asset {}", to_string(link.kind), link.asset), link.value, linked));
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

namespace sqlite {

namespace {

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

// `path` as an SQLite URI ("file:" and the path with the characters URIs reserve escaped).
std::string file_uri(const std::string& path, std::string_view query) {
    std::string uri = "file:";
    for (const char c : path) {
        if (c == '%' || c == '?' || c == '#') uri += fmt::format("%{:02X}", static_cast<unsigned char>(c));
        else uri += c;
    }
    return uri + "?" + std::string(query);
}

}  // namespace

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

void create_private_file(const std::string& path, int mode) {
    // mkdir -p of the folder, private to the user like the file.
    for (std::size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
        const std::string dir = path.substr(0, slash);
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
            throw IoError(fmt::format("{}: cannot create folder {}: {}", path, dir, std::strerror(errno)));
        }
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode));
    if (fd < 0) throw IoError(fmt::format("{}: cannot create: {}", path, std::strerror(errno)));
    ::fchmod(fd, static_cast<mode_t>(mode));  // exactly the mode asked, whatever the umask
    ::close(fd);
}

Connection::Connection(const std::string& path, bool create) : path_(path) {
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

void Connection::exec(std::string_view sql, std::string_view doing) {
    const std::string text(sql);
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(db_, rc, path_, doing);
}

std::int64_t Connection::integer(std::string_view sql) {
    Statement s(db_, path_, sql);
    return s.step() ? s.integer(0) : 0;
}

bool Connection::readable() {
    return sqlite3_exec(db_, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr) == SQLITE_OK;
}

}  // namespace sqlite

}  // namespace track
