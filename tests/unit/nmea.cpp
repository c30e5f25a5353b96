// Unit tests of adapters/nmea.hpp: how sentences become fixes.
#include "adapters/nmea.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "track/clean.hpp"
#include "track/error.hpp"
#include "track/json.hpp"
#include "track/validate.hpp"

namespace {

std::string sentence(std::string_view body) { return fmt::format("${}*{:02X}", body, adapters::nmea::checksum(body)); }

// Collects problems as "line: reason".
struct Problems : track::ProblemSink {
    std::vector<std::string> seen;
    void skipped(const track::Location& where, std::string_view reason, std::string_view /*detail*/) override {
        seen.push_back(fmt::format("{}: {}", where.line, reason));
    }
};

struct Run {
    std::vector<track::Fix> fixes;
    std::vector<std::string> problems;
};

// Decodes the bodies (each made a sentence) as lines 1, 2, ... of "test.nmea".
Run decode(const std::vector<std::string>& bodies, adapters::nmea::DecoderOptions options = {}) {
    Run run;
    Problems problems;
    adapters::nmea::Decoder decoder(options, problems, [&run](const track::Fix& f) { run.fixes.push_back(f); });
    std::uint64_t line = 0;
    for (const auto& body : bodies) {
        const std::string text = body.empty() || body[0] == '#' ? body : sentence(body);
        decoder.line(text, {"test.nmea", ++line});
    }
    decoder.finish();
    run.problems = problems.seen;
    return run;
}

std::string time_of(const track::Fix& f) { return track::format_rfc3339(f.time); }

}  // namespace

TEST_CASE("one receiver cycle becomes one fix with every sentence's contribution") {
    const Run run = decode({
        "GNRMC,101500.00,A,4807.03812,N,01131.00015,E,2.000,45.5,150326,,,D,V",
        "GNGGA,101500.00,4807.03812,N,01131.00015,E,2,09,0.94,545.4,M,46.9,M,,",
        "GNGSA,A,3,02,05,12,15,24,29,,,,,,,1.72,0.94,1.44,1",
        "GPGSV,2,1,07,02,35,058,41,05,62,121,45,12,48,260,43,15,12,311,33",
        "GNVTG,46.0,T,,M,2.100,N,3.889,K,D",
        "GNGST,101500.00,12,1.4,0.9,83.1,1.1,1.3,2.2",
        "GNRMC,101501.00,A,4807.03900,N,01131.00100,E,2.000,45.5,150326,,,D,V",
    });
    REQUIRE(run.fixes.size() == 2);
    const track::Fix& f = run.fixes[0];
    CHECK(time_of(f) == "2026-03-15T10:15:00.000Z");
    CHECK(f.lat == doctest::Approx(48 + 7.03812 / 60).epsilon(1e-12));
    CHECK(f.lon == doctest::Approx(11 + 31.00015 / 60).epsilon(1e-12));
    CHECK(f.alt == 545.4);
    CHECK(*f.speed == doctest::Approx(2.1 * 1852 / 3600));  // VTG came last
    CHECK(f.course == 46.0);
    CHECK(f.hdop == 0.94);
    CHECK(f.vdop == 1.44);
    CHECK(f.pdop == 1.72);
    CHECK(f.sats == 9);
    CHECK(f.mode == track::FixMode::three_d);
    CHECK(f.quality == track::FixQuality::dgps);
    CHECK(f.lat_err == 1.1);
    CHECK(f.src == "test.nmea:2");                      // RMC and GGA equally precise: the later one's position
    CHECK(run.fixes[1].mode == track::FixMode::two_d);  // RMC alone: no altitude
    CHECK(run.problems.empty());
}

TEST_CASE("the most precise position of an epoch is kept (ac12.log: RMC repeats GGA with fewer digits)") {
    const Run run = decode({
        "GPGGA,193221.00,2037.72792,N,08704.08478,W,1,04,1.7,-30.40,M,-13.9,M,,",
        "GPRMC,193221.00,A,2037.7279,N,08704.0848,W,00.1,201.8,231207,01,W,A",
    });
    REQUIRE(run.fixes.size() == 1);
    CHECK(run.fixes[0].lat == doctest::Approx(20 + 37.72792 / 60).epsilon(1e-12));
    CHECK(run.fixes[0].lon == doctest::Approx(-(87 + 4.08478 / 60)).epsilon(1e-12));
    CHECK(run.fixes[0].src == "test.nmea:1");
}

