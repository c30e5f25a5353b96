// A thin RAII over libpq (private to libtrack): a connection, results, parameters sent as
// text, COPY, and how PostgreSQL's failures become trk's errors. What the central ledger
// (ledger_pg*.cpp) and trk ledger push (central_push.cpp) share.
#pragma once

#include <cstdint>
#include <functional>
#include <libpq-fe.h>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace track::pg {

/// A query's parameters, sent as text (NULL when nullopt).
class Params {
public:
    Params& add(std::string_view text) {
        values_.emplace_back(std::string(text));
        return *this;
    }
    Params& add(std::int64_t value) { return add(std::to_string(value)); }
    Params& add_null() {
        values_.emplace_back(std::nullopt);
        return *this;
    }
    /// Text, or NULL when empty.
    Params& add_optional(std::string_view text) { return text.empty() ? add_null() : add(text); }
    /// bytea, as PostgreSQL's hex text (\x...).
    Params& add_bytes(const void* data, std::size_t size);
    [[nodiscard]] int size() const { return static_cast<int>(values_.size()); }
    /// Pointers for PQexecParams, valid while this object lives unchanged.
    [[nodiscard]] std::vector<const char*> pointers() const;

private:
    std::vector<std::optional<std::string>> values_;
};

/// A result, cleared on destruction.
class Result {
public:
    explicit Result(PGresult* r) : r_(r) {}
    Result(Result&& other) noexcept : r_(other.r_) { other.r_ = nullptr; }
    Result& operator=(Result&&) = delete;
    Result(const Result&) = delete;
    ~Result() { PQclear(r_); }

    [[nodiscard]] int rows() const { return PQntuples(r_); }
    [[nodiscard]] bool is_null(int row, int col) const { return PQgetisnull(r_, row, col) == 1; }
    [[nodiscard]] std::string_view text(int row, int col) const {
        return {PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col))};
    }
    [[nodiscard]] std::string string(int row, int col) const { return std::string(text(row, col)); }
    [[nodiscard]] std::int64_t integer(int row, int col) const;
    [[nodiscard]] double real(int row, int col) const;
    [[nodiscard]] std::optional<std::int64_t> optional_integer(int row, int col) const {
        return is_null(row, col) ? std::nullopt : std::optional<std::int64_t>(integer(row, col));
    }
    [[nodiscard]] std::optional<double> optional_real(int row, int col) const {
        return is_null(row, col) ? std::nullopt : std::optional<double>(real(row, col));
    }
    /// A bytea column (hex text form) decoded.
    [[nodiscard]] std::string bytes(int row, int col) const;
    [[nodiscard]] PGresult* get() const { return r_; }

private:
    PGresult* r_;
};

/// One connection to the server, closed on destruction. Every failure throws the track
/// error it calls for (see fail()), naming the server (host, port, database; never the
/// password) and what trk was `doing`.
class Connection {
public:
    /// Connects with libpq's connection string or URI `url` (its environment applies:
    /// PGHOST, PGPASSFILE, PGSSLMODE, ~/.pgpass). Sets application_name=trk, the time zone to
    /// UTC and search_path to trk. Throws DeviceError (69) when the server cannot be reached
    /// or refuses the login, with libpq's words and what to check.
    explicit Connection(const std::string& url);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Runs SQL text of trk's own (no parameters; several statements allowed).
    void exec(std::string_view sql, std::string_view doing);
    /// Runs one statement with parameters; returns its rows.
    Result query(const std::string& sql, const Params& params, std::string_view doing);
    /// Runs one statement without parameters; returns its rows.
    Result query(const std::string& sql, std::string_view doing) { return query(sql, Params(), doing); }

    /// COPY ... FROM STDIN: start, send data (text format, any size of chunk), end.
    void copy_begin(const std::string& sql, std::string_view doing);
    void copy_put(std::string_view data);
    void copy_end();

    /// "host:port/dbname" (or the socket directory), for messages.
    [[nodiscard]] const std::string& where() const { return where_; }
    [[nodiscard]] PGconn* get() const { return c_; }

    /// Throws the error `r` (a failed result; may be null) calls for: by SQLSTATE class,
    /// 08 (connection) and a lost connection BusyError (75, "run it again"), 28 (auth) and
    /// 42501 (insufficient privilege) DeviceError (69), 40/55P03/57014 (serialization,
    /// lock, cancel) BusyError (75), 23 (constraint) and 22 (data) InputError (65), else
    /// Error (70). The message carries the server's primary message and detail.
    [[noreturn]] void fail(PGresult* r, std::string_view doing);

private:
    PGconn* c_ = nullptr;
    std::string where_;
    std::string copying_;  ///< what the COPY in progress is doing, for messages
};

/// A transaction that rolls back unless committed.
class Transaction {
public:
    explicit Transaction(Connection& c) : c_(c) { c_.exec("BEGIN", "starting a transaction"); }
    ~Transaction();
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

/// Streams the rows of a query through a server-side cursor, `batch` rows a round trip, so
/// that a table of any size is read in bounded memory: calls `each` with the batch and the
/// row's index in it, row by row, until the rows end or `each` returns false. Runs in the
/// connection's transaction when one is open, else in a REPEATABLE READ one of its own (one
/// snapshot throughout). `each` may run other queries on `c` (not COMMIT or ROLLBACK).
void for_each_row(Connection& c, const std::string& sql, const Params& params, std::string_view doing,
                  const std::function<bool(const Result& rows, int row)>& each, int batch = 5000);

/// Text quoted for COPY's text format (backslash, tab, newline, carriage return escaped),
/// appended to `out`.
void append_copy_text(std::string& out, std::string_view text);

/// bytea in COPY's text format (\\x then hex), appended to `out`.
void append_copy_bytes(std::string& out, const void* data, std::size_t size);

}  // namespace track::pg
