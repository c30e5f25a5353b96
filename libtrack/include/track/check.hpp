// The `trk check` stage: condition rules evaluated on every asset's records, opening and clearing violations.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "track/record.hpp"
#include "track/rules.hpp"

namespace track {

/// What the ledger knows of an asset, for `where kind=`, `home=` and attribute selectors.
struct AssetProfile {
    std::string kind = {};
    std::string home = {};
    std::map<std::string, std::string> attributes = {};
};

/// The profile of an asset id; nullptr when it is not known.
using ProfileLookup = std::function<const AssetProfile*(const std::string& asset)>;

/// One violation open now: the family's, as last written.
struct OpenViolation {
    std::string asset = {};
    std::string rule = {};       ///< the rule whose severity it has now
    std::string violation = {};  ///< its id: FIRST-RULE-OF-FAMILY/ASSET/SINCE
    Severity severity = Severity::warning;
    Millis since = 0;                  ///< when its condition began to hold
    std::string metric = {};           ///< the rule's first metric; empty for zone, stationary, unseen
    std::optional<double> value = {};  ///< what triggered it
    std::optional<double> peak = {};   ///< the worst value since
};

/// What a check run did.
struct CheckCounts {
    std::uint64_t violations = 0;   ///< violations opened
    std::uint64_t escalations = 0;  ///< violations re-written with another severity
    std::uint64_t clears = 0;       ///< violations cleared
};

/// Evaluates rules on records as they pass, asset by asset, by record time.
///
/// Each rule has, per asset, a state: idle, pending (its condition holds, not yet for its
/// `for` duration) or open. A rule opens when an evaluation finds its condition has held
/// for `for` (the violation's time is when it began to hold); it clears when the `clear`
/// comparison holds, or without one when the condition stops holding. Values are sampled
/// and held: a comparison uses the asset's latest value of its metric (readings' metrics,
/// and speed (m/s) and hdop of fixes), converted to the unit the rule names if it names
/// one; an asset without one does not meet it. Trend factors read windows of the asset's
/// recent values of their metric (rate, zscore, forecast) or an EWMA. Rules whose
/// condition is one comparison on the same metric and unit in the same direction (above, below)
/// with the same `where` form a family: one violation per family and asset, written again
/// when the most severe open rule changes, and cleared when none is open.
///
/// Evaluated: comparisons and zone tests at the asset's records that change their inputs,
/// `stationary` at its fixes, `unseen` whenever record time (the latest time seen in the
/// input) passes the asset's last record plus the duration; all of them at advance_to().
class Checker {
public:
    using Sink = std::function<void(const Event&)>;
    /// Where problems with the input that skip no record are told, a line each (a reading
    /// whose unit does not convert to a rule's): standard error, for the command.
    using Note = std::function<void(std::string_view)>;

    /// Throws InputError naming the rule when one cannot be evaluated (unseen combined
    /// with other tests, or two rules with one name).
    Checker(std::vector<Rule> rules, ProfileLookup profiles, Sink sink, Note note = {});
    ~Checker();
    Checker(const Checker&) = delete;
    Checker& operator=(const Checker&) = delete;

    /// Evaluates what `record` changes; events go to the sink before the caller passes the
    /// record on. Fixes, reads and readings of an asset (`asset`, else `device`) count as
    /// seeing it; other records only move record time.
    void record(const Record& record);
    /// Seeds the time an asset was last seen (from the ledger), so that `unseen` also covers
    /// assets absent from the input. Later than what is known only.
    void seen(const std::string& asset, Millis time);
    /// Evaluates everything at `now` (--now): unseen, stationary and `for` timers whose
    /// time has come, with the values held.
    void advance_to(Millis now);

    /// The violations open now, by asset then rule family.
    [[nodiscard]] std::vector<OpenViolation> open() const;
    [[nodiscard]] const CheckCounts& counts() const;
    /// What looks like a typo in the rules, one line each: a metric or zone that rules name,
    /// that no record so far carried, and that is close to one the records did carry
    /// ("rule cold: no record had the metric "tempertaure" (did you mean "temperature"?)").
    [[nodiscard]] std::vector<std::string> likely_typos() const;

    /// The state as JSON: assets' held values, zones, positions, and every rule's state.
    [[nodiscard]] std::string save_state() const;
    /// Restores what save_state wrote; rules no longer given are forgotten with their
    /// state. Throws InputError naming `where` when it is not a check state file.
    void load_state(std::string_view json, const std::string& where);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace track
