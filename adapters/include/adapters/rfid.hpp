// What every RFID reader format yields before deduplication: one raw tag report.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "adapters/byte_source.hpp"
#include "adapters/registry.hpp"
#include "track/epc.hpp"
#include "track/problems.hpp"
#include "track/record.hpp"
#include "track/time.hpp"

namespace adapters::rfid {

/// One tag report as a reader's protocol gives it. A format decoder fills what its
/// protocol carries and leaves the rest empty; the deduplicator turns reports into
/// `read` records.
struct TagReport {
    std::string epc;                    ///< EPC as upper-case hex (length from the PC word where there is one)
    std::optional<track::Millis> time;  ///< the reader's own timestamp (UTC), when the protocol carries one
    std::string reader;                 ///< reader id carried in the data (hostname, serial), when any
    std::optional<int> antenna;         ///< antenna port, as the reader numbers it
    std::optional<double> rssi;         ///< dBm
    std::optional<double> rssi_raw;     ///< the reader's own RSSI value, when its conversion to dBm is vendor-specific
    std::optional<int> frequency;       ///< carrier frequency of the read, kHz
    std::optional<int> phase;           ///< backscatter phase angle, degrees
    int count = 1;                      ///< raw reads this report stands for (readers that aggregate)
    track::Location where;              ///< the line or frame it came from (source name must outlive the report's use)
};

/// Receives each tag report of a decoder, in input order. The report may be modified.
using ReportSink = std::function<void(TagReport&)>;

/// Bytes of one reader format in, tag reports out.
class FormatDecoder {
public:
    virtual ~FormatDecoder() = default;
    /// Reads `source` to its end, sending each tag report to the sink as soon as its line
    /// or frame is complete, and each piece of input it cannot use to the problem sink.
    virtual void run(ByteSource& source) = 0;
};

/// Makes a decoder of one format: skipped input goes to `problems`, reports to `sink`.
using DecoderFactory = std::unique_ptr<FormatDecoder> (*)(track::ProblemSink& problems, ReportSink sink);

/// One reader format, as its file registers it (TRK_REGISTER_RFID_FORMAT, adapters/src/rfid_formats.hpp):
/// everything `trk read rfid`, its --help and the man page test need to know of it.
struct FormatInfo {
    std::string_view name{};                     ///< what --format takes: "llrp-csv"
    std::array<std::string_view, 3> aliases{};   ///< other names --format accepts; empty: unused
    int listed = 0;                              ///< position in listings (lower first)
    std::string_view help{};                     ///< one line for `trk read rfid --help`
    DecoderFactory make_decoder = nullptr;       ///< its decoder
    int default_baud = 0;                        ///< --port rate without --baud; 0: not a serial protocol
    bool line_based = false;                     ///< text lines: a port is read from the first whole line
    std::string (*start_inventory)() = nullptr;  ///< bytes that start continuous inventory; null: no commands
    std::string (*stop_inventory)() = nullptr;   ///< bytes that stop it
};

/// The registered formats.
Registry<FormatInfo>& format_registry();
/// The format called `name` (or one of its aliases); nullptr for any other name.
inline const FormatInfo* find_format(std::string_view name) { return format_registry().find(name); }
/// Every registered format, in listing order.
inline std::vector<const FormatInfo*> formats() { return format_registry().all(); }
/// Whether the format is a serial protocol, readable with --port.
inline bool is_serial(const FormatInfo& format) noexcept { return format.default_baud > 0; }

/// How many bytes of an input guess_format needs to see.
inline constexpr std::size_t format_guess_bytes = std::size_t{64} * 1024;
/// The format whose decoder makes the most tag reports of `head` (the start of an input,
/// perhaps cut mid-line or mid-frame), fewer problems breaking a tie; nullptr when none
/// makes any: what to suggest when the format given read nothing.
const FormatInfo* guess_format(std::string_view head);

/// Merges raw tag reports into `read` records: within `window` of its first raw read, every
/// report of the same epc at the same reader and antenna joins one sighting, which keeps
/// the count, the peak rssi (with the frequency and phase of that read) and the first and
/// last times. Sightings are written when their window has passed (by record time, so a
/// replayed capture gives the same output as the live run), in the order they began.
/// Memory holds only the sightings of the current window; a clock that jumps back by more
/// than a window closes them all.
class Deduplicator {
public:
    /// Where the merged records go.
    using Sink = std::function<void(const track::Read&)>;

    /// `window` 0 writes every raw report as its own record. `reader` names the reader
    /// of reports that carry no reader id.
    Deduplicator(track::Millis window, std::string reader, Sink sink);

    /// Adds one report; `arrival` is when it was received, used when the report carries
    /// no reader timestamp. Writes the sightings whose window ended before this report.
    void add(const TagReport& report, track::Millis arrival);
    /// Writes the sightings whose window has ended by `now` (arrival clock): what a live
    /// reader calls while the port is quiet, so that a tag that stopped being read still
    /// comes out.
    void expire(track::Millis now);
    /// Writes every open sighting (end of input).
    void finish();

    /// Raw reports added, and records written.
    [[nodiscard]] std::uint64_t reports() const { return reports_; }
    [[nodiscard]] std::uint64_t records() const { return records_; }

private:
    struct Sighting {
        track::Read read;
        track::Millis arrival = 0;  ///< arrival of the first report, for expire()
        bool open = true;           ///< still accepting reports (false: waiting for older ones to be written)
    };
    void write_front();
    void emit(Sighting& sighting);
    void make_key(const std::string& epc, const std::string& reader, const std::optional<int>& antenna);

    track::Millis window_;
    std::string reader_;
    Sink sink_;
    std::deque<Sighting> pending_;                         ///< in the order they began
    std::uint64_t first_index_ = 0;                        ///< index of pending_.front() since the start
    std::unordered_map<std::string, std::uint64_t> open_;  ///< key (epc, reader, antenna) -> index
    std::string key_;                                      ///< scratch
    track::epc::Identity identity_;                        ///< scratch
    std::uint64_t reports_ = 0;
    std::uint64_t records_ = 0;
};

}  // namespace adapters::rfid
