// Fuzz harness: asset lists (adapters::read_asset_list, `trk asset import`), whole, in pieces, and row by row.
#include <optional>
#include <set>

#include "adapters/asset_list.hpp"
#include "adapters/csv.hpp"
#include "fuzz.hpp"

namespace {

constexpr track::Millis now = 1'795'478'400'000;

// The assets and links of a list as text, checking that each has what the ledger needs.
std::string describe(const adapters::AssetList& list) {
    std::string out;
    std::set<std::string> ids;
    for (const track::Asset& a : list.assets) {
        fuzz::expect(!a.id.empty(), "every asset has an id");
        ids.insert(a.id);
        out += fmt::format("asset {} name={} kind={} home={} attrs={}\n", a.id, a.name, a.kind, a.home, a.attrs.size());
    }
    for (const track::Link& l : list.links) {
        fuzz::expect(ids.contains(l.asset), "every link belongs to an imported asset",
                     fmt::format("{} '{}' of asset '{}'", track::to_string(l.kind), l.value, l.asset));
        fuzz::expect(!l.value.empty(), "every link has a value");
        out += fmt::format("link {} {} {}\n", l.asset, track::to_string(l.kind), l.value);
    }
    return out;
}

// The list read from `text`; nullopt when it has no usable header.
std::optional<adapters::AssetList> read(std::string_view text) {
    test::SlowSource source(std::string(text), text.size() + 1, "fuzz");
    test::Problems problems;
    try {
        return adapters::read_asset_list(source, problems, now);
    } catch (const track::InputError&) {
        return std::nullopt;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::text_of(data, size);
    fuzz::check_pieces(input, [](adapters::ByteSource& source, fuzz::Transcript& t) {
        t.out += describe(adapters::read_asset_list(source, t.problems, now));
    });
    // Each row stands alone: the list read whole gives what its records give, each written
    // (by the CSV writer) under the header and read alone.
    const auto whole = read(input);
    if (!whole) return 0;
    test::SlowSource source(std::string(input), input.size() + 1, "fuzz");
    test::Problems problems;
    adapters::csv::Reader reader(source, problems);
    adapters::csv::Row row;
    std::string header;
    adapters::AssetList rows;
    // A record as the writer writes it; `quoted`: every cell quoted, so that separators in
    // cells do not count when the separator is told from the header.
    const auto written = [&reader](const adapters::csv::Row& record, bool quoted) {
        fmt::memory_buffer out;
        for (std::size_t i = 0; i < record.cells.size(); ++i) {
            if (i > 0) out.push_back(reader.separator());
            if (!quoted) {
                adapters::csv::append_cell(out, record.cells[i], reader.separator());
                continue;
            }
            out.push_back('"');
            for (const char c : record.cells[i]) {
                if (c == '"') out.push_back('"');
                out.push_back(c);
            }
            out.push_back('"');
        }
        out.push_back('\n');
        return fmt::to_string(out);
    };
    while (reader.next(row)) {
        if (header.empty()) {
            header = "\xEF\xBB\xBF" + written(row, true);  // the mark: a first cell that starts with one keeps it
            continue;
        }
        if (auto one = read(header + written(row, false))) {
            rows.assets.insert(rows.assets.end(), one->assets.begin(), one->assets.end());
            rows.links.insert(rows.links.end(), one->links.begin(), one->links.end());
        }
    }
    fuzz::expect(describe(*whole) == describe(rows), "each row of an asset list stands alone",
                 describe(*whole) + "----\n" + describe(rows));
    return 0;
}
