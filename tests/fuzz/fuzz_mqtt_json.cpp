// Fuzz harness: `trk read mqtt`'s payload decoder for trk records and JSON with a topic map
// (adapters::mqtt::PayloadDecoder, parse_topic_map, match_topic). The input is a topic line,
// then the payload; a first line "map:TEMPLATE" gives the --topic-map to parse instead of the
// default one.
#include <array>

#include "adapters/mqtt_payload.hpp"
#include "fuzz.hpp"

namespace {

// Counts the problems, and checks that each says where (the topic) and why.
struct Problems : track::ProblemSink {
    void skipped(const track::Location& where, std::string_view reason, std::string_view) override {
        fuzz::expect(where.source.starts_with("mqtt://127.0.0.1:1883/"), "a problem names the topic", where.source);
        fuzz::expect(!reason.empty(), "a problem has a reason");
    }
};

std::string_view next_line(std::string_view& text) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text = fuzz::text_of(data, size);
    const std::uint64_t choice = fuzz::hash(text);
    adapters::mqtt::PayloadOptions options;
    std::string_view template_text = "plant/{site}/{asset}/{metric}";
    std::string_view topic = next_line(text);
    if (topic.starts_with("map:")) {
        template_text = topic.substr(4);
        topic = next_line(text);
    }
    try {
        options.topic_map = adapters::mqtt::parse_topic_map("--topic-map", template_text);
    } catch (const track::UsageError& e) {
        fuzz::expect(std::string_view(e.what()).starts_with("--topic-map: "), "a template error names the option",
                     e.what());
        return 0;
    }
    constexpr std::array value_fields{"value", "data.temp", "v"};
    options.value_field = value_fields[choice % value_fields.size()];
    options.max_payload = 4096;
    adapters::mqtt::PayloadDecoder decoder(options, "mqtt://127.0.0.1:1883");
    Problems problems;
    const std::string_view payload = text;
    static track::RecordParser parser;
    decoder.decode(topic, payload, 1700000000000, problems, [&](std::string_view line) {
        fuzz::expect(line.find('\n') == std::string_view::npos, "a record is one line", line);
        track::Record record;
        try {
            record = parser.parse(line, "written");
        } catch (const track::InputError& e) {
            fuzz::fail("what trk read mqtt writes parses", std::string(line) + "\n" + e.what());
        }
        fuzz::expect(track::validate(record).empty(), "what trk read mqtt writes is valid", line);
        // A trk record goes out as received; a reading made through the map is written by trk.
        std::string_view received = payload;
        if (received.ends_with('\n')) received.remove_suffix(1);
        if (received.ends_with('\r')) received.remove_suffix(1);
        if (line != received) {
            fuzz::check_written(record);
            const auto* reading = std::get_if<track::Reading>(&record);
            fuzz::expect(reading != nullptr, "the map makes readings", line);
            fuzz::expect(reading->src == "mqtt://127.0.0.1:1883/" + std::string(topic), "a reading's src is the topic",
                         line);
        }
    });
    return 0;
}
