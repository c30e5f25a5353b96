// trk publish's group commits (see adapters/publish_batch.hpp).
#include "adapters/publish_batch.hpp"

#include "track/json.hpp"

namespace adapters::mqtt {

void PublishBatch::add(const track::Record& record, const TopicTemplate& topics, std::string_view site, int qos,
                       bool retain) {
    const std::size_t line_at = lines_.size();
    track::append_json(lines_, record);
    topics.topic_into(topic_, record, site);
    const std::size_t topic_at = topics_.size();
    topics_ += topic_;
    const std::size_t line_size = lines_.size() - line_at;
    items_.push_back({line_at, line_size, topic_at, topic_.size(), qos, retain});
    payload_bytes_ += line_size - 1;
}

std::span<const track::SpoolEntry> PublishBatch::entries() {
    entries_.clear();
    const std::string_view lines(lines_.data(), lines_.size());
    for (const Item& i : items_) {
        // The payload is the line without its newline.
        entries_.push_back({std::string_view(topics_).substr(i.topic_at, i.topic_size),
                            lines.substr(i.line_at, i.line_size - 1), i.qos, i.retain});
    }
    return entries_;
}

void PublishBatch::clear() {
    lines_.clear();
    topics_.clear();
    items_.clear();
    entries_.clear();
    payload_bytes_ = 0;
}

}  // namespace adapters::mqtt
