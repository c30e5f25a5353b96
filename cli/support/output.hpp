// Standard output for records: one large buffer, written in big blocks, flushed on demand.
#pragma once

#include <string>
#include <utility>

#include <fmt/format.h>

namespace cli {

/// Buffers JSON Lines for standard output. Records are appended to buffer(); call
/// maybe_flush() after each record and flush() when the input may block, so that a live
/// pipe sees records as they come while a file conversion writes in large blocks.
class Output {
public:
    /// Writes to `fd`; `name` says what it is in messages (empty: "standard output", with
    /// the file it was redirected to, if any).
    explicit Output(int fd = 1, std::string name = {}) : fd_(fd), name_(std::move(name)) {}
    ~Output();
    Output(const Output&) = delete;
    Output& operator=(const Output&) = delete;

    fmt::memory_buffer& buffer() { return buffer_; }
    /// Writes the buffer when it has grown past the block size.
    void maybe_flush() {
        if (buffer_.size() >= block_size) flush();
    }
    /// Writes everything buffered. Throws track::ClosedOutputError when the reader of a pipe
    /// has gone (EPIPE), track::IoError naming the output when the write fails otherwise.
    void flush();

private:
    static constexpr std::size_t block_size = 1 << 16;
    int fd_;
    std::string name_;
    fmt::memory_buffer buffer_;
};

}  // namespace cli
