// Fuzz harness: the CSV reader (adapters::csv::Reader), whole and in pieces, and the cell writer read back.
#include <algorithm>

#include "adapters/csv.hpp"
#include "fuzz.hpp"

namespace {

// Records as text: "LINE: cell|cell" with the cells' separators and line breaks escaped.
std::string describe(const adapters::csv::Row& row) {
    std::string out = fmt::format("{}:", row.where.line);
    for (const std::string& cell : row.cells) {
        out += ' ';
        for (const char c : cell) {
            if (c == '|' || c == '\\') out += '\\';
            out += c;
        }
        out += '|';
    }
    return out + '\n';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::text_of(data, size);
    const adapters::csv::ReaderOptions options{.separator = 0, .max_record = 512};
    std::vector<std::vector<std::string>> records;
    char separator = 0;
    fuzz::check_pieces(input, [&](adapters::ByteSource& source, fuzz::Transcript& t) {
        adapters::csv::Reader reader(source, t.problems, options);
        adapters::csv::Row row;
        records.clear();
        while (reader.next(row)) {
            fuzz::expect(!row.cells.empty(), "a record has a cell");
            fuzz::expect(row.where.line >= 1, "a record has a line");
            std::size_t bytes = 0;
            for (const std::string& cell : row.cells) bytes += cell.size();
            fuzz::expect(bytes <= options.max_record, "a record is no longer than the bound",
                         fmt::format("{} bytes", bytes));
            t.out += describe(row);
            records.push_back(row.cells);
        }
        separator = reader.separator();
    });
    // What the writer makes of the records reads back as the same records.
    if (records.empty()) return 0;
    fmt::memory_buffer written;
    written.append(std::string_view("\xEF\xBB\xBF"));  // so that a first cell that starts with one keeps it
    for (const auto& cells : records) {
        // A record of empty cells would be a blank line (a line of tabs is blank, even in a
        // tab-separated file): its first cell is written quoted, as a writer of such a record
        // must.
        const bool all_empty = std::all_of(cells.begin(), cells.end(), [](const auto& c) { return c.empty(); });
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (i > 0) written.push_back(separator);
            if (i == 0 && all_empty) written.append(std::string_view("\"\""));
            adapters::csv::append_cell(written, cells[i], separator);
        }
        written.push_back('\n');
    }
    test::SlowSource source(fmt::to_string(written), written.size() + 1, "written");
    test::Problems problems;
    adapters::csv::Reader again(source, problems, {.separator = separator, .max_record = 64 * 1024});
    adapters::csv::Row row;
    std::size_t i = 0;
    while (again.next(row)) {
        fuzz::expect(i < records.size(), "what the writer wrote reads back as no more records");
        fuzz::expect(row.cells == records[i], "what the writer wrote reads back as the same cells",
                     fmt::format("record {}: {}", i, fmt::to_string(written)));
        ++i;
    }
    fuzz::expect(i == records.size(), "what the writer wrote reads back as every record", fmt::to_string(written));
    fuzz::expect(problems.seen.empty(), "what the writer wrote reads back without problems");
    return 0;
}
