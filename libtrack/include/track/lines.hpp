// Splitting the text of a small file (a key, kept checkpoints) into its lines.
#pragma once

#include <string_view>
#include <vector>

namespace track {

/// The lines of `text`, without their "\n" or "\r\n": a last line without a newline counts,
/// an empty text has none.
std::vector<std::string_view> split_lines(std::string_view text);

}  // namespace track
