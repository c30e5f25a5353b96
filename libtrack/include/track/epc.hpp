// GS1 EPC Tag Data Standard 1.13 binary codec: EPC bank hex to tag/pure URIs and tag URIs back to hex.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace track::epc {

/// What a binary EPC decodes to.
struct Identity {
    std::string scheme;    ///< "sgtin-96", "grai-170", ...; empty when the EPC is not a GS1 scheme trk decodes (raw)
    int filter = -1;       ///< filter value 0..7; -1 when raw
    std::string tag_uri;   ///< urn:epc:tag:grai-96:3.0614141.12345.5678, or the raw URI urn:epc:raw:96.x3374...
    std::string pure_uri;  ///< urn:epc:id:grai:0614141.12345.5678; for raw EPCs the same raw URI as tag_uri

    /// True when the EPC decoded to the raw URI only (no GS1 scheme).
    [[nodiscard]] bool is_raw() const noexcept { return scheme.empty(); }
    /// Field-by-field equality.
    bool operator==(const Identity&) const = default;
};

/// A tag URI that cannot be encoded; the message names the offending part.
struct EncodeError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Decodes the EPC given as hex (either case; 1 or more digits; bit length = 4 * digits).
/// Schemes: sgtin-96, sscc-96, sgln-96, grai-96, giai-96, sgtin-198, sgln-195, grai-170, giai-202.
/// Returns false (leaving `out` untouched) only when `hex` is empty or holds a non-hex character.
/// Anything else decodes: a GS1 header with invalid content (bad partition, value out of range,
/// non-zero bits where zeros are required, a 7-bit character outside TDS Table A-1, too few bits)
/// and every other header give the raw URI urn:epc:raw:BITS.xHEX (hex upper case).
/// Bits after the scheme's length must be zero (EPC bank padding), otherwise the EPC is raw.
/// Reuses the capacity of `out`'s strings: no allocation once they have grown.
bool decode(std::string_view hex, Identity& out);

/// Encodes a tag URI (urn:epc:tag:SCHEME:FILTER.FIELDS) to upper-case hex: 24 digits for the
/// 96-bit schemes; the longer schemes are padded with zero bits to a whole number of 16-bit
/// words, as in the EPC bank (grai-170: 44 digits; sgln-195, sgtin-198, giai-202: 52 digits).
/// Throws EncodeError naming the offending part (unknown scheme, filter, digit counts, leading
/// zeros, values that do not fit their bits, characters outside TDS Table A-1, bad escapes).
std::string encode(std::string_view tag_uri);

}  // namespace track::epc
