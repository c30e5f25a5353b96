// What the SQLite ledger's reports read: sightings (for audits), last positions (where),
// an asset's records (history), and tags linked to no asset.
#include <algorithm>
#include <cstdint>

#include "ledger_sqlite.hpp"

namespace track::sqlite {

void SqliteLedger::sightings(Millis from, Millis to, const std::function<void(const Sighting&)>& each) {
    // The stored key starts with the time (see add): a range of keys is a range of times.
    const auto low = time_key(from), high = time_key(to + 1);
    Statement s(c_.db(), c_.path(),
                "SELECT r.type, r.time, r.asset, r.subject, json_extract(r.json, '$.uri'), "
                "json_extract(r.json, '$.reader'), COALESCE(ra.zone, rd.zone), json_extract(r.json, '$.zones') "
                "FROM records r "
                "LEFT JOIN readers rd ON r.type = 'read' AND rd.id = json_extract(r.json, '$.reader') "
                "LEFT JOIN reader_antennas ra ON r.type = 'read' AND ra.reader = rd.id "
                "  AND ra.antenna = json_extract(r.json, '$.antenna') "
                "WHERE r.key >= ?1 AND r.key < ?2 AND r.type IN ('fix', 'read') ORDER BY r.key");
    s.bind_blob(1, low.data(), low.size()).bind_blob(2, high.data(), high.size());
    Sighting x;
    while (s.step()) {
        x.type = s.text(0);
        x.time = s.integer(1);
        x.asset = s.text(2);
        x.epc = x.type == "read" ? s.text(3) : std::string();
        x.uri = s.text(4);
        x.reader = s.text(5);
        x.zones.clear();
        if (x.type == "read") {
            if (const std::string zone = s.text(6); !zone.empty()) x.zones.push_back(zone);
        } else if (const std::string zones = s.text(7); !zones.empty()) {
            simdjson::dom::array list;
            if (json_parser_.parse(zones).get_array().get(list) == simdjson::SUCCESS) {
                for (const auto zone : list) {
                    std::string_view z;
                    if (zone.get_string().get(z) == simdjson::SUCCESS) x.zones.emplace_back(z);
                }
            }
        }
        each(x);
    }
}

std::vector<Position> SqliteLedger::where(const WhereQuery& q) {
    Statement s(
        c_.db(), c_.path(),
        "SELECT p.asset, p.time, p.type, COALESCE(p.lat, r.lat), COALESCE(p.lon, r.lon), p.reader, p.antenna, "
        "CASE WHEN p.type = 'read' THEN COALESCE(ra.zone, r.zone) ELSE json_extract(rec.json, '$.zones[0]') END, "
        "json_extract(rec.json, '$.src') "
        "FROM positions p JOIN records rec ON rec.seq = p.seq "
        "LEFT JOIN readers r ON r.id = p.reader "
        "LEFT JOIN reader_antennas ra ON ra.reader = p.reader AND ra.antenna = p.antenna "
        "WHERE (?1 IS NULL OR p.asset = ?1) ORDER BY p.asset");
    std::vector<Position> out;
    const auto collect = [&] {
        while (s.step()) {
            Position p{s.text(0), s.integer(1), s.text(2),    s.optional_real(3), s.optional_real(4),
                       s.text(7), s.text(5),    std::nullopt, s.text(8),          {}};
            if (const auto a = s.optional_integer(6)) p.antenna = static_cast<int>(*a);
            if (!q.zone.empty() && p.zone != q.zone) continue;
            if (q.older_than && p.time >= *q.older_than) continue;
            out.push_back(std::move(p));
        }
        s.reset();
    };
    if (q.assets.empty()) {
        s.bind_null(1);
        collect();
    } else {
        for (const std::string& a : q.assets) {
            s.bind(1, a);
            collect();
        }
    }
    return out;
}

void SqliteLedger::history(const HistoryQuery& q, const std::function<void(std::string_view)>& each) {
    Statement s(c_.db(), c_.path(),
                "SELECT type, json FROM records WHERE asset = ?1 AND time >= ?2 AND time <= ?3 ORDER BY time, seq");
    s.bind(1, q.asset)
        .bind(2, static_cast<std::int64_t>(q.since.value_or(INT64_MIN)))
        .bind(3, static_cast<std::int64_t>(q.until.value_or(INT64_MAX)));
    while (s.step()) {
        if (!q.types.empty() && std::find(q.types.begin(), q.types.end(), s.text_view(0)) == q.types.end()) continue;
        each(s.text_view(1));
    }
}

std::vector<UnknownTag> SqliteLedger::unknown_tags() {
    Statement s(c_.db(), c_.path(),
                "SELECT subject, json_extract(json, '$.uri'), time, json_extract(json, '$.reader') FROM records "
                "WHERE asset IS NULL AND type = 'read' ORDER BY subject, time, seq");
    std::vector<UnknownTag> out;
    while (s.step()) {
        const std::string epc = s.text(0);
        if (out.empty() || out.back().epc != epc) out.push_back({epc, s.text(1), 0, s.integer(2), 0, {}});
        UnknownTag& tag = out.back();
        ++tag.reads;
        tag.last = s.integer(2);
        tag.reader = s.text(3);
    }
    return out;
}

}  // namespace track::sqlite
