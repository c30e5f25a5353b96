// Unit tests of adapters/rfid_thingmagic.hpp: Mercury frames, CRC, tag records, commands.
#include "adapters/rfid_thingmagic.hpp"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "support.hpp"

using adapters::rfid::TagReport;
using adapters::rfid::ThingMagicDecoder;

namespace {

using test::bytes;

std::string big_endian(std::uint32_t value, int width) {
    std::string out;
    for (int shift = 8 * (width - 1); shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xFF);
    return out;
}

// A reader-to-host frame: FF, data length, opcode, status, data, CRC.
std::string response(std::uint8_t opcode, std::uint16_t status, std::string_view data) {
    std::string frame = "\xFF";
    frame += static_cast<char>(data.size());
    frame += static_cast<char>(opcode);
    frame += big_endian(status, 2);
    frame += data;
    frame += big_endian(adapters::rfid::thingmagic_crc(std::string_view(frame).substr(1)), 2);
    return frame;
}

// One tag record's fields, written in the order of their flags.
struct Record {
    int count = 1;
    int rssi = -60;
    std::uint8_t antenna = 0x11;
    std::uint32_t frequency = 865700;
    std::uint32_t timestamp = 120;
    std::uint16_t phase = 45;
    std::uint8_t protocol = 5;
    std::string pc_and_epc;  // hex
};

std::string record(std::uint16_t flags, const Record& r) {
    std::string out;
    if (flags & 0x0001) out += static_cast<char>(r.count);
    if (flags & 0x0002) out += static_cast<char>(r.rssi);
    if (flags & 0x0004) out += static_cast<char>(r.antenna);
    if (flags & 0x0008) out += big_endian(r.frequency, 3);
    if (flags & 0x0010) out += big_endian(r.timestamp, 4);
    if (flags & 0x0020) out += big_endian(r.phase, 2);
    if (flags & 0x0040) out += static_cast<char>(r.protocol);
    if (flags & 0x0080) out += bytes("0010 ABCD");  // 16 bits read by an embedded operation
    if (flags & 0x0100) out += '\x0F';
    if (r.protocol == 5) {
        for (const int gen2 : {0x0200, 0x0400, 0x0800}) {
            if (flags & gen2) out += '\x01';
        }
    }
    const std::string reply = bytes(r.pc_and_epc);
    const std::uint16_t crc = adapters::rfid::gen2_crc16(reply);
    out += big_endian(static_cast<std::uint32_t>(reply.size() + 2) * 8, 2);
    out += reply + big_endian(crc, 2);
    return out;
}

// A frame of continuous reading holding one tag: option 0x10, search flags, metadata flags, type 0x01.
std::string streamed(std::uint16_t flags, const Record& r) {
    return response(0x22, 0, bytes("10 001B") + big_endian(flags, 2) + '\x01' + record(flags, r));
}

// A "get tag buffer" response: metadata flags, read options, record count, records.
std::string tag_buffer(std::uint16_t flags, const std::vector<Record>& records) {
    std::string data = big_endian(flags, 2) + '\x00' + static_cast<char>(records.size());
    for (const Record& r : records) data += record(flags, r);
    return response(0x29, 0, data);
}

template <typename T>
std::string or_dash(const std::optional<T>& value) {
    return value ? fmt::format("{}", *value) : "-";
}

using Decoded = test::FramesDecoded;

// Decodes `stream` fed in chunks of `chunk` bytes (0: all at once); tags as
// "offset:EPC:rssi:antenna:kHz:phase:count".
Decoded decode(std::string_view stream, std::size_t chunk = 0) {
    return test::decode_frames<ThingMagicDecoder>(stream, chunk, "dock", [](const TagReport& r) {
        CHECK_FALSE(r.time.has_value());  // the reader's timestamps are relative
        return fmt::format("{}:{}:{}:{}:{}:{}:{}", r.where.line, r.epc, or_dash(r.rssi), or_dash(r.antenna),
                           or_dash(r.frequency), or_dash(r.phase), r.count);
    });
}

using List = std::vector<std::string>;

const std::string sgtin = "3000 3074257BF7194E4000001A85";
const std::string grai = "3000 3374257BF40C0E400000162E";
constexpr std::uint16_t all_flags = 0x01FF;  // what the start command asks for

}  // namespace

