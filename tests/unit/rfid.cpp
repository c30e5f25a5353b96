// Unit tests of adapters/rfid.hpp: the line and JSON reader formats and the deduplicator.
#include "adapters/rfid.hpp"

#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "support.hpp"
#include "track/json.hpp"

namespace {

namespace rfid = adapters::rfid;

// A report as "epc a=ANT rssi=R t=TIME n=COUNT f=FREQ p=PHASE r=READER @PLACE", fields
// present only when set.
std::string describe(const rfid::TagReport& r) {
    std::string s = r.epc;
    if (r.antenna) s += fmt::format(" a={}", *r.antenna);
    if (r.rssi) s += fmt::format(" rssi={}", *r.rssi);
    if (r.time) s += fmt::format(" t={}", track::format_rfc3339(*r.time));
    if (r.count != 1) s += fmt::format(" n={}", r.count);
    if (r.frequency) s += fmt::format(" f={}", *r.frequency);
    if (r.phase) s += fmt::format(" p={}", *r.phase);
    if (!r.reader.empty()) s += fmt::format(" r={}", r.reader);
    return s + " @" + track::to_string(r.where);
}

struct Decoded {
    std::vector<std::string> reports;
    std::vector<std::string> problems;
};

// Decodes `input` in `format`, handed over `step` bytes at a time.
Decoded decode(std::string_view format, const std::string& input, std::size_t step = 1 << 16) {
    Decoded d;
    test::Problems problems;
    test::SlowSource source(input, step, "in");
    auto decoder = rfid::find_format(format)->make_decoder(
        problems, [&d](rfid::TagReport& r) { d.reports.push_back(describe(r)); });
    decoder->run(source);
    d.problems = problems.seen;
    return d;
}

// The same reports and problems whether the input comes whole or a byte at a time.
Decoded decode_every_way(std::string_view format, const std::string& input) {
    const Decoded whole = decode(format, input);
    const Decoded bytewise = decode(format, input, 1);
    CHECK(whole.reports == bytewise.reports);
    CHECK(whole.problems == bytewise.problems);
    return whole;
}

}  // namespace

TEST_CASE("text: an EPC per line with fields recognised by key or by shape") {
    const Decoded d = decode_every_way("text",
                                       "# comment\n"
                                       "3374257bf40c0e400000162e\r\n"
                                       "\n"
                                       "0x3074257BF7194E4000001A85, 2, -61.5\n"
                                       "3074257BF7194E4000001A85\t-58dBm\t2026-11-23T08:15:04.000+01:00\n"
                                       "epc=3474257BF40000000000162E ant=4 rssi=-70 count=3 reader=gate-2 "
                                       "time=1795418100250000\n"
                                       "3474257BF40000000000162E;ts:1795418100;antenna:1\n");
    CHECK(d.reports == std::vector<std::string>{
                           "3374257BF40C0E400000162E @in:2",
                           "3074257BF7194E4000001A85 a=2 rssi=-61.5 @in:4",
                           "3074257BF7194E4000001A85 rssi=-58 t=2026-11-23T07:15:04.000Z @in:5",
                           "3474257BF40000000000162E a=4 rssi=-70 t=2026-11-23T07:15:00.250Z n=3 r=gate-2 @in:6",
                           "3474257BF40000000000162E a=1 t=2026-11-23T07:15:00.000Z @in:7",
                       });
    CHECK(d.problems.empty());
}

TEST_CASE("text: what is not an EPC line is reported with its line") {
    const Decoded d = decode_every_way("text",
                                       "NOT-A-TAG\n"
                                       "3374257BF40C0E4000001\n"
                                       "3374257BF40C0E400000162E,1,-60,loud\n"
                                       "3374257BF40C0E400000162E 1 2\n"
                                       "3374257BF40C0E400000162E rssi=-300\n" +
                                           std::string(5000, 'A') + "\n");
    CHECK(d.reports.empty());
    CHECK(d.problems == std::vector<std::string>{
                            "in:1: not an EPC (not hex: NOT-A-TAG)",
                            "in:2: not an EPC (not a whole number of 16-bit words: 3374257BF40C0E4000001)",
                            "in:3: unrecognised field (loud)",
                            "in:4: unrecognised field (2)",  // two antennas: ambiguous
                            "in:5: unrecognised field (rssi=-300)",
                            "in:6: line too long (over 4096 bytes)",
                        });
}