TEST_CASE("times a few ms apart are one epoch, stamped by the RMC/GGA (eXplorist210.log)") {
    const Run run = decode({
        "GPGLL,5313.2228,N,00634.4228,E,200620.303,A",
        "GPGGA,200620.30,5313.2228,N,00634.4228,E,1,05,2.5,00000,M,,,,",
        "GPRMC,200620.30,A,5313.2228,N,00634.4228,E,00.0,000.0,200506,00,W",
        "GPGLL,5313.2227,N,00634.4228,E,200621.297,A",
    });
    REQUIRE(run.fixes.size() == 2);
    CHECK(time_of(run.fixes[0]) == "2006-05-20T20:06:20.300Z");
    CHECK(time_of(run.fixes[1]) == "2006-05-20T20:06:21.297Z");
}

TEST_CASE("the last statement of validity in an epoch decides") {
    // garmin-geko201.log in demo mode: simulated GGA, then RMC says not valid.
    CHECK(decode({"GPGGA,120000,4026.000,N,00341.000,W,8,05,2.0,600.0,M,50.0,M,,",
                  "GPRMC,120000,V,4026.000,N,00341.000,W,0.0,0.0,140605,,,S"})
              .fixes.empty());
    // Fix lost, then regained within the same epoch.
    CHECK(decode({"GPZDA,120000,14,06,2005,00,00", "GPRMC,120000,V,,,,,,,140605,,,N",
                  "GPGGA,120000,4026.000,N,00341.000,W,1,05,2.0,600.0,M,50.0,M,,"})
              .fixes.size() == 1);
    // A simulator's RMC (mode S) is never a fix, even with status A.
    CHECK(decode({"GPRMC,120000,A,4026.000,N,00341.000,W,0.0,0.0,140605,,,S"}).fixes.empty());
    // NMEA 4.1 navigational status V beside a valid mode (skytraq-PX1172RH_DS.log): a fix.
    CHECK(decode({"GNRMC,003832.000,A,4404.1271062,N,12118.8438377,W,000.0,171.0,290322,,,F,V"}).fixes.size() == 1);
}

TEST_CASE("GGA alone takes the date of the last RMC/ZDA, across midnight both ways") {
    const Run run = decode({
        "GPZDA,235959.00,31,12,2026,00,00", "GPGGA,235959.00,4807.0381,N,01131.0001,E,1,05,1.5,545.4,M,46.9,M,,",
        "GPGGA,000000.00,4807.0381,N,01131.0001,E,1,05,1.5,545.4,M,46.9,M,,",
        "GPGGA,000001.00,4807.0381,N,01131.0001,E,1,05,1.5,545.4,M,46.9,M,,",
        "GPGGA,235958.00,4807.0381,N,01131.0001,E,1,05,1.5,545.4,M,46.9,M,,",  // time steps back
    });
    REQUIRE(run.fixes.size() == 4);
    CHECK(time_of(run.fixes[0]) == "2026-12-31T23:59:59.000Z");
    CHECK(time_of(run.fixes[1]) == "2027-01-01T00:00:00.000Z");
    CHECK(time_of(run.fixes[2]) == "2027-01-01T00:00:01.000Z");
    CHECK(time_of(run.fixes[3]) == "2026-12-31T23:59:58.000Z");
}

TEST_CASE("a ZDA ahead of the fix across midnight dates the fix on the day before (ac12.log's clock)") {
    const Run run = decode({
        "GPZDA,000001.00,01,01,2027,00,00",
        "GPGGA,235959.00,4807.0381,N,01131.0001,E,1,05,1.5,545.4,M,46.9,M,,",
    });
    REQUIRE(run.fixes.size() == 1);
    CHECK(time_of(run.fixes[0]) == "2026-12-31T23:59:59.000Z");
}

