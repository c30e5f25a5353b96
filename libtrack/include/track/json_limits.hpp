// The bounds on JSON that trk reads from outside (records, GeoJSON, state files, reader JSON).
#pragma once

#include <cstddef>
#include <string>

#include <simdjson.h>

namespace track {

/// How deeply objects and arrays may nest in JSON from outside: a record needs 3 levels,
/// GeoJSON 8; simdjson's own default (1024) would let a hostile line cost far more.
inline constexpr std::size_t max_json_depth = 64;

/// A DOM parser that refuses JSON nested deeper than max_json_depth (DEPTH_ERROR).
simdjson::dom::parser bounded_json_parser();

/// Why `error` refused a text, for a message: "not valid JSON (simdjson's reason)", or for
/// DEPTH_ERROR "nested more than 64 levels deep".
std::string json_error_reason(simdjson::error_code error);

}  // namespace track
