// The CSV reader and cell writer (see adapters/csv.hpp).
#include "adapters/csv.hpp"

#include <algorithm>
#include <array>

#include "track/error.hpp"
#include "track/lines.hpp"
#include "track/names.hpp"
#include "track/number.hpp"

namespace adapters::csv {

namespace {

bool is_blank(char c, char separator) { return (c == ' ' || c == '\t') && c != separator; }

// The separator a header line uses: the most frequent of comma, semicolon and tab outside
// quoted cells; a comma when it has none.
char separator_of(std::string_view line) {
    std::array<std::pair<char, std::size_t>, 3> counts{{{',', 0}, {';', 0}, {'\t', 0}}};
    bool quoted = false;
    for (const char c : line) {
        if (c == '"') quoted = !quoted;
        if (quoted) continue;
        for (auto& [separator, n] : counts) n += c == separator ? 1 : 0;
    }
    char best = ',';
    std::size_t most = 0;
    for (const auto& [separator, n] : counts) {
        if (n > most) {
            best = separator;
            most = n;
        }
    }
    return best;
}

// The offset of the first byte of `text` that does not belong to a valid UTF-8 sequence
// (no overlongs, no surrogates, nothing past U+10FFFF); npos when it is all UTF-8.
std::size_t invalid_utf8_at(std::string_view text) {
    const auto byte = [&text](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const auto continuation = [&](std::size_t i) { return i < text.size() && (byte(i) & 0xC0) == 0x80; };
    for (std::size_t i = 0; i < text.size();) {
        const unsigned char b = byte(i);
        if (b < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        if (b >= 0xC2 && b <= 0xDF) length = 2;
        else if (b >= 0xE0 && b <= 0xEF) length = 3;
        else if (b >= 0xF0 && b <= 0xF4) length = 4;
        if (length == 0) return i;
        for (std::size_t k = 1; k < length; ++k) {
            if (!continuation(i + k)) return i;
        }
        const unsigned char second = byte(i + 1);
        if ((b == 0xE0 && second < 0xA0) || (b == 0xED && second >= 0xA0) || (b == 0xF0 && second < 0x90) ||
            (b == 0xF4 && second >= 0x90)) {
            return i;
        }
        i += length;
    }
    return std::string_view::npos;
}

// Why `row` is not UTF-8, naming the encoding it looks like; empty when it is UTF-8.
std::string not_utf8(const Row& row) {
    for (std::size_t column = 0; column < row.cells.size(); ++column) {
        const std::string& text = row.cells[column];
        const std::size_t at = invalid_utf8_at(text);
        if (at == std::string_view::npos) continue;
        return fmt::format(
            "byte 0x{:02X} in cell {} is not UTF-8; the file looks like Latin-1 or Windows-1252: "
            "save it as UTF-8",
            static_cast<unsigned char>(text[at]), column + 1);
    }
    return {};
}

}  // namespace

Reader::Reader(ByteSource& source, track::ProblemSink& problems, ReaderOptions options)
    : source_(source),
      problems_(problems),
      max_record_(options.max_record),
      refuse_(options.refuse_other_encodings),
      lines_(source, options.max_record),
      separator_(options.separator) {}

// The next line that is whole: reports and skips overlong lines and fragments.
bool Reader::take_line(Line& line) {
    while (lines_.next(line)) {
        const track::Location where{source_.name(), line.number};
        if (line.overlong) {
            problems_.skipped(where, "line too long", fmt::format("over {} bytes", max_record_));
        } else if (line.cut) {
            if (!trim_blanks(line.text).empty()) {
                problems_.skipped(where, "line cut short",
                                  fmt::format("{} bytes, then the input broke off: {}", line.text.size(), line.text));
            }
        } else {
            return true;
        }
    }
    return false;
}

bool Reader::next(Row& row) {
    Line line;
    while (take_line(line)) {
        std::string_view text = line.text;
        if (line.number == 1) {
            text = track::without_bom(text);
            if ((text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF")) && refuse_) {
                throw track::InputError(source_.name(),
                                        "looks like UTF-16 (it starts with a UTF-16 byte-order "
                                        "mark); save it as UTF-8");
            }
        }
        const std::string_view trimmed = trim_blanks(text);
        if (trimmed.empty() || trimmed.front() == '#') continue;
        if (separator_ == 0) separator_ = separator_of(text);
        row.where = {source_.name(), line.number};
        std::size_t cells = 0;  // in `row` (whose strings are reused from record to record)
        cell_.clear();
        // Where the cell being read is; `quoted` and `after_quote` are inside a quoted cell.
        enum class State { start, plain, quoted, after_quote } state = State::start;
        const auto end_cell = [&] {
            if (state == State::plain) {
                while (!cell_.empty() && is_blank(cell_.back(), separator_)) cell_.pop_back();
            }
            if (cells < row.cells.size()) row.cells[cells].assign(cell_);
            else row.cells.push_back(cell_);
            ++cells;
            cell_.clear();
            state = State::start;
        };
        std::size_t size = 0;   // of the record so far
        bool too_long = false;  // over max_record: read on to the record's end, keeping nothing
        bool broken = false;    // a quoted cell that the input's end or a bad line left open
        for (;;) {
            size += text.size();
            too_long = too_long || size > max_record_;
            for (const char c : text) {
                switch (state) {
                    case State::start:
                        if (c == separator_) end_cell();
                        else if (c == '"') state = State::quoted;
                        else if (!is_blank(c, separator_)) {
                            cell_ += c;
                            state = State::plain;
                        }
                        break;
                    case State::plain:
                        if (c == separator_) end_cell();
                        else cell_ += c;
                        break;
                    case State::quoted:
                        if (c == '"') state = State::after_quote;
                        else cell_ += c;
                        break;
                    case State::after_quote:  // a quote doubled, the cell's end, or (leniently) more text
                        if (c == '"') {
                            cell_ += c;
                            state = State::quoted;
                        } else if (c == separator_) {
                            end_cell();
                        } else if (!is_blank(c, separator_)) {
                            cell_ += c;
                            state = State::plain;
                        }
                        break;
                }
            }
            if (too_long) {
                cell_.clear();
                cells = 0;
            }
            if (state != State::quoted) break;
            // A line break inside a quoted cell is "\n", whatever carriage returns stood before it
            // (the line reader takes one as part of CRLF; a stray one more, as in "\r\r\n", would
            // otherwise stay, and trk's own CSV would not read back as it was written: fuzz_csv).
            while (!cell_.empty() && cell_.back() == '\r') cell_.pop_back();
            cell_ += '\n';
            ++size;
            if (!lines_.next(line)) {
                problems_.skipped(row.where, "unclosed quote", "a quoted cell runs to the end of the input");
                broken = true;
            } else if (line.overlong || line.cut) {
                problems_.skipped(row.where, line.overlong ? "line too long" : "line cut short",
                                  fmt::format("line {} of a quoted cell", line.number));
                broken = true;
            }
            if (broken) break;
            text = line.text;
        }
        if (broken) continue;
        if (too_long) {
            problems_.skipped(row.where, "line too long", fmt::format("over {} bytes", max_record_));
            continue;
        }
        end_cell();
        row.cells.resize(cells);
        if (records_ == 0 && refuse_ && std::any_of(row.cells.begin(), row.cells.end(), [](const std::string& c) {
                return c.find('\0') != std::string::npos;
            })) {
            throw track::InputError(source_.name(),
                                    "looks like UTF-16 (it has zero bytes between its characters); "
                                    "save it as UTF-8");
        }
        if (const std::string why = not_utf8(row); !why.empty()) {
            if (records_ == 0 && refuse_) throw track::InputError(track::to_string(row.where), why);
            problems_.skipped(row.where, "not UTF-8", why);
            continue;
        }
        ++records_;
        return true;
    }
    return false;
}

Header::Header(const Row& row) : names_(row.cells), where_(track::to_string(row.where)) {}

std::optional<std::size_t> Header::find(std::string_view name) const {
    for (std::size_t i = 0; i < names_.size(); ++i) {
        if (track::same_name(names_[i], name)) return i;
    }
    return std::nullopt;
}

std::size_t Header::require(std::string_view name, std::string_view hint) const {
    if (const auto at = find(name)) return *at;
    missing(hint.empty() ? fmt::format("no column \"{}\" in the header", name)
                         : fmt::format("no column \"{}\" in the header ({})", name, hint));
}

void Header::missing(std::string_view message) const {
    constexpr std::size_t shown = 20;  // a header can be a few hundred columns wide
    std::string found;
    for (std::size_t i = 0; i < names_.size() && i < shown; ++i) {
        found += fmt::format("{}\"{}\"", i == 0 ? "" : ", ", names_[i]);
    }
    if (names_.size() > shown) found += fmt::format(" and {} more", names_.size() - shown);
    throw track::InputError(where_, fmt::format("{}; the columns are {}", message, found.empty() ? "none" : found));
}

std::optional<double> parse_number(std::string_view cell, char separator) {
    if (separator == ',' || cell.find(',') == std::string_view::npos) return track::parse_decimal(cell);
    std::string point(cell);
    std::replace(point.begin(), point.end(), ',', '.');
    return track::parse_decimal(point);
}

void append_cell(fmt::memory_buffer& out, std::string_view text, char separator) {
    const auto blank = [](char c) { return c == ' ' || c == '\t'; };
    const bool quote =
        std::any_of(text.begin(), text.end(),
                    [separator](char c) { return c == separator || c == '"' || c == '\r' || c == '\n'; }) ||
        (!text.empty() && (blank(text.front()) || blank(text.back()) || text.front() == '#'));
    if (!quote) {
        out.append(text.data(), text.data() + text.size());
        return;
    }
    out.push_back('"');
    for (const char c : text) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
}

std::string cell_text(std::string_view text, char separator) {
    fmt::memory_buffer out;
    append_cell(out, text, separator);
    return fmt::to_string(out);
}

}  // namespace adapters::csv
