// Unit tests of track/checkpoint.hpp: the signed message, the JSON line, and checking a ledger's checkpoints.
#include "track/checkpoint.hpp"

#include <string>

#include <doctest/doctest.h>

#include "support.hpp"
#include "track/error.hpp"
#include "track/json.hpp"
#include "track/time.hpp"

namespace {

// RFC 8032's first test key: signatures made with it never change.
track::PrivateKey fixed_key() {
    std::array<std::uint8_t, 32> seed{};
    const std::string raw = test::bytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    std::copy(raw.begin(), raw.end(), seed.begin());
    return track::PrivateKey::from_seed(seed);
}

track::Digest digest_of(std::string_view text) { return track::sha256(text); }

const track::Millis seven = *track::parse_rfc3339("2026-11-24T07:00:00Z");

std::string json_line(const track::Checkpoint& c) {
    fmt::memory_buffer out;
    track::append_json(out, c);
    return fmt::to_string(out);
}

// What parsing `text` as kept checkpoints throws: "CODE message".
std::string parse_error(const std::string& text) {
    try {
        track::parse_checkpoints(text, "kept.jsonl");
    } catch (const track::Error& e) {
        return std::to_string(static_cast<int>(e.code())) + " " + e.what();
    }
    return "no error";
}

// A ledger holding `n` fixes.
std::unique_ptr<track::Ledger> ledger_of(const std::string& path, int n) {
    auto ledger = track::open_ledger({path, std::chrono::milliseconds(200), true, 0600, {}});
    auto importer = ledger->importer();
    track::RecordParser parser;
    for (int i = 0; i < n; ++i) {
        track::Record r = parser.parse(
            fmt::format(R"({{"type":"fix","time":"2026-11-23T07:00:{:02}Z","device":"gps-7","lat":53.5,"lon":9.9}})",
                        i),
            "");
        CHECK(importer->add(r).empty());
    }
    importer->commit();
    return ledger;
}

}  // namespace

TEST_CASE("checkpoint: the message signed, versioned and domain-separated") {
    const track::Checkpoint c{143, digest_of("head"), seven, {}, {}};
    CHECK(track::checkpoint_message(c) ==
          "trk-ledger-checkpoint-v1\n143\n" + track::to_hex(digest_of("head")) + "\n2026-11-24T07:00:00.000Z\n");
    const track::Checkpoint s = track::sign_checkpoint(fixed_key(), {143, digest_of("head")}, seven);
    CHECK(s.seq == 143);
    CHECK(s.hash == digest_of("head"));
    CHECK(s.time == seven);
    CHECK(s.key == fixed_key().public_key());
    CHECK(track::signature_valid(s.key, track::checkpoint_message(s), s.signature));
    CHECK(track::checkpoint_signature_valid(s));
    // Each part is covered: any of them changed, the signature fails.
    for (auto change : {+[](track::Checkpoint& x) { ++x.seq; }, +[](track::Checkpoint& x) { x.hash[0] ^= 1; },
                        +[](track::Checkpoint& x) { ++x.time; }}) {
        track::Checkpoint changed = s;
        change(changed);
        CHECK_FALSE(track::checkpoint_signature_valid(changed));
    }
    // The same bytes without the domain (a signed export of them, say) do not pass.
    track::Checkpoint borrowed = s;
    borrowed.signature = fixed_key().sign(track::checkpoint_message(s).substr(track::checkpoint_domain.size()));
    CHECK_FALSE(track::checkpoint_signature_valid(borrowed));
}

TEST_CASE("checkpoint: the JSON line sign prints, read back") {
    const track::Checkpoint s = track::sign_checkpoint(fixed_key(), {7, digest_of("x")}, seven);
    const std::string line = json_line(s);
    CHECK(line == R"({"type":"checkpoint","seq":7,"hash":")" + track::to_hex(s.hash) +
                      R"(","time":"2026-11-24T07:00:00.000Z","public_key":")" + track::to_hex(s.key) +
                      R"(","signature":")" + track::to_hex(s.signature) + "\"}\n");
    const auto kept = track::parse_checkpoints("\n" + line + "  \r\n" + line, "kept.jsonl");
    REQUIRE(kept.size() == 2);
    CHECK(kept[0].checkpoint == s);
    CHECK(kept[0].where == "kept.jsonl:2");
    CHECK(kept[1].where == "kept.jsonl:4");

    const std::string hash = track::to_hex(s.hash), key = track::to_hex(s.key), sig = track::to_hex(s.signature);
    const auto with = [&](const std::string& seq, const std::string& h, const std::string& time, const std::string& k,
                          const std::string& signature) {
        return fmt::format(
            R"({{"type":"checkpoint","seq":{},"hash":"{}","time":"{}","public_key":"{}","signature":"{}"}})", seq, h,
            time, k, signature);
    };
    const std::string time = "2026-11-24T07:00:00Z";
    CHECK(parse_error(line + "not json\n") ==
          "65 kept.jsonl:2: not a JSON object, so not a checkpoint line of 'trk ledger sign'");
    CHECK(parse_error(R"({"type":"fix"})") == R"(65 kept.jsonl:1: not a checkpoint ("type" is not "checkpoint"))");
    CHECK(parse_error(with("0", hash, time, key, sig)) ==
          R"(65 kept.jsonl:1: checkpoint "seq" is not a record number (an integer from 1))");
    CHECK(parse_error(with("\"7\"", hash, time, key, sig)) ==
          R"(65 kept.jsonl:1: checkpoint "seq" is not a record number (an integer from 1))");
    CHECK(parse_error(with("7", hash.substr(2), time, key, sig)) ==
          R"(65 kept.jsonl:1: checkpoint "hash" is not 64 hex digits)");
    CHECK(parse_error(with("7", "zz" + hash.substr(2), time, key, sig)) ==
          R"(65 kept.jsonl:1: checkpoint "hash" is not 64 hex digits)");
    CHECK(parse_error(with("7", hash, "yesterday", key, sig)) ==
          R"(65 kept.jsonl:1: checkpoint "time" is not an RFC 3339 time)");
    CHECK(parse_error(with("7", hash, time, key + "00", sig)) ==
          R"(65 kept.jsonl:1: checkpoint "public_key" is not 64 hex digits)");
    CHECK(parse_error(with("7", hash, time, key, sig.substr(1))) ==
          R"(65 kept.jsonl:1: checkpoint "signature" is not 128 hex digits)");
    CHECK(parse_error(R"({"type":"checkpoint","seq":7})") == R"(65 kept.jsonl:1: checkpoint without a "hash" string)");
}

