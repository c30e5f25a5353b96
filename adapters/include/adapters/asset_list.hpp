// Asset lists (the CSV of `trk asset import`) and EPC link values to registry entries.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "adapters/byte_source.hpp"
#include "track/ledger.hpp"
#include "track/problems.hpp"
#include "track/time.hpp"

namespace adapters {

/// What an --epc value or an asset list's epc/uri cell links: a tag URI (urn:epc:tag:) is
/// encoded to its hex, a pure identity URI (urn:epc:id:) is linked as such (reads carry it in
/// `uri`), hex (whole 16-bit words) is upper-cased. The link's asset and time are left empty.
/// Throws track::InputError (without a place) saying why the value is none of those.
track::Link epc_link(const std::string& value);

/// The assets of a list and the links its rows give them.
struct AssetList {
    std::vector<track::Asset> assets;  ///< in file order
    std::vector<track::Link> links;    ///< each with the asset of its row
    std::uint64_t records = 0;         ///< CSV records read, the header's included
};

/// Reads an asset list through csv::Reader (RFC 4180 quoting; `,`, `;` or tab, as the header
/// uses; CRLF; a byte-order mark; encodings other than UTF-8 refused): a header with an `id`
/// column, then one asset per record. Columns id, name, kind, home, epc, uri and device
/// (names in any case); any other column is an attribute. Blank lines and lines starting
/// with '#' are skipped. Rows without an id, or an epc/uri that epc_link refuses (that cell
/// only) are reported to `problems`. Every asset and link is stamped `now`. Throws
/// track::InputError naming the header's place, and the columns it has, when it has no id
/// column.
AssetList read_asset_list(ByteSource& source, track::ProblemSink& problems, track::Millis now);

}  // namespace adapters