TEST_CASE("without any date, fixes are skipped and said so; --date gives one") {
    const std::vector<std::string> gga = {"GPGGA,120000.00,4807.0381,N,01131.0001,E,1,05,1.5,545.4,M,46.9,M,,"};
    const Run without = decode(gga);
    CHECK(without.fixes.empty());
    CHECK(without.problems == std::vector<std::string>{"1: no date yet"});
    const Run with = decode(gga, {"", "", track::CivilDate{2026, 11, 24}, false});
    REQUIRE(with.fixes.size() == 1);
    CHECK(time_of(with.fixes[0]) == "2026-11-24T12:00:00.000Z");
}

TEST_CASE("two-digit RMC years: 80-99 are 19xx, 00-79 are 20xx") {
    CHECK(time_of(decode({"GPRMC,000231.42,A,4829.0005,N,00022.0016,E,0.16,212.28,220899,,,A"}).fixes.at(0)) ==
          "1999-08-22T00:02:31.420Z");
    CHECK(time_of(decode({"GPRMC,000000,A,4829.0005,N,00022.0016,E,0.16,212.28,010179,,,A"}).fixes.at(0)) ==
          "2079-01-01T00:00:00.000Z");
    CHECK(time_of(decode({"GPRMC,000000,A,4829.0005,N,00022.0016,E,0.16,212.28,050180,,,A"}).fixes.at(0)) ==
          "1980-01-05T00:00:00.000Z");
}

TEST_CASE("impossible values skip the sentence with a reason") {
    const Run run = decode({
        "GPRMC,120000,A,9512.000,N,00022.0016,E,0.16,212.28,220826,,,A",
        "GPRMC,120001,A,4829.0005,N,18022.0016,E,0.16,212.28,220826,,,A",
        "GPRMC,120002,A,4860.0005,N,00022.0016,E,0.16,212.28,220826,,,A",
        "GPRMC,120003,A,4829.0005,N,00022.0016,E,0.16,212.28,221326,,,A",
        "GPRMC,120004,A,4829.0005,N,00022.0016,E,0.16,212.28,310426,,,A",
        "GPRMC,250005,A,4829.0005,N,00022.0016,E,0.16,212.28,220826,,,A",
        "GPRMC,120006,A,4829.0005,X,00022.0016,E,0.16,212.28,220826,,,A",
        "GPRMC,120007,A,4829.0005,N,00022.0016,E,0.16,361.0,220826,,,A",
        "GPRMC,120008,A,4829.0005,N,00022.0016,E,fast,212.28,220826,,,A",
        "GPGGA,120009,4829.0005,N,00022.0016,E,1,05",
        "GPRMC,120010,A,4829.0005,N,00022.0016,E,0.16,360.00,220826,,,A",
    });
    CHECK(run.problems == std::vector<std::string>{"1: impossible latitude", "2: impossible longitude",
                                                   "3: impossible latitude", "4: impossible date", "5: impossible date",
                                                   "6: impossible time", "7: impossible latitude",
                                                   "8: impossible course", "9: malformed number",
                                                   "10: too few fields"});
    REQUIRE(run.fixes.size() == 1);
    CHECK(run.fixes[0].course == 0.0);  // "360.00" is north
}

TEST_CASE("negative speeds, courses, DOPs and error estimates skip their sentence") {
    // Found by fuzzing: they were written, and the next stage refused the fix
    // ("speed -11.524 is negative"). Every fix a reader writes passes track::validate.
    const Run run = decode({
        "GPRMC,120000,A,4829.0005,N,00022.0016,E,-022.4,212.28,220826,,,A",
        "GPRMC,120001,A,4829.0005,N,00022.0016,E,0.16,-212.28,220826,,,A",
        "GPGGA,120002,4829.0005,N,00022.0016,E,1,05,-1.2,545.4,M,46.9,M,,",
        "GPGGA,120003,4829.0005,N,00022.0016,E,1,05,1.2,545.4,M,46.9,M,,",
        "GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,-1.3,2.1",
        "GPVTG,084.4,T,,M,-022.4,N,,K",
        "GPGST,120003,1.0,2.0,1.0,45.0,-1.1,1.3,2.2",
        "GPRMC,120003,A,4829.0005,N,00022.0016,E,0.16,212.28,220826,,,A",
    });
    CHECK(run.problems == std::vector<std::string>{"1: negative number", "2: negative number", "3: negative number",
                                                   "5: negative number", "6: negative number", "7: negative number"});
    REQUIRE(run.fixes.size() == 1);
    track::Record record = run.fixes[0];
    CHECK(track::validate(record).empty());
    CHECK_FALSE(run.fixes[0].pdop.has_value());
    CHECK(run.fixes[0].hdop == 1.2);
}