TEST_CASE("thingmagic: CRC and host frames") {
    CHECK(adapters::rfid::thingmagic_crc(bytes("00 03")) == 0x1D0C);
    CHECK(adapters::rfid::thingmagic_crc("123456789") == 0xA69D);                  // not CCITT-FALSE (29B1)
    CHECK(adapters::rfid::thingmagic_frame(0x03, "") == bytes("FF 00 03 1D 0C"));  // "get version"
    // SparkFun's Simultaneous RFID library (M6e Nano), writeData comment: a write-tag-data command.
    CHECK(adapters::rfid::thingmagic_frame(0x24, bytes("03 E8 00 00 00 00 00 03 00 EE")) ==
          bytes("FF 0A 24 03 E8 00 00 00 00 00 03 00 EE 58 9D"));
    CHECK(adapters::rfid::thingmagic_frame(0x29, bytes("01 FF 00")) ==
          bytes("FF 03 29 01 FF 00") + big_endian(adapters::rfid::thingmagic_crc(bytes("03 29 01 FF 00")), 2));
}

TEST_CASE("thingmagic: start and stop commands") {
    // SparkFun's library, startReading() and stopReading(): bytes from the Universal Reader Assistant's logs.
    CHECK(adapters::rfid::thingmagic_start_reading() ==
          bytes("FF 10 2F 00 00 01 22 00 00 05 07 22 10 00 1B 03 E8 01 FF DD 2B"));
    CHECK(adapters::rfid::thingmagic_stop_reading() == bytes("FF 03 2F 00 00 02 5E 86"));
}

TEST_CASE("thingmagic: a documented continuous-reading frame") {
    // SparkFun's Simultaneous RFID library, parseResponse(): a frame an M6e Nano streamed while reading.
    const Decoded d =
        decode(bytes("FF 28 22 00 00 10 00 1B 01 FF 01 01 C4 11 0E 16"
                     "40 00 00 01 27 00 00 05 00 00 0F 00 80 30 00 00"
                     "00 00 00 00 00 00 00 00 00 15 45 E9 4A 56 1D"));
    CHECK(d.tags == List{"0:000000000000000000001545:-60:1:923200:0:1"});
    CHECK(d.problems.empty());
}

TEST_CASE("thingmagic: tag buffer records and their metadata") {
    const Decoded d = decode(tag_buffer(
        0x00FF, {{.count = 3, .rssi = -52, .antenna = 0x22, .frequency = 866300, .phase = 170, .pc_and_epc = sgtin},
                 {.count = 1,
                  .rssi = -71,
                  .antenna = 0x00,
                  .frequency = 865700,
                  .phase = 12,
                  .pc_and_epc = "4000 E28011700000020C4A1B7F3D00C0FFEE"},
                 {.count = 0,
                  .rssi = 5,
                  .antenna = 0x12,
                  .frequency = 867500,
                  .phase = 0,
                  .pc_and_epc = "2000 E2003412DC03011A"}}));
    CHECK(d.tags == List{"0:3074257BF7194E4000001A85:-52:2:866300:170:3",
                         "0:E28011700000020C4A1B7F3D00C0FFEE:-71:16:865700:12:1",  // antenna nibble 0 is port 16
                         "0:E2003412DC03011A:5:1:867500:0:1"});                    // read count 0 taken as 1
    CHECK(d.problems.empty());
    CHECK(d.counts.frames == 1);
    CHECK(d.counts.tags == 3);

    // Fields left out by the flags stay empty; Gen2-only fields follow the protocol byte.
    CHECK(decode(streamed(0x0002, {.pc_and_epc = grai})).tags == List{"0:3374257BF40C0E400000162E:-60:-:-:-:1"});
    CHECK(decode(streamed(0x0E46, {.pc_and_epc = grai})).tags == List{"0:3374257BF40C0E400000162E:-60:1:-:-:1"});
    CHECK(decode(streamed(all_flags, {.pc_and_epc = "3200 0001 3074257BF7194E4000001A85"})).tags ==
          List{"0:3074257BF7194E4000001A85:-60:1:865700:45:1"});  // XPC_W1 after the PC
    // Another protocol (ISO 18000-6B, 3): the ID without its CRC, no PC.
    CHECK(decode(streamed(0x0042, {.protocol = 3, .pc_and_epc = "E0040100123456AB"})).tags ==
          List{"0:E0040100123456AB:-60:-:-:-:1"});
}

TEST_CASE("thingmagic: EPC length from the PC word") {
    const std::string e496(124, 'E');
    const std::string rows[][2] = {
        {"2000 E2003412DC03011A", "E2003412DC03011A"},
        {sgtin, "3074257BF7194E4000001A85"},
        {"4000 E28011700000020C4A1B7F3D00C0FFEE", "E28011700000020C4A1B7F3D00C0FFEE"},
        {"F800" + e496, e496},
    };
    for (const auto& row : rows) {
        CAPTURE(row[0]);
        CHECK(decode(streamed(0x0002, {.rssi = -66, .pc_and_epc = row[0]})).tags ==
              List{"0:" + row[1] + ":-66:-:-:-:1"});
    }
}

