// The frame hunt shared by the binary reader protocols, and the Gen2 tag reply.
#include "adapters/rfid_frames.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace adapters::rfid {

namespace {

// Feeding a huge chunk copies it in slices of this size, so the buffer stays small.
constexpr std::size_t feed_slice = 4096;

}  // namespace

std::uint16_t gen2_crc16(std::string_view bytes) noexcept {
    unsigned crc = 0xFFFF;
    for (const char c : bytes) {
        crc ^= static_cast<unsigned>(static_cast<unsigned char>(c)) << 8;
        for (int bit = 0; bit < 8; ++bit) crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
    }
    return static_cast<std::uint16_t>(~crc & 0xFFFF);
}

std::string upper_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string text(bytes.size() * 2, '0');
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        text[2 * i] = digits[byte_at(bytes, i) >> 4];
        text[2 * i + 1] = digits[byte_at(bytes, i) & 0x0F];
    }
    return text;
}

FrameDecoder::FrameDecoder(std::string source_name, track::ProblemSink& problems, Sink sink, std::uint8_t start_byte)
    : source_name_(std::move(source_name)), problems_(problems), sink_(std::move(sink)), start_byte_(start_byte) {}

void FrameDecoder::feed(std::string_view bytes) {
    while (!bytes.empty()) {
        const std::size_t n = std::min(bytes.size(), feed_slice);
        buffer_.append(bytes.substr(0, n));
        bytes.remove_prefix(n);
        scan(false);
        buffer_.erase(0, pos_);
        buffer_offset_ += pos_;
        pos_ = 0;
    }
}

void FrameDecoder::finish() {
    scan(true);
    report_garbage();
    buffer_offset_ += buffer_.size();
    buffer_.clear();
    pos_ = 0;
}

void FrameDecoder::scan(bool at_end) {
    while (pos_ < buffer_.size()) {
        if (static_cast<std::uint8_t>(buffer_[pos_]) != start_byte_) {
            const void* found = std::memchr(buffer_.data() + pos_, start_byte_, buffer_.size() - pos_);
            const std::size_t next = found != nullptr
                                         ? static_cast<std::size_t>(static_cast<const char*>(found) - buffer_.data())
                                         : buffer_.size();
            skip(pos_, next);
            pos_ = next;
            continue;
        }
        report_garbage();  // a start byte ends a garbage run, whatever the candidate turns out to be
        const std::uint64_t offset = buffer_offset_ + pos_;
        Step step = examine(std::string_view(buffer_).substr(pos_), at_end, tags_);
        if (step.kind == Step::Kind::need_more) {
            if (!at_end) return;
            const std::size_t have = buffer_.size() - pos_;
            step = Step::damaged(
                have, "frame cut short",
                step.size != 0 ? fmt::format("{} of {} bytes", have, step.size) : fmt::format("{} bytes", have));
        }
        settle(step, offset);
    }
}

// Handles a decided candidate at `offset` (= buffer_offset_ + pos_). State is updated before the sinks are
// called, as a sink may throw (--strict) and the decoder must stay consistent.
void FrameDecoder::settle(const Step& step, std::uint64_t offset) {
    if (step.kind == Step::Kind::frame) {
        pos_ += step.size;
        ++counts_.frames;
        if (tags_.empty()) {
            ++counts_.other;
            return;
        }
        std::vector<TagReport> reports;
        reports.swap(tags_);
        counts_.tags += reports.size();
        for (TagReport& report : reports) {
            report.where = track::Location::at_byte(source_name_, offset);
            sink_(report);
        }
        return;
    }
    tags_.clear();
    ++pos_;                                // resynchronise from the byte after this start byte
    if (offset < reported_until_) return;  // inside a frame already reported: the same damage
    reported_until_ = offset + std::max<std::size_t>(step.size, 1);
    ++counts_.bad;
    problems_.skipped(track::Location::at_byte(source_name_, offset), step.reason, step.detail);
}

// Bytes [from, to) of the buffer hold no start byte: garbage, unless inside a reported frame.
void FrameDecoder::skip(std::size_t from, std::size_t to) {
    std::uint64_t begin = buffer_offset_ + from;
    const std::uint64_t end = buffer_offset_ + to;
    if (end <= reported_until_) return;
    begin = std::max(begin, reported_until_);
    if (garbage_length_ == 0) garbage_start_ = begin;
    garbage_length_ += end - begin;
}

void FrameDecoder::report_garbage() {
    if (garbage_length_ == 0) return;
    const std::uint64_t length = garbage_length_;
    garbage_length_ = 0;
    problems_.skipped(track::Location::at_byte(source_name_, garbage_start_), "garbage between frames",
                      fmt::format("{} bytes", length));
}

std::optional<FrameDecoder::Step> FrameDecoder::take_gen2_reply(std::string_view reply, std::size_t frame_size,
                                                                TagReport& report) {
    if (reply.size() < 4) {
        return Step::damaged(frame_size, "bad frame",
                             fmt::format("tag reply of {} bytes has no room for PC and CRC", reply.size()));
    }
    const std::uint16_t pc = big_endian16(reply, 0);
    const std::size_t epc_bits = static_cast<std::size_t>(pc >> 11) * 16;
    std::size_t epc_start = 2;
    // The XI bit (0x0200) announces XPC_W1, whose top bit announces XPC_W2; the PC's length bits do not
    // count them (the Mercury API reads them so). A reader that leaves them out is believed when the
    // payload has exactly the room the PC's length bits say.
    if ((pc & 0x0200) != 0 && reply.size() != 4 + epc_bits / 8) {
        epc_start = (big_endian16(reply, 2) & 0x8000) != 0 ? 6 : 4;
    }
    const std::size_t room = reply.size() >= epc_start + 2 ? (reply.size() - epc_start - 2) * 8 : 0;
    if (epc_bits == 0) return Step::damaged(frame_size, "bad frame", "PC word says the tag has no EPC");
    if (epc_bits != room) {
        return Step::damaged(frame_size, "bad frame",
                             fmt::format("EPC length in PC word ({} bits) {} the payload ({} bits)", epc_bits,
                                         epc_bits > room ? "exceeds" : "is shorter than", room));
    }
    const std::string_view covered = reply.substr(0, reply.size() - 2);
    const std::uint16_t computed = gen2_crc16(covered);
    const std::uint16_t stated = big_endian16(reply, reply.size() - 2);
    if (computed != stated) {
        return Step::damaged(frame_size, "bad tag crc",
                             fmt::format("computed {:04X}, tag sent {:04X}", computed, stated));
    }
    report.epc = upper_hex(covered.substr(epc_start));
    return std::nullopt;
}

}  // namespace adapters::rfid