TEST_CASE("no-fix placeholders are not checked: tr737A+.log writes 8960.0000,N while it has no fix") {
    const Run run = decode({"GPRMC,071735.000,V,8960.0000,N,00000.0000,E,0.00,0.00,111111,,,N",
                            "GPGGA,071735.000,8960.0000,N,00000.0000,E,0,0,,137.0,M,13.0,M,,"});
    CHECK(run.fixes.empty());
    CHECK(run.problems.empty());
}

TEST_CASE("--keep-invalid writes no-fix epochs as fix none, dated by their own RMC") {
    const Run run = decode({"GPRMC,120000.00,V,,,,,,,010326,,,N", "GPGGA,120000.00,,,,,0,00,99.99,,,,,,"},
                           {"", "", std::nullopt, true});
    REQUIRE(run.fixes.size() == 1);
    CHECK(run.fixes[0].mode == track::FixMode::none);
    CHECK(time_of(run.fixes[0]) == "2026-03-01T12:00:00.000Z");
}

TEST_CASE("Garmin PGRMZ altitude in feet, with the GLL it follows (garmin48.log)") {
    const Run run = decode({
        "GPRMC,225308,A,4527.458,S,16709.165,E,000.0,094.5,060601,024.1,E",
        "GPGLL,4527.458,S,16709.165,E,225309,A",
        "PGRMZ,48,f,3",
    });
    REQUIRE(run.fixes.size() == 2);
    CHECK(run.fixes[0].lat == doctest::Approx(-45.4576333).epsilon(1e-9));
    CHECK_FALSE(run.fixes[0].alt.has_value());
    CHECK(*run.fixes[1].alt == doctest::Approx(14.6304));
    CHECK(run.fixes[1].mode == track::FixMode::three_d);
}

TEST_CASE("GNS gives position, altitude and the best constellation's mode") {
    const Run run = decode(
        {"GNZDA,090007.00,15,03,2026,00,00", "GNGNS,090007.00,4717.11328,N,00833.91526,E,ANR,14,0.8,550.1,47.3,,,V"});
    REQUIRE(run.fixes.size() == 1);
    CHECK(run.fixes[0].quality == track::FixQuality::rtk);
    CHECK(run.fixes[0].alt == 550.1);
    CHECK(run.fixes[0].sats == 14);
    CHECK(decode({"GNZDA,090007.00,15,03,2026,00,00", "GNGNS,090007.00,4717.11328,N,00833.91526,E,NN,00,,,,,,V"})
              .fixes.empty());
}

TEST_CASE("comment lines and ignorable sentences pass silently; asset and device are stamped") {
    const Run run = decode({"# Name: a capture header", "", "GPTXT,01,01,02,ANTSTATUS=OK", "PUBX,00,1",
                            "GPRMC,120000,A,4829.0005,N,00022.0016,E,0.16,212.28,220826,,,A"},
                           {"FL-07", "/dev/ttyUSB0", std::nullopt, false});
    REQUIRE(run.fixes.size() == 1);
    CHECK(run.fixes[0].asset == "FL-07");
    CHECK(run.fixes[0].device == "/dev/ttyUSB0");
    CHECK(run.fixes[0].src == "test.nmea:5");
    CHECK(run.problems.empty());
}

// --- the end of a receiver's cycle, fixes from too few satellites, derived speeds -------

