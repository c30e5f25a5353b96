// Tables, JSON Lines and CSV of report rows (see report.hpp).
#include "report.hpp"

#include <algorithm>
#include <stdexcept>
#include <unistd.h>

#include <fmt/format.h>

#include "adapters/csv.hpp"
#include "option_types.hpp"
#include "track/error.hpp"
#include "track/json_writer.hpp"

namespace cli {

namespace {

const Field* find(const Row& row, const std::string& name) {
    const auto it = std::find_if(row.begin(), row.end(), [&name](const Field& f) { return f.name == name; });
    return it == row.end() ? nullptr : &*it;
}

}  // namespace

Field Field::string(std::string name, std::string_view value) {
    if (value.empty()) return {std::move(name), {}, {}};
    return {std::move(name), std::string(value), track::json_text([value](track::JsonWriter& w) { w.string(value); })};
}

Field Field::number(std::string name, const std::optional<double>& value, int decimals) {
    if (!value) return {std::move(name), {}, {}};
    std::string text = track::json_text([&](track::JsonWriter& w) { w.rounded(*value, decimals); });
    return {std::move(name), text, text};
}

Field Field::integer(std::string name, const std::optional<std::int64_t>& value) {
    if (!value) return {std::move(name), {}, {}};
    std::string text = track::json_text([&](track::JsonWriter& w) { w.integer(*value); });
    return {std::move(name), text, text};
}

Field Field::time(std::string name, const std::optional<track::Millis>& value) {
    if (!value) return {std::move(name), {}, {}};
    return {std::move(name), track::format_rfc3339(*value),
            track::json_text([&](track::JsonWriter& w) { w.time(*value); })};
}

Field Field::raw(std::string name, std::string text, std::string json) {
    return {std::move(name), std::move(text), std::move(json)};
}

ReportFormat report_format(const std::string& flag, bool maps) {
    if (flag.empty()) return ::isatty(STDOUT_FILENO) != 0 ? ReportFormat::table : ReportFormat::jsonl;
    static constexpr ReportFormat formats[] = {ReportFormat::table, ReportFormat::jsonl, ReportFormat::csv,
                                               ReportFormat::geojson};
    if (maps) return formats[parse_choice("--format", flag, "a report format", {"table", "jsonl", "csv", "geojson"})];
    return formats[parse_choice("--format", flag, "a report format", {"table", "jsonl", "csv"})];
}

void add_report_format_option(CLI::App* command, std::string& format, bool maps) {
    command
        ->add_option("--format", format,
                     maps ? "table (default on a terminal), jsonl (default otherwise), csv or geojson"
                          : "table (default on a terminal), jsonl (default otherwise) or csv")
        ->type_name("FORMAT");
}

void write_report(Output& out, ReportFormat format, const std::vector<std::string>& columns,
                  const std::vector<Row>& rows, std::string_view empty) {
    auto& b = out.buffer();
    auto put = [&b](std::string_view s) { b.append(s.data(), s.data() + s.size()); };
    switch (format) {
        case ReportFormat::jsonl:
            for (const Row& row : rows) {
                track::JsonWriter w(b);
                w.begin_object();
                for (const Field& f : row) {
                    if (!f.json.empty()) w.key(f.name).raw(f.json);
                }
                w.end_object().newline();
                out.maybe_flush();
            }
            break;
        case ReportFormat::csv:
            for (std::size_t i = 0; i < columns.size(); ++i) put((i ? "," : "") + adapters::csv::cell_text(columns[i]));
            b.push_back('\n');
            for (const Row& row : rows) {
                for (std::size_t i = 0; i < columns.size(); ++i) {
                    const Field* f = find(row, columns[i]);
                    put((i ? "," : "") + adapters::csv::cell_text(f != nullptr ? f->text : ""));
                }
                b.push_back('\n');
                out.maybe_flush();
            }
            break;
        case ReportFormat::geojson: throw std::logic_error("write_report: geojson is the command's to write");
        case ReportFormat::table: {
            if (rows.empty()) {
                put(fmt::format("({})\n", empty));
                break;
            }
            std::vector<std::size_t> width(columns.size());
            for (std::size_t i = 0; i < columns.size(); ++i) {
                width[i] = columns[i].size();
                for (const Row& row : rows) {
                    const Field* f = find(row, columns[i]);
                    width[i] = std::max(width[i], f != nullptr && !f->text.empty() ? f->text.size() : 1);
                }
            }
            const auto line = [&](auto cell) {
                std::string text;
                for (std::size_t i = 0; i < columns.size(); ++i) {
                    const std::string value = cell(i);
                    text += value;
                    if (i + 1 < columns.size()) text += std::string(width[i] - value.size() + 2, ' ');
                }
                put(text + '\n');
            };
            std::vector<std::string> upper(columns);
            for (std::string& c : upper) std::transform(c.begin(), c.end(), c.begin(), ::toupper);
            line([&](std::size_t i) { return upper[i]; });
            for (const Row& row : rows) {
                line([&](std::size_t i) {
                    const Field* f = find(row, columns[i]);
                    return f != nullptr && !f->text.empty() ? f->text : std::string("-");
                });
            }
            break;
        }
    }
    out.flush();
}

}  // namespace cli
