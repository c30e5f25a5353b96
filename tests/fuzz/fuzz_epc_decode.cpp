// Fuzz harness: EPC decoding (track::epc::decode) of hex text, and of any bytes as binary EPCs.
#include "fuzz.hpp"
#include "track/epc.hpp"

namespace {

bool is_hex(std::string_view text) {
    for (const char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
    }
    return !text.empty();
}

// An EPC that decodes to a GS1 scheme encodes back from its tag URI to the same bits: the
// same hex, but for the zero padding after the scheme's length.
void check_decoded(const std::string& hex) {
    track::epc::Identity identity;
    fuzz::expect(track::epc::decode(hex, identity), "hex decodes", hex);
    fuzz::expect(!identity.tag_uri.empty() && !identity.pure_uri.empty(), "a decoded EPC has URIs", hex);
    if (identity.is_raw()) {
        fuzz::expect(identity.tag_uri == identity.pure_uri && identity.filter == -1, "a raw EPC has one raw URI", hex);
        return;
    }
    fuzz::expect(identity.filter >= 0 && identity.filter <= 7, "the filter is 0..7", hex);
    std::string upper = hex;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string encoded;
    try {
        encoded = track::epc::encode(identity.tag_uri);
    } catch (const track::epc::EncodeError& e) {
        fuzz::fail("the tag URI of a decoded EPC encodes", hex + "\n" + identity.tag_uri + "\n" + e.what());
    }
    // Either may be longer: the EPC bank's padding, or encode's own to whole 16-bit words; all zeros.
    const std::size_t common = std::min(encoded.size(), upper.size());
    const auto zeros = [](std::string_view rest) { return rest.find_first_not_of('0') == std::string_view::npos; };
    fuzz::expect(upper.compare(0, common, encoded, 0, common) == 0 && zeros(std::string_view(upper).substr(common)) &&
                     zeros(std::string_view(encoded).substr(common)),
                 "a decoded EPC encodes back to its bits", hex + "\n" + identity.tag_uri + "\n" + encoded);
    track::epc::Identity again;
    fuzz::expect(track::epc::decode(encoded, again) && again == identity, "the encoded EPC decodes the same",
                 hex + "\n" + encoded + "\n" + again.tag_uri);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::text_of(data, size);
    track::epc::Identity identity;
    const bool decoded = track::epc::decode(input, identity);
    fuzz::expect(decoded == is_hex(input), "decode takes exactly the non-empty hex texts", input);
    if (decoded) {
        check_decoded(std::string(input));
    } else if (size > 0 && size <= 64) {
        // Any bytes are the bits of some EPC (up to 512 bits): the schemes' fields, not only the hex parser.
        static constexpr char digits[] = "0123456789ABCDEF";
        std::string hex;
        for (std::size_t i = 0; i < size; ++i) {
            hex += digits[data[i] >> 4];
            hex += digits[data[i] & 15];
        }
        check_decoded(hex);
    }
    return 0;
}
