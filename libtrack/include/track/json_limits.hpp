// The bounds on JSON that trk reads from outside (records, GeoJSON, state files, reader JSON).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

namespace track {

/// How deeply objects and arrays may nest in JSON from outside: a record needs 3 levels,
/// GeoJSON 8; simdjson's own default (1024) would let a hostile line cost far more.
inline constexpr std::size_t max_json_depth = 64;

/// A DOM parser that refuses JSON nested deeper than max_json_depth (DEPTH_ERROR).
simdjson::dom::parser bounded_json_parser();

/// Why simdjson refused `text` with `error`, for a message, placed where the text goes wrong
/// (find_json_syntax_error; a text without a newline by column only):
///   not valid JSON at line 3, column 17: expected ',' or ']', found '}' (the '[' at line 2, column 40 is not closed)
///   not valid JSON: the '{' at column 1 is never closed
/// "not valid JSON (simdjson's reason)" when the grammar finds no fault (invalid UTF-8, a
/// number out of range); for DEPTH_ERROR "nested more than 64 levels deep".
std::string json_error_reason(simdjson::error_code error, std::string_view text);

/// The first fault of `text` against JSON's grammar (one value, blanks around it).
struct JsonSyntaxError {
    std::size_t offset = 0;              ///< byte offset of the offending token
    std::string what;                    ///< "expected ':', found '}'"
    std::optional<std::size_t> open_at;  ///< the bracket left open, when the fault is a missing close
    bool ended = false;                  ///< the text ended inside `open_at`'s object or array
};
/// nullopt when the grammar finds no fault (simdjson refused the text for another reason).
/// Slow next to simdjson: for the error path only.
std::optional<JsonSyntaxError> find_json_syntax_error(std::string_view text);

/// A 1-based line and column (in characters, not bytes) of a byte offset in a text.
struct TextPosition {
    std::size_t line = 1;
    std::size_t column = 1;
};
TextPosition text_position(std::string_view text, std::size_t offset);

}  // namespace track
