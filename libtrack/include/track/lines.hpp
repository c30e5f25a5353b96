// Text as people's tools save it: the UTF-8 byte-order mark that Excel and Notepad put
// first, and splitting the text of a small file (a key, kept checkpoints) into its lines.
#pragma once

#include <string_view>
#include <vector>

namespace track {

/// The UTF-8 byte-order mark (U+FEFF), which Excel and Notepad write at the start of a file.
inline constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

/// `text` without a UTF-8 byte-order mark at its start. Every reader of text skips it:
/// files and standard input through adapters::FileSource, whole texts handed to a parser
/// (rules, fences, state files, keys) through this.
constexpr std::string_view without_bom(std::string_view text) noexcept {
    if (text.starts_with(utf8_bom)) text.remove_prefix(utf8_bom.size());
    return text;
}

/// The lines of `text`, without their "\n" or "\r\n" and without a byte-order mark before
/// the first: a last line without a newline counts, an empty text has none.
std::vector<std::string_view> split_lines(std::string_view text);

}  // namespace track
