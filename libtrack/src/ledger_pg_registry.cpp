// The central ledger's registry: assets, the links that name them, readers, and fences (with
// their PostGIS geometry), answering as the SQLite ledger's (ledger_sqlite_registry.cpp) does.
// Names sort by bytes (COLLATE "C"), as SQLite sorts them.
#include <fmt/format.h>

#include "ledger_pg.hpp"
#include "ledger_sqlite.hpp"
#include "track/error.hpp"
#include "track/names.hpp"

namespace track::pg {

namespace {

using sqlite::parse_attrs;
using sqlite::require_id;
using sqlite::strings_json;

constexpr std::string_view asset_columns = "SELECT id, name, kind, home, attrs, created, retired FROM trk.assets ";

// The asset row `i` of (id, name, kind, home, attrs, created, retired) holds.
Asset asset_of(const Result& r, int i) {
    Asset a;
    a.id = r.string(i, 0);
    a.name = r.string(i, 1);
    a.kind = r.string(i, 2);
    a.home = r.string(i, 3);
    a.attrs = parse_attrs(r.text(i, 4));
    a.created = r.integer(i, 5);
    if (const auto retired = r.optional_integer(i, 6)) a.retired = *retired;
    return a;
}

// Rows of (kind, value, asset, since).
std::vector<Link> links_of(const Result& r) {
    std::vector<Link> out;
    for (int i = 0; i < r.rows(); ++i) {
        const std::string_view kind = r.text(i, 0);
        out.push_back({kind == "device" ? LinkKind::device
                       : kind == "uri"  ? LinkKind::uri
                                        : LinkKind::epc,
                       r.string(i, 1), r.string(i, 2), r.integer(i, 3)});
    }
    return out;
}

Params& add_asset_values(Params& p, const Asset& a) {
    return p.add(a.id)
        .add_optional(a.name)
        .add_optional(a.kind)
        .add_optional(a.home)
        .add(strings_json(a.attrs))
        .add(static_cast<std::int64_t>(a.created));
}

std::int64_t count(Connection& c, const std::string& sql) { return c.query(sql, "counting").integer(0, 0); }

Params& add_optional_real(Params& p, const std::optional<double>& value) {
    return value ? p.add(fmt::format("{}", *value)) : p.add_null();
}

}  // namespace

void PgLedger::add_asset(const Asset& a) {
    require_id("an asset", a.id);
    Params p;
    const Result r = c_.query(
        "INSERT INTO trk.assets (id, name, kind, home, attrs, created) VALUES ($1, $2, $3, $4, "
        "$5, $6) ON CONFLICT (id) DO NOTHING RETURNING 1",
        add_asset_values(p, a), "adding the asset");
    if (r.rows() == 0) throw UsageError(fmt::format("asset {} exists already", a.id));
}

std::uint64_t PgLedger::upsert_assets(const std::vector<Asset>& assets) {
    for (const Asset& a : assets) require_id("an asset", a.id);
    Transaction t(c_);
    std::uint64_t added = 0;
    for (const Asset& a : assets) {
        // xmax is 0 for a row this statement inserted, not for one it updated.
        Params p;
        const Result r = c_.query(
            "INSERT INTO trk.assets (id, name, kind, home, attrs, created) VALUES ($1, $2, $3, $4, $5, $6) "
            "ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, home = excluded.home, "
            "attrs = excluded.attrs RETURNING xmax = 0",
            add_asset_values(p, a), "adding assets");
        if (r.text(0, 0) == "t") ++added;
    }
    t.commit();
    return added;
}

void PgLedger::link(const Link& link) {
    if (link.kind == LinkKind::device) require_id("a device", link.value);
    Transaction t(c_);
    if (!asset(link.asset)) {
        throw NotFoundError(fmt::format("{}; add it with 'trk asset add {}'",
                                        not_found_message("asset", link.asset, names(NameKind::asset)), link.asset));
    }
    const std::string kind(to_string(link.kind));
    // Locked, so that a link added at the same time by another trk is seen, not doubled.
    const Result existing = c_.query("SELECT asset FROM trk.links WHERE kind = $1 AND value = $2 FOR UPDATE",
                                     Params().add(kind).add(link.value), "reading the links");
    if (existing.rows() > 0) {
        const std::string owner = existing.string(0, 0);
        if (owner == link.asset) return;  // linked already: nothing to do
        throw UsageError(fmt::format("{} {} is linked to asset {} already", kind, link.value, owner));
    }
    c_.query("INSERT INTO trk.links (kind, value, asset, since) VALUES ($1, $2, $3, $4)",
             Params().add(kind).add(link.value).add(link.asset).add(static_cast<std::int64_t>(link.since)),
             "adding the link");
    // Records stored before the link, unresolved, now belong to the asset (every site's).
    c_.query(link.kind == LinkKind::device
                 ? "UPDATE trk.records SET asset = $1 WHERE asset IS NULL AND subject = $2 AND type IN ('fix', "
                   "'reading')"
             : link.kind == LinkKind::epc
                 ? "UPDATE trk.records SET asset = $1 WHERE asset IS NULL AND subject = $2 AND type = 'read'"
                 : "UPDATE trk.records SET asset = $1 WHERE asset IS NULL AND type = 'read' AND "
                   "json::jsonb ->> 'uri' = $2",
             Params().add(link.asset).add(link.value), "giving the asset its unresolved records");
    t.commit();
}

std::optional<Asset> PgLedger::asset(const std::string& id) {
    const Result r = c_.query(std::string(asset_columns) + "WHERE id = $1", Params().add(id), "reading the asset");
    if (r.rows() == 0) return std::nullopt;
    return asset_of(r, 0);
}

std::vector<Asset> PgLedger::assets(const std::string& kind, bool retired) {
    const Result r = c_.query(std::string(asset_columns) +
                                  "WHERE ($1::text IS NULL OR kind = $1) AND ((retired IS NOT NULL) = $2::boolean) "
                                  "ORDER BY id COLLATE \"C\"",
                              Params().add_optional(kind).add(retired ? "true" : "false"), "listing the assets");
    std::vector<Asset> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(asset_of(r, i));
    return out;
}

std::vector<Link> PgLedger::links(const std::string& asset) {
    return links_of(
        c_.query("SELECT kind, value, asset, since FROM trk.links WHERE asset = $1 "
                 "ORDER BY kind COLLATE \"C\", value COLLATE \"C\"",
                 Params().add(asset), "reading the links"));
}

std::vector<Link> PgLedger::all_links() {
    return links_of(
        c_.query("SELECT kind, value, asset, since FROM trk.links "
                 "ORDER BY asset COLLATE \"C\", kind COLLATE \"C\", value COLLATE \"C\"",
                 "reading the links"));
}

void PgLedger::retire(const std::string& id, Millis when) {
    const Result r = c_.query("UPDATE trk.assets SET retired = $2 WHERE id = $1 AND retired IS NULL RETURNING 1",
                              Params().add(id).add(static_cast<std::int64_t>(when)), "retiring the asset");
    if (r.rows() == 0) {
        if (!asset(id)) throw NotFoundError(not_found_message("asset", id, names(NameKind::asset)));
        throw UsageError(fmt::format("asset {} is retired already", id));
    }
}

void PgLedger::unlink(const Link& link) {
    Transaction t(c_);
    if (!asset(link.asset)) throw NotFoundError(not_found_message("asset", link.asset, names(NameKind::asset)));
    const Result r = c_.query("DELETE FROM trk.links WHERE kind = $1 AND value = $2 AND asset = $3 RETURNING 1",
                              Params().add(to_string(link.kind)).add(link.value).add(link.asset), "removing the link");
    if (r.rows() == 0) {
        throw_unknown_link(*this, link);
    }
    t.commit();
}

void PgLedger::put_reader(const Reader& r) {
    require_id("a reader", r.id);
    Transaction t(c_);
    Params p;
    p.add(r.id).add(r.zone);
    add_optional_real(p, r.lat);
    add_optional_real(p, r.lon);
    c_.query(
        "INSERT INTO trk.readers (id, zone, lat, lon) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (id) DO UPDATE SET zone = excluded.zone, lat = excluded.lat, lon = excluded.lon",
        p, "adding the reader");
    c_.query("DELETE FROM trk.reader_antennas WHERE reader = $1", Params().add(r.id), "replacing the antennas");
    for (const auto& [number, zone] : r.antenna_zones) {
        c_.query("INSERT INTO trk.reader_antennas (reader, antenna, zone) VALUES ($1, $2, $3)",
                 Params().add(r.id).add(static_cast<std::int64_t>(number)).add(zone), "adding an antenna");
    }
    t.commit();
}

std::vector<Reader> PgLedger::readers() {
    const Result r =
        c_.query("SELECT id, zone, lat, lon FROM trk.readers ORDER BY id COLLATE \"C\"", "listing readers");
    const Result antennas =
        c_.query("SELECT reader, antenna, zone FROM trk.reader_antennas ORDER BY reader COLLATE \"C\", antenna",
                 "listing the readers' antennas");
    std::vector<Reader> out;
    int a = 0;
    for (int i = 0; i < r.rows(); ++i) {
        Reader reader{r.string(i, 0), r.string(i, 1), r.optional_real(i, 2), r.optional_real(i, 3), {}};
        // Both sorted by reader: the antennas of this one come next.
        while (a < antennas.rows() && antennas.text(a, 0) < std::string_view(reader.id)) ++a;
        for (; a < antennas.rows() && antennas.text(a, 0) == reader.id; ++a) {
            reader.antenna_zones.emplace(static_cast<int>(antennas.integer(a, 1)), antennas.string(a, 2));
        }
        out.push_back(std::move(reader));
    }
    return out;
}

std::uint64_t PgLedger::put_fences(const std::vector<StoredFence>& fences) {
    Transaction t(c_);
    const auto before = count(c_, "SELECT count(*) FROM trk.fences");
    for (const StoredFence& f : fences) {
        // The shape, for PostGIS: the Feature's geometry; a trk circle (a Point with a
        // "radius" in metres) as the polygon that buffer on the sphere makes of it.
        c_.query(
            "INSERT INTO trk.fences (id, feature, added, geom) "
            "SELECT $1, $2::text, $3, CASE WHEN f -> 'geometry' ->> 'type' = 'Point' "
            "THEN ST_Buffer(ST_SetSRID(ST_GeomFromGeoJSON(f -> 'geometry'), 4326)::geography, "
            "(f -> 'properties' ->> 'radius')::double precision)::geometry "
            "ELSE ST_SetSRID(ST_GeomFromGeoJSON(f -> 'geometry'), 4326) END "
            "FROM (SELECT $2::text::jsonb AS f) feature "
            "ON CONFLICT (id) DO UPDATE SET feature = excluded.feature, added = excluded.added, geom = excluded.geom",
            Params().add(f.id).add(f.feature).add(static_cast<std::int64_t>(f.added)), "adding the fence");
    }
    const auto after = count(c_, "SELECT count(*) FROM trk.fences");
    t.commit();
    return static_cast<std::uint64_t>(after - before);
}

std::vector<StoredFence> PgLedger::fences() {
    const Result r =
        c_.query("SELECT id, feature, added FROM trk.fences ORDER BY added, added_order", "listing fences");
    std::vector<StoredFence> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.string(i, 0), r.string(i, 1), r.integer(i, 2)});
    return out;
}

