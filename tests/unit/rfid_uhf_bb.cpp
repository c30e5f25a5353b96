// Unit tests of adapters/rfid_uhf_bb.hpp: uhf-bb frames, the shared frame hunt, Gen2 CRC, commands.
#include "adapters/rfid_uhf_bb.hpp"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "support.hpp"

using adapters::rfid::TagReport;
using adapters::rfid::UhfBbDecoder;

namespace {

using test::bytes;

// A tag notice as the module sends it: RSSI, PC, EPC, the tag's CRC over PC and EPC.
std::string notice(int rssi, std::string_view pc_and_epc_hex, std::uint8_t command = 0x22) {
    const std::string reply = bytes(pc_and_epc_hex);
    const std::uint16_t crc = adapters::rfid::gen2_crc16(reply);
    std::string payload(1, static_cast<char>(rssi));
    payload += reply;
    payload += static_cast<char>(crc >> 8);
    payload += static_cast<char>(crc & 0xFF);
    return adapters::rfid::uhf_bb_frame(0x02, command, payload);
}

using Decoded = test::FramesDecoded;

// Decodes `stream` fed in chunks of `chunk` bytes (0: all at once); tags as "offset:EPC:rssi".
Decoded decode(std::string_view stream, std::size_t chunk = 0) {
    return test::decode_frames<UhfBbDecoder>(stream, chunk, "gate", [](const TagReport& r) {
        return fmt::format("{}:{}:{}", r.where.line, r.epc, r.rssi ? fmt::format("{}", *r.rssi) : "-");
    });
}

using List = std::vector<std::string>;

const std::string sgtin = "3000 3074257BF7194E4000001A85";  // PC (96 bits) and an SGTIN-96
const std::string grai = "3000 3374257BF40C0E400000162E";   // a GRAI-96

}  // namespace

TEST_CASE("uhf-bb: the manual's example frames") {
    // Magic RF "M100 & QM100 firmware command manual", as reproduced in M5Stack's Unit UHF protocol
    // document and drivers built on it (single polling notice, error 0x15, module info, stop ack).
    const Decoded d = decode(bytes("BB 02 22 00 11 C9 34 00 30 75 1F EB 70 5C 59 04 E3 D5 0D 70 3A 76 EF 7E"));
    CHECK(d.tags == List{"0:30751FEB705C5904E3D50D70:-55"});  // 0xC9: -55 dBm, as the manual says
    CHECK(d.problems.empty());

    const Decoded others =
        decode(bytes("BB 01 FF 00 01 15 16 7E"                                // no tag
                     "BB 01 03 00 0B 00 4D 31 30 30 20 56 31 2E 30 30 22 7E"  // "M100 V1.00"
                     "BB 01 28 00 01 00 2A 7E"                                // stop: ok
                     "BB 00 27 00 03 22 27 10 83 7E"));                       // echoed command
    CHECK(others.tags.empty());
    CHECK(others.problems.empty());
    CHECK(others.counts.frames == 4);
    CHECK(others.counts.other == 4);
}

TEST_CASE("uhf-bb: command bytes") {
    CHECK(adapters::rfid::uhf_bb_multi_poll(10000) == bytes("BB 00 27 00 03 22 27 10 83 7E"));  // manual's example
    CHECK(adapters::rfid::uhf_bb_multi_poll(65535) == bytes("BB 00 27 00 03 22 FF FF 4A 7E"));
    CHECK(adapters::rfid::uhf_bb_multi_poll(0) == bytes("BB 00 27 00 03 22 00 00 4C 7E"));
    CHECK(adapters::rfid::uhf_bb_stop() == bytes("BB 00 28 00 00 28 7E"));
    CHECK(adapters::rfid::uhf_bb_frame(0x00, 0xB6, bytes("07 D0")) == bytes("BB 00 B6 00 02 07 D0 8F 7E"));
}

TEST_CASE("uhf-bb: Gen2 CRC-16 and hex") {
    CHECK(adapters::rfid::gen2_crc16("123456789") == 0xD64E);                             // CRC-16/GENIBUS check value
    CHECK(adapters::rfid::gen2_crc16(bytes("3400 30751FEB705C5904E3D50D70")) == 0x3A76);  // the manual's notice
    CHECK(adapters::rfid::upper_hex(bytes("00 ab FF 1a")) == "00ABFF1A");
    CHECK(adapters::rfid::upper_hex("") == "");
}

TEST_CASE("uhf-bb: EPC length from the PC word") {
    struct Row {
        std::string pc_and_epc;
        std::string epc;
    };
    const std::string e496(124, 'E');
    const Row rows[] = {
        {"2000 E2003412DC03011A", "E2003412DC03011A"},                                  // 64 bits
        {sgtin, "3074257BF7194E4000001A85"},                                            // 96 bits
        {"4000 E28011700000020C4A1B7F3D00C0FFEE", "E28011700000020C4A1B7F3D00C0FFEE"},  // 128 bits
        {"F800" + e496, e496},                                                          // 496 bits, the most
        {"3200 0001 3074257BF7194E4000001A85", "3074257BF7194E4000001A85"},             // XI: XPC_W1 follows
        {"3200 8001 0002 3074257BF7194E4000001A85", "3074257BF7194E4000001A85"},        // XPC_W1 and XPC_W2
        {"3200 3074257BF7194E4000001A85", "3074257BF7194E4000001A85"},                  // XI, XPC left out
    };
    for (const Row& row : rows) {
        CAPTURE(row.pc_and_epc);
        const Decoded d = decode(notice(-61, row.pc_and_epc));
        CHECK(d.tags == List{"0:" + row.epc + ":-61"});
        CHECK(d.problems.empty());
    }
}

