// Report output of the query commands (asset list, where, reader list): a table for people on
// a terminal, JSON Lines for pipes, or CSV, from the same rows.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "output.hpp"
#include "track/time.hpp"

namespace cli {

/// One value of a row: its text (table, CSV) and its JSON literal. Empty text: absent.
struct Field {
    std::string name;
    std::string text;
    std::string json;

    static Field string(std::string name, std::string_view value);
    static Field number(std::string name, const std::optional<double>& value, int decimals);
    static Field integer(std::string name, const std::optional<std::int64_t>& value);
    static Field time(std::string name, const std::optional<track::Millis>& value);
    /// A JSON value written as is (an object, an array); `text` is what the table shows.
    static Field raw(std::string name, std::string text, std::string json);
};

using Row = std::vector<Field>;

/// The output formats of reports. geojson: for reports of places (where, fence list), which
/// write it themselves (adapters::FeatureCollectionWriter); write_report does not.
enum class ReportFormat { table, jsonl, csv, geojson };

/// Parses --format (table, jsonl, csv, and geojson when `maps`); empty: table when standard
/// output is a terminal, JSON Lines otherwise. Throws UsageError naming the option.
ReportFormat report_format(const std::string& flag, bool maps = false);

/// Adds --format FORMAT (table, jsonl, csv, and geojson when `maps`; checked by
/// report_format) to a report command.
void add_report_format_option(CLI::App* command, std::string& format, bool maps = false);

/// Writes `rows` in `format` (not geojson). `columns` names the table's and CSV's columns in order (JSON
/// Lines writes every present field of a row, in the row's order); `empty` is what a table
/// says when there is no row.
void write_report(Output& out, ReportFormat format, const std::vector<std::string>& columns,
                  const std::vector<Row>& rows, std::string_view empty);

}  // namespace cli