TEST_CASE("text: a line of separators only is reported, and never re-reads the line before") {
    // Found by fuzzing: an empty token list had its front taken (a crash, or the previous
    // line's EPC read a second time).
    const Decoded d = decode_every_way("text", ";\n3374257BF40C0E400000162E\n,\n;, ,\n");
    CHECK(d.reports == std::vector<std::string>{"3374257BF40C0E400000162E @in:2"});
    CHECK(d.problems == std::vector<std::string>{"in:1: not an EPC (only separators: ;)",
                                                 "in:3: not an EPC (only separators: ,)",
                                                 "in:4: not an EPC (only separators: ;, ,)"});
}

TEST_CASE("llrp-csv: fixed columns, or the columns a header names") {
    const Decoded fixed = decode_every_way("llrp-csv",
                                           "1795418100000000,dock-3,1,-55,3374257BF40C0E400000162E\n"
                                           "2026-11-23T07:15:02.400Z,dock-3,4,-61.5,\"300833B2DDD9014000000001\"\n"
                                           "1795418100000000,dock-3,x,-55,3374257BF40C0E400000162E\n"
                                           "1795418100000000,dock-3,1,-55,\n"
                                           "12,dock-3,1,-55,3374257BF40C0E400000162E\n");
    CHECK(fixed.reports == std::vector<std::string>{
                               "3374257BF40C0E400000162E a=1 rssi=-55 t=2026-11-23T07:15:00.000Z r=dock-3 @in:1",
                               "300833B2DDD9014000000001 a=4 rssi=-61.5 t=2026-11-23T07:15:02.400Z r=dock-3 @in:2",
                           });
    CHECK(fixed.problems ==
          std::vector<std::string>{"in:3: bad antenna (x)", "in:4: bad epc (missing)", "in:5: bad timestamp (12)"});

    const Decoded named = decode_every_way("llrp-csv",
                                           "EPC , AntennaPort,PeakRSSI,tag_seen_count,Hostname\n"
                                           "3474257BF40000000000162E,2,-61,7,speedway-7\n");
    CHECK(named.reports == std::vector<std::string>{"3474257BF40000000000162E a=2 rssi=-61 n=7 r=speedway-7 @in:2"});
    CHECK(named.problems.empty());
}

TEST_CASE("impinj: R700 events (base64 epc or epcHex) and Speedway Connect batches") {
    const Decoded d = decode_every_way(
        "impinj",
        R"({"timestamp":"2026-11-23T07:20:01.120Z","hostname":"r700","eventType":"tagInventory",)"
        R"("tagInventoryEvent":{"epc":"M3Qle/QMDkAAABYu","antennaPort":1,"peakRssiCdbm":-5400,"frequency":866900,"phaseAngle":31.64}})"
        "\n"
        R"({"timestamp":"2026-11-23T07:20:02Z","hostname":"r700","eventType":"inventoryStatus","inventoryStatusEvent":{}})"
        "\n"
        R"({"timestamp":"2026-11-23T07:20:03Z","eventType":"tagInventory","tagInventoryEvent":{"epcHex":"e2801160600002054c5a4f3b","lastSeenTime":"2026-11-23T07:20:02.900Z"}})"
        "\n"
        "{\"reader_name\":\"sc-1\",\n \"tag_reads\":[\n  "
        "{\"epc\":\"3074257BF7194E4000001A85\",\"antennaPort\":3,\"peakRssi\":-48,"
        "\"firstSeenTimestamp\":1795418400125000},\n  {\"isHeartBeat\":true},\n  "
        "{\"epc\":\"3174257BF4499602D2000000\",\"firstSeenTimestamp\":\"1795418401000000\"}]}\n"
        R"({"timestamp":"2026-11-23T07:20:05Z","eventType":"tagInventory","tagInventoryEvent":{"antennaPort":2}})"
        "\n"
        R"({"timestamp":"2026-11-23T07:20:05Z","eventType":"tagInventory","tagInventoryEvent":{"epcHex":"33742)"
        "\n"
        R"({"reader_name":"sc-1","tag_reads":[{"epc":"3074257BF7194E4000001A85","antennaPort":"one"}]})"
        "\n");
    CHECK(d.reports ==
          std::vector<std::string>{
              "3374257BF40C0E400000162E a=1 rssi=-54 t=2026-11-23T07:20:01.120Z f=866900 p=32 r=r700 @in:1",
              "E2801160600002054C5A4F3B t=2026-11-23T07:20:02.900Z @in:3",
              "3074257BF7194E4000001A85 a=3 rssi=-48 t=2026-11-23T07:20:00.125Z r=sc-1 @in:4",
              "3174257BF4499602D2000000 t=2026-11-23T07:20:01.000Z r=sc-1 @in:4",
          });
    CHECK(d.problems == std::vector<std::string>{
                            "in:9: bad tag report (tagInventoryEvent: no epc or epcHex)",
                            "in:10: object cut short (a new line began inside it)",
                            "in:11: bad tag report (antennaPort: not a number)",
                        });
}

