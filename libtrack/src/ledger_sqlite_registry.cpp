// The SQLite ledger's registry: assets, the links that name them, readers, and fences.
#include <fmt/format.h>

#include "ledger_sqlite.hpp"
#include "track/error.hpp"
#include "track/json.hpp"
#include "track/json_writer.hpp"
#include "track/names.hpp"

namespace track::sqlite {

std::string strings_json(const std::map<std::string, std::string>& members) {
    fmt::memory_buffer out;
    JsonWriter json(out);
    json.begin_object();
    for (const auto& [key, value] : members) json.key(key).string(value);
    json.end_object();
    return fmt::to_string(out);
}

std::map<std::string, std::string> parse_attrs(std::string_view json) {
    std::map<std::string, std::string> attrs;
    simdjson::dom::parser parser;
    simdjson::dom::object object;
    if (parser.parse(json.data(), json.size()).get_object().get(object) != simdjson::SUCCESS) return attrs;
    for (const auto [key, value] : object) {
        std::string_view text;
        if (value.get_string().get(text) == simdjson::SUCCESS) attrs.emplace(std::string(key), std::string(text));
    }
    return attrs;
}

namespace {

// The asset a row of (id, name, kind, home, attrs, created, retired) holds.
Asset asset_of(const Statement& s) {
    Asset a;
    a.id = s.text(0);
    a.name = s.text(1);
    a.kind = s.text(2);
    a.home = s.text(3);
    a.attrs = parse_attrs(s.text_view(4));
    a.created = s.integer(5);
    if (const auto r = s.optional_integer(6)) a.retired = *r;
    return a;
}

}  // namespace

void require_id(std::string_view what, const std::string& id) {
    if (const std::string why = id_problem(id); !why.empty()) throw UsageError(fmt::format("{} id {}", what, why));
}

void SqliteLedger::add_asset(const Asset& a) {
    require_id("an asset", a.id);
    Statement s(c_.db(), c_.path(),
                "INSERT INTO assets (id, name, kind, home, attrs, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                "ON CONFLICT (id) DO NOTHING");
    s.bind(1, a.id).bind_optional(2, a.name).bind_optional(3, a.kind).bind_optional(4, a.home);
    const std::string attrs = strings_json(a.attrs);
    s.bind(5, attrs).bind(6, static_cast<std::int64_t>(a.created));
    s.run();
    if (sqlite3_changes(c_.db()) == 0) throw UsageError(fmt::format("asset {} exists already", a.id));
}

std::uint64_t SqliteLedger::upsert_assets(const std::vector<Asset>& assets) {
    Transaction t(c_);
    Statement s(c_.db(), c_.path(),
                "INSERT INTO assets (id, name, kind, home, attrs, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                "ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, "
                "home = excluded.home, attrs = excluded.attrs");
    const auto before = c_.integer("SELECT count(*) FROM assets");
    for (const Asset& a : assets) {
        require_id("an asset", a.id);
        const std::string attrs = strings_json(a.attrs);
        s.bind(1, a.id).bind_optional(2, a.name).bind_optional(3, a.kind).bind_optional(4, a.home);
        s.bind(5, attrs).bind(6, static_cast<std::int64_t>(a.created));
        s.run();
    }
    const auto after = c_.integer("SELECT count(*) FROM assets");
    t.commit();
    return static_cast<std::uint64_t>(after - before);
}

void SqliteLedger::link(const Link& link) {
    if (link.kind == LinkKind::device) require_id("a device", link.value);
    Transaction t(c_);
    if (!asset(link.asset)) {
        throw NotFoundError(fmt::format("{}; add it with 'trk asset add {}'",
                                        not_found_message("asset", link.asset, names(NameKind::asset)), link.asset));
    }
    Statement existing(c_.db(), c_.path(), "SELECT asset FROM links WHERE kind = ?1 AND value = ?2");
    existing.bind(1, to_string(link.kind)).bind(2, link.value);
    if (existing.step()) {
        const std::string owner = existing.text(0);
        if (owner == link.asset) return;  // linked already: nothing to do
        throw UsageError(fmt::format("{} {} is linked to asset {} already", to_string(link.kind), link.value, owner));
    }
    Statement s(c_.db(), c_.path(), "INSERT INTO links (kind, value, asset, since) VALUES (?1, ?2, ?3, ?4)");
    s.bind(1, to_string(link.kind))
        .bind(2, link.value)
        .bind(3, link.asset)
        .bind(4, static_cast<std::int64_t>(link.since));
    s.run();
    // Records stored before the link, unresolved, now belong to the asset.
    Statement adopt(
        c_.db(), c_.path(),
        link.kind == LinkKind::device
            ? "UPDATE records SET asset = ?1 WHERE asset IS NULL AND subject = ?2 AND type IN ('fix', 'reading')"
        : link.kind == LinkKind::epc
            ? "UPDATE records SET asset = ?1 WHERE asset IS NULL AND subject = ?2 AND type = 'read'"
            : "UPDATE records SET asset = ?1 WHERE asset IS NULL AND type = 'read' AND "
              "json_extract(json, '$.uri') = ?2");
    adopt.bind(1, link.asset).bind(2, link.value);
    adopt.run();
    t.commit();
}

std::optional<Asset> SqliteLedger::asset(const std::string& id) {
    Statement s(c_.db(), c_.path(), "SELECT id, name, kind, home, attrs, created, retired FROM assets WHERE id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return asset_of(s);
}

std::vector<Asset> SqliteLedger::assets(const std::string& kind, bool retired) {
    Statement s(c_.db(), c_.path(),
                "SELECT id, name, kind, home, attrs, created, retired FROM assets "
                "WHERE (?1 IS NULL OR kind = ?1) AND ((retired IS NOT NULL) = ?2) ORDER BY id");
    s.bind_optional(1, kind).bind(2, static_cast<std::int64_t>(retired ? 1 : 0));
    std::vector<Asset> out;
    while (s.step()) out.push_back(asset_of(s));
    return out;
}

std::vector<Link> SqliteLedger::links(const std::string& asset) {
    Statement s(c_.db(), c_.path(),
                "SELECT kind, value, asset, since FROM links WHERE asset = ?1 ORDER BY kind, value");
    s.bind(1, asset);
    std::vector<Link> out;
    while (s.step()) out.push_back(link_of(s));
    return out;
}

std::vector<Link> SqliteLedger::all_links() {
    Statement s(c_.db(), c_.path(), "SELECT kind, value, asset, since FROM links ORDER BY asset, kind, value");
    std::vector<Link> out;
    while (s.step()) out.push_back(link_of(s));
    return out;
}

void SqliteLedger::retire(const std::string& id, Millis when) {
    Statement s(c_.db(), c_.path(), "UPDATE assets SET retired = ?2 WHERE id = ?1 AND retired IS NULL");
    s.bind(1, id).bind(2, static_cast<std::int64_t>(when));
    s.run();
    if (sqlite3_changes(c_.db()) == 0) {
        if (!asset(id)) throw NotFoundError(not_found_message("asset", id, names(NameKind::asset)));
        throw UsageError(fmt::format("asset {} is retired already", id));
    }
}

void SqliteLedger::unlink(const Link& link) {
    Transaction t(c_);
    if (!asset(link.asset)) throw NotFoundError(not_found_message("asset", link.asset, names(NameKind::asset)));
    Statement s(c_.db(), c_.path(), "DELETE FROM links WHERE kind = ?1 AND value = ?2 AND asset = ?3");
    s.bind(1, to_string(link.kind)).bind(2, link.value).bind(3, link.asset);
    s.run();
    if (sqlite3_changes(c_.db()) == 0) {
        throw_unknown_link(*this, link);
    }
    t.commit();
}

void SqliteLedger::put_reader(const Reader& r) {
    require_id("a reader", r.id);
    Transaction t(c_);
    Statement s(c_.db(), c_.path(),
                "INSERT INTO readers (id, zone, lat, lon) VALUES (?1, ?2, ?3, ?4) "
                "ON CONFLICT (id) DO UPDATE SET zone = excluded.zone, lat = excluded.lat, lon = excluded.lon");
    s.bind(1, r.id).bind(2, r.zone).bind_optional(3, r.lat).bind_optional(4, r.lon);
    s.run();
    Statement clear(c_.db(), c_.path(), "DELETE FROM reader_antennas WHERE reader = ?1");
    clear.bind(1, r.id);
    clear.run();
    Statement antenna(c_.db(), c_.path(), "INSERT INTO reader_antennas (reader, antenna, zone) VALUES (?1, ?2, ?3)");
    for (const auto& [number, zone] : r.antenna_zones) {
        antenna.bind(1, r.id).bind(2, static_cast<std::int64_t>(number)).bind(3, zone);
        antenna.run();
    }
    t.commit();
}

std::vector<Reader> SqliteLedger::readers() {
    Statement s(c_.db(), c_.path(), "SELECT id, zone, lat, lon FROM readers ORDER BY id");
    Statement antennas(c_.db(), c_.path(),
                       "SELECT antenna, zone FROM reader_antennas WHERE reader = ?1 ORDER BY antenna");
    std::vector<Reader> out;
    while (s.step()) {
        Reader r{s.text(0), s.text(1), s.optional_real(2), s.optional_real(3), {}};
        antennas.bind(1, r.id);
        while (antennas.step()) r.antenna_zones.emplace(static_cast<int>(antennas.integer(0)), antennas.text(1));
        antennas.reset();
        out.push_back(std::move(r));
    }
    return out;
}

std::uint64_t SqliteLedger::put_fences(const std::vector<StoredFence>& fences) {
    Transaction t(c_);
    const auto before = c_.integer("SELECT count(*) FROM fences");
    Statement s(c_.db(), c_.path(),
                "INSERT INTO fences (id, feature, added) VALUES (?1, ?2, ?3) "
                "ON CONFLICT (id) DO UPDATE SET feature = excluded.feature, added = excluded.added");
    for (const StoredFence& f : fences) {
        s.bind(1, f.id).bind(2, f.feature).bind(3, static_cast<std::int64_t>(f.added));
        s.run();
    }
    const auto after = c_.integer("SELECT count(*) FROM fences");
    t.commit();
    return static_cast<std::uint64_t>(after - before);
}

std::vector<StoredFence> SqliteLedger::fences() {
    Statement s(c_.db(), c_.path(), "SELECT id, feature, added FROM fences ORDER BY added, rowid");
    std::vector<StoredFence> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), s.integer(2)});
    return out;
}

