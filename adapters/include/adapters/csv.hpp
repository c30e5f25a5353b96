// The one CSV reader and the one CSV cell writer: every CSV that trk reads or writes goes through here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "adapters/byte_source.hpp"
#include "track/problems.hpp"

namespace adapters::csv {

/// How a Reader reads.
struct ReaderOptions {
    /// ',', ';' or '\t'; 0: the one the first record (the header) uses most, outside quotes
    /// (',' when it uses none).
    char separator = 0;
    /// The longest record, all its lines together; a longer one is skipped as "line too long".
    std::size_t max_record = std::size_t{16} * 1024;
    /// Whether input in another encoding is refused whole (a file: below). False for a
    /// stream that may start with noise (a reader's live log): such records are skipped
    /// and reported like any other bad record, and the run goes on.
    bool refuse_other_encodings = true;
};

/// One record of a CSV file: its cells, and the line it starts on.
struct Row {
    std::vector<std::string> cells;  ///< unquoted; cells outside quotes are trimmed of blanks
    track::Location where;           ///< the record's first line (naming the source: valid while it lives)
};

/// Reads RFC 4180 CSV from a ByteSource, record by record. A cell that starts with a quote
/// (after blanks) is quoted: it may hold separators, line breaks and doubled quotes; a quote
/// elsewhere is an ordinary character. Lines end in LF or CRLF. A UTF-8 byte-order mark is
/// skipped; blank lines, and lines whose first non-blank character is '#', are no records.
///
/// Reported to `problems` and skipped: a record over `max_record` ("line too long"), one
/// that a break of the stream cut off ("line cut short"), a quoted cell still open at the
/// end of the input ("unclosed quote"), and after the first record, one that is not UTF-8
/// ("not UTF-8", naming the encoding it looks like). Throws track::InputError naming the
/// source when the input is UTF-16 (by its byte-order mark or its zero bytes) or its first
/// record is not UTF-8: a file in another encoding is refused whole, not read as garbage
/// (unless `refuse_other_encodings` is false).
class Reader {
public:
    Reader(ByteSource& source, track::ProblemSink& problems, ReaderOptions options = {});

    /// The next record; false at the end of the input.
    bool next(Row& row);

    /// The separator: as given, or as detected once the first record is read.
    [[nodiscard]] char separator() const { return separator_; }

private:
    bool take_line(Line& line);
    bool checked_text(std::string_view text, const track::Location& where);

    ByteSource& source_;
    track::ProblemSink& problems_;
    std::size_t max_record_;
    bool refuse_;  ///< ReaderOptions::refuse_other_encodings
    LineReader lines_;
    char separator_;
    std::uint64_t records_ = 0;  ///< records returned so far
    std::string cell_;           ///< the cell being read
};

/// The columns of a header record, found by name regardless of case.
class Header {
public:
    Header() = default;
    /// `row`: the header record.
    explicit Header(const Row& row);

    /// The column named `name` (any case).
    [[nodiscard]] std::optional<std::size_t> find(std::string_view name) const;
    /// The column of the first of `names` that is present.
    template <typename Names>
    [[nodiscard]] std::optional<std::size_t> find_any(const Names& names) const {
        for (const auto& name : names) {
            if (const auto at = find(name)) return at;
        }
        return std::nullopt;
    }
    /// The column named `name`; throws track::InputError at the header's line saying that
    /// there is no such column, `hint` (may be empty) and the columns that there are.
    [[nodiscard]] std::size_t require(std::string_view name, std::string_view hint = {}) const;
    /// Throws track::InputError at the header's line: `message`, then the columns found.
    [[noreturn]] void missing(std::string_view message) const;

    [[nodiscard]] const std::vector<std::string>& names() const { return names_; }

private:
    std::vector<std::string> names_;
    std::string where_;
};

/// The cell `i` of `row`, or an empty one when the row is shorter.
inline std::string_view cell(const Row& row, std::optional<std::size_t> i) {
    return i && *i < row.cells.size() ? std::string_view(row.cells[*i]) : std::string_view();
}

/// A number cell: a decimal ("21.5", "-3", "1e3"), and where `separator` is not a comma, a
/// decimal comma as European spreadsheets write it ("21,5"). Nullopt for anything else.
std::optional<double> parse_number(std::string_view cell, char separator);

/// Appends `text` as one CSV cell: as it is, or quoted, with quotes doubled, when it holds
/// the separator, a quote, a CR or a LF (RFC 4180), and so that Reader reads it back as it
/// was, when it starts or ends with a blank or starts with '#'.
void append_cell(fmt::memory_buffer& out, std::string_view text, char separator = ',');

/// `text` as one CSV cell (append_cell).
std::string cell_text(std::string_view text, char separator = ',');

}  // namespace adapters::csv
