// Audit manifests, JSON Lines or CSV (see adapters/manifest.hpp).
#include "adapters/manifest.hpp"

#include <algorithm>
#include <array>

#include <simdjson.h>

#include "adapters/byte_source.hpp"
#include "adapters/csv.hpp"
#include "track/error.hpp"
#include "track/json_limits.hpp"
#include "track/lines.hpp"

namespace adapters {

namespace {

constexpr std::array<std::string_view, 4> entry_names{"asset", "id", "epc", "uri"};

// Whether the first line that is not blank or a comment starts an object.
bool is_json_lines(std::string_view text) {
    text = track::without_bom(text);
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        const std::string_view line = trim_blanks(text.substr(0, end));
        if (!line.empty() && line.front() != '#') return line.front() == '{';
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return false;
}

std::vector<std::string> read_json_lines(std::string_view text, const std::string& name) {
    std::vector<std::string> values;
    simdjson::dom::parser parser = track::bounded_json_parser();
    text = track::without_bom(text);
    std::size_t number = 0;
    for (std::size_t start = 0; start < text.size();) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view line = trim_blanks(text.substr(start, end - start));
        start = end + 1;
        ++number;
        if (line.empty() || line.front() == '#') continue;
        simdjson::dom::object object;
        std::string_view value;
        bool found = false;
        if (parser.parse(line.data(), line.size()).get_object().get(object) == simdjson::SUCCESS) {
            for (const std::string_view key : entry_names) {
                if (object[key].get_string().get(value) == simdjson::SUCCESS && !value.empty()) {
                    found = true;
                    break;
                }
            }
        }
        if (!found) {
            throw track::InputError(fmt::format("{}:{}", name, number),
                                    "expected a JSON object with an \"asset\", \"id\", \"epc\" or \"uri\" string");
        }
        values.emplace_back(value);
    }
    return values;
}

std::vector<std::string> read_csv(std::string_view text, const std::string& name, track::ProblemSink& problems) {
    std::vector<std::string> values;
    TextSource source(text, name);  // the manifest, already read into memory
    csv::Reader reader(source, problems);
    csv::Row row;
    if (!reader.next(row)) return values;
    const auto header_at = csv::Header(row).find_any(entry_names);
    const std::size_t column = header_at.value_or(0);
    if (!header_at && !row.cells.front().empty()) values.push_back(row.cells.front());
    while (reader.next(row)) {
        if (const std::string_view value = csv::cell(row, column); !value.empty()) values.emplace_back(value);
    }
    return values;
}

}  // namespace

std::vector<std::string> read_manifest(std::string_view text, const std::string& name, track::ProblemSink& problems) {
    return is_json_lines(text) ? read_json_lines(text, name) : read_csv(text, name, problems);
}

}  // namespace adapters
