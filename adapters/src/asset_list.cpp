// Asset lists and EPC link values (see adapters/asset_list.hpp).
#include "adapters/asset_list.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "track/epc.hpp"
#include "track/error.hpp"

namespace adapters {

namespace {
// An asset list line is a few short cells; this is far beyond any real one.
constexpr std::size_t max_line = 16 * 1024;
}  // namespace

track::Link epc_link(const std::string& value) {
    if (value.starts_with("urn:epc:id:")) return {track::LinkKind::uri, value, {}, 0};
    if (value.starts_with("urn:epc:tag:")) {
        try {
            return {track::LinkKind::epc, track::epc::encode(value), {}, 0};
        } catch (const track::epc::EncodeError& e) {
            throw track::InputError({}, e.what());
        }
    }
    track::epc::Identity identity;
    if (value.size() % 4 != 0 || !track::epc::decode(value, identity)) {
        throw track::InputError({}, fmt::format("'{}' is neither an EPC in hex (whole 16-bit words) nor an "
                                                "urn:epc:tag: or urn:epc:id: URI",
                                                value));
    }
    std::string hex = value;
    for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return {track::LinkKind::epc, hex, {}, 0};
}

AssetList read_asset_list(ByteSource& source, track::ProblemSink& problems, track::Millis now) {
    AssetList list;
    std::vector<std::string> header;
    for_each_line(source, max_line, problems, [&](std::string_view text, const track::Location& where) {
        if (trim_blanks(text).empty() || text.front() == '#') return;
        std::vector<std::string> cells;
        std::size_t start = 0;
        for (;;) {  // a plain comma split: asset lists hold no quoted commas (a quote is an error below)
            const std::size_t comma = text.find(',', start);
            cells.emplace_back(trim_blanks(text.substr(start, comma == std::string_view::npos ? comma : comma - start)));
            if (comma == std::string_view::npos) break;
            start = comma + 1;
        }
        if (header.empty()) {
            header = cells;
            if (std::find(header.begin(), header.end(), "id") == header.end()) {
                throw track::InputError(track::to_string(where), "the header has no id column");
            }
            return;
        }
        if (text.find('"') != std::string_view::npos) {
            problems.skipped(where, "quoted cell", "asset lists are plain comma-separated values");
            return;
        }
        track::Asset a;
        a.created = now;
        std::vector<track::Link> links;  // the row's, kept only if the row is an asset
        for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i) {
            const std::string& column = header[i];
            std::string& value = cells[i];
            if (value.empty()) continue;
            if (column == "id") a.id = value;
            else if (column == "name") a.name = value;
            else if (column == "kind") a.kind = value;
            else if (column == "home") a.home = value;
            else if (column == "device") links.push_back({track::LinkKind::device, value, {}, now});
            else if (column == "epc" || column == "uri") {
                try {
                    links.push_back(epc_link(value));
                    links.back().since = now;
                } catch (const track::InputError&) {
                    problems.skipped(where, "bad epc", value);
                }
            } else a.attrs[column] = value;
        }
        if (a.id.empty()) {
            problems.skipped(where, "no id", "");
            return;
        }
        for (track::Link& l : links) {
            l.asset = a.id;
            list.links.push_back(std::move(l));
        }
        list.assets.push_back(std::move(a));
    });
    return list;
}

}  // namespace adapters
