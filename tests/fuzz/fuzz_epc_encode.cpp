// Fuzz harness: tag-URI encoding (track::epc::encode), and the round trip through decode.
#include "fuzz.hpp"
#include "track/epc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string uri(fuzz::text_of(data, size));
    std::string hex;
    try {
        hex = track::epc::encode(uri);
    } catch (const track::epc::EncodeError& e) {
        fuzz::expect(std::string_view(e.what()).size() > 0, "an encode error says why", uri);
        return 0;
    }
    // A URI that encodes names a GS1 identity: its bits decode to a scheme (never raw), whose tag
    // URI encodes to the same bits again.
    fuzz::expect(!hex.empty() && hex.size() % 4 == 0, "an encoded EPC is whole 16-bit words", uri + "\n" + hex);
    track::epc::Identity identity;
    fuzz::expect(track::epc::decode(hex, identity), "an encoded EPC is hex", uri + "\n" + hex);
    fuzz::expect(!identity.is_raw(), "an encoded EPC decodes to its scheme",
                 uri + "\n" + hex + "\n" + identity.tag_uri);
    std::string again;
    try {
        again = track::epc::encode(identity.tag_uri);
    } catch (const track::epc::EncodeError& e) {
        fuzz::fail("the decoded tag URI encodes", uri + "\n" + identity.tag_uri + "\n" + e.what());
    }
    fuzz::expect(again == hex, "encode, decode, encode gives the same bits", uri + "\n" + hex + "\n" + again);
    return 0;
}