TEST_CASE("thingmagic: one row per kind of stream") {
    const std::string a = streamed(all_flags, {.pc_and_epc = sgtin});  // 49 bytes
    const std::string b = streamed(all_flags, {.rssi = -49, .antenna = 0x22, .pc_and_epc = grai});
    const std::string keepalive = response(0x22, 0x0400, "");  // 7 bytes
    const std::string empty_buffer = response(0x29, 0, bytes("00FF 00 00"));
    const std::string end_of_stream = response(0x22, 0, bytes("10 001B 01FF 00"));
    const std::string timed_read_reply = response(0x22, 0, bytes("00 0000 03"));
    const std::string start = adapters::rfid::thingmagic_start_reading();  // host frame, in a two-way capture
    std::string flipped = a;
    flipped[30] = static_cast<char>(flipped[30] ^ 0x01);
    std::string overrun = record(all_flags, {.pc_and_epc = sgtin});
    overrun.pop_back();
    std::string long_pc = sgtin;
    long_pc[0] = '4';  // PC says 128 bits, record holds 96
    std::string bad_tag_crc = record(0x0002, {.pc_and_epc = sgtin});
    bad_tag_crc.back() = static_cast<char>(bad_tag_crc.back() ^ 0x01);
    const std::string a_tag = "3074257BF7194E4000001A85:-60:1:865700:45:1";
    const std::string b_tag = "3374257BF40C0E400000162E:-49:2:865700:45:1";

    struct Row {
        std::string name;
        std::string stream;
        List tags;
        List problems;
    };
    const Row rows[] = {
        {"two tags", a + b, {"0:" + a_tag, "49:" + b_tag}, {}},
        {"other frames are silent",
         keepalive + empty_buffer + end_of_stream + timed_read_reply + start + a,
         {fmt::format("{}:{}", 7 + 11 + 13 + 11 + 21, a_tag)},
         {}},
        {"host command at the very end", a + start, {"0:" + a_tag}, {}},
        {"garbage",
         bytes("00 13 37") + a + bytes("0D 0A") + b,
         {"3:" + a_tag, "54:" + b_tag},
         {"0:garbage between frames", "52:garbage between frames"}},
        {"bad crc", flipped + b, {"49:" + b_tag}, {"0:bad crc"}},
        {"cut short", a + b.substr(0, 20), {"0:" + a_tag}, {"49:frame cut short"}},
        {"header cut short", a + bytes("FF 28"), {"0:" + a_tag}, {"49:frame cut short"}},
        {"record overruns the frame", response(0x22, 0, bytes("10 001B 01FF 01") + overrun), {}, {"0:bad frame"}},
        {"bytes after the record",
         response(0x22, 0, bytes("10 001B 01FF 01") + record(all_flags, {.pc_and_epc = sgtin}) + "x"),
         {},
         {"0:bad frame"}},
        {"EPC length in PC exceeds the payload", streamed(0x0002, {.pc_and_epc = long_pc}), {}, {"0:bad frame"}},
        {"bad tag crc", response(0x22, 0, bytes("10 001B 0002 01") + bad_tag_crc), {}, {"0:bad tag crc"}},
        {"unknown metadata",
         response(0x22, 0, bytes("10 001B 1002 01") + record(0x0002, {.pc_and_epc = sgtin})),
         {},
         {"0:unsupported frame"}},
        {"one bad record spoils the frame",
         response(0x29, 0, bytes("0002 00 02") + record(0x0002, {.pc_and_epc = sgtin}) + bad_tag_crc),
         {},
         {"0:bad tag crc"}},
        {"empty", "", {}, {}},
    };
    for (const Row& row : rows) {
        CAPTURE(row.name);
        const Decoded d = decode(row.stream);
        CHECK(d.tags == row.tags);
        CHECK(d.problems == row.problems);
    }
}

