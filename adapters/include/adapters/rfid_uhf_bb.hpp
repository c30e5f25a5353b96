// The uhf-bb serial protocol of low-cost UHF modules (0xBB frames).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/rfid.hpp"
#include "adapters/rfid_frames.hpp"
#include "track/problems.hpp"

namespace adapters::rfid {

/// Decodes the serial protocol of the cheap UHF modules built on the Magic RF M100/QM100 chip (JRD-4035,
/// YRM100, M5Stack Unit UHF, "R200" boards): BB type command length(2, big-endian) payload checksum 7E,
/// the checksum being the low byte of the sum from type to the end of the payload. Tag notifications
/// (type 0x02, command 0x22) give RSSI, PC, EPC and the tag's CRC; every other whole frame (command echoes,
/// acks, the 0xFF error responses such as 0x15 "no tag") only counts as `other`. Reasons reported:
/// "garbage between frames", "bad frame", "bad checksum", "bad tag crc", "frame cut short".
class UhfBbDecoder final : public FrameDecoder {
public:
    static constexpr std::uint8_t frame_start = 0xBB;  ///< first byte of every frame
    static constexpr std::uint8_t frame_end = 0x7E;    ///< last byte of every frame
    /// Longest payload taken for real. The manual's replies stay far below (a tag notice is at most 71
    /// bytes: RSSI, PC, two XPC words, a 496-bit EPC, CRC); a longer declared length means the header is
    /// garbage ("bad frame", "impossible length").
    static constexpr std::size_t max_payload = 1024;
    static constexpr std::size_t max_frame = max_payload + 7;  ///< header, payload, checksum, end byte

    /// Decodes the stream named `source_name`, giving tag reads to `sink` and skipped input to `problems`.
    UhfBbDecoder(std::string source_name, track::ProblemSink& problems, Sink sink);

private:
    Step examine(std::string_view bytes, bool at_end, std::vector<TagReport>& tags) override;
};

/// One uhf-bb frame: BB, `type` (0x00 command, 0x01 response, 0x02 notice), `command`, the payload's
/// length, `payload` (at most 65535 bytes), checksum, 7E.
std::string uhf_bb_frame(std::uint8_t type, std::uint8_t command, std::string_view payload);

/// The "multiple polling" command (0x27): inventory `rounds` times (big-endian on the wire), sending a
/// notice per tag read; BB 00 27 00 03 22 RR RR CS 7E.
std::string uhf_bb_multi_poll(std::uint16_t rounds);

/// The "stop multiple polling" command (0x28): BB 00 28 00 00 28 7E.
std::string uhf_bb_stop();

}  // namespace adapters::rfid
