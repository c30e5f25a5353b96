// The ThingMagic/Jadak Mercury serial protocol (frames, CRC, tag records), and its reader format.
#include "adapters/rfid_thingmagic.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "rfid_formats.hpp"
#include "track/validate.hpp"

namespace adapters::rfid {

namespace {

constexpr std::uint8_t opcode_read_multiple = 0x22;  // streamed responses of continuous reading
constexpr std::uint8_t opcode_tag_buffer = 0x29;     // get tag buffer
constexpr std::uint8_t opcode_multi_protocol = 0x2F;
constexpr std::uint8_t option_has_metadata = 0x10;
constexpr std::uint8_t response_type_tag = 0x01;
constexpr std::uint8_t protocol_gen2 = 0x05;
constexpr std::uint8_t protocol_ata = 0x1D;  // the one protocol whose tags send no CRC
constexpr std::uint16_t known_flags = 0x0FFF;

// Reads big-endian fields from a record; a read past the end marks the cursor short and yields 0.
class Cursor {
public:
    explicit Cursor(std::string_view bytes) : bytes_(bytes) {}
    std::uint32_t number(std::size_t width) {
        std::uint32_t value = 0;
        for (const char c : bytes(width)) value = value << 8 | static_cast<unsigned char>(c);
        return value;
    }
    std::string_view bytes(std::size_t count) {
        if (short_ || bytes_.size() - at_ < count) {
            short_ = true;
            return {};
        }
        const std::string_view taken = bytes_.substr(at_, count);
        at_ += count;
        return taken;
    }
    [[nodiscard]] bool short_read() const { return short_; }
    [[nodiscard]] std::size_t left() const { return bytes_.size() - at_; }

private:
    std::string_view bytes_;
    std::size_t at_ = 0;
    bool short_ = false;
};

std::size_t bytes_for_bits(std::uint32_t bits) { return (bits + 7) / 8; }

}  // namespace

std::uint16_t thingmagic_crc(std::string_view bytes) noexcept {
    unsigned crc = 0xFFFF;
    for (const char c : bytes) {
        const auto value = static_cast<unsigned char>(c);
        for (int bit = 7; bit >= 0; --bit) {
            const bool carry = (crc & 0x8000) != 0;
            crc = ((crc << 1) | ((value >> bit) & 1u)) & 0xFFFF;
            if (carry) crc ^= 0x1021;
        }
    }
    return static_cast<std::uint16_t>(crc);
}

ThingMagicDecoder::ThingMagicDecoder(std::string source_name, track::ProblemSink& problems, Sink sink)
    : FrameDecoder(std::move(source_name), problems, std::move(sink), frame_start) {}

FrameDecoder::Step ThingMagicDecoder::examine(std::string_view bytes, bool at_end, std::vector<TagReport>& tags) {
    if (bytes.size() < 3) return Step::more();
    const std::size_t data_size = static_cast<unsigned char>(bytes[1]);
    // A response has a status word; a host command (in a capture of both directions) has not. The longer
    // reading is tried first, the command when its CRC fails or the stream ends before the longer one.
    const std::size_t response_size = data_size + 7;
    const std::size_t command_size = data_size + 5;
    auto crc_fits = [&](std::size_t size) {
        const std::uint16_t stated = static_cast<std::uint16_t>(static_cast<unsigned char>(bytes[size - 2]) << 8 |
                                                                static_cast<unsigned char>(bytes[size - 1]));
        return thingmagic_crc(bytes.substr(1, size - 3)) == stated;
    };
    if (bytes.size() < response_size) {
        if (at_end && bytes.size() >= command_size && crc_fits(command_size)) return Step::whole(command_size);
        return Step::more(response_size);
    }
    if (!crc_fits(response_size)) {
        if (crc_fits(command_size)) return Step::whole(command_size);
        return Step::damaged(
            response_size, "bad crc",
            fmt::format("computed {:04X}, frame says {:02X}{:02X}", thingmagic_crc(bytes.substr(1, response_size - 3)),
                        static_cast<unsigned char>(bytes[response_size - 2]),
                        static_cast<unsigned char>(bytes[response_size - 1])));
    }

    const auto opcode = static_cast<std::uint8_t>(bytes[2]);
    const bool status_ok = bytes[3] == 0 && bytes[4] == 0;
    const std::string_view data = bytes.substr(5, data_size);
    Cursor header(data);
    if (!status_ok) return Step::whole(response_size);  // 0x0400 "no tags found", keepalives, errors
    if (opcode == opcode_tag_buffer) {
        // Metadata flags, read options, record count, records. Four bytes and no records: no tags, or
        // the reply to the argument-less form (buffer indexes).
        if (data_size <= 4) return Step::whole(response_size);
        const auto flags = static_cast<std::uint16_t>(header.number(2));
        header.number(1);  // read options
        const std::size_t count = header.number(1);
        if (auto damage = take_records(data.substr(4), flags, count, response_size, tags)) return std::move(*damage);
        return Step::whole(response_size);
    }
    if (opcode == opcode_read_multiple && data_size > 6 &&
        (static_cast<std::uint8_t>(data[0]) & option_has_metadata) != 0) {
        // Option, search flags, metadata flags, response type (0x01: one tag follows; 0x00: end of the
        // stream; 0x02: status stream). Without the metadata option the frame is the reply to a timed read
        // (option, search flags, tag count) and holds no record.
        header.number(3);
        const auto flags = static_cast<std::uint16_t>(header.number(2));
        if (static_cast<std::uint8_t>(data[5]) != response_type_tag) return Step::whole(response_size);
        if (auto damage = take_records(data.substr(6), flags, 1, response_size, tags)) return std::move(*damage);
        return Step::whole(response_size);
    }
    return Step::whole(response_size);
}

// Decodes `count` tag records filling `records` exactly, appending a report for each; on damage returns
// the step to report (the caller drops the reports already appended).
std::optional<FrameDecoder::Step> ThingMagicDecoder::take_records(std::string_view records, std::uint16_t flags,
                                                                  std::size_t count, std::size_t frame_size,
                                                                  std::vector<TagReport>& tags) {
    if ((flags & ~known_flags) != 0) {
        return Step::damaged(frame_size, "unsupported frame",
                             fmt::format("metadata flags {:04X} name fields this decoder does not know", flags));
    }
    Cursor cursor(records);
    for (std::size_t i = 1; i <= count; ++i) {
        TagReport report;
        std::uint32_t protocol = protocol_gen2;  // M6e-class modules read Gen2 only when the flag is absent
        if ((flags & tm_read_count) != 0) report.count = std::max(1, static_cast<int>(cursor.number(1)));
        if ((flags & tm_rssi) != 0) {
            const auto rssi = static_cast<std::int8_t>(cursor.number(1));
            if (rssi > track::max_rssi_dbm) {
                return Step::damaged(frame_size, "bad frame",
                                     fmt::format("tag record {} of {}: rssi {} dBm is out of range", i, count, rssi));
            }
            report.rssi = rssi;
        }
        if ((flags & tm_antenna) != 0) {
            // The tx port names the antenna, as in the Mercury API's default map (tx n = rx n = antenna n).
            const std::uint32_t tx = cursor.number(1) >> 4;
            report.antenna = tx == 0 ? 16 : static_cast<int>(tx);
        }
        if ((flags & tm_frequency) != 0) report.frequency = static_cast<int>(cursor.number(3));
        if ((flags & tm_timestamp) != 0) cursor.number(4);
        if ((flags & tm_phase) != 0) report.phase = static_cast<int>(cursor.number(2));
        if ((flags & tm_protocol) != 0) protocol = cursor.number(1);
        if ((flags & tm_data) != 0) cursor.bytes(bytes_for_bits(cursor.number(2)));
        if ((flags & tm_gpio) != 0) cursor.number(1);
        if (protocol == protocol_gen2) {
            for (const std::uint16_t gen2_field : {tm_gen2_q, tm_gen2_link, tm_gen2_target}) {
                if ((flags & gen2_field) != 0) cursor.number(1);
            }
        }
        const std::string_view reply = cursor.bytes(bytes_for_bits(cursor.number(2)));
        if (cursor.short_read()) {
            return Step::damaged(frame_size, "bad frame",
                                 fmt::format("tag record {} of {} overruns the frame", i, count));
        }
        if (protocol == protocol_gen2) {
            if (auto damage = take_gen2_reply(reply, frame_size, report)) return damage;
        } else {
            const std::size_t crc_size = protocol == protocol_ata ? 0 : 2;
            if (reply.size() <= crc_size) {
                return Step::damaged(frame_size, "bad frame", fmt::format("tag record {} has an empty ID", i));
            }
            report.epc = upper_hex(reply.substr(0, reply.size() - crc_size));
        }
        tags.push_back(std::move(report));
    }
    if (cursor.left() != 0) {
        return Step::damaged(frame_size, "bad frame", fmt::format("{} bytes after the last tag record", cursor.left()));
    }
    return std::nullopt;
}

std::string thingmagic_frame(std::uint8_t opcode, std::string_view data) {
    std::string frame;
    frame.reserve(data.size() + 5);
    frame += static_cast<char>(ThingMagicDecoder::frame_start);
    frame += static_cast<char>(data.size() & 0xFF);
    frame += static_cast<char>(opcode);
    frame += data;
    const std::uint16_t crc = thingmagic_crc(std::string_view(frame).substr(1));
    frame += static_cast<char>(crc >> 8);
    frame += static_cast<char>(crc & 0xFF);
    return frame;
}

std::string thingmagic_start_reading() {
    // Timeout 0, option 0x01 (continuous), sub-opcode 0x22, search flags 0, protocol Gen2, then the
    // embedded read (7 bytes): 0x22, option 0x10 (metadata), search flags 0x001B, 1000 ms a cycle,
    // metadata flags 0x01FF.
    static constexpr char data[] = "\x00\x00\x01\x22\x00\x00\x05\x07\x22\x10\x00\x1B\x03\xE8\x01\xFF";
    return thingmagic_frame(opcode_multi_protocol, std::string_view(data, sizeof data - 1));
}

std::string thingmagic_stop_reading() {
    static constexpr char data[] = "\x00\x00\x02";  // timeout 0, option 0x02: stop continuous reading
    return thingmagic_frame(opcode_multi_protocol, std::string_view(data, sizeof data - 1));
}

namespace {

std::unique_ptr<FormatDecoder> make_thingmagic_decoder(track::ProblemSink& problems, ReportSink sink) {
    return std::make_unique<BinaryDecoder<ThingMagicDecoder>>(problems, std::move(sink));
}

}  // namespace

}  // namespace adapters::rfid

TRK_REGISTER_RFID_FORMAT(thingmagic, {.name = "thingmagic",
                                      .listed = 30,
                                      .help = "serial protocol of ThingMagic/Jadak Mercury modules (M6e, Nano)",
                                      .make_decoder = adapters::rfid::make_thingmagic_decoder,
                                      .default_baud = 115200,
                                      .start_inventory = adapters::rfid::thingmagic_start_reading,
                                      .stop_inventory = adapters::rfid::thingmagic_stop_reading})
