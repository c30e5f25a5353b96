// NMEA 0183 decoding: the sentences of one receiver cycle merged into one track::Fix.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "adapters/nmea_sentence.hpp"
#include "track/problems.hpp"
#include "track/record.hpp"

namespace adapters::nmea {

struct DecoderOptions {
    std::string asset;                     ///< written on every fix, when not empty
    std::string device;                    ///< written on every fix ("device" field)
    std::optional<track::CivilDate> date;  ///< date of the first epoch, for logs without RMC/ZDA
    bool keep_invalid = false;             ///< also emit epochs without a valid fix, as fix "none"
    bool derive_speed = true;              ///< give a fix without a measured speed one from positions
};

/// Turns lines of NMEA into fixes, one per receiver epoch.
///
/// An epoch is the run of consecutive sentences that carry the same time of day (within
/// 10 ms, since receivers write the same instant with 2 or 3 decimals). Sentences without
/// a time (GSA, VTG, GST, PGRMZ) belong to the epoch they follow, until the sentence that
/// ends the receiver's cycle has been read: that is learned from the stream, as gpsd does
/// (the kind of sentence read last before the time changed, in two cycles running), and
/// an untimed sentence after it waits for the next cycle's first timed sentence, so that a
/// cycle that lost its first sentences does not lend its GSA to the cycle before. An epoch
/// is a fix when its last statement of validity (GGA quality and satellites used, RMC/GLL
/// status, GNS mode, GSA mode) says valid and a sentence gave a position. Of several
/// positions in an epoch the most precise (most decimals) is kept, the later on a tie.
/// Dates come from RMC and ZDA; epochs without one take the nearest day to the last known
/// (date, time), which also carries GGA-only logs across midnight. A fix without a
/// measured speed gets one from the previous fix's position (`speed_derived`).
class Decoder {
public:
    using FixHandler = std::function<void(const track::Fix&)>;

    Decoder(DecoderOptions options, track::ProblemSink& problems, FixHandler on_fix);
    // Held sentences refer to this decoder: it stays where it was made.
    Decoder(const Decoder&) = delete;
    Decoder& operator=(const Decoder&) = delete;

    /// Feeds one line of input; `where` names it in problems and in each fix's `src`.
    void line(std::string_view text, const track::Location& where);

    /// End of input: emits the epoch still open.
    void finish();

    /// Counts for the end-of-run summary.
    struct Counts {
        std::uint64_t sentences = 0;  ///< valid sentences decoded
        std::uint64_t fixes = 0;      ///< fix records emitted
        std::uint64_t no_fix = 0;     ///< epochs without a valid fix
    };
    [[nodiscard]] const Counts& counts() const { return counts_; }

private:
    void sentence(const Sentence& s, const track::Location& where);
    void gga(const Sentence& s, const track::Location& where);
    void rmc(const Sentence& s, const track::Location& where);
    void gll(const Sentence& s, const track::Location& where);
    void gns(const Sentence& s, const track::Location& where);
    void vtg(const Sentence& s, const track::Location& where);
    void gsa(const Sentence& s, const track::Location& where);
    void gst(const Sentence& s, const track::Location& where);
    void zda(const Sentence& s, const track::Location& where);
    void pgrmz(const Sentence& s, const track::Location& where);

    /// Applies what an untimed sentence says to the epoch, or keeps it for the next one when
    /// the epoch's cycle has ended.
    template <typename Apply>
    void untimed(Apply apply);
    /// The time changed after a sentence of kind `cycle_.last`: learns the cycle's end.
    void learn_cycle_end();
    /// Applies the untimed sentences kept for the epoch just begun (or resumed).
    void apply_pending();
    /// Gives a fix without a measured speed the speed from the last fix written, when
    /// derive_speed and the two are close in time; remembers the fix as the last.
    void derive_speed(track::Fix& fix);

    /// Makes `time_of_day` the current epoch (closing the previous one when it differs);
    /// `rank` orders sentences whose time stamps the fix: RMC 3, GGA/GNS 2, GLL 1, ZDA 0.
    void begin_epoch(int time_of_day, int rank, const track::Location& where);
    /// A sentence stated whether the receiver has a fix; the last statement counts.
    void vote(bool valid);
    /// A position from a valid sentence; the most precise (then the latest) is kept.
    void offer_position(double lat, double lon, int precision, const track::Location& where);
    void close_epoch();
    void bad(const track::Location& where, std::string_view reason, std::string_view detail = {});

    DecoderOptions options_;
    track::ProblemSink& problems_;
    FixHandler on_fix_;
    Counts counts_;

    // The epoch being assembled.
    struct EpochData {
        bool open = false;
        int time_of_day = 0;      ///< ms since midnight
        int time_rank = -1;       ///< which sentence set it: higher ranks (RMC, GGA) win
        bool positional = false;  ///< a sentence that could hold a position was seen
        bool valid = false;       ///< the last statement of validity
        int precision = -1;       ///< decimals of the kept position
        bool have_position = false;
        std::uint64_t position_line = 0;
        std::uint64_t first_line = 0;  ///< where the epoch began: `src` when it has no position
        /// The date of a no-fix RMC of this epoch: receivers without a fix may still run on a
        /// guessed clock, so it dates only no-fix records (--keep-invalid), never fixes.
        std::optional<std::int64_t> unconfirmed_day;
        std::optional<int> gsa_mode;  ///< 1, 2 or 3 from GSA
        /// The sentence that ends the receiver's cycle has been read (and any more of its kind
        /// right after it: receivers write two GNGSA): untimed sentences wait for the next.
        bool complete = false;
        track::Fix fix;
    } epoch_;

    // Which kind of sentence ends the receiver's cycle (formatters: "RMC", "GSA", "PGRMZ").
    struct CycleEnd {
        std::string last;       ///< the kind of the last sentence read
        std::string candidate;  ///< the kind read last before the latest change of time
        std::string ender;      ///< the cycle's end: the candidate of two changes of time in a row
    } cycle_;
    /// Untimed sentences read after the cycle's end: the next cycle's, whose first sentences
    /// were lost (or that starts with them). Applied when its first timed sentence comes.
    std::vector<std::function<void()>> pending_;

    // The last fix written, for speeds derived from positions.
    struct LastFix {
        track::Millis time = 0;
        double lat = 0;
        double lon = 0;
    };
    std::optional<LastFix> last_fix_;

    // The last (day, time of day) known to belong together: from RMC/ZDA, or inferred.
    struct DateAnchor {
        std::int64_t day = 0;
        int time_of_day = -1;  ///< -1: the day is known (from --date) but no time yet
    };
    std::optional<DateAnchor> anchor_;
    std::string source_;  ///< source name of the current epoch, for `src`
};

}  // namespace adapters::nmea