TEST_CASE("thingmagic: problem details") {
    const std::string a = streamed(all_flags, {.pc_and_epc = sgtin});
    std::string flipped = a;
    flipped[30] = static_cast<char>(flipped[30] ^ 0x01);
    const Decoded bad = decode(flipped);
    REQUIRE(bad.details.size() == 1);
    const std::size_t n = a.size();
    CHECK(bad.details[0] == fmt::format("computed {:04X}, frame says {:02X}{:02X}",
                                        adapters::rfid::thingmagic_crc(std::string_view(flipped).substr(1, n - 3)),
                                        static_cast<unsigned char>(a[n - 2]), static_cast<unsigned char>(a[n - 1])));
    CHECK(decode(a.substr(0, 20)).details == List{"20 of 49 bytes"});
    CHECK(decode(bytes("FF")).details == List{"1 bytes"});
    std::string long_pc = sgtin;
    long_pc[0] = '4';
    CHECK(decode(streamed(0x0002, {.pc_and_epc = long_pc})).details ==
          List{"EPC length in PC word (128 bits) exceeds the payload (96 bits)"});
    CHECK(decode(response(0x22, 0, bytes("10 001B 2002 01 C4"))).details ==
          List{"metadata flags 2002 name fields this decoder does not know"});
}

TEST_CASE("thingmagic: FF bytes inside a refused frame are not reported again") {
    std::string a = streamed(all_flags, {.rssi = -1, .antenna = 0xFF, .frequency = 0xFFFF00, .pc_and_epc = sgtin});
    a[40] = static_cast<char>(a[40] ^ 0x01);
    const std::string b = streamed(all_flags, {.pc_and_epc = grai});
    const Decoded d = decode(a + b);
    CHECK(d.problems == List{"0:bad crc"});
    CHECK(d.tags.size() == 1);
    CHECK(d.counts.bad == 1);
}

TEST_CASE("thingmagic: every chunking gives the same result") {
    const std::string a = streamed(all_flags, {.pc_and_epc = sgtin});
    const std::string b = tag_buffer(0x0006, {{.rssi = -40, .antenna = 0x22, .pc_and_epc = grai},
                                              {.rssi = -41, .antenna = 0x11, .pc_and_epc = "2000 E2003412DC03011A"}});
    std::string flipped = a;
    flipped[20] = static_cast<char>(flipped[20] ^ 0x10);
    const std::string stream = bytes("00 01") + adapters::rfid::thingmagic_start_reading() + a +
                               response(0x22, 0x0400, "") + flipped + bytes("55") + b + a.substr(0, 9) + b +
                               adapters::rfid::thingmagic_stop_reading();
    const Decoded whole = decode(stream);
    const std::string grai_tag = "3374257BF40C0E400000162E:-40:2:-:-:1";
    const std::string e200_tag = "E2003412DC03011A:-41:1:-:-:1";
    CHECK(whole.tags == List{"23:3074257BF7194E4000001A85:-60:1:865700:45:1", "129:" + grai_tag, "129:" + e200_tag,
                             "185:" + grai_tag, "185:" + e200_tag});
    CHECK(whole.problems ==
          List{"0:garbage between frames", "79:bad crc", "128:garbage between frames", "176:bad crc"});
    CHECK(whole.counts.frames == 6);  // start, a, keepalive, b, b, stop
    CHECK(whole.counts.other == 3);
    test::check_every_chunking(stream, whole, decode);
}

TEST_CASE("thingmagic: random input neither crashes nor grows memory") {
    std::mt19937 random(20261124);
    const std::string good = streamed(all_flags, {.pc_and_epc = sgtin}) +
                             tag_buffer(0x00FF, {{.pc_and_epc = grai}, {.pc_and_epc = "2000 E2003412DC03011A"}}) +
                             response(0x22, 0x0400, "") + adapters::rfid::thingmagic_stop_reading();
    for (int round = 0; round < 300; ++round) {
        std::string stream;
        const int pieces = std::uniform_int_distribution<int>(1, 30)(random);
        for (int i = 0; i < pieces; ++i) {
            switch (random() % 3) {
                case 0: {
                    const std::size_t n = random() % 64;
                    for (std::size_t k = 0; k < n; ++k) {
                        const auto r = static_cast<unsigned>(random());
                        stream += static_cast<char>(r % 4 == 0 ? 0xFF : (r >> 8) & 0xFF);
                    }
                    break;
                }
                case 1: stream += good; break;
                default: {
                    std::string damaged = good;
                    damaged[random() % damaged.size()] = static_cast<char>(random());
                    if (random() % 2 == 0) damaged.erase(random() % damaged.size(), 1 + random() % 5);
                    stream += damaged;
                }
            }
        }
        test::FrameProblems problems;
        std::uint64_t tags = 0;
        ThingMagicDecoder decoder("fuzz", problems, [&](TagReport&) { ++tags; });
        for (std::size_t at = 0; at < stream.size();) {
            const std::size_t n = 1 + random() % 300;
            decoder.feed(std::string_view(stream).substr(at, n));
            REQUIRE(decoder.buffered() < ThingMagicDecoder::max_frame);
            at += n;
        }
        decoder.finish();
        CHECK(decoder.counts().tags == tags);
    }
}