void SqliteLedger::remove_fence(const std::string& id) {
    Statement s(c_.db(), c_.path(), "DELETE FROM fences WHERE id = ?1");
    s.bind(1, id);
    s.run();
    if (sqlite3_changes(c_.db()) == 0) throw NotFoundError(not_found_message("fence", id, names(NameKind::fence)));
}

void SqliteLedger::remove_reader(const std::string& id) {
    Transaction t(c_);
    Statement antennas(c_.db(), c_.path(), "DELETE FROM reader_antennas WHERE reader = ?1");
    antennas.bind(1, id);
    antennas.run();
    Statement s(c_.db(), c_.path(), "DELETE FROM readers WHERE id = ?1");
    s.bind(1, id);
    s.run();
    if (sqlite3_changes(c_.db()) == 0) throw NotFoundError(not_found_message("reader", id, names(NameKind::reader)));
    t.commit();
}

namespace {

// What names() reads for each kind: one column, `name`, of distinct names (NULL and "" among them).
std::string_view names_sql(NameKind kind) {
    switch (kind) {
        case NameKind::asset: return "SELECT id AS name FROM assets UNION SELECT DISTINCT asset FROM records";
        case NameKind::reader: return "SELECT id AS name FROM readers";
        case NameKind::fence: return "SELECT id AS name FROM fences";
        case NameKind::zone:
            // The zones the registry and the kept tables name, and those of each asset's last fix.
            return "SELECT home AS name FROM assets UNION SELECT zone FROM readers UNION SELECT zone FROM "
                   "reader_antennas "
                   "UNION SELECT id FROM fences UNION SELECT zone FROM audits UNION "
                   "SELECT z.value FROM positions p JOIN records r ON r.seq = p.seq, json_each(r.json, '$.zones') z "
                   "WHERE p.type = 'fix' AND json_valid(r.json)";
    }
    return "SELECT NULL AS name WHERE 0";
}

}  // namespace

