// The ThingMagic/Jadak Mercury serial protocol (M6e, M6e Nano, Micro, Sargas...): tag reads from its frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/rfid.hpp"
#include "adapters/rfid_frames.hpp"
#include "track/problems.hpp"

namespace adapters::rfid {

/// Metadata flags of a ThingMagic tag record (TMR_TRD_METADATA_FLAG_* in the Mercury API). The fields
/// a record holds come in this order, each only when its flag is set.
enum ThingMagicMetadata : std::uint16_t {
    tm_read_count = 0x0001,   ///< 1 byte: reads merged into this record
    tm_rssi = 0x0002,         ///< 1 byte: signed dBm
    tm_antenna = 0x0004,      ///< 1 byte: tx port in the high nibble, rx port in the low one (0 is port 16)
    tm_frequency = 0x0008,    ///< 3 bytes: carrier, kHz
    tm_timestamp = 0x0010,    ///< 4 bytes: ms since the read command started (relative: not decoded)
    tm_phase = 0x0020,        ///< 2 bytes: degrees
    tm_protocol = 0x0040,     ///< 1 byte: tag protocol (5: Gen2)
    tm_data = 0x0080,         ///< 2 bytes of bit length, then the data read by an embedded operation (skipped)
    tm_gpio = 0x0100,         ///< 1 byte: GPIO levels (skipped)
    tm_gen2_q = 0x0200,       ///< 1 byte, Gen2 records only (skipped)
    tm_gen2_link = 0x0400,    ///< 1 byte, Gen2 records only (skipped)
    tm_gen2_target = 0x0800,  ///< 1 byte, Gen2 records only (skipped)
};

/// Decodes what a ThingMagic module sends: FF, data length, opcode, status (2 bytes), data, CRC (2 bytes,
/// big-endian, over length..data; see thingmagic_crc). Tag reads come from "get tag buffer" responses
/// (opcode 0x29: metadata flags, read options, record count, records) and from continuous reading
/// (opcode 0x22 streamed responses: option, search flags, metadata flags, response type 0x01, one record).
/// A record is the metadata fields, the tag's length in bits (PC, EPC and CRC), then PC, XPC words, EPC
/// and the tag's CRC. Every other whole frame counts as `other`: an error status (0x0400 "no tags found",
/// the keepalive of continuous reading), acks, the status stream, and host commands (FF, length, opcode,
/// data, CRC: no status) in a capture of both directions. Reasons reported: "garbage between frames",
/// "bad crc", "bad frame", "bad tag crc", "unsupported frame", "frame cut short".
class ThingMagicDecoder final : public FrameDecoder {
public:
    static constexpr std::uint8_t frame_start = 0xFF;  ///< first byte of every frame
    /// The data length is one byte: FF, length, opcode, status(2), 255 bytes of data, CRC(2).
    static constexpr std::size_t max_frame = 255 + 7;

    /// Decodes the stream named `source_name`, giving tag reads to `sink` and skipped input to `problems`.
    ThingMagicDecoder(std::string source_name, track::ProblemSink& problems, Sink sink);

private:
    Step examine(std::string_view bytes, bool at_end, std::vector<TagReport>& tags) override;
    std::optional<Step> take_records(std::string_view records, std::uint16_t flags, std::size_t count,
                                     std::size_t frame_size, std::vector<TagReport>& tags);
};

/// ThingMagic's frame CRC over `bytes` (the frame from its length byte to the end of the data): the
/// register starts at 0xFFFF and the bytes are shifted in MSB first, dividing by 0x1021 without the 16
/// zero bits a CCITT CRC appends (the Mercury API's "ThingMagic-mutated CRC": 00 03 gives 1D0C).
std::uint16_t thingmagic_crc(std::string_view bytes) noexcept;

/// A host-to-reader frame: FF, data length, `opcode`, `data` (at most 255 bytes), CRC.
std::string thingmagic_frame(std::uint8_t opcode, std::string_view data);

/// Starts continuous reading of Gen2 tags on the configured antennas: opcode 0x2F (multi-protocol tag
/// operation), option 0x01 (continuous), embedding a 0x22 read with metadata flags 0x01FF; the reader
/// then streams one 0x22 frame per tag read. The bytes a working M6e Nano driver sends
/// (FF 10 2F ... 01 FF DD 2B); region, power and antennas must be set before.
std::string thingmagic_start_reading();

/// Stops continuous reading: opcode 0x2F, option 0x02 (FF 03 2F 00 00 02 5E 86).
std::string thingmagic_stop_reading();

}  // namespace adapters::rfid
