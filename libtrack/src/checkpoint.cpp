// Signed checkpoints of the hash chain (see track/checkpoint.hpp).
#include "track/checkpoint.hpp"

#include <algorithm>
#include <sodium.h>
#include <span>
#include <tuple>

#include <simdjson.h>

#include "track/error.hpp"
#include "track/json_writer.hpp"
#include "track/lines.hpp"
#include "track/time.hpp"

namespace track {

namespace {

// Decodes `hex` into all of `out`, strictly: exactly 2 * out.size() hex digits.
bool from_hex(std::string_view hex, std::span<std::uint8_t> out) {
    std::size_t size = 0;
    const char* end = nullptr;
    return hex.size() == 2 * out.size() &&
           sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &size, &end) == 0 &&
           size == out.size() && end == hex.data() + hex.size();
}

// Parses one checkpoint line; InputError naming `where`.
Checkpoint parse_checkpoint(simdjson::dom::parser& parser, std::string_view line, const std::string& where) {
    simdjson::dom::object object;
    if (parser.parse(line.data(), line.size()).get_object().get(object) != simdjson::SUCCESS) {
        throw InputError(where, "not a JSON object, so not a checkpoint line of 'trk ledger sign'");
    }
    std::string_view type;
    if (object["type"].get_string().get(type) != simdjson::SUCCESS || type != "checkpoint") {
        throw InputError(where, "not a checkpoint (\"type\" is not \"checkpoint\")");
    }
    const auto text = [&](const char* field) {
        std::string_view value;
        if (object[field].get_string().get(value) != simdjson::SUCCESS) {
            throw InputError(where, fmt::format("checkpoint without a \"{}\" string", field));
        }
        return value;
    };
    const auto hex = [&](const char* field, std::span<std::uint8_t> out) {
        if (!from_hex(text(field), out)) {
            throw InputError(where, fmt::format("checkpoint \"{}\" is not {} hex digits", field, 2 * out.size()));
        }
    };
    Checkpoint c;
    if (object["seq"].get_int64().get(c.seq) != simdjson::SUCCESS || c.seq < 1) {
        throw InputError(where, "checkpoint \"seq\" is not a record number (an integer from 1)");
    }
    hex("hash", c.hash);
    const auto time = parse_rfc3339(text("time"));
    if (!time) throw InputError(where, "checkpoint \"time\" is not an RFC 3339 time");
    c.time = *time;
    hex("public_key", c.key);
    hex("signature", c.signature);
    return c;
}

// "failed at record 143, checkpoint signed 2026-11-24T07:00:00.000Z (in the ledger)".
std::string failed_at(const Checkpoint& c, std::string_view where) {
    return fmt::format("failed at record {}, checkpoint signed {} ({})", c.seq, format_rfc3339(c.time), where);
}

// Why `c` is contradicted, or nullopt when it holds.
std::optional<std::string> contradiction(Ledger& ledger, const PublicKey& key, const Checkpoint& c) {
    if (c.key != key) return "signed by another key";
    if (!checkpoint_signature_valid(c)) return "bad signature: forged, or changed after it was signed";
    const std::optional<Digest> found = ledger.record_hash(c.seq);
    if (!found) {
        const std::optional<ChainLink> head = ledger.head();
        return fmt::format("the chain was cut off: record {} was signed with hash {}, the ledger has no record {} ({})",
                           c.seq, to_hex(c.hash), c.seq,
                           head ? fmt::format("its chain ends at record {}", head->seq) : "it holds no record");
    }
    if (*found != c.hash) {
        return fmt::format("the chain was rewritten: record {} was signed with hash {}, the ledger's has hash {}",
                           c.seq, to_hex(c.hash), to_hex(*found));
    }
    return std::nullopt;
}

}  // namespace

std::string checkpoint_message(const Checkpoint& c) {
    return fmt::format("{}{}\n{}\n{}\n", checkpoint_domain, c.seq, to_hex(c.hash), format_rfc3339(c.time));
}

Checkpoint sign_checkpoint(const PrivateKey& key, const ChainLink& head, Millis time) {
    Checkpoint c{head.seq, head.hash, time, key.public_key(), {}};
    c.signature = key.sign(checkpoint_message(c));
    return c;
}

bool checkpoint_signature_valid(const Checkpoint& c) {
    return signature_valid(c.key, checkpoint_message(c), c.signature);
}

void append_json(fmt::memory_buffer& out, const Checkpoint& c) {
    JsonWriter w(out);
    w.begin_object();
    w.key("type").string("checkpoint");
    w.key("seq").integer(c.seq);
    w.key("hash").string(to_hex(c.hash));
    w.key("time").time(c.time);
    w.key("public_key").string(to_hex(c.key));
    w.key("signature").string(to_hex(c.signature));
    w.end_object().newline();
}

std::vector<KeptCheckpoint> parse_checkpoints(std::string_view text, const std::string& file) {
    simdjson::dom::parser parser;
    std::vector<KeptCheckpoint> kept;
    std::size_t number = 0;
    for (const std::string_view line : split_lines(text)) {
        ++number;
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
        std::string where = fmt::format("{}:{}", file, number);
        Checkpoint c = parse_checkpoint(parser, line, where);
        kept.push_back({c, std::move(where)});
    }
    return kept;
}

CheckpointCheck check_checkpoints(Ledger& ledger, const PublicKey& key, const std::vector<KeptCheckpoint>& kept) {
    // Every distinct checkpoint once, in seq order, and whether the ledger keeps it. Sorted
    // on all their bytes, equal checkpoints are neighbours, the ledger's first: a ledger of
    // years of cron signing and its kept copy are merged in n log n.
    struct Entry {
        Checkpoint checkpoint;
        std::string_view where;
        bool in_ledger = false;
    };
    const auto order = [](const Entry& e) {
        const Checkpoint& c = e.checkpoint;
        return std::tie(c.seq, c.time, c.hash, c.key, c.signature);
    };
    std::vector<Entry> all;
    for (const Checkpoint& c : ledger.checkpoints()) all.push_back({c, "in the ledger", true});
    for (const KeptCheckpoint& k : kept) all.push_back({k.checkpoint, k.where, false});
    std::stable_sort(all.begin(), all.end(), [&](const Entry& a, const Entry& b) {
        return std::tuple_cat(order(a), std::tuple(!a.in_ledger)) < std::tuple_cat(order(b), std::tuple(!b.in_ledger));
    });
    all.erase(std::unique(all.begin(), all.end(),
                          [](const Entry& a, const Entry& b) { return a.checkpoint == b.checkpoint; }),
              all.end());

    CheckpointCheck check;
    if (all.empty()) {
        check.failure = "none, so nothing is signed (sign the chain's head with 'trk ledger sign --key FILE')";
        return check;
    }
    for (const Entry& e : all) {
        ++check.checked;
        std::optional<std::string> why = contradiction(ledger, key, e.checkpoint);
        if (!why && !e.in_ledger) why = "deleted from the ledger behind trk's back (this copy of it is intact)";
        if (why) {
            check.failure = fmt::format("{}: {}", failed_at(e.checkpoint, e.where), *why);
            return check;
        }
    }
    check.last_seq = all.back().checkpoint.seq;
    check.unsigned_records = ledger.records_after(*check.last_seq);
    return check;
}

}  // namespace track