std::vector<std::string> SqliteLedger::names(NameKind kind) {
    Statement s(c_.db(), c_.path(),
                fmt::format("SELECT name FROM ({}) WHERE name <> '' ORDER BY name", names_sql(kind)));
    std::vector<std::string> out;
    while (s.step()) {
        if (!s.is_null(0)) out.push_back(s.text(0));
    }
    return out;
}

bool SqliteLedger::knows(NameKind kind, const std::string& name) {
    // An asset by the index on records' assets (names() reads them all); the others from
    // the small tables that names() reads.
    Statement s(c_.db(), c_.path(),
                kind == NameKind::asset ? std::string("SELECT 1 FROM assets WHERE id = ?1 UNION ALL "
                                                      "SELECT 1 FROM (SELECT 1 FROM records WHERE asset = ?1 LIMIT 1)")
                                        : fmt::format("SELECT 1 FROM ({}) WHERE name = ?1", names_sql(kind)));
    s.bind(1, name);
    if (s.step()) return true;
    // A zone of any stored fix, not only of each asset's last one: a scan, made only when
    // the name was not found above.
    if (kind == NameKind::zone) {
        Statement r(c_.db(), c_.path(),
                    "SELECT 1 FROM records r, json_each(r.json, '$.zones') z WHERE r.type = 'fix' "
                    "AND json_valid(r.json) AND z.value = ?1 LIMIT 1");
        r.bind(1, name);
        return r.step();
    }
    return false;
}

}  // namespace track::sqlite
