// Unit tests of find_json_syntax_error and json_error_reason (track/json_limits.hpp): where
// a text that simdjson refused goes wrong, as line and column.
#include <string>

#include <doctest/doctest.h>

#include "track/json_limits.hpp"

namespace {

// The reason a message gives for `text`, through simdjson as the readers call it.
std::string reason(std::string_view text) {
    simdjson::dom::parser parser = track::bounded_json_parser();
    const simdjson::padded_string padded(text);
    simdjson::dom::element doc;
    const auto error = parser.parse(padded).get(doc);
    return error ? track::json_error_reason(error, text) : "valid";
}

}  // namespace

TEST_CASE("a fault is placed by line and column in a document, by column in one line") {
    struct Case {
        std::string_view text, expected;
    };
    const Case cases[] = {
        // A fence file with a missing bracket: the '}' that came instead, and the open '['.
        {"{\"features\":[\n  {\"coordinates\":[[1,2],[3,4]}\n]}",
         "not valid JSON at line 2, column 30: expected ',' or ']', found '}' (the '[' at line 2, column 18 is not "
         "closed)"},
        {"{\"a\":[1,2,\n3 4]}", "not valid JSON at line 2, column 3: expected ',' or ']', found '4'"},
        {"{\"a\":[1,2,\n3, tru]}", "not valid JSON at line 2, column 4: expected a value, found 'tru'"},
        {"{\"a\":1}\n{\"b\":2}",
         "not valid JSON at line 2, column 1: expected nothing more after the value, found '{'"},
        {"{\"a\":1,}", "not valid JSON at column 8: expected a key in quotes, found '}'"},
        {"{\"a\" 1}", "not valid JSON at column 6: expected ':', found '1'"},
        {"{\"a\":01}", "not valid JSON at column 6: '01' is not a JSON number"},
        {"{\"a\":\"x\n\"}", "not valid JSON at line 1, column 6: this string is not closed on its line"},
        {"{\"a\":\"x\ty\"}", "not valid JSON at column 8: byte 0x09 in a string (write it escaped)"},
        {"{\"a\":\"\\q\"}",
         "not valid JSON at column 7: expected an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t "
         "\\uXXXX), found '\\'"},
        {"{\"a\":\"\\u12G4\"}", "not valid JSON at column 7: expected \\u and four hex digits, found '\\'"},
        {"{\"é\":ü}", "not valid JSON at column 6: expected a value, found 'ü'"},  // columns count characters
        {"", "not valid JSON at column 1: expected a value, found the end of the input"},
        {"{\"type\":\"fix\",", "not valid JSON: the '{' at column 1 is never closed"},
        {"[[1,2]\n", "not valid JSON: the '[' at line 1, column 1 is never closed"},
        {"{\"a\":[1}",
         "not valid JSON at column 8: expected ',' or ']', found '}' (the '[' at column 6 is not closed)"},
        // Faults that are not the grammar's keep simdjson's reason.
        {"{\"a\":\"\xff\"}", "not valid JSON (The input is not valid UTF-8)"},
        {"[1e999]", "not valid JSON (Problem while parsing a number)"},
        {std::string_view(
             "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
             "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"),
         "nested more than 64 levels deep"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.text);
        CHECK(reason(c.text) == c.expected);
    }
}

TEST_CASE("a text that is valid JSON has no syntax fault") {
    for (const std::string_view text : {"{}", "[]", " {\"a\":[1,-2.5e3,true,false,null,\"\\u00e9\\n\"]}\r\n", "0"}) {
        CAPTURE(text);
        CHECK_FALSE(track::find_json_syntax_error(text).has_value());
        CHECK(reason(text) == "valid");
    }
}

TEST_CASE("text_position counts lines and characters, 1-based") {
    const std::string_view text = "ab\nçd\n";
    CHECK(track::text_position(text, 0).line == 1);
    CHECK(track::text_position(text, 1).column == 2);
    const track::TextPosition d = track::text_position(text, 5);  // 'd', after the two bytes of 'ç'
    CHECK(d.line == 2);
    CHECK(d.column == 2);
}