TEST_CASE("uhf-bb: one row per kind of stream") {
    const std::string a = notice(-60, sgtin);                     // 24 bytes
    const std::string b = notice(-48, grai);                      // 24 bytes
    const std::string no_tag = bytes("BB 01 FF 00 01 15 16 7E");  // 8 bytes
    std::string flipped = a;                                      // a payload bit flipped: the checksum disagrees
    flipped[12] = static_cast<char>(flipped[12] ^ 0x04);
    std::string swapped = a;  // two payload bytes swapped: the sum holds, the tag's CRC does not
    std::swap(swapped[9], swapped[10]);
    std::string lost = a;  // a byte lost on the line: the frame runs into the next one
    lost.erase(12, 1);
    std::string long_pc = notice(-60, sgtin);  // PC says 128 bits, payload holds 96 (checksum fixed up)
    long_pc[6] = 0x40;
    long_pc[long_pc.size() - 2] = static_cast<char>(long_pc[long_pc.size() - 2] + 0x10);

    struct Row {
        std::string name;
        std::string stream;
        List tags;
        List problems;
    };
    const Row rows[] = {
        {"two notices", a + b, {"0:3074257BF7194E4000001A85:-60", "24:3374257BF40C0E400000162E:-48"}, {}},
        {"a multi-poll notice with command 0x27", notice(-70, grai, 0x27), {"0:3374257BF40C0E400000162E:-70"}, {}},
        {"other frames are silent", no_tag + a + no_tag, {"8:3074257BF7194E4000001A85:-60"}, {}},
        {"garbage before", bytes("00 13 FF") + a, {"3:3074257BF7194E4000001A85:-60"}, {"0:garbage between frames"}},
        {"garbage between and after",
         a + bytes("7E 7E") + b + bytes("00"),
         {"0:3074257BF7194E4000001A85:-60", "26:3374257BF40C0E400000162E:-48"},
         {"24:garbage between frames", "50:garbage between frames"}},
        {"bad checksum",
         a + flipped + b,
         {"0:3074257BF7194E4000001A85:-60", "48:3374257BF40C0E400000162E:-48"},
         {"24:bad checksum"}},
        {"bad tag crc", swapped + b, {"24:3374257BF40C0E400000162E:-48"}, {"0:bad tag crc"}},
        {"lost byte", lost + b, {"23:3374257BF40C0E400000162E:-48"}, {"0:bad frame"}},
        {"cut short at the end", b + a.substr(0, 10), {"0:3374257BF40C0E400000162E:-48"}, {"24:frame cut short"}},
        {"cut short by the next frame", a.substr(0, 10) + b, {"10:3374257BF40C0E400000162E:-48"}, {"0:bad frame"}},
        {"header cut short", bytes("BB 02"), {}, {"0:frame cut short"}},
        {"impossible length", bytes("BB 02 22 FF FF") + a, {"5:3074257BF7194E4000001A85:-60"}, {"0:bad frame"}},
        {"unknown frame type", bytes("BB 05") + a, {"2:3074257BF7194E4000001A85:-60"}, {"0:bad frame"}},
        {"EPC length in PC exceeds the payload", long_pc, {}, {"0:bad frame"}},
        {"empty notice", adapters::rfid::uhf_bb_frame(0x02, 0x22, ""), {}, {"0:bad frame"}},
        {"empty", "", {}, {}},
    };
    for (const Row& row : rows) {
        CAPTURE(row.name);
        const Decoded d = decode(row.stream);
        CHECK(d.tags == row.tags);
        CHECK(d.problems == row.problems);
    }
}

TEST_CASE("uhf-bb: problem details") {
    const std::string a = notice(-60, sgtin);
    std::string flipped = a;
    flipped[12] = static_cast<char>(flipped[12] ^ 0x04);
    std::string long_pc = a;
    long_pc[6] = 0x40;
    long_pc[long_pc.size() - 2] = static_cast<char>(long_pc[long_pc.size() - 2] + 0x10);
    CHECK(decode(flipped).details ==
          List{fmt::format("computed {:02X}, frame says {:02X}", static_cast<unsigned char>(a[22] - 4),
                           static_cast<unsigned char>(a[22]))});
    CHECK(decode(long_pc).details == List{"EPC length in PC word (128 bits) exceeds the payload (96 bits)"});
    CHECK(decode(notice(-60, "2000 3074257BF7194E4000001A85")).details ==
          List{"EPC length in PC word (64 bits) is shorter than the payload (96 bits)"});
    CHECK(decode(notice(-60, "0000")).details == List{"PC word says the tag has no EPC"});
    CHECK(decode(adapters::rfid::uhf_bb_frame(0x02, 0x22, bytes("C4 30"))).details ==
          List{"tag reply of 1 bytes has no room for PC and CRC"});
    CHECK(decode(a.substr(0, 10)).details == List{"10 of 24 bytes"});
    CHECK(decode(bytes("00 13 FF") + a).details == List{"3 bytes"});
    CHECK(decode(bytes("BB 02 22 FF FF")).details == List{"impossible length 65535"});
    CHECK(decode(bytes("BB 05")).details == List{"unknown frame type 0x05"});
    CHECK(decode(a.substr(0, 23) + "x").details == List{"bad end byte 0x78"});
}