TEST_CASE("zebra: objects glued without newlines, offsets without a colon, channel in MHz") {
    const Decoded d = decode_every_way(
        "zebra",
        R"({"data":{"idHex":"3474257bf40000000000162e","antenna":1,"peakRssi":-52,"reads":6,"channel":902.75,"phase":12},)"
        R"("timestamp":"2026-11-22T23:30:00.125-0800","type":"SIMPLE"})"
        R"({"type":"heartbeat","timestamp":"2026-11-22T23:30:01.000-0800","data":{"eventNum":3}})"
        R"({"data":{"idHex":"3274257BF46072000000162E"},"timestamp":"2026-11-23T07:30:01Z","hostName":"fx9600"})"
        "\ngarbage\n"
        R"([{"data":{"idHex":"3F00"},"timestamp":"2026-11-23T07:30:02+01"}])"
        "\n"
        R"({"data":{"idHex":"3F00"},"timestamp":"at noon"})"
        "\n"
        R"({"data":{"idHex":"3F00","antenna":1})");
    CHECK(d.reports == std::vector<std::string>{
                           "3474257BF40000000000162E a=1 rssi=-52 t=2026-11-23T07:30:00.125Z n=6 f=902750 p=12 @in:1",
                           "3274257BF46072000000162E t=2026-11-23T07:30:01.000Z r=fx9600 @in:1",
                           "3F00 t=2026-11-23T06:30:02.000Z @in:3",
                       });
    CHECK(d.problems == std::vector<std::string>{
                            "in:2: not JSON (text outside any object)",
                            "in:4: bad tag report (timestamp: not a time)",
                            "in:5: object cut short (input ended inside it)",
                        });
}

TEST_CASE("impinj and zebra: numbers outside a reader's physical range are refused, not overflowed") {
    const Decoded zebra = decode_every_way(
        "zebra",
        R"({"data":{"idHex":"3F00","channel":1e300},"timestamp":"2026-11-23T07:30:00Z"})"
        "\n"
        R"({"data":{"idHex":"3F00","phase":-1e300},"timestamp":"2026-11-23T07:30:00Z"})"
        "\n"
        R"({"data":{"idHex":"3F00","peakRssi":1e300},"timestamp":"2026-11-23T07:30:00Z"})"
        "\n"
        R"({"data":{"idHex":"3F00","peakRssi":50,"channel":10000,"phase":-360},"timestamp":"2026-11-23T07:30:00Z"})");
    CHECK(zebra.reports ==
          std::vector<std::string>{"3F00 rssi=50 t=2026-11-23T07:30:00.000Z f=10000000 p=-360 @in:4"});
    CHECK(zebra.problems == std::vector<std::string>{
                                "in:1: bad tag report (channel: 1e+300 is out of range 0..10000)",
                                "in:2: bad tag report (phase: -1e+300 is out of range -360..360)",
                                "in:3: bad tag report (peakRssi: 1e+300 is out of range -200..50)",
                            });
    const Decoded impinj = decode_every_way(
        "impinj",
        R"({"tagInventoryEvent":{"epcHex":"3F00","peakRssiCdbm":-1e300,"lastSeenTime":"2026-11-23T07:30:00Z"}})"
        "\n"
        R"({"tagInventoryEvent":{"epcHex":"3F00","phaseAngle":1e300,"lastSeenTime":"2026-11-23T07:30:00Z"}})"
        "\n"
        R"({"tag_reads":[{"epc":"3F00","peakRssi":51,"firstSeenTimestamp":1795418100000000}]})");
    CHECK(impinj.reports.empty());
    CHECK(impinj.problems == std::vector<std::string>{
                                 "in:1: bad tag report (peakRssiCdbm: -1e+300 is out of range -20000..5000)",
                                 "in:2: bad tag report (phaseAngle: 1e+300 is out of range -360..360)",
                                 "in:3: bad tag report (peakRssi: 51 is out of range -200..50)",
                             });
}

namespace {

// Reports of epc `epc` (antenna `antenna`, rssi `rssi`) at reader time `t` ms.
rfid::TagReport report(std::string epc, track::Millis t, int antenna, double rssi, int frequency = 0) {
    rfid::TagReport r;
    r.epc = std::move(epc);
    r.time = t;
    r.antenna = antenna;
    r.rssi = rssi;
    if (frequency != 0) r.frequency = frequency;
    r.where = {"in", static_cast<std::uint64_t>(t) + 1};
    return r;
}

std::string json(const track::Read& read) {
    fmt::memory_buffer out;
    track::append_json(out, read);
    return fmt::to_string(out);
}

}  // namespace