namespace {

// One cycle of a receiver whose cycle is GGA, GSA, RMC (tn200.log, nokia-ld-4w.log), at
// 12:00:SS, 0.0001 minutes of latitude further north each second.
std::vector<std::string> gga_gsa_rmc(int second) {
    const std::string hhmmss = fmt::format("1200{:02}.00", second);
    const std::string lat = fmt::format("4807.{:04}", 381 + second);
    return {fmt::format("GPGGA,{},{},N,01131.0001,E,1,08,0.9,545.4,M,46.9,M,,", hhmmss, lat),
            "GPGSA,A,3,02,05,12,15,24,29,,,,,,,1.7,0.9,1.4",
            fmt::format("GPRMC,{},A,{},N,01131.0001,E,0.5,45.0,150326,,,A", hhmmss, lat)};
}

std::vector<std::string> cycles(int first, int last) {
    std::vector<std::string> bodies;
    for (int second = first; second <= last; ++second) {
        for (auto& body : gga_gsa_rmc(second)) bodies.push_back(std::move(body));
    }
    return bodies;
}

}  // namespace

TEST_CASE("a cycle that lost its GGA does not lend its GSA to the epoch before (learned cycle end)") {
    std::vector<std::string> bodies = cycles(0, 2);
    // 12:00:03 lost its GGA: its GSA comes while 12:00:02 is the open epoch.
    bodies.push_back("GPGSA,A,2,02,05,,,,,,,,,,,50.0,50.0,50.0");
    bodies.push_back("GPRMC,120003.00,A,4807.0384,N,01131.0001,E,0.5,45.0,150326,,,A");
    const Run run = decode(bodies);
    REQUIRE(run.fixes.size() == 4);
    const track::Fix& before = run.fixes[2];
    CHECK(time_of(before) == "2026-03-15T12:00:02.000Z");
    CHECK(before.mode == track::FixMode::three_d);
    CHECK(before.hdop == 0.9);
    CHECK(before.pdop == 1.7);
    // The GSA is the next cycle's: it stamps that epoch, which has no altitude anyway.
    const track::Fix& lost_gga = run.fixes[3];
    CHECK(time_of(lost_gga) == "2026-03-15T12:00:03.000Z");
    CHECK(lost_gga.mode == track::FixMode::two_d);
    CHECK(lost_gga.pdop == 50.0);
    CHECK(run.problems.empty());
}

TEST_CASE("before the cycle's end is learned, and after one short cycle, untimed sentences stay where they were") {
    // In the first cycle nothing is known yet: the GSA joins the epoch it follows, as before.
    const Run first = decode({"GPRMC,120000.00,A,4807.0381,N,01131.0001,E,0.5,45.0,150326,,,A",
                              "GPGSA,A,2,02,05,,,,,,,,,,,50.0,50.0,50.0",
                              "GPRMC,120001.00,A,4807.0382,N,01131.0001,E,0.5,45.0,150326,,,A"});
    REQUIRE(first.fixes.size() == 2);
    CHECK(first.fixes[0].pdop == 50.0);
    // One cycle that lost its RMC (ending with GSA) does not make GSA the cycle's end: the
    // cycles after it keep their own GSA.
    std::vector<std::string> bodies = cycles(0, 2);
    for (auto& body : std::vector<std::string>{gga_gsa_rmc(3)[0], gga_gsa_rmc(3)[1]}) bodies.push_back(body);
    for (auto& body : cycles(4, 5)) bodies.push_back(body);
    const Run run = decode(bodies);
    REQUIRE(run.fixes.size() == 6);
    for (const track::Fix& f : run.fixes) {
        CAPTURE(time_of(f));
        CHECK(f.pdop == 1.7);
        CHECK(f.mode == track::FixMode::three_d);
    }
}

