// The SQLite ledger's tamper evidence: walking the hash chain (verify), its head, and the
// signed checkpoints kept beside it.
#include <cstring>

#include "ledger_sqlite.hpp"
#include "track/sha256.hpp"

namespace track::sqlite {

Verification SqliteLedger::verify(const std::function<void(std::uint64_t)>& on_record) {
    Verification v;
    {
        Statement check(c_.db(), c_.path(), "PRAGMA integrity_check");
        std::string result;
        while (check.step()) {
            if (!result.empty()) result += "; ";
            result += check.text(0);
        }
        v.integrity = result;
    }
    Statement s(c_.db(), c_.path(), "SELECT seq, json, hash FROM records ORDER BY seq");
    Digest head{};
    while (s.step()) {
        Sha256 chain;
        chain.update(head.data(), head.size());
        chain.update(s.text_view(1));
        const Digest expected = chain.finish();
        const std::string_view stored = s.blob(2);
        ++v.records;
        if (on_record) on_record(v.records);
        if (stored.size() != expected.size() || std::memcmp(stored.data(), expected.data(), expected.size()) != 0) {
            v.first_broken = s.integer(0);
            v.broken_record = s.text(1);
            break;
        }
        head = expected;
    }
    return v;
}

std::optional<ChainLink> SqliteLedger::head() {
    Statement s(c_.db(), c_.path(), "SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1");
    if (!s.step()) return std::nullopt;
    return ChainLink{s.integer(0), blob_array<32>(s.blob(1))};
}

std::optional<Digest> SqliteLedger::record_hash(std::int64_t seq) {
    Statement s(c_.db(), c_.path(), "SELECT hash FROM records WHERE seq = ?1");
    s.bind(1, seq);
    if (!s.step()) return std::nullopt;
    return blob_array<32>(s.blob(0));
}

std::uint64_t SqliteLedger::records_after(std::int64_t seq) {
    Statement s(c_.db(), c_.path(), "SELECT count(*) FROM records WHERE seq > ?1");
    s.bind(1, seq);
    return s.step() ? static_cast<std::uint64_t>(s.integer(0)) : 0;
}

void SqliteLedger::add_checkpoint(const Checkpoint& k) {
    Statement s(c_.db(), c_.path(),
                "INSERT INTO checkpoints (seq, hash, time, public_key, signature) VALUES (?1, ?2, ?3, ?4, ?5)");
    s.bind(1, k.seq).bind_blob(2, k.hash.data(), k.hash.size()).bind(3, static_cast<std::int64_t>(k.time));
    s.bind_blob(4, k.key.data(), k.key.size()).bind_blob(5, k.signature.data(), k.signature.size());
    s.run();
}

std::vector<Checkpoint> SqliteLedger::checkpoints() {
    Statement s(c_.db(), c_.path(), "SELECT seq, hash, time, public_key, signature FROM checkpoints ORDER BY seq, id");
    std::vector<Checkpoint> out;
    while (s.step()) {
        out.push_back({s.integer(0), blob_array<32>(s.blob(1)), s.integer(2), blob_array<32>(s.blob(3)),
                       blob_array<64>(s.blob(4))});
    }
    return out;
}

}  // namespace track::sqlite
