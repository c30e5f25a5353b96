// Unit tests of adapters/mqtt_payload.hpp: topic templates, and what a message becomes.
#include "adapters/mqtt_payload.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "track/error.hpp"

namespace mqtt = adapters::mqtt;

namespace {

struct Collected : track::ProblemSink {
    std::vector<std::string> problems;
    void skipped(const track::Location& where, std::string_view reason, std::string_view detail) override {
        problems.push_back(std::string(where.source) + ": " + std::string(reason) + " (" + std::string(detail) + ")");
    }
};

// The lines a message gives, and the problems it reports.
std::vector<std::string> decode(mqtt::PayloadDecoder& decoder, std::string_view topic, std::string_view payload,
                                Collected& problems) {
    std::vector<std::string> lines;
    decoder.decode(topic, payload, 1772352000000, problems, [&](std::string_view line) { lines.emplace_back(line); });
    return lines;
}

}  // namespace

TEST_CASE("parse_topic_map refuses templates it cannot use, naming the option") {
    const std::pair<const char*, const char*> cases[] = {
        {"plant//{asset}/{metric}", "--topic-map: 'plant//{asset}/{metric}': an empty topic level"},
        {"plant/#",
         "--topic-map: 'plant/#': '#' cannot be mapped: a template has a fixed number of levels (use + per level)"},
        {"plant/{asset}/{what}",
         "--topic-map: 'plant/{asset}/{what}': unknown field {what} (fields: {site} {asset} {metric} {device} {unit})"},
        {"{asset}/{asset}/{metric}", "--topic-map: '{asset}/{asset}/{metric}': {asset} is given twice"},
        {"p+/{asset}/{metric}", "--topic-map: 'p+/{asset}/{metric}': 'p+': + stands for a whole level"},
        {"plant/{site}/{metric}",
         "--topic-map: 'plant/{site}/{metric}': no {asset} or {device} level (each reading needs what it is about)"},
    };
    for (const auto& entry : cases) {
        // Not a structured binding: clang 14 cannot capture one in CAPTURE's lambda.
        const auto& text = entry.first;
        const auto& message = entry.second;
        CAPTURE(text);
        try {
            mqtt::parse_topic_map("--topic-map", text);
            FAIL("accepted");
        } catch (const track::UsageError& e) {
            CHECK(std::string(e.what()) == message);
        }
    }
}

TEST_CASE("match_topic: literal levels, +, fields") {
    const auto map = mqtt::parse_topic_map("--topic-map", "plant/+/{device}/{metric}/{unit}");
    const auto fields = mqtt::match_topic(map, "plant/north/rtd-4/temperature/Cel");
    REQUIRE(fields);
    CHECK(fields->device == "rtd-4");
    CHECK(fields->metric == "temperature");
    CHECK(fields->unit == "Cel");
    CHECK_FALSE(mqtt::match_topic(map, "yard/north/rtd-4/temperature/Cel"));
    CHECK_FALSE(mqtt::match_topic(map, "plant/north/rtd-4/temperature"));
    CHECK_FALSE(mqtt::match_topic(map, "plant/north//temperature/Cel"));
}

TEST_CASE("PayloadDecoder: times in RFC 3339, epoch seconds and milliseconds; dotted paths; records as received") {
    mqtt::PayloadOptions options;
    options.topic_map = mqtt::parse_topic_map("--topic-map", "plant/{asset}/{metric}");
    options.value_field = "data.temp";
    mqtt::PayloadDecoder decoder(options, "mqtt://gw:1883");
    Collected problems;
    const std::pair<const char*, const char*> cases[] = {
        {R"({"data":{"temp":20.5},"time":"2026-03-01T09:00:00+01:00"})",
         R"({"type":"reading","time":"2026-03-01T08:00:00.000Z","asset":"p7","metric":"t","value":20.5,"src":"mqtt://gw:1883/plant/p7/t"})"},
        {R"({"data":{"temp":20.5},"time":1772352001})",
         R"({"type":"reading","time":"2026-03-01T08:00:01.000Z","asset":"p7","metric":"t","value":20.5,"src":"mqtt://gw:1883/plant/p7/t"})"},
        {R"({"data":{"temp":20.5},"time":1772352001250})",
         R"({"type":"reading","time":"2026-03-01T08:00:01.250Z","asset":"p7","metric":"t","value":20.5,"src":"mqtt://gw:1883/plant/p7/t"})"},
        {"-4",
         R"({"type":"reading","time":"2026-03-01T08:00:00.000Z","asset":"p7","metric":"t","value":-4,"src":"mqtt://gw:1883/plant/p7/t"})"},
    };
    for (const auto& entry : cases) {
        const auto& payload = entry.first;
        const auto& line = entry.second;
        CAPTURE(payload);
        CHECK(decode(decoder, "plant/p7/t", payload, problems) == std::vector<std::string>{line});
    }
    CHECK(problems.problems.empty());
    const std::string record = R"({"time":"2026-03-01T08:00:00Z","type":"event","asset":"a","event":"enter"})";
    CHECK(decode(decoder, "trk/x", record + "\r\n", problems) == std::vector<std::string>{record});
    CHECK(decode(decoder, "plant/p7/t", R"({"data":{"temp":"warm"}})", problems).empty());
    CHECK(decode(decoder, "plant/p7/t", R"({"data":{"temp":1},"time":"noon"})", problems).empty());
    CHECK(
        decode(decoder, "trk/x", R"({"type":"fix","time":"2026-03-01T08:00:00Z","lat":91,"lon":0})", problems).empty());
    REQUIRE(problems.problems.size() == 3);
    CHECK(problems.problems[0] == R"(mqtt://gw:1883/plant/p7/t: no value ("data.temp" is not a number))");
    CHECK(problems.problems[1] ==
          R"(mqtt://gw:1883/plant/p7/t: bad time ("time" is neither RFC 3339 nor epoch seconds or milliseconds))");
    CHECK(problems.problems[2].starts_with("mqtt://gw:1883/trk/x: invalid record ("));
}
