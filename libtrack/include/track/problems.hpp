// Where adapters and stages report bad input they skipped; the command decides what to print.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace track {

/// A place in the input: the source's display name and a 1-based line number (0: none),
/// or, for binary protocols (RFID reader frames), the 0-based offset of a frame's first byte.
struct Location {
    std::string_view source;
    std::uint64_t line = 0;
    bool byte_offset = false;  ///< `line` is a byte offset, written "source@offset"

    /// The place in a binary stream `offset` bytes from its start.
    static Location at_byte(std::string_view source, std::uint64_t offset) { return {source, offset, true}; }
};

/// "file:line", "file@offset", or the bare source name when there is no line.
inline std::string to_string(const Location& where) {
    std::string text(where.source);
    if (where.byte_offset) {
        text += '@';
        text += std::to_string(where.line);
    } else if (where.line != 0) {
        text += ':';
        text += std::to_string(where.line);
    }
    return text;
}

/// Receives every piece of input that was skipped. `reason` is a short stable phrase that
/// groups problems in the end-of-run summary ("bad checksum"); `detail` says more about
/// this one occurrence (may be empty). An implementation may throw to stop the run
/// (`--strict`).
class ProblemSink {
public:
    virtual ~ProblemSink() = default;
    virtual void skipped(const Location& where, std::string_view reason, std::string_view detail) = 0;
};

}  // namespace track