TEST_CASE("Deduplicator: one record per epc, reader and antenna per window") {
    std::vector<std::string> out;
    rfid::Deduplicator dedup(1000, "gate", [&out](const track::Read& r) { out.push_back(json(r)); });
    const std::string a = "3374257BF40C0E400000162E";
    const std::string b = "E2801160600002054C5A4F3B";
    dedup.add(report(a, 0, 1, -60, 866900), 0);
    dedup.add(report(a, 200, 1, -52, 865700), 0);  // the peak: its frequency goes with it
    dedup.add(report(a, 300, 2, -70), 0);          // another antenna: its own sighting
    dedup.add(report(b, 400, 1, -65), 0);
    dedup.add(report(a, 900, 1, -58), 0);
    CHECK(out.empty());                     // every window still open
    dedup.add(report(a, 1000, 1, -61), 0);  // the first window has ended: written, a new one opens
    REQUIRE(out.size() == 1);
    CHECK(out[0] ==
          R"({"type":"read","time":"1970-01-01T00:00:00.000Z","last":"1970-01-01T00:00:00.900Z","clock":"reader",)"
          R"("epc":"3374257BF40C0E400000162E","uri":"urn:epc:id:grai:0614141.12345.5678","reader":"gate","antenna":1,)"
          R"("rssi":-52,"count":3,"frequency":865700,"src":"in:1"})"
          "\n");
    dedup.finish();
    REQUIRE(out.size() == 4);  // in the order the sightings began
    CHECK(out[1].find(R"("antenna":2,"rssi":-70,"count":1,"src":"in:301")") != std::string::npos);
    CHECK(out[2].find(R"("epc":"E2801160600002054C5A4F3B","uri":"urn:epc:raw:96.xE2801160600002054C5A4F3B")") !=
          std::string::npos);
    CHECK(out[3].find(R"("time":"1970-01-01T00:00:01.000Z","clock":"reader")") != std::string::npos);
    CHECK(dedup.reports() == 6);
    CHECK(dedup.records() == 4);
}

