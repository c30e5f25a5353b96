// Signed checkpoints of the ledger's hash chain: what is signed, their JSON line, and the
// check that the chain still passes through every signed head.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "track/ledger.hpp"
#include "track/signing.hpp"

namespace track {

/// The domain and version every checkpoint message starts with.
inline constexpr std::string_view checkpoint_domain = "trk-ledger-checkpoint-v1\n";

/// The bytes a checkpoint's signature covers: checkpoint_domain, then the seq in decimal,
/// the hash in lower-case hex and the time in RFC 3339 UTC with milliseconds, each ending
/// in a newline. The domain keeps a signature made for anything else (an export, another
/// version) from passing for a checkpoint.
std::string checkpoint_message(const Checkpoint& checkpoint);

/// The checkpoint of `head` at `time`, signed with `key`.
Checkpoint sign_checkpoint(const PrivateKey& key, const ChainLink& head, Millis time);

/// Whether the checkpoint's signature is valid for its own key.
bool checkpoint_signature_valid(const Checkpoint& checkpoint);

/// Appends the checkpoint as one JSON line, what `trk ledger sign` prints:
/// {"type":"checkpoint","seq":N,"hash":HEX,"time":RFC3339,"public_key":HEX,"signature":HEX}.
void append_json(fmt::memory_buffer& out, const Checkpoint& checkpoint);

/// A checkpoint read from a copy kept outside the ledger, and where: "FILE:LINE".
struct KeptCheckpoint {
    Checkpoint checkpoint;
    std::string where;
};

/// Parses lines that append_json wrote (empty lines are skipped) from the text of `file`.
/// Throws InputError naming "file:line" at the first line that is not a checkpoint.
std::vector<KeptCheckpoint> parse_checkpoints(std::string_view text, const std::string& file);

/// What checking a ledger against its checkpoints found.
struct CheckpointCheck {
    std::size_t checked = 0;               ///< distinct checkpoints checked
    std::optional<std::string> failure;    ///< the first checkpoint contradicted, and how; or "nothing is signed"
    std::optional<std::int64_t> last_seq;  ///< the record of the last checkpoint
    std::uint64_t unsigned_records = 0;    ///< records after it: protected by the hash chain alone
};

/// Checks the checkpoints kept in `ledger` and the copies in `kept`, in seq order, and
/// stops at the first that is contradicted: its signature must be valid and made by
/// `key`, the ledger must hold its record with exactly its hash, and a copy must still be
/// in the ledger (a checkpoint deleted behind trk's back). A ledger without any
/// checkpoint fails too: nothing is signed.
CheckpointCheck check_checkpoints(Ledger& ledger, const PublicKey& key, const std::vector<KeptCheckpoint>& kept);

}  // namespace track
