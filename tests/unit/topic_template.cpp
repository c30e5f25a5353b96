// Unit tests of adapters/topic_template.hpp: fields from each record type, "-" for what a
// record lacks, percent-encoding of what a level cannot carry, and templates refused.
#include "adapters/topic_template.hpp"

#include <string>

#include <doctest/doctest.h>

#include "track/error.hpp"

namespace {

using adapters::mqtt::TopicTemplate;

std::string refusal(std::string_view text, std::vector<TopicTemplate::Field> allowed = {}) {
    try {
        const TopicTemplate t("--topic", text, std::move(allowed));
    } catch (const track::UsageError& e) {
        return e.what();
    }
    return "accepted";
}

}  // namespace

TEST_CASE("topic template: the default names site, type and asset") {
    const TopicTemplate t("--topic", "trk/{site}/{type}/{asset}");
    track::Fix fix;
    fix.asset = "FL-07";
    fix.device = "/dev/ttyUSB0";
    CHECK(t.topic(fix, "yard") == "trk/yard/fix/FL-07");
    track::Read read;
    read.reader = "dock-3";
    CHECK(t.topic(read, "yard") == "trk/yard/read/-");
    track::Reading reading;
    reading.asset = "reefer 12";
    reading.metric = "temperature";
    CHECK(t.topic(reading, "") == "trk/-/reading/reefer 12");
    CHECK(t.topic(track::OpaqueRecord{"{\"type\":\"status\"}"}, "yard") == "trk/yard/-/-");
}

TEST_CASE("topic template: every field, from the record type that has it") {
    const TopicTemplate t("--topic", "x/{event}/{metric}/{device}");
    track::Event event;
    event.event = "enter";
    CHECK(t.topic(event, "s") == "x/enter/-/-");
    track::Reading reading;
    reading.metric = "temperature";
    reading.device = "logger-4";
    CHECK(t.topic(reading, "s") == "x/-/temperature/logger-4");
    track::Read read;
    read.reader = "dock-3";
    CHECK(t.topic(read, "s") == "x/-/-/dock-3");
    track::Fix fix;
    fix.device = "/dev/ttyUSB0";
    CHECK(t.topic(fix, "s") == "x/-/-/%2Fdev%2FttyUSB0");
    CHECK(t.uses(TopicTemplate::Field::metric));
    CHECK_FALSE(t.uses(TopicTemplate::Field::site));
}

TEST_CASE("topic template: what a level cannot carry is percent-encoded") {
    std::string out;
    adapters::mqtt::append_topic_level(out, "a/b+c#d%e\nf\x7f");
    CHECK(out == "a%2Fb%2Bc%23d%25e%0Af%7F");
    out.clear();
    adapters::mqtt::append_topic_level(out, "Gabelstapler-Ü 7");  // UTF-8 stays as it is
    CHECK(out == "Gabelstapler-Ü 7");
    out.clear();
    adapters::mqtt::append_topic_level(out, "");
    CHECK(out == "-");
}

TEST_CASE("topic template: refusals name the option and the problem") {
    CHECK(refusal("trk/{site}/{asset}") == "accepted");
    CHECK(refusal("") == "--topic: the topic template is empty");
    CHECK(
        refusal("trk/{zone}") ==
        "--topic: unknown field {zone} in 'trk/{zone}' (the fields: {site} {type} {asset} {event} {metric} {device})");
    CHECK(refusal("trk/{site") == "--topic: 'trk/{site' has a '{' that is not closed");
    CHECK(refusal("trk/site}") == "--topic: 'trk/site}' has a '}' that closes no field");
    CHECK(refusal("trk/+/{asset}") ==
          "--topic: 'trk/+/{asset}' holds a wildcard (+ or #) or U+0000, which no published topic may hold");
    CHECK(refusal("trk/{asset}/status", {TopicTemplate::Field::site}) ==
          "--topic: unknown field {asset} in 'trk/{asset}/status' (the fields: {site})");
}