TEST_CASE("Deduplicator: a count that would overflow a record's starts a new sighting") {
    // Found by fuzzing: 2,200 reports of a million reads each gave "count": -2094967296.
    std::vector<track::Read> out;
    rfid::Deduplicator dedup(1000, "gate", [&out](const track::Read& r) { out.push_back(r); });
    for (int i = 0; i < 2200; ++i) {
        rfid::TagReport r = report("3374257BF40C0E400000162E", 0, 1, -60);
        r.count = 1'000'000;
        dedup.add(r, 0);
    }
    dedup.finish();
    REQUIRE(out.size() == 2);
    CHECK(out[0].count == 2'147'000'000);
    CHECK(out[1].count == 53'000'000);
    CHECK(dedup.reports() == 2200);
}

TEST_CASE("Deduplicator: window 0 writes every report; arrival time when the reader gives none") {
    std::vector<track::Read> out;
    rfid::Deduplicator dedup(0, "gate", [&out](const track::Read& r) { out.push_back(r); });
    rfid::TagReport r = report("3F00", 5, 1, -50);
    r.time.reset();
    dedup.add(r, 7000);
    dedup.add(r, 7001);
    REQUIRE(out.size() == 2);
    CHECK(out[0].time == 7000);
    CHECK(out[0].clock == track::ReadClock::arrival);
    CHECK(out[1].time == 7001);
    CHECK(out[1].count == 1);
}

TEST_CASE("Deduplicator: a quiet live reader still writes what it read (expire by arrival)") {
    std::vector<track::Read> out;
    rfid::Deduplicator dedup(1000, "port", [&out](const track::Read& r) { out.push_back(r); });
    dedup.add(report("3F00", 0, 1, -50), 10'000);
    dedup.expire(10'999);
    CHECK(out.empty());
    dedup.expire(11'000);
    REQUIRE(out.size() == 1);
    CHECK(out[0].reader == "port");
}

TEST_CASE("Deduplicator: reports out of order within the window join the sighting") {
    std::vector<track::Read> out;
    rfid::Deduplicator dedup(1000, "r", [&out](const track::Read& r) { out.push_back(r); });
    dedup.add(report("3F00", 500, 1, -50), 0);
    dedup.add(report("3F00", 200, 1, -55), 0);
    dedup.finish();
    REQUIRE(out.size() == 1);
    CHECK(out[0].time == 200);
    CHECK(out[0].last == 500);
    CHECK(out[0].rssi == -50);
    CHECK(out[0].count == 2);
}

TEST_CASE("reader formats register themselves, each under its own names") {
    std::vector<std::string_view> listed;
    for (const rfid::FormatInfo* format : rfid::formats()) {
        listed.push_back(format->name);
        CHECK(rfid::find_format(format->name) == format);
        for (const std::string_view alias : format->aliases) {
            if (!alias.empty()) CHECK(rfid::find_format(alias) == format);
        }
        CHECK((format->make_decoder != nullptr));
        CHECK(!format->help.empty());
        CHECK(!format->start_inventory == !format->stop_inventory);
        CHECK((!format->start_inventory || rfid::is_serial(*format)));
    }
    CHECK(listed == std::vector<std::string_view>{"text", "uhf-bb", "thingmagic", "impinj", "zebra", "llrp-csv"});
    CHECK(rfid::find_format("llrp") == nullptr);
    CHECK(rfid::find_format("") == nullptr);
    CHECK(rfid::find_format("uhf-bb")->default_baud == 115200);
    CHECK(rfid::find_format("text")->default_baud == 9600);
    CHECK_FALSE(rfid::is_serial(*rfid::find_format("zebra")));
}

TEST_CASE("trk-read(1) describes every registered reader format") {
    std::ifstream page(TRK_SOURCE_DIR "/man/trk-read.1.md");
    const std::string text{std::istreambuf_iterator<char>(page), std::istreambuf_iterator<char>()};
    REQUIRE(!text.empty());
    const std::string rfid_section = text.substr(text.find("# trk read rfid"));
    for (const rfid::FormatInfo* format : rfid::formats()) {
        CAPTURE(format->name);
        CHECK(rfid_section.find(fmt::format("\n**{}**\n:", format->name)) != std::string::npos);
    }
}

TEST_CASE("Deduplicator: a reader clock that jumps back closes what is open") {
    std::vector<track::Read> out;
    rfid::Deduplicator dedup(1000, "r", [&out](const track::Read& r) { out.push_back(r); });
    dedup.add(report("3F00", 1'795'418'100'000, 1, -50), 0);
    dedup.add(report("3F01", 1'795'418'100'100, 1, -50), 0);
    dedup.add(report("3F00", 5'000, 1, -50), 0);  // rebooted: its clock starts again near 1970
    REQUIRE(out.size() == 2);
    dedup.finish();
    REQUIRE(out.size() == 3);
    CHECK(out[2].time == 5'000);
}

TEST_CASE("reader formats survive random bytes") {
    std::mt19937 random(20261125);
    for (const rfid::FormatInfo* format : rfid::formats()) {
        CAPTURE(format->name);
        for (int round = 0; round < 20; ++round) {
            // Bytes biased towards what the formats care about, so that parsers get deep.
            static constexpr std::string_view alphabet = "{}[]\",:0123456789ABCDEFabcdef-. \n\r\t#=;xZ\xBB\x7E\xFF\x00";
            std::string input(static_cast<std::size_t>(random() % 20'000), '\0');
            for (char& c : input) {
                c = random() % 4 == 0 ? static_cast<char>(random() % 256) : alphabet[random() % alphabet.size()];
            }
            const Decoded d = decode(format->name, input, 1 + random() % 5000);
            CHECK(d.reports.size() + d.problems.size() <= input.size());
        }
    }
}

TEST_CASE("guess_format: the format whose decoder reads the most of an input") {
    const auto guess = [](std::string_view head) {
        const rfid::FormatInfo* format = rfid::guess_format(head);
        return format == nullptr ? std::string("none") : std::string(format->name);
    };
    CHECK(guess("3474257BF40000000000162E ant=1\n3474257BF40000000000162F\n") == "text");
    CHECK(guess("{\"timestamp\":\"2026-11-23T07:20:01Z\",\"hostname\":\"r700\",\"eventType\":\"tagInventory\","
                "\"tagInventoryEvent\":{\"epcHex\":\"3474257BF40000000000162E\",\"antennaPort\":1}}\n") == "impinj");
    CHECK(guess("{\"data\":{\"idHex\":\"3474257BF40000000000162E\",\"antenna\":1},\"timestamp\":"
                "\"2026-11-23T07:20:00Z\"}\n") == "zebra");
    CHECK(guess("hello, world\n") == "none");
    CHECK(guess("") == "none");
}
