// What every RFID reader format yields before deduplication: one raw tag report.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "adapters/byte_source.hpp"
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

/// The reader formats `trk read rfid --format` knows.
enum class Format { text, uhf_bb, thingmagic, impinj, zebra, llrp_csv };

/// "text", "uhf-bb", "thingmagic", "impinj", "zebra", "llrp-csv".
std::string_view to_string(Format format) noexcept;
/// The format named by to_string(Format); nullopt for any other name.
std::optional<Format> format_from_string(std::string_view name) noexcept;
/// Whether the format is a serial protocol (text, uhf-bb, thingmagic), readable with --port.
bool is_serial(Format format) noexcept;

/// The bytes that start continuous inventory on a reader of `format` (uhf-bb: multi-poll;
/// thingmagic: continuous read), and the bytes that stop it. Empty for formats without
/// commands.
std::string start_inventory_command(Format format);
std::string stop_inventory_command(Format format);

/// A decoder of `format`: skipped input goes to `problems`, reports to `sink`.
std::unique_ptr<FormatDecoder> make_decoder(Format format, track::ProblemSink& problems, ReportSink sink);

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
