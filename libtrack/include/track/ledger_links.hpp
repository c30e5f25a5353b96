// Which asset a record's tag or device names, through the ledger's links: the one resolver
// that `trk ledger import` stores records by and `trk audit` reads sightings and manifests by.
#pragma once

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "track/epc.hpp"
#include "track/ledger.hpp"
#include "track/record.hpp"

namespace track {

/// Resolves devices and tags to assets through links (the ledger's `links` table). The rule:
/// a device names the asset its device link names; a tag names the asset its EPC (hex) is
/// linked to, else the asset its pure identity URI is linked to. An EPC link stands for that
/// EPC only: another EPC of the same identity (another filter value or encoding) names no
/// asset until it, or the identity, is linked.
///
/// Until issue 14, `trk audit` also took an EPC link's pure identity as linked, so that a
/// stored, unresolved read of another EPC with that identity counted for the asset in an
/// audit while the ledger (where, history, unknown tags) kept it unresolved. The ledger's
/// rule is kept; audit reports such a tag as unknown (tests/cases/audit/same-identity).
class LinkResolver {
public:
    LinkResolver() = default;
    explicit LinkResolver(const std::vector<Link>& links);

    /// Adds a link; the first link of a value wins (the ledger keeps one a value).
    void add(const Link& link);
    /// The asset `device` is linked to; "" when none.
    [[nodiscard]] const std::string& device_asset(const std::string& device) const;
    /// The asset an EPC (upper-case hex) is linked to; "" when none.
    [[nodiscard]] const std::string& epc_asset(const std::string& epc) const;
    /// The asset a tag read as `epc`, with the pure identity `uri` ("" when unknown), names:
    /// by its EPC, else by its URI; "" when neither is linked.
    [[nodiscard]] const std::string& tag_asset(const std::string& epc, const std::string& uri) const;
    /// The asset an identity stands for in a list of what is expected (an audit's manifest):
    /// its URI link, else the asset whose linked EPC has this pure identity (the asset a read
    /// of that very tag names); "" when none.
    [[nodiscard]] const std::string& identity_asset(const std::string& uri);
    /// Fills in the asset of a record that has none: a fix's or reading's by its device, a
    /// read's by its tag. A read without a URI first gets the pure identity its EPC decodes to
    /// (and keeps it: the ledger stores it).
    void resolve(Record& record);

private:
    using Map = std::unordered_map<std::string, std::string>;
    static const std::string& find(const Map& map, const std::string& key);

    Map epcs_, uris_, devices_;
    std::vector<std::pair<std::string, std::string>> epc_links_;  ///< (EPC, asset), in the order added
    Map epc_identities_;  ///< pure identity of each linked EPC -> asset, made on first use
    bool identities_made_ = false;
    epc::Identity decoded_;  ///< scratch for decoding EPCs
};

}  // namespace track
