// Unit tests of adapters/byte_source.hpp: the capped line splitter and file sources.
#include "adapters/byte_source.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "support.hpp"
#include "track/error.hpp"

namespace {

using test::SlowSource;

// "N:text" (or "N:text!" when overlong) for every line.
std::vector<std::string> lines_of(const std::string& data, std::size_t step, std::size_t cap) {
    SlowSource source(data, step);
    int waits = 0;
    adapters::LineReader reader(source, cap, [&waits] { ++waits; });
    std::vector<std::string> lines;
    adapters::Line line;
    while (reader.next(line)) {
        lines.push_back(fmt::format("{}:{}{}", line.number, line.text, line.overlong ? "!" : ""));
    }
    CHECK(waits > 0);
    return lines;
}

using List = std::vector<std::string>;

}  // namespace

TEST_CASE("lines end at LF or CRLF; a last line without one still counts") {
    for (const std::size_t step : {1UL, 3UL, 1000UL}) {
        CAPTURE(step);
        CHECK(lines_of("a\r\nbb\n\nccc", step, 100) == List{"1:a", "2:bb", "3:", "4:ccc"});
        CHECK(lines_of("", step, 100).empty());
        CHECK(lines_of("x\r\r\n", step, 100) == List{"1:x\r"});
    }
}

TEST_CASE("an overlong line is cut at the cap and the rest of it dropped") {
    const std::string long_line(1000, 'x');
    for (const std::size_t step : {1UL, 7UL, 4096UL}) {
        CAPTURE(step);
        CHECK(lines_of("ok\n" + long_line + "\nnext\n", step, 10) == List{"1:ok", "2:xxxxxxxxxx!", "3:next"});
        CHECK(lines_of(long_line, step, 10) == List{"1:xxxxxxxxxx!"});
    }
}

TEST_CASE("lines far longer than the read buffer keep memory bounded") {
    // 3 MB without a newline, then a short line: the reader must not hold the 3 MB.
    std::string data(3 << 20, 'y');
    data += "\nshort\n";
    CHECK(lines_of(data, 1 << 20, 64) == List{"1:" + std::string(64, 'y') + "!", "2:short"});
}

TEST_CASE("a missing file or a directory is refused") {
    CHECK_THROWS_AS(adapters::FileSource("/nonexistent/trk-test"), track::MissingInputError);
    CHECK_THROWS_WITH_AS(adapters::FileSource("/"), "/: is a directory", track::MissingInputError);
}

namespace {

// Gives `chunks` one read each; a break (a device lost and back) before each chunk whose
// index is in `breaks_before`; the stream ends after the last chunk.
class BrokenSource final : public adapters::ByteSource {
public:
    BrokenSource(std::vector<std::string> chunks, std::vector<std::size_t> breaks_before)
        : chunks_(std::move(chunks)), breaks_before_(std::move(breaks_before)) {}
    std::size_t read(char* buffer, std::size_t size) override {
        if (next_ == chunks_.size()) return 0;
        if (std::count(breaks_before_.begin(), breaks_before_.end(), next_) > 0) ++breaks_;
        const std::string& chunk = chunks_[next_++];
        REQUIRE(chunk.size() <= size);
        std::memcpy(buffer, chunk.data(), chunk.size());
        return chunk.size();
    }
    [[nodiscard]] const std::string& name() const override { return name_; }
    [[nodiscard]] std::uint64_t breaks() const override { return breaks_; }

private:
    std::vector<std::string> chunks_;
    std::vector<std::size_t> breaks_before_;
    std::size_t next_ = 0;
    std::uint64_t breaks_ = 0;
    std::string name_ = "port";
};

// "N:text" for every line, "N:text~" when cut by a break.
List cut_lines(std::vector<std::string> chunks, std::vector<std::size_t> breaks_before) {
    BrokenSource source(std::move(chunks), std::move(breaks_before));
    adapters::LineReader reader(source, 100);
    List lines;
    adapters::Line line;
    while (reader.next(line)) lines.push_back(fmt::format("{}:{}{}", line.number, line.text, line.cut ? "~" : ""));
    return lines;
}

}  // namespace

