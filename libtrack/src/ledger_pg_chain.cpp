// The central ledger's tamper evidence: every site's hash chain, carried over unchanged by
// push and walked here as the site's file walks its own (ledger_sqlite_chain.cpp), each
// site's head, and the signed checkpoints of each site's chain.
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ledger_pg.hpp"
#include "ledger_sqlite.hpp"
#include "track/error.hpp"
#include "track/sha256.hpp"

namespace track::pg {

namespace {

// A chain, its head and its seqs are a site's: a question about one asked of every site.
[[noreturn]] void name_the_site(const std::vector<std::string>& sites) {
    if (sites.empty()) throw UsageError("name the site with --site (the central ledger holds no site yet)");
    throw UsageError(fmt::format("name the site with --site (the central ledger holds {} site{}: {})", sites.size(),
                                 sites.size() == 1 ? "" : "s", fmt::join(sites, ", ")));
}

}  // namespace

Verification PgLedger::verify(const std::function<void(std::uint64_t)>& on_record) {
    Verification v;
    // PostgreSQL has no counterpart of SQLite's PRAGMA integrity_check: the server checks its
    // pages as it reads them (data_checksums when initdb enabled them), and a full check of
    // the tables and indexes is the amcheck extension's (verify_heapam('trk.records') and
    // bt_index_check on its indexes), run by the database's administrator, who may install
    // extensions; trk's roles may not. What trk checks is what it wrote: the chains.
    v.integrity = "ok";
    // One snapshot for every site, so that records pushed meanwhile do not shift the walk.
    Transaction snapshot(c_);
    c_.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", "verifying the chains");
    const std::vector<std::string> names = site_.empty() ? sites() : std::vector<std::string>{site_};
    for (const std::string& site : names) {
        std::uint64_t checked = 0;
        Digest head{};
        Params params;
        params.add(site);
        // Streamed in batches: a site of millions of records is walked in bounded memory.
        for_each_row(c_, "SELECT seq, json, hash FROM trk.records WHERE site = $1 ORDER BY seq", params,
                     fmt::format("verifying the chain of site {}", site), [&](const Result& rows, int row) {
                         Sha256 chain;
                         chain.update(head.data(), head.size());
                         chain.update(rows.text(row, 1));
                         const Digest expected = chain.finish();
                         const std::string stored = rows.bytes(row, 2);
                         ++checked;
                         ++v.records;
                         if (on_record) on_record(v.records);
                         if (stored.size() != expected.size() ||
                             std::memcmp(stored.data(), expected.data(), expected.size()) != 0) {
                             v.first_broken = rows.integer(row, 0);
                             v.broken_record = rows.string(row, 1);
                             v.broken_site = site;
                             return false;
                         }
                         head = expected;
                         return true;
                     });
        v.sites.emplace_back(site, checked);
        if (v.first_broken) break;
    }
    snapshot.commit();
    return v;
}

std::optional<ChainLink> PgLedger::head() {
    if (site_.empty()) name_the_site(sites());
    // Through trk.site_head: a site's role reads its head without reading records.
    Params params;
    params.add(site_);
    const Result r = c_.query("SELECT seq, hash FROM trk.site_head($1)", params, "reading the chain's head");
    if (r.rows() == 0) return std::nullopt;
    return ChainLink{r.integer(0, 0), sqlite::blob_array<32>(r.bytes(0, 1))};
}

std::optional<Digest> PgLedger::record_hash(std::int64_t seq) {
    if (site_.empty()) name_the_site(sites());
    Params params;
    params.add(site_).add(seq);
    const Result r = c_.query("SELECT trk.site_record_hash($1, $2)", params, "reading a record's hash");
    if (r.rows() == 0 || r.is_null(0, 0)) return std::nullopt;
    return sqlite::blob_array<32>(r.bytes(0, 0));
}

std::uint64_t PgLedger::records_after(std::int64_t seq) {
    if (site_.empty()) name_the_site(sites());
    Params params;
    params.add(site_).add(seq);
    const Result r =
        c_.query("SELECT count(*) FROM trk.records WHERE site = $1 AND seq > $2", params, "counting records");
    return r.rows() == 0 ? 0 : static_cast<std::uint64_t>(r.integer(0, 0));
}

void PgLedger::add_checkpoint(const Checkpoint& k) {
    if (site_.empty()) name_the_site(sites());
    Params params;
    params.add(site_).add(k.seq).add_bytes(k.hash.data(), k.hash.size()).add(static_cast<std::int64_t>(k.time));
    params.add_bytes(k.key.data(), k.key.size()).add_bytes(k.signature.data(), k.signature.size());
    c_.query(
        "INSERT INTO trk.checkpoints (site, seq, hash, time, public_key, signature) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        params, "keeping a checkpoint");
}

std::vector<Checkpoint> PgLedger::checkpoints() {
    // Every site's when not narrowed: each is checked against its own site's chain.
    Params params;
    std::string sql = "SELECT seq, hash, time, public_key, signature FROM trk.checkpoints";
    if (!site_.empty()) {
        params.add(site_);
        sql += " WHERE site = $1";
    }
    const Result r = c_.query(sql + " ORDER BY seq, id", params, "reading checkpoints");
    std::vector<Checkpoint> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        out.push_back({r.integer(i, 0), sqlite::blob_array<32>(r.bytes(i, 1)), r.integer(i, 2),
                       sqlite::blob_array<32>(r.bytes(i, 3)), sqlite::blob_array<64>(r.bytes(i, 4))});
    }
    return out;
}

}  // namespace track::pg
