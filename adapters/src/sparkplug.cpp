// Sparkplug B topics and payloads to readings. PLACEHOLDER until the sparkplug branch lands:
// parse_topic is real, decode reports every payload as not decoded.
#include "adapters/sparkplug.hpp"

namespace adapters::sparkplug {

std::optional<Topic> parse_topic(std::string_view topic) {
    constexpr std::string_view prefix = "spBv1.0/";
    if (!topic.starts_with(prefix)) return std::nullopt;
    topic.remove_prefix(prefix.size());
    std::string parts[4];
    std::size_t count = 0;
    while (count < 4) {
        const std::size_t slash = topic.find('/');
        parts[count++] = std::string(topic.substr(0, slash));
        if (slash == std::string_view::npos) break;
        topic.remove_prefix(slash + 1);
        if (count == 4) return std::nullopt;  // more levels than GROUP/TYPE/NODE/DEVICE
    }
    if (count < 3) return std::nullopt;
    return Topic{parts[0], parts[1], parts[2], parts[3]};
}

void Decoder::decode(std::string_view topic, std::string_view, track::Millis, std::string_view,
                     const track::Location& where, track::ProblemSink& problems,
                     const std::function<void(track::Reading&)>&) {
    problems.skipped(where, "Sparkplug B not decoded", topic);
}

}  // namespace adapters::sparkplug
