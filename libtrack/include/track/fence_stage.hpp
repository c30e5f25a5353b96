// The `trk fence` stage: per asset and fence, debounced enter/exit/dwell/cross events from fixes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "track/fence.hpp"
#include "track/record.hpp"

namespace track {

/// Which events the stage writes.
struct FenceEvents {
    bool enter = true;
    bool exit = true;
    bool cross = true;
    bool dwell = true;
    bool inside = false;   ///< a level event for each fix inside a fence
    bool outside = false;  ///< a level event for each fix outside a fence the asset has been in
};

/// How the stage decides; a fence's GeoJSON properties "margin" (metres), "min_dwell" and
/// "dwell" (seconds) override the first three for that fence.
struct FenceStageOptions {
    double margin_m = 0;          ///< hysteresis: metres inside to enter, outside to leave
    Millis min_dwell = 0;         ///< a new state must hold this long before its event fires
    std::optional<Millis> dwell;  ///< inside this long: one dwell event per visit
    double uere_m = 5;            ///< metres of error per unit of hdop, when a fix has no GST errors
    FenceEvents events;
};

/// What the stage has seen.
struct FenceStageCounts {
    std::uint64_t fixes = 0;         ///< fixes with a position that were used
    std::uint64_t out_of_order = 0;  ///< fixes older than their asset's last one: passed through unused
    std::uint64_t events = 0;
};

/// What the stage needs of the index for one fix; a FenceScout works it out ahead of the
/// stage, on another thread.
struct FenceLookup {
    std::vector<std::size_t> covering;  ///< the fences holding the fix (FenceIndex::containing)
    /// The fences that the step from the asset's previous fix meets, leaving out some of those
    /// holding either end (FenceIndex::crossing); worked out when `has_from`.
    std::vector<std::size_t> crossing;
    double from_lat = 0, from_lon = 0;  ///< the step's start
    bool has_from = false;
    /// The scout's number for the fix's asset: the stage finds the asset's state by it
    /// rather than by its name. A stage takes the lookups of one scout only.
    std::size_t asset = no_asset;
    static constexpr std::size_t no_asset = static_cast<std::size_t>(-1);
};

/// Turns fixes into zone events. Feed every fix in input order; events come out through
/// the sink before the fix that caused them is written, so the output stays in time order
/// per asset. Deterministic: the same fixes and state give the same events.
class FenceStage {
public:
    using Sink = std::function<void(const Event&)>;

    FenceStage(const FenceIndex& index, FenceStageOptions options, Sink sink);

    /// Processes one fix: emits its events and sets `fix.zones` (the fences the asset is in
    /// after it). A fix without a position, or older than its asset's last fix, is left
    /// as it is (the latter counted as out of order).
    void fix(Fix& fix);
    /// As above, with what a FenceScout looked up for the fix beforehand (on another thread:
    /// see `trk fence`). A step that the scout saw from another start than the stage's (it
    /// follows the same rules, so only when it was not told the loaded state) is looked up
    /// again.
    void fix(Fix& fix, const FenceLookup& lookup);

    /// The per-asset state as JSON text (stable order), to carry decisions across runs.
    [[nodiscard]] std::string save_state() const;
    /// Restores what save_state wrote. Throws InputError naming `where` when it is not a
    /// state file of this version.
    void load_state(std::string_view json, const std::string& where);

    [[nodiscard]] const FenceStageCounts& counts() const { return counts_; }
    /// The options it decides by.
    [[nodiscard]] const FenceStageOptions& options() const { return options_; }

    /// An asset's last fix as the stage keeps it: where the asset's next step starts.
    struct LastFix {
        std::string_view asset;
        Millis time = 0;
        double lat = 0, lon = 0;
        std::span<const std::size_t> covering;  ///< the fences holding it, ascending
    };
    /// The last fix of every asset that has one, in no set order (what a FenceScout starts
    /// from). Views into the stage: valid until it takes another fix or state.
    [[nodiscard]] std::vector<LastFix> last_fixes() const;

private:
    /// What the stage knows of one asset and one fence.
    struct Membership {
        bool inside = false;
        Millis entered = 0;             ///< start of the current visit
        bool dwell_done = false;        ///< the visit's dwell event was written
        std::optional<Millis> pending;  ///< first fix of a candidate change of state
        bool known = false;             ///< the asset has been inside this fence (outside events)
    };
    struct AssetState {
        Millis last_time = 0;
        double lat = 0, lon = 0;
        bool has_last = false;
        std::vector<std::size_t> covering;         ///< the fences holding the last fix (cross skips them)
        std::map<std::size_t, Membership> fences;  ///< by the fence's position in the index
    };

    void decide(const Fix& fix, const std::string& asset, std::size_t index, bool covered, Membership& m,
                double error_m);
    /// Writes the event, with the members gathered in members_ (then cleared).
    void emit(std::string_view kind, const Fix& fix, const Fence& fence, Millis time);
    /// Adds "visit": FENCE/ASSET/ENTERED, the id an enter shares with its dwell and exit.
    void append_visit(const std::string& asset, const Fence& fence, Millis entered);
    /// Adds a member `name` (dwell_s) of seconds from milliseconds.
    void append_seconds(std::string_view name, Millis ms);

    /// A fence's settings: the options, overridden by its properties (read once).
    struct Settings {
        double margin_m = 0;
        Millis min_dwell = 0;
        std::optional<Millis> dwell;
    };

    const FenceIndex& index_;
    FenceStageOptions options_;
    std::vector<Settings> settings_;  ///< by the fence's position in the index
    Sink sink_;
    std::unordered_map<std::string, AssetState> assets_;
    std::map<std::string, std::size_t> by_id_;  ///< fence id -> position in the index
    std::vector<AssetState*> by_number_;        ///< by the scout's asset number (FenceLookup::asset)
    // Buffers reused fix after fix (this is the hot path).
    FenceLookup lookup_;  ///< for fix(Fix&)
    std::vector<std::size_t> scratch_, candidates_, ends_;
    Event event_;                  ///< the event being written, reused
    fmt::memory_buffer members_;   ///< its members beyond the common ones
    std::string visit_;            ///< a visit id being built
    FenceStageCounts counts_;
};

/// Looks up the index for the fixes a FenceStage will see, ahead of it: it follows each
/// asset's fixes by the stage's rules (fixes without a position or older than the asset's
/// last one do not count) so that its steps are the stage's. Start it from the stage once
/// the stage's state is loaded; it only reads the stage then. Runs on another thread than
/// the stage's: a step's lookup touches the grid cells that the fix's own lookup has just
/// brought into that core's cache.
class FenceScout {
public:
    FenceScout(const FenceIndex& index, const FenceStage& stage);
    /// Fills `lookup` for the fix (nothing for one without a position): the fences holding
    /// it, and with `crossing` those its step meets (else the stage works them out).
    void look(const Fix& fix, FenceLookup& lookup, bool crossing = true);

private:
    struct Last {
        std::size_t number = 0;  ///< the asset's number (FenceLookup::asset)
        Millis time = 0;
        double lat = 0, lon = 0;
        std::vector<std::size_t> covering;
    };
    const FenceIndex& index_;
    bool crossings_;
    std::unordered_map<std::string, Last> assets_;
    std::vector<std::size_t> ends_;
};

}  // namespace track
