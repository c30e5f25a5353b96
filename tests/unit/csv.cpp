// Unit tests of adapters/csv.hpp: the one CSV reader and cell writer.
#include "adapters/csv.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "support.hpp"
#include "track/error.hpp"

namespace {

struct Read {
    std::vector<std::string> rows;  ///< "LINE: cell|cell|..."
    std::vector<std::string> problems;
    char separator = 0;
};

// Reads `text` fed `step` bytes at a time (a pipe's pieces must not matter).
Read read(const std::string& text, adapters::csv::ReaderOptions options = {}, std::size_t step = 3) {
    Read out;
    test::Problems problems;
    test::SlowSource source(text, step, "in.csv");
    adapters::csv::Reader reader(source, problems, options);
    adapters::csv::Row row;
    while (reader.next(row)) {
        out.rows.push_back(fmt::format("{}: {}", row.where.line, fmt::join(row.cells, "|")));
    }
    out.problems = problems.seen;
    out.separator = reader.separator();
    return out;
}

std::string error_of(const std::string& text) {
    try {
        read(text);
    } catch (const track::InputError& e) {
        return e.what();
    }
    return "no error";
}

adapters::csv::Header header_of(const std::string& text) {
    test::Problems problems;
    test::SlowSource source(text, 64, "in.csv");
    adapters::csv::Reader reader(source, problems);
    adapters::csv::Row row;
    REQUIRE(reader.next(row));
    return adapters::csv::Header(row);
}

}  // namespace

TEST_CASE("csv reader: RFC 4180 quoting") {
    const Read r = read(
        "id,name,note\r\n"
        "1,\"Smith, John\",\"he said \"\"hi\"\"\"\r\n"
        "2,\"two\r\nlines\",x\r\n"
        "3, plain , \"  kept  \" \r\n"
        "4,a\"b,\"\"\n"
        "5,,\n");
    CHECK(r.separator == ',');
    CHECK(r.rows == std::vector<std::string>{
                        "1: id|name|note",
                        "2: 1|Smith, John|he said \"hi\"",
                        "3: 2|two\nlines|x",  // a record's place is its first line
                        "5: 3|plain|  kept  ",
                        "6: 4|a\"b|",  // a quote inside a plain cell is a character
                        "7: 5||",
                    });
    CHECK(r.problems.empty());
}

TEST_CASE("csv reader: the separator is the header's, or the one given") {
    CHECK(read("a;b;c\n1,5;2;3\n").rows == std::vector<std::string>{"1: a|b|c", "2: 1,5|2|3"});
    CHECK(read("a;b;c\n").separator == ';');
    CHECK(read("a\tb c\td\n1\t 2 \t3\n").rows == std::vector<std::string>{"1: a|b c|d", "2: 1|2|3"});
    CHECK(read("\"x;y\",z\n").separator == ',');  // separators inside quotes do not count
    CHECK(read("single\n").separator == ',');
    CHECK(read("a;b,c\n", {.separator = ','}).rows == std::vector<std::string>{"1: a;b|c"});
}

TEST_CASE("csv reader: byte-order mark, blank lines and comments") {
    const Read r = read("\xEF\xBB\xBFid;name\n\n   \n# a comment\n  # another\nA;\"#1\"\n");
    CHECK(r.rows == std::vector<std::string>{"1: id|name", "6: A|#1"});
    CHECK(r.separator == ';');
}

TEST_CASE("csv reader: records it cannot read are reported, the rest read on") {
    Read r = read("a,b\n1,\"never closed\n2,x\n");
    CHECK(r.rows == std::vector<std::string>{"1: a|b"});
    CHECK(r.problems ==
          std::vector<std::string>{"in.csv:2: unclosed quote (a quoted cell runs to the end of the input)"});

    r = read("a,b\n" + std::string(100, 'x') + ",1\n2,2\n", {.separator = 0, .max_record = 64});
    CHECK(r.rows == std::vector<std::string>{"1: a|b", "3: 2|2"});
    CHECK(r.problems == std::vector<std::string>{"in.csv:2: line too long (over 64 bytes)"});

    // A quoted cell over the bound: skipped whole, up to its closing quote.
    r = read("a,b\n1,\"" + std::string(40, 'x') + "\n" + std::string(40, 'y') + "\"\n2,2\n",
             {.separator = 0, .max_record = 64});
    CHECK(r.rows == std::vector<std::string>{"1: a|b", "4: 2|2"});
    CHECK(r.problems == std::vector<std::string>{"in.csv:2: line too long (over 64 bytes)"});
}

TEST_CASE("csv reader: another encoding is named, not read as garbage") {
    CHECK(error_of(std::string("\xFF\xFEi\0d\0\n\0", 8)) ==
          "in.csv: looks like UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8");
    CHECK(error_of(std::string("i\0d\0\n\0", 6)) ==
          "in.csv: looks like UTF-16 (it has zero bytes between its characters); save it as UTF-8");
    CHECK(error_of("id,Gr\xF6\xDF"
                   "e\n1,2\n") ==
          "in.csv:1: byte 0xF6 in cell 2 is not UTF-8; the file looks like Latin-1 or Windows-1252: save it as UTF-8");
    // After the first record: that record is skipped, the rest read.
    const Read r = read("id,name\n1,K\xFChl\n2,K\xC3\xBChl\n3,\xED\xA0\x80\n");
    CHECK(r.rows == std::vector<std::string>{"1: id|name", "3: 2|K\xC3\xBChl"});
    CHECK(r.problems ==
          std::vector<std::string>{
              "in.csv:2: not UTF-8 (byte 0xFC in cell 2 is not UTF-8; the file looks like Latin-1 or Windows-1252: "
              "save it as UTF-8)",
              "in.csv:4: not UTF-8 (byte 0xED in cell 2 is not UTF-8; the file looks like Latin-1 or Windows-1252: "
              "save it as UTF-8)"});
}

