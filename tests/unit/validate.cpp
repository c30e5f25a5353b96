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
    for (const auto& [line_binding, expected] : cases) {
        const char* const line = line_binding;  // clang 14's CAPTURE cannot take a structured binding
        CAPTURE(line);
        CHECK(verdict(line) == expected);
    }
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

TEST_CASE("validate: a record's time must be one RFC 3339 can write, so that the next stage reads it") {
    track::Read read;
    read.epc = "3F00";
    read.time = track::latest_rfc3339;
    track::Record record = read;
    CHECK(track::validate(record).empty());
    read.time = track::latest_rfc3339 + 1;
    record = read;
    CHECK(track::validate(record) == "time 253402300800000 ms is out of range (years 0000..9999)");
    read.time = 0;
    read.last = track::latest_rfc3339 + 1;
    record = read;
    CHECK(track::validate(record) == "last 253402300800000 ms is out of range (years 0000..9999)");
    track::Reading reading;
    reading.metric = "temperature";
    reading.time = track::earliest_rfc3339 - 1;
    record = reading;
    CHECK(track::validate(record) == "time -62167219200001 ms is out of range (years 0000..9999)");
}
