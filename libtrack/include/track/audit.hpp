// Yard audits: which expected assets were seen in a zone within a window, which were not, and what else was.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "track/ledger.hpp"
#include "track/time.hpp"

namespace track {

/// What an audit says of one asset (or tag).
enum class AuditStatus {
    missing,     ///< expected, not seen in the window
    misplaced,   ///< expected here, seen only in other zones in the window
    unknown,     ///< seen here, but a tag linked to no asset (or an asset not registered)
    unexpected,  ///< a registered asset whose home is elsewhere, seen here
    present,     ///< expected and seen here
};

/// "missing", "misplaced", "unknown", "unexpected", "present".
std::string_view to_string(AuditStatus status) noexcept;

/// One line of an audit.
struct AuditLine {
    std::string key;    ///< the asset id, or "epc:HEX" for a tag linked to no asset
    std::string asset;  ///< empty for unknown tags
    std::string epc;    ///< the tag's EPC, or the asset's first linked EPC
    std::string uri;    ///< the tag's URI, or the asset's first linked URI
    AuditStatus status = AuditStatus::present;
    std::optional<Millis> seen;  ///< latest sighting: here (present, unexpected, unknown), elsewhere
                                 ///< in the window (misplaced), anywhere ever (missing)
    std::string seen_zone;       ///< where that was ("" when the sighting had no zone)
    std::string change;          ///< against the previous audit of the zone: "newly missing",
                                 ///< "newly misplaced", "newly present", "" (the same, or no previous)
};

/// Counts of an audit's lines by status.
struct AuditCounts {
    std::size_t present = 0, missing = 0, misplaced = 0, unexpected = 0, unknown = 0;
};

/// An audit of one zone: fed the expected assets, the sightings of the window in time
/// order, and where assets were last seen; finished against the previous audit.
class Audit {
public:
    /// `expected`: asset ids, or "epc:HEX" for expected tags linked to no asset;
    /// `registered`: every asset the ledger knows.
    Audit(std::string zone, std::vector<std::string> expected, std::set<std::string> registered);

    /// A fix or read of the window; `asset` is its asset as resolved (empty: none).
    void sighting(const Sighting& s, const std::string& asset);
    /// Where an asset was last seen, ever (for the missing ones).
    void last_seen(const std::string& asset, Millis time, const std::string& zone);
    /// The first EPC and URI linked to an asset, shown in its line.
    void identity(const std::string& asset, const std::string& epc, const std::string& uri);

    /// The lines, discrepancies first (missing, misplaced, unknown, unexpected, present), by
    /// key within a status; `change` filled from `previous` when given.
    [[nodiscard]] std::vector<AuditLine> finish(const std::optional<StoredAudit>& previous) const;

private:
    struct Seen {
        Millis time = 0;
        std::string zone;
        std::string epc, uri;
    };
    std::string zone_;
    std::vector<std::string> expected_;
    std::set<std::string> registered_;
    std::map<std::string, Seen> here_, elsewhere_, ever_;
    std::map<std::string, std::pair<std::string, std::string>> identity_;  ///< asset -> (epc, uri)
};

/// Counts `lines` by status.
AuditCounts count(const std::vector<AuditLine>& lines);

}  // namespace track
