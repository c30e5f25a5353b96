// Byte streams that input lines come from (files, stdin, serial ports) and the line splitter.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "track/problems.hpp"

namespace adapters {

/// A stream of bytes with a display name for messages ("yard.nmea", "/dev/ttyUSB0", "-").
class ByteSource {
public:
    virtual ~ByteSource() = default;
    /// Reads up to `size` bytes; blocks until some arrive. Returns 0 at the end of the
    /// stream (or when the run is being stopped). Throws track::IoError or DeviceError.
    virtual std::size_t read(char* buffer, std::size_t size) = 0;
    /// The name that messages and `src` fields use for this source.
    [[nodiscard]] virtual const std::string& name() const = 0;
    /// How often the stream has broken off so far: a device lost (and perhaps back), or a
    /// stop signal ending a read. Bytes read after a break do not continue what came before
    /// it, so a line or frame begun before it is a fragment.
    [[nodiscard]] virtual std::uint64_t breaks() const { return 0; }
};

/// A file or standard input ("-"), read with plain read(2). A UTF-8 byte-order mark at
/// its start (Excel's, Notepad's) is skipped: no reader of text sees it.
class FileSource final : public ByteSource {
public:
    /// Opens `path` ("-" is standard input). Throws track::MissingInputError when it cannot
    /// be opened (with strerror's reason), UsageError when it is a directory.
    /// `stop` (may be null): once set by a signal, reading ends (the next read, or the one
    /// waiting, returns 0).
    explicit FileSource(const std::string& path, const std::atomic<bool>* stop = nullptr);
    ~FileSource() override;
    FileSource(const FileSource&) = delete;
    FileSource& operator=(const FileSource&) = delete;
    std::size_t read(char* buffer, std::size_t size) override;
    [[nodiscard]] const std::string& name() const override { return name_; }
    /// Calls `on_idle` each 200 ms that a read waits without bytes (a quiet pipe from a live
    /// reader); by default a read just blocks.
    void set_on_idle(std::function<void()> on_idle) { on_idle_ = std::move(on_idle); }
    /// Whether it is a regular file (a capture on disk) rather than a pipe, a socket or a
    /// terminal, which may be fed live.
    [[nodiscard]] bool is_regular_file() const;
    /// A stop signal ending a read is a break.
    [[nodiscard]] std::uint64_t breaks() const override { return breaks_; }
    /// Bytes read so far (for progress; any thread may ask).
    [[nodiscard]] std::uint64_t bytes_read() const { return bytes_read_.load(std::memory_order_relaxed); }
    /// The size of a regular file; 0 for a pipe, a socket or a terminal.
    [[nodiscard]] std::uint64_t size() const;

private:
    std::size_t stopped();
    std::size_t read_some(char* buffer, std::size_t size);  ///< read(), byte-order mark and all

    std::string name_;
    std::function<void()> on_idle_;
    const std::atomic<bool>* stop_ = nullptr;
    int fd_ = -1;
    bool owned_ = false;
    std::uint64_t breaks_ = 0;
    bool at_start_ = true;  ///< nothing read yet: a byte-order mark may come
    std::atomic<std::uint64_t> bytes_read_{0};
};

/// Bytes already in memory (a file read whole, the start of an input kept for a second look).
class TextSource final : public ByteSource {
public:
    /// `text` must outlive the source.
    TextSource(std::string_view text, std::string name) : text_(text), name_(std::move(name)) {}
    std::size_t read(char* buffer, std::size_t size) override;
    [[nodiscard]] const std::string& name() const override { return name_; }

private:
    std::string_view text_;
    std::string name_;
};

/// One line of input, without its line ending ("\n" or "\r\n").
struct Line {
    std::string_view text;     ///< valid until the next call of LineReader::next
    std::uint64_t number = 0;  ///< 1-based
    bool overlong = false;     ///< longer than the cap: `text` holds only its first bytes
    bool cut = false;          ///< the stream broke off before its line ending (ByteSource::breaks)
};

/// Splits a ByteSource into lines, with a cap on line length so that no input (a binary
/// file, a wrong baud rate) can grow memory: the rest of an overlong line is discarded.
class LineReader {
public:
    /// `before_wait` (may be empty) runs each time the reader is about to ask the source
    /// for more bytes, i.e. just before it may block: the place to flush output.
    LineReader(ByteSource& source, std::size_t max_line, std::function<void()> before_wait = {});

    /// The next line; false at the end of the source. A last line without a newline is
    /// still returned; so is the start of a line that a break of the stream cut off, as
    /// `cut`, before the bytes that came after the break.
    bool next(Line& line);

private:
    bool refill();

    ByteSource& source_;
    std::size_t max_line_;
    std::function<void()> before_wait_;
    std::vector<char> buffer_;
    std::size_t begin_ = 0;  ///< start of unconsumed bytes
    std::size_t end_ = 0;    ///< end of bytes read
    std::uint64_t number_ = 0;
    bool eof_ = false;
    std::uint64_t breaks_ = 0;  ///< the source's breaks() when last asked
    /// Where the stream broke in buffer_, when the bytes before it end in a fragment of a
    /// line: the next line ends there, cut. npos: no break pending.
    std::size_t cut_at_ = static_cast<std::size_t>(-1);
};

/// `text` without the spaces, tabs and carriage returns around it.
inline std::string_view trim_blanks(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
    return text;
}

/// Calls `on_line(text, where)` for every line of `source` (without its line ending).
/// Reports instead each line longer than `max_line` to `problems` as "line too long", and
/// each fragment a break of the stream cut off (a device unplugged mid-line) as "line cut
/// short": a fragment is never taken for a line. `before_wait` as for LineReader.
template <typename OnLine>
void for_each_line(ByteSource& source, std::size_t max_line, track::ProblemSink& problems, OnLine on_line,
                   std::function<void()> before_wait = {}) {
    LineReader lines(source, max_line, std::move(before_wait));
    Line line;
    while (lines.next(line)) {
        const track::Location where{source.name(), line.number};
        if (line.overlong) {
            problems.skipped(where, "line too long", fmt::format("over {} bytes", max_line));
            continue;
        }
        if (line.cut) {
            if (!trim_blanks(line.text).empty()) {
                problems.skipped(where, "line cut short",
                                 fmt::format("{} bytes, then the input broke off: {}", line.text.size(), line.text));
            }
            continue;
        }
        on_line(line.text, where);
    }
}

}  // namespace adapters
