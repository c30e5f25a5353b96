// A group commit of trk publish: the records read since the last one, each as the message to
// spool (topic, payload, QoS, retain) and as the line to pass on once the spool kept it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "adapters/topic_template.hpp"
#include "track/record.hpp"
#include "track/spool.hpp"

namespace adapters::mqtt {

class PublishBatch {
public:
    /// Adds `record`: its payload is its JSON line without the newline (track::append_json:
    /// the bytes trk writes on standard output), its topic `topics` filled for `site`.
    void add(const track::Record& record, const TopicTemplate& topics, std::string_view site, int qos, bool retain);

    /// Records added since clear().
    [[nodiscard]] std::size_t size() const { return items_.size(); }
    /// Bytes of payload of those records.
    [[nodiscard]] std::uint64_t payload_bytes() const { return payload_bytes_; }

    /// The messages to spool, in the order added; valid until the next add() or clear().
    std::span<const track::SpoolEntry> entries();

    /// Appends the records' lines (JSON, a newline each) to `out`.
    void write_lines(fmt::memory_buffer& out) const { out.append(lines_.data(), lines_.data() + lines_.size()); }

    void clear();

private:
    struct Item {
        std::size_t line_at, line_size, topic_at, topic_size;
        int qos;
        bool retain;
    };
    fmt::memory_buffer lines_;  ///< every record's line, newline included
    std::string topics_;        ///< every record's topic, one after the other
    std::string topic_;         ///< the topic being made (storage reused)
    std::vector<Item> items_;
    std::vector<track::SpoolEntry> entries_;
    std::uint64_t payload_bytes_ = 0;
};

}  // namespace adapters::mqtt
