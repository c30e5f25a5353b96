// The uhf-bb protocol of the Magic RF M100 class of UHF modules, and its reader format.
#include "adapters/rfid_uhf_bb.hpp"

#include <fmt/format.h>

#include "rfid_formats.hpp"
#include "track/validate.hpp"

namespace adapters::rfid {

namespace {

constexpr std::size_t bb_header = 5;  // BB type command length(2)
constexpr std::uint8_t bb_notice = 0x02;
constexpr std::uint8_t bb_inventory = 0x22;
constexpr std::uint8_t bb_multi_poll = 0x27;
constexpr std::uint8_t bb_stop_multi_poll = 0x28;

std::uint8_t bb_checksum(std::string_view type_to_payload) noexcept {
    unsigned sum = 0;
    for (const char c : type_to_payload) sum += static_cast<unsigned char>(c);
    return static_cast<std::uint8_t>(sum & 0xFF);
}

}  // namespace

UhfBbDecoder::UhfBbDecoder(std::string source_name, track::ProblemSink& problems, Sink sink)
    : FrameDecoder(std::move(source_name), problems, std::move(sink), frame_start) {}

FrameDecoder::Step UhfBbDecoder::examine(std::string_view bytes, bool at_end, std::vector<TagReport>& tags) {
    (void)at_end;  // a uhf-bb frame has one possible length: nothing to decide differently at the end
    if (bytes.size() >= 2 && byte_at(bytes, 1) > bb_notice) {
        return Step::damaged(2, "bad frame", fmt::format("unknown frame type 0x{:02X}", byte_at(bytes, 1)));
    }
    if (bytes.size() < bb_header) return Step::more();
    const std::size_t payload_size = big_endian16(bytes, 3);
    if (payload_size > max_payload) {
        return Step::damaged(bb_header, "bad frame", fmt::format("impossible length {}", payload_size));
    }
    const std::size_t size = payload_size + 7;
    if (bytes.size() < size) return Step::more(size);
    if (byte_at(bytes, size - 1) != frame_end) {
        return Step::damaged(size, "bad frame", fmt::format("bad end byte 0x{:02X}", byte_at(bytes, size - 1)));
    }
    const std::uint8_t computed = bb_checksum(bytes.substr(1, bb_header - 1 + payload_size));
    const std::uint8_t stated = byte_at(bytes, size - 2);
    if (computed != stated) {
        return Step::damaged(size, "bad checksum", fmt::format("computed {:02X}, frame says {:02X}", computed, stated));
    }
    const std::uint8_t type = byte_at(bytes, 1);
    const std::uint8_t command = byte_at(bytes, 2);
    // The manual's multiple-polling notices carry command 0x22 like single polling; one transcription of
    // it shows 0x27, so both are taken.
    if (type != bb_notice || (command != bb_inventory && command != bb_multi_poll)) return Step::whole(size);

    // Tag notice: RSSI (signed, dBm at the chip input), PC, EPC, the tag's CRC.
    const std::string_view payload = bytes.substr(bb_header, payload_size);
    if (payload.empty()) return Step::damaged(size, "bad frame", "tag notice without payload");
    const auto rssi = static_cast<std::int8_t>(byte_at(payload, 0));
    if (rssi > track::max_rssi_dbm) {
        return Step::damaged(size, "bad frame", fmt::format("rssi {} dBm is out of range", rssi));
    }
    TagReport report;
    if (auto damage = take_gen2_reply(payload.substr(1), size, report)) return std::move(*damage);
    report.rssi = rssi;
    tags.push_back(std::move(report));
    return Step::whole(size);
}

std::string uhf_bb_frame(std::uint8_t type, std::uint8_t command, std::string_view payload) {
    std::string frame;
    frame.reserve(payload.size() + 7);
    frame += static_cast<char>(UhfBbDecoder::frame_start);
    frame += static_cast<char>(type);
    frame += static_cast<char>(command);
    frame += static_cast<char>((payload.size() >> 8) & 0xFF);
    frame += static_cast<char>(payload.size() & 0xFF);
    frame += payload;
    frame += static_cast<char>(bb_checksum(std::string_view(frame).substr(1)));
    frame += static_cast<char>(UhfBbDecoder::frame_end);
    return frame;
}

std::string uhf_bb_multi_poll(std::uint16_t rounds) {
    // The first parameter byte is reserved; the manual gives it as 0x22.
    const char parameters[] = {0x22, static_cast<char>(rounds >> 8), static_cast<char>(rounds & 0xFF)};
    return uhf_bb_frame(0x00, bb_multi_poll, std::string_view(parameters, sizeof parameters));
}

std::string uhf_bb_stop() { return uhf_bb_frame(0x00, bb_stop_multi_poll, {}); }

namespace {

std::unique_ptr<FormatDecoder> make_uhf_bb_decoder(track::ProblemSink& problems, ReportSink sink) {
    return std::make_unique<BinaryDecoder<UhfBbDecoder>>(problems, std::move(sink));
}

// A multi-poll of the most rounds the command allows; the module stops by itself after
// them (about an hour and a half at 10 rounds/s), or at the stop command.
std::string uhf_bb_start() { return uhf_bb_multi_poll(0xFFFF); }

}  // namespace

}  // namespace adapters::rfid

TRK_REGISTER_RFID_FORMAT(uhf_bb, {.name = "uhf-bb",
                                  .listed = 20,
                                  .help = "binary frames of Magic RF M100 modules (JRD-4035, YRM100, R200)",
                                  .make_decoder = adapters::rfid::make_uhf_bb_decoder,
                                  .default_baud = 115200,
                                  .start_inventory = adapters::rfid::uhf_bb_start,
                                  .stop_inventory = adapters::rfid::uhf_bb_stop})
