// Unit tests of adapters/nmea_sentence.hpp: framing, checksums, fields, times of day.
#include "adapters/nmea_sentence.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

using adapters::nmea::Framer;
using adapters::nmea::Sentence;

namespace {

// "$BODY*HH" with the right checksum.
std::string sentence(std::string_view body) { return fmt::format("${}*{:02X}", body, adapters::nmea::checksum(body)); }

// What framing one line gives: "ok:ADDRESS:N" per sentence or the refusal reason, in order.
std::vector<std::string> frame(std::string_view line) {
    std::vector<std::string> found;
    Framer framer(line);
    Sentence s;
    for (auto status = framer.next(s); status != Framer::Status::end; status = framer.next(s)) {
        if (status == Framer::Status::sentence) {
            found.push_back(fmt::format("ok:{}:{}", s.address(), s.size()));
        } else {
            found.emplace_back(framer.reason());
        }
    }
    return found;
}

using List = std::vector<std::string>;

}  // namespace

TEST_CASE("checksum is the XOR of the body") {
    CHECK(adapters::nmea::checksum("GPGGA,193221.00,2037.72792,N,08704.08478,W,1,04,1.7,-30.40,M,-13.9,M,,") == 0x7D);
}

TEST_CASE("a sentence is split into its fields") {
    const std::string line = sentence("GPGGA,193221.00,2037.72792,N,08704.08478,W,1,04,1.7,-30.40,M,-13.9,M,,");
    Framer framer(line);
    Sentence s;
    REQUIRE(framer.next(s) == Framer::Status::sentence);
    CHECK(s.address() == "GPGGA");
    CHECK(s.talker() == "GP");
    CHECK(s.formatter() == "GGA");
    CHECK_FALSE(s.proprietary());
    CHECK(s.size() == 14);
    CHECK(s.field(1) == "193221.00");
    CHECK(s.field(9) == "-30.40");
    CHECK(s.field(14) == "");
    CHECK(s.field(40) == "");
    CHECK(framer.next(s) == Framer::Status::end);
}

TEST_CASE("framing: one row per kind of line") {
    const std::string gga = sentence("GPGGA,101500.00,4807.0381,N,01131.0001,E,2,07,1.10,545.4,M,46.9,M,,");
    const std::string rmc = sentence("GNRMC,101500.00,A,4807.0381,N,01131.0001,E,1.0,45.0,150326,,,A");
    struct Row {
        std::string line;
        List expected;
    };
    const Row rows[] = {
        {gga, {"ok:GPGGA:14"}},
        {gga + "\r", {"ok:GPGGA:14"}},
        {"  " + gga + "  ", {"ok:GPGGA:14"}},
        {gga.substr(0, gga.size() - 2) + "7e", {"bad checksum"}},  // right digits are 7D
        {gga.substr(0, gga.size() - 3), {"no checksum"}},
        {gga.substr(0, 30) + rmc, {"sentence cut short", "ok:GNRMC:12"}},
        {gga + rmc, {"ok:GPGGA:14", "ok:GNRMC:12"}},
        {"xx" + gga, {"garbage before a sentence", "ok:GPGGA:14"}},
        {"plain text", {"not an NMEA sentence"}},
        {gga + "0,*4E", {"data after the checksum"}},
        {gga.substr(0, gga.size() - 1), {"malformed checksum"}},
        {"$GPGGA,1\x01"
         "2*00",
         {"binary garbage"}},
        {"$GPGGA,12\xff*00", {"binary garbage"}},
        {sentence("GP,00,0.0,,M,,M,,"), {"malformed address field"}},
        {sentence("gpgga,1"), {"malformed address field"}},
        {sentence("PGRMZ,48,f,3"), {"ok:PGRMZ:3"}},
        {sentence("AIVDM,1,1,,A,13aG?P0P00PD;88MD5MTDww@2<0L,0").replace(0, 1, "!"), {"ok:AIVDM:6"}},
        {sentence("GPGSV" + std::string(60, ',')), {"too many fields"}},
        {"", {}},
        {"   \r", {}},
    };
    for (const Row& row : rows) {
        CAPTURE(row.line);
        CHECK(frame(row.line) == row.expected);
    }
}

TEST_CASE("the fast scan and the careful path split the same way") {
    // Lengths around the 8- and 16-byte steps of the fast scan, with commas in every position.
    for (std::size_t length = 5; length < 70; ++length) {
        std::string body = "GPXXX,";
        for (std::size_t i = 6; i < length; ++i) body += (i % 3 == 0) ? ',' : static_cast<char>('A' + i % 26);
        const std::string line = sentence(body);
        Framer framer(line);
        Sentence s;
        REQUIRE(framer.next(s) == Framer::Status::sentence);
        std::string joined(s.address());
        for (std::size_t i = 1; i <= s.size(); ++i) joined += "," + std::string(s.field(i));
        CHECK(joined == body);
        // A '*' or '$' anywhere inside sends the line to the careful path, which refuses it.
        for (std::size_t at = 1; at < body.size(); at += 5) {
            std::string broken = line;
            broken[at + 1] = '*';
            CHECK(frame(broken) != List{"ok:" + std::string(s.address()) + ":" + std::to_string(s.size())});
        }
    }
}

TEST_CASE("times of day") {
    CHECK(adapters::nmea::parse_time_of_day("000000") == 0);
    CHECK(adapters::nmea::parse_time_of_day("193221.00") == 70'341'000);
    CHECK(adapters::nmea::parse_time_of_day("200619.295") == 72'379'295);
    CHECK(adapters::nmea::parse_time_of_day("200619.2") == 72'379'200);
    CHECK(adapters::nmea::parse_time_of_day("235960") == 86'400'000);  // a leap second
    for (const char* bad : {"", "12345", "240000", "126000", "120061", "120000.", "12000a", "120000,5", "1200000"}) {
        CAPTURE(bad);
        CHECK_FALSE(adapters::nmea::parse_time_of_day(bad).has_value());
    }
}
