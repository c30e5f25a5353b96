// What the reader format files share, and how each registers itself: at the end of the
// format's file, outside any namespace,
//
//     TRK_REGISTER_RFID_FORMAT(llrp_csv, {.name = "llrp-csv", .listed = 60, .help = "...",
//                                         .make_decoder = make_llrp_csv_decoder});
//
// (FormatInfo in adapters/rfid.hpp lists the fields). Nothing else changes: `trk read
// rfid --format`, its --help and messages list the formats from the registry, and a unit
// test checks that man/trk-read.1.md describes each. See adapters/registry.hpp for why the
// registration survives the static library.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/rfid.hpp"

namespace adapters::rfid {

/// The longest EPC a Gen2 tag can hold: 496 bits.
constexpr std::size_t max_epc_hex_digits = 124;

/// Writes `text` (hex digits, either case, optional "0x") as upper-case hex to `out`.
/// Returns the reason it is not an EPC ("not hex", "odd number of hex digits", ...), or
/// an empty view when it is one.
std::string_view normalize_epc(std::string_view text, std::string& out);

// Reads a source in chunks into a push decoder of frames.
template <typename Frames>
class BinaryDecoder final : public FormatDecoder {
public:
    BinaryDecoder(track::ProblemSink& problems, ReportSink sink) : problems_(problems), sink_(std::move(sink)) {}

    void run(ByteSource& source) override {
        Frames frames(source.name(), problems_, sink_);
        std::vector<char> chunk(std::size_t{64} * 1024);
        std::uint64_t breaks = source.breaks();
        while (const std::size_t n = source.read(chunk.data(), chunk.size())) {
            // The stream broke (the reader unplugged): a frame begun before is cut short,
            // and is not completed with the bytes of another.
            if (source.breaks() != breaks) frames.finish();
            breaks = source.breaks();
            frames.feed({chunk.data(), n});
        }
        frames.finish();
    }

private:
    track::ProblemSink& problems_;
    ReportSink sink_;
};

}  // namespace adapters::rfid

/// Registers a reader format; `id` is the name as an identifier.
#define TRK_REGISTER_RFID_FORMAT(id, ...) TRK_REGISTER(rfid_format, id, adapters::rfid::format_registry(), __VA_ARGS__)