TEST_CASE("two GNGSA per cycle stay in their cycle, whether GSA ends the cycle or not") {
    // ch-4711.log: GGA, RMC, then GNGSA for GPS and GNGSA for GLONASS end the cycle.
    std::vector<std::string> bodies;
    for (int second = 0; second < 4; ++second) {
        const std::string hhmmss = fmt::format("1200{:02}.00", second);
        bodies.push_back(fmt::format("GNGGA,{},4807.0381,N,01131.0001,E,1,12,0.9,545.4,M,46.9,M,,", hhmmss));
        bodies.push_back(fmt::format("GNRMC,{},A,4807.0381,N,01131.0001,E,0.5,45.0,150326,,,A", hhmmss));
        bodies.push_back(fmt::format("GNGSA,A,3,02,05,12,,,,,,,,,,1.{},0.9,1.4", second));
        bodies.push_back(fmt::format("GNGSA,A,3,75,86,87,,,,,,,,,,1.{},0.9,1.6", second));
    }
    const Run run = decode(bodies);
    REQUIRE(run.fixes.size() == 4);
    for (int second = 0; second < 4; ++second) {
        CAPTURE(second);
        CHECK(*run.fixes[second].pdop == doctest::Approx(1.0 + second / 10.0));
        CHECK(run.fixes[second].vdop == 1.6);  // the second GNGSA of its own cycle
    }
    // bu353-glonass.log: GGA, GNGSA, GNGSA, RMC; a lost GGA takes both GSAs to the next epoch.
    std::vector<std::string> lost;
    for (int second = 0; second < 4; ++second) {
        const std::string hhmmss = fmt::format("1200{:02}.00", second);
        if (second != 3) {
            lost.push_back(fmt::format("GNGGA,{},4807.0381,N,01131.0001,E,1,12,0.9,545.4,M,46.9,M,,", hhmmss));
        }
        lost.push_back(second == 3 ? "GNGSA,A,2,02,05,,,,,,,,,,,9.0,9.0,9.0"
                                   : "GNGSA,A,3,02,05,12,,,,,,,,,,1.7,0.9,1.4");
        lost.push_back(second == 3 ? "GNGSA,A,2,75,,,,,,,,,,,,9.0,9.0,9.5" : "GNGSA,A,3,75,86,87,,,,,,,,,,1.7,0.9,1.6");
        lost.push_back(fmt::format("GNRMC,{},A,4807.0381,N,01131.0001,E,0.5,45.0,150326,,,A", hhmmss));
    }
    const Run after_loss = decode(lost);
    REQUIRE(after_loss.fixes.size() == 4);
    CHECK(after_loss.fixes[2].vdop == 1.6);
    CHECK(after_loss.fixes[2].mode == track::FixMode::three_d);
    CHECK(after_loss.fixes[3].vdop == 9.5);
    CHECK(after_loss.fixes[3].mode == track::FixMode::two_d);
}

TEST_CASE("a GST after the cycle's usual end joins the epoch its time names (yard-fl07.nmea)") {
    std::vector<std::string> bodies = cycles(0, 2);
    bodies.push_back("GPGST,120002.00,12,1.4,0.9,83.1,1.1,1.3,2.2");
    for (auto& body : cycles(3, 3)) bodies.push_back(body);
    const Run run = decode(bodies);
    REQUIRE(run.fixes.size() == 4);
    CHECK(run.fixes[2].lat_err == 1.1);
    CHECK_FALSE(run.fixes[3].lat_err.has_value());
}

