// Fuzz harness: adapters::sparkplug::Decoder over a run of MQTT messages (Sparkplug B topics
// and protobuf payloads), so that BIRTHs, aliases and sequence numbers carry across them.
//
// Input: messages one after the other, each a topic up to '\n', a payload length (2 bytes,
// big-endian) and that many payload bytes (fewer at the end of the input).
#include <string>
#include <vector>

#include "adapters/sparkplug.hpp"
#include "fuzz.hpp"

namespace sparkplug = adapters::sparkplug;

namespace {

struct Message {
    std::string_view topic;
    std::string_view payload;
};

std::vector<Message> split(std::string_view data) {
    std::vector<Message> messages;
    while (!data.empty()) {
        const std::size_t newline = data.find('\n');
        if (newline == std::string_view::npos) break;
        Message m{data.substr(0, newline), {}};
        data.remove_prefix(newline + 1);
        std::size_t length = 0;
        for (int i = 0; i < 2 && !data.empty(); ++i) {
            length = length << 8 | static_cast<unsigned char>(data.front());
            data.remove_prefix(1);
        }
        m.payload = data.substr(0, length);
        data.remove_prefix(m.payload.size());
        messages.push_back(m);
    }
    return messages;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::vector<Message> messages = split(fuzz::text_of(data, size));
    sparkplug::Decoder decoder;
    fuzz::Transcript t;
    for (const Message& m : messages) {
        const auto topic = sparkplug::parse_topic(m.topic);
        const track::Location where{m.topic};
        decoder.decode(m.topic, m.payload, 1'700'000'000'000, "fuzz", where, t.problems, [&](track::Reading& r) {
            const std::string what = fmt::format("{} {}", m.topic, fuzz::json_of(r));
            fuzz::expect(topic.has_value(), "readings come from Sparkplug B topics only", what);
            fuzz::expect(
                topic->type == "NBIRTH" || topic->type == "NDATA" || topic->type == "DBIRTH" || topic->type == "DDATA",
                "readings come from BIRTH and DATA messages only", what);
            const bool device = topic->type[0] == 'D';
            fuzz::expect(r.asset == (device ? topic->device : topic->node), "the asset is the topic's device or node",
                         what);
            fuzz::expect(r.device == topic->group + '/' + topic->node, "the device is GROUP/NODE", what);
            fuzz::expect(!r.metric.empty() && r.src == "fuzz", "a reading has a metric and the src given", what);
            fuzz::expect(r.extra.empty() || r.extra == R"(,"historical":true)", "extra is the historical flag only",
                         what);
            t.write(r);
        });
    }
    return 0;
}
