// An audit of one zone against the ledger, as `trk audit` runs it: shared by trk audit and trk map --audit.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "diagnostics.hpp"
#include "track/audit.hpp"
#include "track/ledger.hpp"
#include "track/time.hpp"

namespace cli {

/// What an audit of one zone found, before it is stored or written.
struct AuditFindings {
    std::vector<track::AuditLine> lines;          ///< discrepancies first, as Audit::finish gives them
    std::optional<track::StoredAudit> previous;   ///< the zone's last stored audit, compared against
    std::map<std::string, track::Position> last;  ///< each asset's latest position (the ledger's where())
    bool multi_site = false;                      ///< a central ledger answering for every site

    /// The site of a line's sighting, when it is its asset's last position on a central
    /// ledger answering for every site (a sighting carries no site); else empty.
    [[nodiscard]] std::string seen_site(const track::AuditLine& line) const;
};

/// Audits `zone` over the sightings from `from` to `to`: its expected assets are those whose
/// home it is, or the manifest `expected` (a file of asset ids or EPCs) when not empty.
/// NotFoundError (67) for a zone the ledger does not know ("did you mean"); InputError for an empty
/// manifest; problems of the manifest go to `diagnostics`. Stores nothing.
AuditFindings audit_zone(track::Ledger& ledger, const std::string& zone, const std::string& expected,
                         track::Millis from, track::Millis to, Diagnostics& diagnostics);

}  // namespace cli
