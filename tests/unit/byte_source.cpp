// Unit tests of adapters/byte_source.hpp: the capped line splitter and file sources.
#include "adapters/byte_source.hpp"

#include <algorithm>
#include <cstring>
#include <string>
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
