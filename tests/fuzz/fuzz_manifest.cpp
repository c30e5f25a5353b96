// Fuzz harness: audit manifests (adapters::read_manifest), JSON Lines or CSV.
#include "adapters/manifest.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    test::Problems problems;
    try {
        for (const std::string& entry : adapters::read_manifest(fuzz::text_of(data, size), "manifest.csv", problems)) {
            fuzz::expect(!entry.empty(), "a manifest entry is not empty");
        }
    } catch (const track::InputError& e) {
        fuzz::expect(std::string_view(e.what()).starts_with("manifest.csv"), "a manifest error names the manifest",
                     e.what());
    }
    for (const std::string& seen : problems.seen) {
        fuzz::expect(seen.starts_with("manifest.csv:"), "a manifest problem names its line", seen);
    }
    return 0;
}
