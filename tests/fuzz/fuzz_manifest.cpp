// Fuzz harness: audit manifests (track::parse_manifest), JSON Lines or CSV.
#include "fuzz.hpp"
#include "track/audit.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        for (const std::string& entry : track::parse_manifest(fuzz::text_of(data, size), "manifest.csv")) {
            fuzz::expect(!entry.empty(), "a manifest entry is not empty");
        }
    } catch (const track::InputError& e) {
        fuzz::expect(std::string_view(e.what()).starts_with("manifest.csv:"), "a manifest error names its line",
                     e.what());
    }
    return 0;
}
