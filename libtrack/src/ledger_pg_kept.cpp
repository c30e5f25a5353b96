// What commands keep in the central ledger between runs, per site: audits (the site that ran
// one, or none when it looked at every site) and stage states ('' when not narrowed).
#include <fmt/format.h>

#include "ledger_pg.hpp"
#include "ledger_sqlite.hpp"

namespace track::pg {

std::optional<StoredAudit> PgLedger::last_audit(const std::string& zone) {
    // Narrowed: that site's latest; otherwise the latest of any site's, or of every site's.
    const Result r = c_.query(
        "SELECT time, window_from, window_to, result, coalesce(site, '') FROM trk.audits "
        "WHERE zone = $1 AND ($2::text IS NULL OR site = $2) ORDER BY time DESC, id DESC LIMIT 1",
        Params().add(zone).add_optional(site_), "reading the last audit");
    if (r.rows() == 0) return std::nullopt;
    StoredAudit a{zone, r.integer(0, 0), r.integer(0, 1), r.integer(0, 2), {}, r.string(0, 4)};
    simdjson::dom::object statuses;
    if (json_parser_.parse(r.string(0, 3)).get_object().get(statuses) == simdjson::SUCCESS) {
        for (const auto [key, value] : statuses) {
            std::string_view status;
            if (value.get_string().get(status) == simdjson::SUCCESS) a.statuses.emplace(key, status);
        }
    }
    return a;
}

void PgLedger::add_audit(const StoredAudit& audit) {
    c_.query(
        "INSERT INTO trk.audits (site, zone, time, window_from, window_to, result) VALUES ($1, $2, $3, $4, $5, $6)",
        Params()
            .add_optional(site_)
            .add(audit.zone)
            .add(static_cast<std::int64_t>(audit.time))
            .add(static_cast<std::int64_t>(audit.from))
            .add(static_cast<std::int64_t>(audit.to))
            .add(sqlite::strings_json(audit.statuses)),
        "keeping the audit");
}

std::optional<StageState> PgLedger::stage_state(const std::string& stage, const std::string& name) {
    const Result r = c_.query(
        "SELECT state, generation, saved FROM trk.stage_state WHERE site = $1 AND stage = $2 AND "
        "name = $3",
        Params().add(site_).add(stage).add(name), "reading the stage's state");
    if (r.rows() == 0) return std::nullopt;
    return StageState{r.string(0, 0), r.integer(0, 1), r.integer(0, 2)};
}

bool PgLedger::save_stage_state(const std::string& stage, const std::string& name, const std::string& state,
                                std::int64_t generation, Millis saved) {
    // A first save (generation 0) finds no row with generation 0 when another run inserted one.
    const Result r = c_.query(
        "INSERT INTO trk.stage_state AS s (site, stage, name, state, generation, saved) VALUES ($1, $2, $3, $4, 1, $6) "
        "ON CONFLICT (site, stage, name) DO UPDATE SET state = excluded.state, generation = s.generation + 1, "
        "saved = excluded.saved WHERE s.generation = $5 RETURNING 1",
        Params().add(site_).add(stage).add(name).add(state).add(generation).add(static_cast<std::int64_t>(saved)),
        "saving the stage's state");
    return r.rows() > 0;
}

std::vector<std::string> PgLedger::stage_state_names(const std::string& stage) {
    const Result r =
        c_.query("SELECT name FROM trk.stage_state WHERE site = $1 AND stage = $2 ORDER BY name COLLATE \"C\"",
                 Params().add(site_).add(stage), "listing the stage's states");
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.string(i, 0));
    return out;
}

}  // namespace track::pg