TEST_CASE("uhf-bb: damage inside a reported frame is reported once") {
    // The EPC holds BB bytes; once the frame is refused, the hunt resumes inside it and meets them.
    std::string a = notice(-60, "3000 BB00BB7E0000BB0211000000");
    a[9] = static_cast<char>(a[9] ^ 0x01);  // bad checksum
    const std::string b = notice(-48, grai);
    const Decoded d = decode(a + b);
    CHECK(d.problems == List{"0:bad checksum"});
    CHECK(d.tags == List{"24:3374257BF40C0E400000162E:-48"});
    CHECK(d.counts.bad == 1);
}

TEST_CASE("uhf-bb: every chunking gives the same result") {
    const std::string a = notice(-60, sgtin);
    const std::string b = notice(-48, grai);
    std::string flipped = a;
    flipped[12] = static_cast<char>(flipped[12] ^ 0x04);
    const std::string stream = bytes("00 01") + a + bytes("BB 01 FF 00 01 15 16 7E") + flipped + bytes("55") + b +
                               a.substr(0, 7) + b + bytes("BB 02 22 FF FF") + a + b.substr(0, 20);
    const Decoded whole = decode(stream);
    CHECK(whole.tags == List{"2:3074257BF7194E4000001A85:-60", "59:3374257BF40C0E400000162E:-48",
                             "90:3374257BF40C0E400000162E:-48", "119:3074257BF7194E4000001A85:-60"});
    CHECK(whole.problems == List{"0:garbage between frames", "34:bad checksum", "58:garbage between frames",
                                 "83:bad frame", "114:bad frame", "143:frame cut short"});
    CHECK(whole.counts.frames == 5);
    CHECK(whole.counts.other == 1);
    CHECK(whole.counts.bad == 4);
    test::check_every_chunking(stream, whole, decode);
}

TEST_CASE("uhf-bb: random input neither crashes nor grows memory") {
    std::mt19937 random(20261123);
    const std::string good = notice(-60, sgtin) + notice(-48, grai) + bytes("BB 01 FF 00 01 15 16 7E");
    for (int round = 0; round < 300; ++round) {
        std::string stream;
        const int pieces = std::uniform_int_distribution<int>(1, 40)(random);
        for (int i = 0; i < pieces; ++i) {
            switch (random() % 4) {
                case 0: {  // random bytes, often start bytes and plausible headers
                    const std::size_t n = random() % 64;
                    for (std::size_t k = 0; k < n; ++k) {
                        const auto r = static_cast<unsigned>(random());
                        stream += static_cast<char>(r % 5 == 0 ? 0xBB : r % 7 == 0 ? 0x7E : (r >> 8) & 0xFF);
                    }
                    break;
                }
                case 1: stream += good; break;
                case 2: {  // good frames, damaged
                    std::string damaged = good;
                    damaged[random() % damaged.size()] = static_cast<char>(random());
                    if (random() % 2 == 0) damaged.erase(random() % damaged.size(), 1 + random() % 5);
                    stream += damaged;
                    break;
                }
                default: stream += bytes("BB 02 22") + static_cast<char>(random()) + static_cast<char>(random());
            }
        }
        test::FrameProblems problems;
        std::uint64_t tags = 0;
        UhfBbDecoder decoder("fuzz", problems, [&](TagReport& r) {
            ++tags;
            CHECK(!r.epc.empty());
        });
        for (std::size_t at = 0; at < stream.size();) {
            const std::size_t n = 1 + random() % 300;
            decoder.feed(std::string_view(stream).substr(at, n));
            REQUIRE(decoder.buffered() < UhfBbDecoder::max_frame);
            at += n;
        }
        decoder.finish();
        CHECK(decoder.counts().tags == tags);
        CHECK(decoder.counts().frames >= decoder.counts().other);
    }
}

TEST_CASE("uhf-bb: a huge chunk is taken in slices") {
    test::FrameProblems problems;
    UhfBbDecoder decoder("big", problems, [](TagReport&) {});
    std::string stream;
    for (int i = 0; i < 20000; ++i) stream += notice(-60, sgtin);
    stream += bytes("BB 02 22 03 FF");  // a 1030-byte frame never finished
    decoder.feed(stream);
    CHECK(decoder.buffered() <= UhfBbDecoder::max_frame);
    decoder.finish();
    CHECK(decoder.counts().tags == 20000);
    CHECK(problems.list == List{fmt::format("{}:frame cut short", 20000 * 24)});
}