TEST_CASE("a break in the stream ends the line begun before it as a cut fragment, never joined to what follows") {
    // Half a line, the device gone and back, then whole lines.
    CHECK(cut_lines({"ok\n3074257B", "3074257BF7194E4000001A86\n"}, {1}) ==
          List{"1:ok", "2:3074257B~", "3:3074257BF7194E4000001A86"});
    // A break between whole lines cuts nothing.
    CHECK(cut_lines({"a\n", "b\n"}, {1}) == List{"1:a", "2:b"});
    // Without a break, chunks join as always.
    CHECK(cut_lines({"ab", "c\n"}, {}) == List{"1:abc"});
    // A break with nothing after it (a stop): the fragment is still cut, not a last line.
    CHECK(cut_lines({"a\nhal", ""}, {1}) == List{"1:a", "2:hal~"});
}

TEST_CASE("for_each_line reports a cut fragment as 'line cut short' and does not pass it on") {
    BrokenSource source({"$GPGGA,1235", "$GPRMC,x*00\n"}, {1});
    test::Problems problems;
    List passed;
    adapters::for_each_line(source, 100, problems, [&](std::string_view text, const track::Location& where) {
        passed.push_back(fmt::format("{}:{}", where.line, text));
    });
    CHECK(passed == List{"2:$GPRMC,x*00"});
    REQUIRE(problems.seen.size() == 1);
    CHECK(problems.seen[0] == "port:1: line cut short (11 bytes, then the input broke off: $GPGGA,1235)");
}

namespace {

// All that a FileSource of `path` gives, read `size` bytes at a time.
std::string read_all(const std::string& path, std::size_t size) {
    adapters::FileSource source(path);
    std::string text;
    std::vector<char> buffer(size);
    while (const std::size_t n = source.read(buffer.data(), buffer.size())) text.append(buffer.data(), n);
    return text;
}

}  // namespace

TEST_CASE("a file's byte-order mark is skipped, whatever the reads' sizes; other bytes are kept") {
    const test::TempDir dir;
    const auto write = [&dir](const std::string& name, const std::string& text) {
        std::FILE* f = std::fopen(dir.file(name).c_str(), "wb");
        REQUIRE(f != nullptr);
        std::fwrite(text.data(), 1, text.size(), f);
        std::fclose(f);
        return dir.file(name);
    };
    struct Case {
        std::string text, expected;
    };
    const Case cases[] = {
        {"\xEF\xBB\xBF{\"a\":1}\n", "{\"a\":1}\n"},
        {"\xEF\xBB\xBF", ""},
        {"\xEF\xBB", "\xEF\xBB"},  // the start of a mark, then the end: kept
        {"\xEF\xBBx", "\xEF\xBBx"},
        {"abc\xEF\xBB\xBF", "abc\xEF\xBB\xBF"},  // a mark later in the file is text
        {"", ""},
    };
    for (const Case& c : cases) {
        for (const std::size_t size : {3UL, 4UL, 65536UL}) {
            CAPTURE(c.text);
            CAPTURE(size);
            CHECK(read_all(write("f", c.text), size) == c.expected);
        }
    }
}

TEST_CASE("a byte-order mark that a pipe delivers a byte at a time is skipped") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    std::thread writer([fd = fds[1]] {
        for (const char c : std::string_view("\xEF\xBB\xBFok\n")) {
            if (::write(fd, &c, 1) != 1) break;  // the reader sees the bytes missing
        }
        ::close(fd);
    });
    const std::string text = read_all(fmt::format("/dev/fd/{}", fds[0]), 4096);
    writer.join();
    ::close(fds[0]);
    CHECK(text == "ok\n");
}