TEST_CASE("checkpoint: a ledger checked against its checkpoints and the copies kept elsewhere") {
    test::TempDir dir;
    auto ledger = ledger_of(dir.file("ledger.db"), 3);
    const track::PrivateKey key = fixed_key();
    const track::PublicKey& ours = key.public_key();

    track::CheckpointCheck check = track::check_checkpoints(*ledger, ours, {});
    CHECK(check.failure == "none, so nothing is signed (sign the chain's head with 'trk ledger sign --key FILE')");

    const track::ChainLink head = *ledger->head();
    CHECK(head.seq == 3);
    CHECK(ledger->record_hash(3) == head.hash);
    CHECK_FALSE(ledger->record_hash(4));
    const track::Checkpoint signed_head = track::sign_checkpoint(key, head, seven);
    ledger->add_checkpoint(signed_head);
    CHECK(ledger->checkpoints() == std::vector{signed_head});
    check = track::check_checkpoints(*ledger, ours, {});
    CHECK_FALSE(check.failure);
    CHECK(check.checked == 1);
    CHECK(check.last_seq == 3);
    CHECK(check.unsigned_records == 0);

    // Two more records: the unsigned tail; a copy of the checkpoint kept elsewhere is the same one.
    ledger = ledger_of(dir.file("ledger.db"), 5);
    check = track::check_checkpoints(*ledger, ours, {{signed_head, "kept.jsonl:1"}});
    CHECK_FALSE(check.failure);
    CHECK(check.checked == 1);
    CHECK(check.unsigned_records == 2);

    const auto failure = [&](const track::Checkpoint& c, const std::string& where = "kept.jsonl:1") {
        return track::check_checkpoints(*ledger, ours, {{c, where}}).failure.value_or("holds");
    };
    const std::string at_3 = "failed at record 3, checkpoint signed 2026-11-24T07:00:00.000Z (kept.jsonl:1): ";
    const track::Digest other_hash = track::sha256("another chain");
    CHECK(failure(track::sign_checkpoint(key, {3, other_hash}, seven)) ==
          at_3 + "the chain was rewritten: record 3 was signed with hash " + track::to_hex(other_hash) +
              ", the ledger's has hash " + track::to_hex(head.hash));
    CHECK(failure(track::sign_checkpoint(key, {9, other_hash}, seven)) ==
          "failed at record 9, checkpoint signed 2026-11-24T07:00:00.000Z (kept.jsonl:1): the chain was cut off: "
          "record 9 was signed with hash " +
              track::to_hex(other_hash) + ", the ledger has no record 9 (its chain ends at record 5)");
    track::Checkpoint forged = signed_head;
    forged.signature[0] ^= 1;
    CHECK(failure(forged) == at_3 + "bad signature: forged, or changed after it was signed");
    const track::PrivateKey theirs = track::PrivateKey::generate();
    CHECK(failure(track::sign_checkpoint(theirs, head, seven)) == at_3 + "signed by another key");
    // A valid checkpoint of the chain that the ledger no longer holds: deleted behind trk's back.
    CHECK(failure(track::sign_checkpoint(key, head, seven + 1)) ==
          "failed at record 3, checkpoint signed 2026-11-24T07:00:00.001Z (kept.jsonl:1): deleted from the ledger "
          "behind trk's back (this copy of it is intact)");

    // The first contradicted, in seq order, is the one named, wherever it comes from.
    ledger->add_checkpoint(track::sign_checkpoint(theirs, {5, *ledger->record_hash(5)}, seven));
    check = track::check_checkpoints(*ledger, ours, {{track::sign_checkpoint(key, {4, other_hash}, seven), "k:9"}});
    CHECK(
        check.failure.value_or("").starts_with("failed at record 4, checkpoint signed 2026-11-24T07:00:00.000Z (k:9)"));
    CHECK(check.checked == 2);
    CHECK(track::check_checkpoints(*ledger, ours, {}).failure ==
          "failed at record 5, checkpoint signed 2026-11-24T07:00:00.000Z (in the ledger): signed by another key");
    CHECK(ledger->records_after(3) == 2);
    CHECK(ledger->records_after(5) == 0);
}