void PgLedger::remove_fence(const std::string& id) {
    const Result r =
        c_.query("DELETE FROM trk.fences WHERE id = $1 RETURNING 1", Params().add(id), "removing the fence");
    if (r.rows() == 0) throw NotFoundError(not_found_message("fence", id, names(NameKind::fence)));
}

void PgLedger::remove_reader(const std::string& id) {
    Transaction t(c_);
    c_.query("DELETE FROM trk.reader_antennas WHERE reader = $1", Params().add(id), "removing the antennas");
    const Result r =
        c_.query("DELETE FROM trk.readers WHERE id = $1 RETURNING 1", Params().add(id), "removing the reader");
    if (r.rows() == 0) throw NotFoundError(not_found_message("reader", id, names(NameKind::reader)));
    t.commit();
}

namespace {

// What names() reads for each kind: one column, `name`, of distinct names (NULL and "" among
// them); $1 is the site the ledger is narrowed to (NULL: every site; always given, see
// narrowed). Assets named only by
// records are read from positions (each asset's latest per site), not from every record.
std::string_view names_sql(NameKind kind) {
    switch (kind) {
        case NameKind::asset:
            return "SELECT id AS name FROM trk.assets UNION "
                   "SELECT asset FROM trk.positions WHERE $1::text IS NULL OR site = $1";
        case NameKind::reader: return "SELECT id AS name FROM trk.readers";
        case NameKind::fence: return "SELECT id AS name FROM trk.fences";
        case NameKind::zone:
            // The zones the registry and the kept tables name, and those of each asset's last fix.
            return "SELECT home AS name FROM trk.assets UNION SELECT zone FROM trk.readers UNION "
                   "SELECT zone FROM trk.reader_antennas UNION SELECT id FROM trk.fences UNION "
                   "SELECT zone FROM trk.audits WHERE $1::text IS NULL OR site = $1 UNION "
                   "SELECT json_array_elements_text(r.json::json -> 'zones') FROM trk.positions p "
                   "JOIN trk.records r ON r.site = p.site AND r.seq = p.seq "
                   "WHERE p.type = 'fix' AND ($1::text IS NULL OR p.site = $1)";
    }
    return "SELECT NULL::text AS name WHERE false";
}

// Gives $1 its type where the names of `kind` do not depend on the site.
constexpr std::string_view narrowed = "WITH narrowed AS (SELECT $1::text AS site) ";

}  // namespace

