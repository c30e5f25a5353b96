// Unit tests of track/lines.hpp: splitting text into lines.
#include "track/lines.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

TEST_CASE("split_lines: LF and CR LF ends, a last line without one, empty lines kept") {
    using Lines = std::vector<std::string_view>;
    CHECK(track::split_lines("") == Lines{});
    CHECK(track::split_lines("\n") == Lines{""});
    CHECK(track::split_lines("a") == Lines{"a"});
    CHECK(track::split_lines("a\n") == Lines{"a"});
    CHECK(track::split_lines("a\r\n\nb\r\nc") == Lines{"a", "", "b", "c"});
    CHECK(track::split_lines("a\rb\n") == Lines{"a\rb"});  // a lone CR is part of the line
}

TEST_CASE("a UTF-8 byte-order mark at the start is skipped, nowhere else") {
    using Lines = std::vector<std::string_view>;
    CHECK(track::without_bom("\xEF\xBB\xBF{}") == "{}");
    CHECK(track::without_bom("\xEF\xBB\xBF") == "");
    CHECK(track::without_bom("\xEF\xBB") == "\xEF\xBB");
    CHECK(track::without_bom("x\xEF\xBB\xBF") == "x\xEF\xBB\xBF");
    CHECK(track::split_lines("\xEF\xBB\xBF"
                             "a\r\n\xEF\xBB\xBF"
                             "b") == Lines{"a",
                                           "\xEF\xBB\xBF"
                                           "b"});
}
