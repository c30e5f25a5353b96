// libpq under trk's errors (see pg.hpp).
#include "pg.hpp"

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "track/error.hpp"

namespace track::pg {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

// libpq's messages end with a newline (and sometimes carry several lines): one line each.
std::string one_line(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '\n') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else {
            out += c;
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

Params& Params::add_bytes(const void* data, std::size_t size) {
    std::string text = "\\x";
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
        text += hex_digits[p[i] >> 4];
        text += hex_digits[p[i] & 15];
    }
    values_.emplace_back(std::move(text));
    return *this;
}

std::vector<const char*> Params::pointers() const {
    std::vector<const char*> out;
    out.reserve(values_.size());
    for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
    return out;
}

std::int64_t Result::integer(int row, int col) const {
    const std::string_view t = text(row, col);
    std::int64_t value = 0;
    std::from_chars(t.data(), t.data() + t.size(), value);
    return value;
}

double Result::real(int row, int col) const {
    // PostgreSQL writes doubles with as many digits as round-trip (extra_float_digits).
    return std::strtod(PQgetvalue(r_, row, col), nullptr);
}

std::string Result::bytes(int row, int col) const {
    const std::string_view t = text(row, col);
    std::string out;
    if (t.size() < 2 || t[0] != '\\' || t[1] != 'x') return out;
    out.reserve((t.size() - 2) / 2);
    for (std::size_t i = 2; i + 1 < t.size(); i += 2) {
        const int hi = hex_value(t[i]), lo = hex_value(t[i + 1]);
        if (hi < 0 || lo < 0) break;
        out += static_cast<char>(hi * 16 + lo);
    }
    return out;
}

Connection::Connection(const std::string& url) {
    // Options trk needs whatever the URL says: a name in pg_stat_activity, UTC, and the
    // schema. They go as a second set of keywords, so the URL's own stay as given.
    const char* keywords[] = {"dbname", "application_name", "options", "connect_timeout", nullptr};
    const char* values[] = {url.c_str(), "trk", "-c TimeZone=UTC -c search_path=trk,public -c extra_float_digits=3",
                            "10", nullptr};
    c_ = PQconnectdbParams(keywords, values, 1);
    if (c_ == nullptr) throw DeviceError("the central ledger: out of memory connecting");
    const char* host = PQhost(c_);
    const char* port = PQport(c_);
    const char* db = PQdb(c_);
    where_ = fmt::format("{}:{}/{}", host ? host : "", port ? port : "", db ? db : "");
    if (PQstatus(c_) != CONNECTION_OK) {
        const std::string why = one_line(PQerrorMessage(c_));
        // The destructor does not run for a constructor that throws: the failed
        // connection's memory is freed here.
        PQfinish(c_);
        c_ = nullptr;
        const bool auth = why.find("password") != std::string::npos ||
                          why.find("authentication") != std::string::npos || why.find("role") != std::string::npos;
        throw DeviceError(fmt::format(
            "central ledger {}: cannot connect: {} ({})", where_, why,
            auth ? "check the user and its password in ~/.pgpass or PGPASSFILE, and the server's pg_hba.conf"
                 : "is the server running and reachable? check the host, the port and sslmode"));
    }
}

Connection::~Connection() { PQfinish(c_); }

void Connection::fail(PGresult* r, std::string_view doing) {
    const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    const std::string sqlstate = state != nullptr ? state : "";
    std::string why;
    if (r != nullptr && PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) != nullptr) {
        why = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
        if (const char* detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL)) why += fmt::format(" ({})", detail);
        if (const char* hint = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT)) why += fmt::format("; hint: {}", hint);
    } else {
        why = one_line(PQerrorMessage(c_));
    }
    PQclear(r);
    const std::string message = fmt::format("central ledger {}: {}: {}", where_, doing, why);
    // No SQLSTATE: the server said nothing, libpq failed on its own side of the wire (a COPY
    // whose server went away fails in PQputCopyData with "server closed the connection
    // unexpectedly" while PQstatus still says OK: it only turns bad once libpq reads the EOF).
    if (PQstatus(c_) != CONNECTION_OK || sqlstate.starts_with("08") || sqlstate.empty()) {
        throw BusyError(message + " (the connection was lost: what was committed is kept; run it again)");
    }
    if (sqlstate.starts_with("28") || sqlstate == "42501") throw DeviceError(message);
    if (sqlstate.starts_with("40") || sqlstate == "55P03" || sqlstate == "57014" || sqlstate.starts_with("53") ||
        sqlstate.starts_with("57P")) {
        throw BusyError(message + " (run it again)");
    }
    if (sqlstate.starts_with("23") || sqlstate.starts_with("22")) throw InputError("", message);
    throw Error(ExitCode::software, message);
}