std::vector<std::string> PgLedger::names(NameKind kind) {
    const Result r = c_.query(fmt::format("{}SELECT name FROM ({}) n WHERE name <> '' ORDER BY name COLLATE \"C\"",
                                          narrowed, names_sql(kind)),
                              Params().add_optional(site_), fmt::format("listing the {} names", to_string(kind)));
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        if (!r.is_null(i, 0)) out.push_back(r.string(i, 0));
    }
    return out;
}

bool PgLedger::knows(NameKind kind, const std::string& name) {
    const std::string doing = fmt::format("looking up the {} {}", to_string(kind), name);
    // An asset by the index on records' assets; the others from what names() reads.
    const Result r =
        c_.query(kind == NameKind::asset
                     ? std::string("SELECT 1 FROM trk.assets WHERE id = $2 UNION ALL (SELECT 1 FROM trk.records "
                                   "WHERE asset = $2 AND ($1::text IS NULL OR site = $1) LIMIT 1)")
                     : fmt::format("{}SELECT 1 FROM ({}) n WHERE name = $2 LIMIT 1", narrowed, names_sql(kind)),
                 Params().add_optional(site_).add(name), doing);
    if (r.rows() > 0) return true;
    // A zone of any stored fix, not only of each asset's last one: a scan, made only when
    // the name was not found above.
    if (kind == NameKind::zone) {
        return c_.query(
                     "SELECT 1 FROM trk.records WHERE type = 'fix' AND ($1::text IS NULL OR site = $1) "
                     "AND json::jsonb -> 'zones' ? $2 LIMIT 1",
                     Params().add_optional(site_).add(name), doing)
                   .rows() > 0;
    }
    return false;
}

}  // namespace track::pg
