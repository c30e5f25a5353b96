// What commands keep in the SQLite ledger between runs: audits (to report changes since the
// last one) and stage states (fence's, saved under a generation so that two runs cannot both win).
#include <fmt/format.h>

#include "ledger_sqlite.hpp"
#include "track/json.hpp"

namespace track::sqlite {

std::optional<StoredAudit> SqliteLedger::last_audit(const std::string& zone) {
    Statement s(c_.db(), c_.path(),
                "SELECT time, window_from, window_to, result FROM audits WHERE zone = ?1 "
                "ORDER BY time DESC, id DESC LIMIT 1");
    s.bind(1, zone);
    if (!s.step()) return std::nullopt;
    return StoredAudit{zone, s.integer(0), s.integer(1), s.integer(2), audit_statuses(s.text(3)), {}};
}

std::map<std::string, std::string> SqliteLedger::audit_statuses(const std::string& result) {
    std::map<std::string, std::string> out;
    simdjson::dom::object statuses;
    if (json_parser_.parse(result).get_object().get(statuses) == simdjson::SUCCESS) {
        for (const auto [key, value] : statuses) {
            std::string_view status;
            if (value.get_string().get(status) == simdjson::SUCCESS) out.emplace(key, status);
        }
    }
    return out;
}

void SqliteLedger::add_audit(const StoredAudit& audit) {
    const std::string result = strings_json(audit.statuses);
    Transaction t(c_);
    Statement s(c_.db(), c_.path(),
                "INSERT INTO audits (zone, time, window_from, window_to, result) VALUES (?1, ?2, ?3, ?4, ?5)");
    s.bind(1, audit.zone).bind(2, static_cast<std::int64_t>(audit.time)).bind(3, static_cast<std::int64_t>(audit.from));
    s.bind(4, static_cast<std::int64_t>(audit.to)).bind(5, std::string_view(result));
    s.run();
    t.commit();
}

std::optional<StageState> SqliteLedger::stage_state(const std::string& stage, const std::string& name) {
    Statement s(c_.db(), c_.path(), "SELECT state, generation, saved FROM stage_state WHERE stage = ?1 AND name = ?2");
    s.bind(1, stage).bind(2, name);
    if (!s.step()) return std::nullopt;
    return StageState{s.text(0), s.integer(1), s.integer(2)};
}

bool SqliteLedger::save_stage_state(const std::string& stage, const std::string& name, const std::string& state,
                                    std::int64_t generation, Millis saved) {
    Transaction t(c_);
    Statement s(c_.db(), c_.path(),
                "INSERT INTO stage_state (stage, name, state, generation, saved) VALUES (?1, ?2, ?3, 1, ?5) "
                "ON CONFLICT (stage, name) DO UPDATE SET state = excluded.state, "
                "generation = generation + 1, saved = excluded.saved WHERE generation = ?4");
    s.bind(1, stage).bind(2, name).bind(3, state).bind(4, generation).bind(5, static_cast<std::int64_t>(saved));
    s.run();
    // A first save (generation 0) finds no row with generation 0 when another run inserted one.
    const bool saved_it = sqlite3_changes(c_.db()) > 0;
    if (saved_it) t.commit();
    return saved_it;
}

std::vector<std::string> SqliteLedger::stage_state_names(const std::string& stage) {
    Statement s(c_.db(), c_.path(), "SELECT name FROM stage_state WHERE stage = ?1 ORDER BY name");
    s.bind(1, stage);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
}

}  // namespace track::sqlite
