// What trk ledger push reads from a site's SQLite ledger (records, audits and checkpoints past
// a mark, in the order kept) and the settings the file keeps about itself (its site name, the
// marks of what each central ledger confirmed).
#include "ledger_sqlite.hpp"

namespace track::sqlite {

void SqliteLedger::records_since(std::int64_t after, const std::function<bool(const StoredRecord&)>& each) {
    // One statement: one read snapshot (WAL), however long the caller takes.
    Statement s(c_.db(), c_.path(),
                "SELECT seq, key, type, time, asset, subject, json, hash FROM records WHERE seq > ?1 ORDER BY seq");
    s.bind(1, after);
    StoredRecord r;
    while (s.step()) {
        r.seq = s.integer(0);
        r.key = blob_array<16>(s.blob(1));
        r.type = s.text_view(2);
        r.time = s.integer(3);
        r.asset = s.text_view(4);
        r.subject = s.text_view(5);
        r.json = s.text_view(6);
        r.hash = blob_array<32>(s.blob(7));
        if (!each(r)) break;
    }
}

std::vector<std::pair<std::int64_t, StoredAudit>> SqliteLedger::audits_since(std::int64_t after) {
    Statement s(c_.db(), c_.path(),
                "SELECT id, zone, time, window_from, window_to, result FROM audits WHERE id > ?1 ORDER BY id");
    s.bind(1, after);
    std::vector<std::pair<std::int64_t, StoredAudit>> out;
    while (s.step()) {
        out.emplace_back(
            s.integer(0),
            StoredAudit{s.text(1), s.integer(2), s.integer(3), s.integer(4), audit_statuses(s.text(5)), {}});
    }
    return out;
}

std::vector<std::pair<std::int64_t, Checkpoint>> SqliteLedger::checkpoints_since(std::int64_t after) {
    Statement s(c_.db(), c_.path(),
                "SELECT id, seq, hash, time, public_key, signature FROM checkpoints WHERE id > ?1 ORDER BY id");
    s.bind(1, after);
    std::vector<std::pair<std::int64_t, Checkpoint>> out;
    while (s.step()) {
        out.emplace_back(s.integer(0), Checkpoint{s.integer(1), blob_array<32>(s.blob(2)), s.integer(3),
                                                  blob_array<32>(s.blob(4)), blob_array<64>(s.blob(5))});
    }
    return out;
}

std::optional<std::string> SqliteLedger::setting(const std::string& key) {
    Statement s(c_.db(), c_.path(), "SELECT value FROM settings WHERE key = ?1");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

void SqliteLedger::put_setting(const std::string& key, const std::string& value) {
    Transaction t(c_);
    Statement s(
        c_.db(), c_.path(),
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    s.bind(1, key).bind(2, value);
    s.run();
    t.commit();
}

}  // namespace track::sqlite
