// The frame hunt the binary reader protocols share (uhf-bb, thingmagic): resynchronisation,
// garbage runs, frames cut short, bounded memory; and the Gen2 tag reply inside their frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/rfid.hpp"
#include "track/problems.hpp"

namespace adapters::rfid {

/// Byte `i` of wire data, unsigned.
inline std::uint8_t byte_at(std::string_view bytes, std::size_t i) noexcept {
    return static_cast<std::uint8_t>(bytes[i]);
}

/// The big-endian 16-bit word at byte `i` of wire data.
inline std::uint16_t big_endian16(std::string_view bytes, std::size_t i) noexcept {
    return static_cast<std::uint16_t>(byte_at(bytes, i) << 8 | byte_at(bytes, i + 1));
}

/// The CRC-16 a Gen2 tag backscatters after its PC, XPC and EPC words (poly 0x1021, init 0xFFFF, sent
/// complemented: CRC-16/GENIBUS), computed over `bytes`.
std::uint16_t gen2_crc16(std::string_view bytes) noexcept;

/// `bytes` as upper-case hex, two digits a byte ("3074257BF7194E4000001A85").
std::string upper_hex(std::string_view bytes);

/// Cuts a binary reader stream into frames, whatever chunks it arrives in, and hands each frame's tag
/// reads to the sink in stream order. A protocol says where a frame starts (one start byte), how long it
/// is and whether it is whole; this class does the rest the same way for every protocol:
///  - bytes before a start byte are "garbage between frames", one problem per run;
///  - a damaged frame is reported once, at its first byte; the hunt resumes at the byte after that start
///    byte (the frame's declared length may itself be garbage), so a good frame inside it is still found,
///    but damage inside a reported frame's extent is not reported again;
///  - at the end of the stream an unfinished frame is "frame cut short".
/// Memory stays under one maximal frame plus one feed slice whatever the input.
class FrameDecoder {
public:
    /// Receives each tag read; `where` is the frame's first byte. Called during feed() and finish().
    using Sink = std::function<void(TagReport&)>;

    /// What the decoder has seen so far.
    struct Counts {
        std::uint64_t frames = 0;  ///< whole frames that passed their checks, with tags or not
        std::uint64_t tags = 0;    ///< tag reports handed to the sink
        std::uint64_t other = 0;   ///< whole frames that hold no tag read (acks, errors, commands, keepalives)
        std::uint64_t bad = 0;     ///< damaged frames reported to the problem sink (garbage runs not counted)
    };

    FrameDecoder(const FrameDecoder&) = delete;  // reports point at source_name_: the decoder stays put
    FrameDecoder& operator=(const FrameDecoder&) = delete;
    virtual ~FrameDecoder() = default;

    /// The next bytes of the stream; any chunking gives the same reports. Offsets in reports count from
    /// the first byte ever fed.
    void feed(std::string_view bytes);
    /// End of the stream, or a break in it (a device lost): decides what is still buffered (a partial
    /// frame is "frame cut short") and reports a pending garbage run. After a break, feed() goes on with
    /// the bytes that follow it, as a stream of its own (offsets keep counting).
    void finish();
    /// Counts so far.
    [[nodiscard]] const Counts& counts() const noexcept { return counts_; }
    /// Bytes held waiting for the rest of a frame: below the protocol's maximal frame between calls.
    [[nodiscard]] std::size_t buffered() const noexcept { return buffer_.size(); }

protected:
    /// A protocol's verdict on the bytes at a start byte.
    struct Step {
        enum class Kind {
            need_more,  ///< not decidable yet; `size`: the frame's full size when the header tells it, else 0
            frame,      ///< a whole good frame of `size` bytes (its tag reads, if any, are in `tags`)
            bad,        ///< a damaged frame of `size` bytes (at least 1), with a reason and detail
        };
        Kind kind = Kind::need_more;
        std::size_t size = 0;     ///< bytes, as `kind` says
        std::string_view reason;  ///< for `bad`: a stable phrase ("bad checksum"); must be a literal
        std::string detail;       ///< for `bad`: particulars of this occurrence; may be empty

        /// Wait for more bytes; `full_size`: the frame's size if known (for the "frame cut short" detail).
        static Step more(std::size_t full_size = 0) { return {Kind::need_more, full_size, {}, {}}; }
        /// A good frame of `size` bytes.
        static Step whole(std::size_t size) { return {Kind::frame, size, {}, {}}; }
        /// A damaged frame of `size` bytes, reported with `reason` (a literal) and `detail`.
        static Step damaged(std::size_t size, std::string_view reason, std::string detail) {
            return {Kind::bad, size, reason, std::move(detail)};
        }
    };

    /// `start_byte` begins every frame; `source_name` names the stream in locations.
    FrameDecoder(std::string source_name, track::ProblemSink& problems, Sink sink, std::uint8_t start_byte);

    /// Judges the candidate frame at the front of `bytes` (bytes[0] is the start byte; `bytes` runs to the
    /// end of what has arrived). `at_end`: no more bytes will come. For a good frame, appends its tag reads
    /// to `tags` (leaving `where` to the caller). Must not answer need_more once the frame's bytes are all
    /// there, nor ask for more than the protocol's maximal frame.
    virtual Step examine(std::string_view bytes, bool at_end, std::vector<TagReport>& tags) = 0;

    /// Takes what a Gen2 tag backscattered in an inventory round: PC, the XPC words its XI bit announces,
    /// the EPC (as many words as the PC's length bits say) and the CRC, exactly filling `reply`. Checks the
    /// CRC and puts the EPC into `report`; when anything disagrees returns a damaged step of `frame_size`
    /// bytes ("bad frame" or "bad tag crc").
    static std::optional<Step> take_gen2_reply(std::string_view reply, std::size_t frame_size, TagReport& report);

private:
    void scan(bool at_end);
    void skip(std::size_t from, std::size_t to);
    void report_garbage();
    void settle(const Step& step, std::uint64_t offset);

    std::string source_name_;
    track::ProblemSink& problems_;
    Sink sink_;
    std::uint8_t start_byte_;
    std::string buffer_;  ///< unconsumed bytes; buffer_[0] is at stream offset buffer_offset_
    std::uint64_t buffer_offset_ = 0;
    std::size_t pos_ = 0;               ///< where the hunt goes on in buffer_
    std::uint64_t reported_until_ = 0;  ///< end (stream offset) of the last reported frame's extent
    std::uint64_t garbage_start_ = 0;   ///< the pending garbage run: first offset and length
    std::uint64_t garbage_length_ = 0;
    std::vector<TagReport> tags_;
    Counts counts_;
};

}  // namespace adapters::rfid
