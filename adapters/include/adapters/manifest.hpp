// Audit manifests (`trk audit --expected FILE`): the asset ids and tags a delivery should hold.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "track/problems.hpp"

namespace adapters {

/// The entries of a manifest, in order. JSON Lines when its first line (after blank lines
/// and `#` comments) starts with '{': each object gives the first of its "asset", "id",
/// "epc" or "uri" members. Otherwise CSV, read by csv::Reader (quoting, `,`/`;`/tab, CRLF,
/// byte-order mark, encodings): the column whose header is asset, id, epc or uri (any
/// case), else the first column, whose first row is then an entry too; empty cells are no
/// entry. `name` names the manifest in messages. Throws track::InputError naming
/// `name`:LINE for an object without one of those members, and as csv::Reader does for
/// another encoding; CSV records that cannot be read go to `problems`.
std::vector<std::string> read_manifest(std::string_view text, const std::string& name, track::ProblemSink& problems);

}  // namespace adapters
