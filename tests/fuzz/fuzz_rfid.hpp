// The fuzz harness of every RFID reader format: the registered decoder and the Deduplicator, as `trk read rfid` runs
// them.
#pragma once

#include "adapters/rfid.hpp"
#include "fuzz.hpp"

namespace fuzz {

/// Decodes the input as the format named `format`, whole and in pieces, deduplicating as `trk read rfid
/// --now ...` does (window 1 s, or 0 for some inputs); every read written is checked.
inline int fuzz_rfid(std::string_view format, const std::uint8_t* data, std::size_t size) {
    const std::string_view input = text_of(data, size);
    const track::Millis window = (hash(input) & 1) != 0 ? 0 : 1000;
    constexpr track::Millis arrival = 1'795'502'400'000;  // 2026-11-24T06:40:00Z
    check_pieces(input, [&](adapters::ByteSource& source, Transcript& t) {
        adapters::rfid::Deduplicator dedup(window, "gate-2", [&t](const track::Read& read) { t.write(read); });
        const auto decoder = adapters::rfid::find_format(format)->make_decoder(
            t.problems, [&dedup](adapters::rfid::TagReport& report) { dedup.add(report, arrival); });
        decoder->run(source);
        dedup.finish();
    });
    return 0;
}

}  // namespace fuzz