TEST_CASE("a GGA position from fewer than 3 satellites is no fix, as in gpsd") {
    const std::string date = "GPZDA,120000.00,15,03,2026,00,00";
    // The receiver repeats its last position with quality 1 and no satellites.
    CHECK(decode({date, "GPGGA,120000.00,4807.0381,N,01131.0001,E,1,00,3.3,10.835,M,46.9,M,,"}).fixes.empty());
    CHECK(decode({date, "GPGGA,120000.00,4807.0381,N,01131.0001,E,2,02,3.3,10.835,M,46.9,M,,"}).fixes.empty());
    CHECK(decode({date, "GPGGA,120000.00,4807.0381,N,01131.0001,E,1,03,3.3,10.835,M,46.9,M,,"}).fixes.size() == 1);
    // Dead reckoning and manual input do not come from satellites; an empty count is unknown.
    CHECK(decode({date, "GPGGA,120000.00,4807.0381,N,01131.0001,E,6,00,,10.835,M,46.9,M,,"}).fixes.size() == 1);
    CHECK(decode({date, "GPGGA,120000.00,4807.0381,N,01131.0001,E,1,,3.3,10.835,M,46.9,M,,"}).fixes.size() == 1);
    // --keep-invalid writes it as an epoch without a fix.
    const Run kept = decode({date, "GPGGA,120000.00,4807.0381,N,01131.0001,E,1,00,3.3,10.835,M,46.9,M,,"},
                            {"", "", std::nullopt, true});
    REQUIRE(kept.fixes.size() == 1);
    CHECK(kept.fixes[0].mode == track::FixMode::none);
    // A later statement of the cycle vouches for it: furuno_gl_ga.log writes "2,00" in GGA,
    // then GSA mode 3 (gpsd counts these epochs); so does an RMC with status A.
    const Run furuno = decode({"GNRMC,120213.000,A,5957.0062,N,01100.6429,E,0.0,0.0,150326,,,D",
                               "GNGGA,120213.000,5957.0062,N,01100.6429,E,2,00,1.3,168.9,M,39.5,M,,",
                               "GNGSA,A,3,68,69,70,78,84,85,,,,,,,1.5,1.3,1.0,2"});
    REQUIRE(furuno.fixes.size() == 1);
    CHECK(furuno.fixes[0].mode == track::FixMode::three_d);
    // And GSA mode 1 after a valid GGA says no fix.
    CHECK(decode({date, "GPGGA,120000.00,4807.0381,N,01131.0001,E,1,05,3.3,10.835,M,46.9,M,,",
                  "GPGSA,A,1,,,,,,,,,,,,,99.99,99.99,99.99"})
              .fixes.empty());
}

TEST_CASE("GGA-only fixes get a speed from the previous fix, marked speed_derived") {
    const std::vector<std::string> bodies = {
        "GPZDA,120000.00,15,03,2026,00,00",
        "GPGGA,120000.00,4807.0000,N,01131.0000,E,1,08,0.9,545.4,M,46.9,M,,",
        "GPGGA,120002.00,4807.0100,N,01131.0000,E,1,08,0.9,545.4,M,46.9,M,,",  // 0.01' north in 2 s
        "GPGGA,120003.00,4807.0100,N,01131.0000,E,1,08,0.9,545.4,M,46.9,M,,",
        "GPGGA,120203.00,4807.0200,N,01131.0000,E,1,08,0.9,545.4,M,46.9,M,,",  // 2 min later
        "GPRMC,120204.00,A,4807.0300,N,01131.0000,E,1.0,0.0,150326,,,A",       // measured
    };
    const Run run = decode(bodies);
    REQUIRE(run.fixes.size() == 5);
    CHECK_FALSE(run.fixes[0].speed.has_value());  // nothing before it
    const double metres = track::geodesic_distance(48 + 7.0 / 60, 11 + 31.0 / 60, 48 + 7.01 / 60, 11 + 31.0 / 60);
    CHECK(metres == doctest::Approx(18.53).epsilon(0.001));
    CHECK(*run.fixes[1].speed == doctest::Approx(metres / 2));
    CHECK(run.fixes[1].speed_derived);
    CHECK(run.fixes[2].speed == 0.0);
    CHECK(run.fixes[2].speed_derived);
    CHECK_FALSE(run.fixes[3].speed.has_value());  // over a 2-minute gap: none
    CHECK(*run.fixes[4].speed == doctest::Approx(1852.0 / 3600));
    CHECK_FALSE(run.fixes[4].speed_derived);

    fmt::memory_buffer out;
    track::append_json(out, run.fixes[1]);
    const std::string json(out.data(), out.size());
    CHECK(json.find(R"("speed":9.266,"speed_derived":true,)") != std::string::npos);
    track::RecordParser parser;
    const track::Record back = parser.parse(json, "");
    CHECK(std::get<track::Fix>(back).speed_derived);

    adapters::nmea::DecoderOptions measured_only;
    measured_only.derive_speed = false;
    for (const track::Fix& f : decode(bodies, measured_only).fixes) CHECK_FALSE(f.speed_derived);
}
