// Resolving devices and tags to assets through the ledger's links (see track/ledger_links.hpp).
#include "track/ledger_links.hpp"

namespace track {

LinkResolver::LinkResolver(const std::vector<Link>& links) {
    for (const Link& link : links) add(link);
}

void LinkResolver::add(const Link& link) {
    Map& map = link.kind == LinkKind::device ? devices_ : link.kind == LinkKind::uri ? uris_ : epcs_;
    map.emplace(link.value, link.asset);
    if (link.kind == LinkKind::epc) {
        epc_links_.emplace_back(link.value, link.asset);
        identities_made_ = false;
    }
}

const std::string& LinkResolver::find(const Map& map, const std::string& key) {
    static const std::string none;
    const auto it = map.find(key);
    return it == map.end() ? none : it->second;
}

const std::string& LinkResolver::device_asset(const std::string& device) const { return find(devices_, device); }

const std::string& LinkResolver::epc_asset(const std::string& epc) const { return find(epcs_, epc); }

const std::string& LinkResolver::tag_asset(const std::string& epc, const std::string& uri) const {
    const std::string& by_epc = find(epcs_, epc);
    return by_epc.empty() && !uri.empty() ? find(uris_, uri) : by_epc;
}

const std::string& LinkResolver::identity_asset(const std::string& uri) {
    if (const std::string& linked = find(uris_, uri); !linked.empty()) return linked;
    if (!identities_made_) {
        epc_identities_.clear();
        for (const auto& [epc, asset] : epc_links_) {
            if (epc::decode(epc, decoded_)) epc_identities_.emplace(decoded_.pure_uri, asset);
        }
        identities_made_ = true;
    }
    return find(epc_identities_, uri);
}

void LinkResolver::resolve(Record& record) {
    if (auto* fix = std::get_if<Fix>(&record); fix != nullptr && fix->asset.empty()) {
        fix->asset = device_asset(fix->device);
    } else if (auto* read = std::get_if<Read>(&record); read != nullptr && read->asset.empty()) {
        if (read->uri.empty() && epc::decode(read->epc, decoded_)) read->uri = decoded_.pure_uri;
        read->asset = tag_asset(read->epc, read->uri);
    } else if (auto* reading = std::get_if<Reading>(&record); reading != nullptr && reading->asset.empty()) {
        reading->asset = device_asset(reading->device);
    }
}

}  // namespace track
