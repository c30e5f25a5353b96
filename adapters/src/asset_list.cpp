// Asset lists and EPC link values (see adapters/asset_list.hpp).
#include "adapters/asset_list.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "adapters/csv.hpp"
#include "track/epc.hpp"
#include "track/error.hpp"

namespace adapters {

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
    csv::Reader reader(source, problems);
    csv::Row row;
    if (!reader.next(row)) return list;
    ++list.records;
    const csv::Header header(row);
    (void)header.require("id");
    std::vector<std::string> known;  // each column's name in lower case, to match the known ones
    for (std::string name : header.names()) {
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        known.push_back(std::move(name));
    }
    std::vector<track::Link> links;  // the row's, kept only if the row is an asset
    while (reader.next(row)) {
        ++list.records;
        track::Asset a;
        a.created = now;
        links.clear();
        for (std::size_t i = 0; i < known.size() && i < row.cells.size(); ++i) {
            const std::string& column = known[i];
            const std::string& value = row.cells[i];
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
                    problems.skipped(row.where, "bad epc", value);
                }
            } else a.attrs[header.names()[i]] = value;
        }
        if (a.id.empty()) {
            problems.skipped(row.where, "no id", "");
            continue;
        }
        if (const std::string why = track::id_problem(a.id); !why.empty()) {
            problems.skipped(row.where, "bad id", "the id " + why);
            continue;
        }
        for (track::Link& l : links) {
            l.asset = a.id;
            list.links.push_back(std::move(l));
        }
        list.assets.push_back(std::move(a));
    }
    return list;
}

}  // namespace adapters
