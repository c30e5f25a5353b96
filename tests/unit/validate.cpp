// Unit tests of track/validate.hpp: value checks and the canonical form of records.
#include "track/validate.hpp"

#include <doctest/doctest.h>

#include "track/json.hpp"

namespace {

// What validating the record on `line` says ("" when valid).
std::string verdict(std::string_view line) {
    track::RecordParser parser;
    track::Record record = parser.parse(line, "test:1");
    return track::validate(record);
}

}  // namespace

TEST_CASE("validate: values out of their range are named") {
    const std::pair<const char*, const char*> cases[] = {
        {R"({"type":"fix","time":"2026-11-23T07:00:00Z","lat":90,"lon":-180})", ""},
        {R"({"type":"fix","time":"2026-11-23T07:00:00Z","lat":-90.5,"lon":3})", "lat -90.5 is out of range -90..90"},
        {R"({"type":"fix","time":"2026-11-23T07:00:00Z","lat":1,"lon":180.01})",
         "lon 180.01 is out of range -180..180"},
        {R"({"type":"fix","time":"2026-11-23T07:00:00Z","fix":"none"})", ""},
        {R"({"type":"fix","time":"2026-11-23T07:00:00Z","lat":1,"lon":2,"speed":-1})", "speed -1 is negative"},
        {R"({"type":"fix","time":"2026-11-23T07:00:00Z","lat":1,"lon":2,"course":361})",
         "course 361 is out of range 0..360"},
        {R"({"type":"fix","time":"2026-11-23T07:00:00Z","lat":1,"lon":2,"vdop":-0.5})", "vdop -0.5 is negative"},
        {R"({"type":"read","time":"2026-11-23T07:00:00Z","epc":"3F00"})", ""},
        {R"({"type":"read","time":"2026-11-23T07:00:00Z","epc":""})", "epc is empty"},
        {R"({"type":"read","time":"2026-11-23T07:00:00Z","epc":"3G00"})", "epc 3G00 is not hex"},
        {R"({"type":"read","time":"2026-11-23T07:00:00Z","epc":"3F00","count":0})", "count 0 is not positive"},
        {R"({"type":"read","time":"2026-11-23T07:00:00Z","epc":"3F00","antenna":-1})", "antenna -1 is negative"},
        {R"({"type":"read","time":"2026-11-23T07:00:00Z","epc":"3F00","last":"2026-11-23T06:59:59Z"})",
         "last is before time"},
        {R"({"type":"reading","time":"2026-11-23T07:00:00Z","metric":"","value":1})", "metric is empty"},
        {R"({"type":"event","time":"2026-11-23T07:00:00Z","event":""})", "event is empty"},
        {R"({"type":"read","time":"2026-11-23T07:00:00Z","epc":"3F00","rssi":-200})", ""},
        {R"({"type":"read","time":"2026-11-23T07:00:00Z","epc":"3F00","rssi":50.5})",
         "rssi 50.5 is out of range -200..50 dBm"},
        {R"({"type":"read","time":"2026-11-23T07:00:00Z","epc":"3F00","frequency":-1})", "frequency -1 is negative"},
        {R"({"type":"thing"})", ""},
    };
    for (const auto& [line, expected] : cases) {
        CAPTURE(line);
        CHECK(verdict(line) == expected);
    }
}

TEST_CASE("validate: a time must be one that RFC 3339 writes, years 0000 to 9999") {
    // Found while fuzzing reader formats: microseconds since the epoch can land in the year
    // 586524, which trk wrote and the next stage could not read back.
    track::Record record = track::Fix{};
    std::get<track::Fix>(record).time = track::latest_time;
    CHECK(track::validate(record).empty());
    std::get<track::Fix>(record).time = track::latest_time + 1;
    CHECK(track::validate(record) == "time is outside the years 0000-9999");
    std::get<track::Fix>(record).time = track::earliest_time - 1;
    CHECK(track::validate(record) == "time is outside the years 0000-9999");
    track::Record read = track::Read{};
    std::get<track::Read>(read).epc = "3F00";
    std::get<track::Read>(read).last = track::latest_time + 1;
    CHECK(track::validate(read) == "last is outside the years 0000-9999");
    CHECK(track::format_rfc3339(track::latest_time) == "9999-12-31T23:59:59.999Z");
    CHECK(track::format_rfc3339(track::earliest_time) == "0000-01-01T00:00:00.000Z");
}

TEST_CASE("validate: a read's EPC is upper-cased and its uri filled in") {
    track::RecordParser parser;
    track::Record record =
        parser.parse(R"({"type":"read","time":"2026-11-23T07:00:00Z","epc":"3374257bf40c0e400000162e"})", "test:1");
    CHECK(track::validate(record).empty());
    const auto& read = std::get<track::Read>(record);
    CHECK(read.epc == "3374257BF40C0E400000162E");
    CHECK(read.uri == "urn:epc:id:grai:0614141.12345.5678");
}
