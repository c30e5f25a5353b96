// What the central ledger's reports read: sightings (for audits), last positions (where),
// an asset's records (history), and tags linked to no asset; the same answers as the site's
// file gives (ledger_sqlite_queries.cpp) for the same records, of one site or of every site.
// Text is ordered with COLLATE "C" (bytes, as SQLite's BINARY), whatever the database's locale.
#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

#include "ledger_pg.hpp"
#include "ledger_sqlite.hpp"
#include "track/json.hpp"

namespace track::pg {

namespace {

// " AND <column> = $N" when the ledger is narrowed to `site` (added to `params` as $N), else "".
std::string site_clause(const std::string& site, std::string_view column, Params& params) {
    if (site.empty()) return {};
    params.add(site);
    return fmt::format(" AND {} = ${}", column, params.size());
}

// The strings of a JSON array (a fix's zones); none when `text` is not one.
std::vector<std::string> string_array(simdjson::dom::parser& parser, std::string_view text) {
    std::vector<std::string> out;
    simdjson::dom::array list;
    if (text.empty() || parser.parse(text).get_array().get(list) != simdjson::SUCCESS) return out;
    for (const auto item : list) {
        std::string_view s;
        if (item.get_string().get(s) == simdjson::SUCCESS) out.emplace_back(s);
    }
    return out;
}

// A record's JSON with "site":NAME as its last member (a multi-site history names the site
// of each record).
std::string with_site(std::string_view json, std::string_view site) {
    fmt::memory_buffer out;
    const std::size_t end = json.find_last_of('}');
    const std::string_view head = json.substr(0, end == std::string_view::npos ? json.size() : end);
    out.append(head);
    const std::size_t last = head.find_last_not_of(" \t\r\n");
    if (last != std::string_view::npos && head[last] != '{') out.push_back(',');
    fmt::format_to(std::back_inserter(out), "\"site\":");
    append_json_string(out, site);
    out.push_back('}');
    return fmt::to_string(out);
}

}  // namespace

void PgLedger::sightings(Millis from, Millis to, const std::function<void(const Sighting&)>& each) {
    // The stored key starts with the time, as in the site's file: a range of keys is a range
    // of times, found on the index of (site, key) when narrowed.
    const auto low = sqlite::time_key(from), high = sqlite::time_key(to + 1);
    Params params;
    params.add_bytes(low.data(), low.size()).add_bytes(high.data(), high.size());
    const std::string site = site_clause(site_, "r.site", params);
    const std::string sql =
        "SELECT r.type, r.time, r.asset, r.subject, x.j ->> 'uri', x.j ->> 'reader', COALESCE(ra.zone, rd.zone), "
        "x.j -> 'zones', r.site "
        "FROM trk.records r CROSS JOIN LATERAL (SELECT r.json::jsonb AS j) x "
        "LEFT JOIN trk.readers rd ON r.type = 'read' AND rd.id = x.j ->> 'reader' "
        "LEFT JOIN trk.reader_antennas ra ON r.type = 'read' AND ra.reader = rd.id "
        "  AND to_jsonb(ra.antenna) = x.j -> 'antenna' "
        "WHERE r.key >= $1 AND r.key < $2 AND r.type IN ('fix', 'read')" +
        site + " ORDER BY r.key, r.site COLLATE \"C\"";
    Sighting x;
    for_each_row(c_, sql, params, "reading sightings", [&](const Result& rows, int row) {
        x.type = rows.string(row, 0);
        x.time = rows.integer(row, 1);
        x.asset = rows.string(row, 2);
        x.epc = x.type == "read" ? rows.string(row, 3) : std::string();
        x.uri = rows.string(row, 4);
        x.reader = rows.string(row, 5);
        x.zones.clear();
        if (x.type == "read") {
            if (!rows.text(row, 6).empty()) x.zones.push_back(rows.string(row, 6));
        } else {
            x.zones = string_array(json_parser_, rows.text(row, 7));
        }
        each(x);
        return true;
    });
}

std::vector<Position> PgLedger::where(const WhereQuery& q) {
    // Each asset's latest position of every site (or of the one), from the index of
    // (asset, time); the latest time wins, then the first site by name.
    Params base;
    base.add_null();
    const std::string site = site_clause(site_, "site", base);
    const std::string sql =
        "SELECT p.asset, p.time, p.type, COALESCE(p.lat, r.lat), COALESCE(p.lon, r.lon), p.reader, p.antenna, "
        "CASE WHEN p.type = 'read' THEN COALESCE(ra.zone, r.zone) ELSE rec.json::jsonb -> 'zones' ->> 0 END, "
        "rec.json::jsonb ->> 'src', p.site "
        "FROM (SELECT DISTINCT ON (asset) site, asset, seq, time, type, lat, lon, reader, antenna "
        "      FROM trk.positions WHERE ($1::text IS NULL OR asset = $1)" +
        site +
        "      ORDER BY asset, time DESC, site COLLATE \"C\") p "
        "JOIN trk.records rec ON rec.site = p.site AND rec.seq = p.seq "
        "LEFT JOIN trk.readers r ON r.id = p.reader "
        "LEFT JOIN trk.reader_antennas ra ON ra.reader = p.reader AND ra.antenna = p.antenna "
        "ORDER BY p.asset COLLATE \"C\"";
    std::vector<Position> out;
    const auto collect = [&](const Params& params) {
        const Result rows = c_.query(sql, params, "reading positions");
        for (int i = 0; i < rows.rows(); ++i) {
            Position p{rows.string(i, 0),        rows.integer(i, 1), rows.string(i, 2), rows.optional_real(i, 3),
                       rows.optional_real(i, 4), rows.string(i, 7),  rows.string(i, 5), std::nullopt,
                       rows.string(i, 8),        rows.string(i, 9)};
            if (const auto a = rows.optional_integer(i, 6)) p.antenna = static_cast<int>(*a);
            if (!q.zone.empty() && p.zone != q.zone) continue;
            if (q.older_than && p.time >= *q.older_than) continue;
            out.push_back(std::move(p));
        }
    };
    if (q.assets.empty()) {
        collect(base);
    } else {
        for (const std::string& a : q.assets) {
            Params params;
            params.add(a);
            if (!site_.empty()) params.add(site_);
            collect(params);
        }
    }
    return out;
}

void PgLedger::history(const HistoryQuery& q, const std::function<void(std::string_view)>& each) {
    Params params;
    params.add(q.asset)
        .add(static_cast<std::int64_t>(q.since.value_or(INT64_MIN)))
        .add(static_cast<std::int64_t>(q.until.value_or(INT64_MAX)));
    const std::string sql = "SELECT type, json, site FROM trk.records WHERE asset = $1 AND time >= $2 AND time <= $3" +
                            site_clause(site_, "site", params) + " ORDER BY time, site COLLATE \"C\", seq";
    const bool sites = multi_site();
    for_each_row(c_, sql, params, "reading an asset's history", [&](const Result& rows, int row) {
        if (!q.types.empty() && std::find(q.types.begin(), q.types.end(), rows.text(row, 0)) == q.types.end()) {
            return true;
        }
        if (sites) {
            each(with_site(rows.text(row, 1), rows.text(row, 2)));
        } else {
            each(rows.text(row, 1));
        }
        return true;
    });
}

std::vector<UnknownTag> PgLedger::unknown_tags() {
    // Reads with no asset, found on the index of (asset, time) (asset IS NULL), streamed:
    // a tag read all month long is many rows.
    Params params;
    const std::string sql =
        "SELECT subject, json::jsonb ->> 'uri', time, json::jsonb ->> 'reader' FROM trk.records "
        "WHERE asset IS NULL AND type = 'read'" +
        site_clause(site_, "site", params) + " ORDER BY subject COLLATE \"C\", time, site COLLATE \"C\", seq";
    std::vector<UnknownTag> out;
    for_each_row(c_, sql, params, "reading unknown tags", [&](const Result& rows, int row) {
        const std::string_view epc = rows.text(row, 0);
        if (out.empty() || out.back().epc != epc) {
            out.push_back({std::string(epc), rows.string(row, 1), 0, rows.integer(row, 2), 0, {}});
        }
        UnknownTag& tag = out.back();
        ++tag.reads;
        tag.last = rows.integer(row, 2);
        tag.reader = rows.string(row, 3);
        return true;
    });
    return out;
}

}  // namespace track::pg
