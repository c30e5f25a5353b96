// Byte-order marks and splitting text into lines (see track/lines.hpp).
#include "track/lines.hpp"

namespace track {

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    text = without_bom(text);
    while (!text.empty()) {
        const std::size_t newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        if (line.ends_with('\r')) line.remove_suffix(1);
        lines.push_back(line);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    }
    return lines;
}

}  // namespace track