TEST_CASE("csv reader: a stream that may start with noise is never refused whole") {
    const adapters::csv::ReaderOptions stream{.separator = ',', .max_record = 1024, .refuse_other_encodings = false};
    const Read r = read(std::string("\xFF\xFE\0x\n", 5) + "a,\xE9\n" + std::string("b,\0\n", 4) + "c,d\n", stream);
    CHECK(r.rows == std::vector<std::string>{"3: b|" + std::string(1, '\0'), "4: c|d"});
    CHECK(r.problems ==
          std::vector<std::string>{
              "in.csv:1: not UTF-8 (byte 0xFF in cell 1 is not UTF-8; the file looks like Latin-1 or Windows-1252: "
              "save it as UTF-8)",
              "in.csv:2: not UTF-8 (byte 0xE9 in cell 2 is not UTF-8; the file looks like Latin-1 or Windows-1252: "
              "save it as UTF-8)"});
}

TEST_CASE("csv reader: the same records whatever pieces the bytes come in") {
    const std::string text = "\xEF\xBB\xBFid;\"a;b\"\r\n1;\"x\r\ny\"\r\n# c\r\n2;\"\"\"\"\r\n";
    const Read whole = read(text, {}, text.size());
    CHECK(whole.rows == std::vector<std::string>{"1: id|a;b", "2: 1|x\ny", "5: 2|\""});
    for (std::size_t step = 1; step < 8; ++step) CHECK(read(text, {}, step).rows == whole.rows);
}

TEST_CASE("csv header: columns found in any case; a missing one lists those there are") {
    const adapters::csv::Header header = header_of("Date/Time;Temp [°C];RH\n");
    CHECK(header.find("date/time") == 0);
    CHECK(header.find("rh") == 2);
    CHECK(!header.find("asset"));
    CHECK(header.find_any(std::vector<std::string>{"asset", "RH", "Temp [°C]"}) == 2);
    CHECK_THROWS_WITH_AS((void)header.require("Temp", "for temperature"),
                         "in.csv:1: no column \"Temp\" in the header (for temperature); the columns are "
                         "\"Date/Time\", \"Temp [°C]\", \"RH\"",
                         track::InputError);
    std::string wide = "c0";
    for (int i = 1; i < 25; ++i) wide += fmt::format(",c{}", i);
    CHECK_THROWS_WITH_AS((void)header_of(wide + "\n").require("id"),
                         "in.csv:1: no column \"id\" in the header; the columns are \"c0\", \"c1\", \"c2\", \"c3\", "
                         "\"c4\", \"c5\", \"c6\", \"c7\", \"c8\", \"c9\", \"c10\", \"c11\", \"c12\", \"c13\", \"c14\", "
                         "\"c15\", \"c16\", \"c17\", \"c18\", \"c19\" and 5 more",
                         track::InputError);
}

TEST_CASE("csv numbers: decimal commas where the separator is not a comma") {
    CHECK(adapters::csv::parse_number("21.5", ',') == 21.5);
    CHECK(adapters::csv::parse_number("-3,25", ';') == -3.25);
    CHECK(adapters::csv::parse_number("4,2", '\t') == 4.2);
    CHECK(!adapters::csv::parse_number("4,2", ','));
    CHECK(!adapters::csv::parse_number("1.234,5", ';'));
    CHECK(!adapters::csv::parse_number("", ';'));
    CHECK(!adapters::csv::parse_number("warm", ';'));
}

TEST_CASE("csv writer: a cell is quoted only when it must be, and reads back as it was") {
    CHECK(adapters::csv::cell_text("plain") == "plain");
    CHECK(adapters::csv::cell_text("") == "");
    CHECK(adapters::csv::cell_text("a,b") == "\"a,b\"");
    CHECK(adapters::csv::cell_text("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(adapters::csv::cell_text("two\nlines") == "\"two\nlines\"");
    CHECK(adapters::csv::cell_text("cr\r") == "\"cr\r\"");
    CHECK(adapters::csv::cell_text("a;b") == "a;b");
    CHECK(adapters::csv::cell_text("a;b", ';') == "\"a;b\"");
    CHECK(adapters::csv::cell_text("a\tb", '\t') == "\"a\tb\"");
    // What the reader would trim or take for a comment, at the start of a line.
    CHECK(adapters::csv::cell_text(" a") == "\" a\"");
    CHECK(adapters::csv::cell_text("a\t") == "\"a\t\"");
    CHECK(adapters::csv::cell_text("#7") == "\"#7\"");
    CHECK(adapters::csv::cell_text("7#") == "7#");

    const std::vector<std::string> cells{"#x", "a,b", "\"", "multi\nline", "  blanks kept  ", "#"};
    fmt::memory_buffer out;
    for (const char separator : {',', ';', '\t'}) {
        out.clear();
        out.append(std::string_view("h1"));
        for (std::size_t i = 1; i < cells.size(); ++i)
            fmt::format_to(std::back_inserter(out), "{}h{}", separator, i + 1);
        out.push_back('\n');
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (i > 0) out.push_back(separator);
            adapters::csv::append_cell(out, cells[i], separator);
        }
        out.push_back('\n');
        const Read r = read(fmt::to_string(out));
        REQUIRE(r.rows.size() == 2);
        CHECK(r.separator == separator);
        CHECK(r.rows[1] == "2: #x|a,b|\"|multi\nline|  blanks kept  |#");
    }
}