void Connection::exec(std::string_view sql, std::string_view doing) {
    const std::string text(sql);
    PGresult* r = PQexec(c_, text.c_str());
    const auto status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(r, doing);
    PQclear(r);
}

Result Connection::query(const std::string& sql, const Params& params, std::string_view doing) {
    const std::vector<const char*> values = params.pointers();
    PGresult* r = PQexecParams(c_, sql.c_str(), params.size(), nullptr, values.data(), nullptr, nullptr, 0);
    const auto status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(r, doing);
    return Result(r);
}

void Connection::copy_begin(const std::string& sql, std::string_view doing) {
    copying_ = doing;
    PGresult* r = PQexec(c_, sql.c_str());
    if (PQresultStatus(r) != PGRES_COPY_IN) fail(r, doing);
    PQclear(r);
}

void Connection::copy_put(std::string_view data) {
    if (PQputCopyData(c_, data.data(), static_cast<int>(data.size())) != 1) fail(nullptr, copying_);
}

void Connection::copy_end() {
    if (PQputCopyEnd(c_, nullptr) != 1) fail(nullptr, copying_);
    PGresult* r = PQgetResult(c_);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        // Drain what follows the failed result, so the connection is usable for ROLLBACK.
        while (PGresult* more = PQgetResult(c_)) PQclear(more);
        fail(r, copying_);
    }
    PQclear(r);
    while (PGresult* more = PQgetResult(c_)) PQclear(more);
}

Transaction::~Transaction() {
    if (open_ && PQstatus(c_.get()) == CONNECTION_OK) PQclear(PQexec(c_.get(), "ROLLBACK"));
}

void for_each_row(Connection& c, const std::string& sql, const Params& params, std::string_view doing,
                  const std::function<bool(const Result& rows, int row)>& each, int batch) {
    std::optional<Transaction> own;
    if (PQtransactionStatus(c.get()) == PQTRANS_IDLE) {
        own.emplace(c);
        c.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", doing);
    }
    // A name of its own, so that `each` may stream another query meanwhile.
    static std::atomic<std::uint64_t> cursors = 0;
    const std::string cursor = fmt::format("trk_rows_{}", ++cursors);
    c.query(fmt::format("DECLARE {} NO SCROLL CURSOR FOR {}", cursor, sql), params, doing);
    const std::string fetch = fmt::format("FETCH FORWARD {} FROM {}", batch, cursor);
    for (bool more = true; more;) {
        const Result rows = c.query(fetch, doing);
        for (int row = 0; row < rows.rows() && more; ++row) more = each(rows, row);
        more = more && rows.rows() == batch;
    }
    c.exec(fmt::format("CLOSE {}", cursor), doing);
    if (own) own->commit();
}

void append_copy_text(std::string& out, std::string_view text) {
    // Runs without a character to escape (nearly all of a record's JSON) are appended whole.
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c != '\\' && c != '\t' && c != '\n' && c != '\r') continue;
        out.append(text.data() + start, i - start);
        out += '\\';
        out += c == '\\' ? '\\' : c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
        start = i + 1;
    }
    out.append(text.data() + start, text.size() - start);
}

void append_copy_bytes(std::string& out, const void* data, std::size_t size) {
    out += "\\\\x";
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
        out += hex_digits[p[i] >> 4];
        out += hex_digits[p[i] & 15];
    }
}

}  // namespace track::pg
