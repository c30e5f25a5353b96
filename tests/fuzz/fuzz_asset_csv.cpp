// Fuzz harness: asset lists, the CSV of `trk asset import` (adapters::read_asset_list), whole and in pieces.
#include <set>

#include "adapters/asset_list.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::check_pieces(fuzz::text_of(data, size), [](adapters::ByteSource& source, fuzz::Transcript& t) {
        const adapters::AssetList list = adapters::read_asset_list(source, t.problems, 1'795'478'400'000);
        std::set<std::string> ids;
        for (const track::Asset& a : list.assets) {
            fuzz::expect(!a.id.empty(), "every asset has an id");
            ids.insert(a.id);
            t.out += fmt::format("asset {} name={} kind={} home={} attrs={}\n", a.id, a.name, a.kind, a.home,
                                 a.attrs.size());
        }
        for (const track::Link& l : list.links) {
            // A link belongs to the asset of its row, which was imported.
            fuzz::expect(ids.contains(l.asset), "every link belongs to an imported asset",
                         fmt::format("{} '{}' of asset '{}'", track::to_string(l.kind), l.value, l.asset));
            fuzz::expect(!l.value.empty(), "every link has a value");
            t.out += fmt::format("link {} {} {}\n", l.asset, track::to_string(l.kind), l.value);
        }
    });
    return 0;
}
