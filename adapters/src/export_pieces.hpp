// What the writers of `trk export` share (export.cpp, export_csv.cpp, export_epcis.cpp), and with
// trk map's documents (map_draw.cpp): the base class, the decimals, number appends, XML escaping and
// an event's extra members. Private to adapters.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <simdjson.h>

#include "adapters/export.hpp"
#include "track/number.hpp"
#include "track/record.hpp"

namespace adapters::export_pieces {

// Decimals written, as in trk's JSON Lines: degrees of position 7 (about 1 cm), metres 3.
constexpr int position_decimals = 7;
constexpr int metre_decimals = 3;

inline void append(fmt::memory_buffer& out, std::string_view text) {
    out.append(text.data(), text.data() + text.size());
}

inline void append_fixed(fmt::memory_buffer& out, double value, int decimals) {
    char digits[32];
    out.append(digits, track::write_fixed(digits, value, decimals));
}

inline void append_int(fmt::memory_buffer& out, int value) {
    const fmt::format_int digits(value);
    out.append(digits.data(), digits.data() + digits.size());
}

/// Appends `text` (UTF-8) as XML character data or attribute value: & < > " ' as entities,
/// carriage return as a reference, and U+FFFD for what XML 1.0 forbids even as a reference.
/// Also safe as HTML text and quoted attribute value (trk map's page).
void append_xml_text(fmt::memory_buffer& out, std::string_view text);

// The members of an event record that trk keeps in `extra` (severity, value, status, ...).
class ExtraMembers {
public:
    void parse(const std::string& extra) {
        // `{` in place of extra's leading comma. (Written so, GCC 12 sees no overlap in the
        // copy: assign("{") then append(extra, 1) draws a false -Wrestrict.)
        text_ = extra;
        if (text_.empty()) text_.push_back(',');
        text_.front() = '{';
        text_.push_back('}');
        ok_ = parser_.parse(text_).get_object().get(object_) == simdjson::SUCCESS;
    }
    [[nodiscard]] std::string_view string(std::string_view key) const {
        std::string_view value;
        if (!ok_ || object_[key].get_string().get(value) != simdjson::SUCCESS) return {};
        return value;
    }
    [[nodiscard]] std::optional<double> number(std::string_view key) const {
        double value = 0;
        if (!ok_ || object_[key].get_double().get(value) != simdjson::SUCCESS) return std::nullopt;
        return value;
    }
    /// The member as text for a table cell: a string's characters, any other value's JSON
    /// as written (a number keeps its digits); empty when absent.
    [[nodiscard]] std::string text(std::string_view key) const {
        simdjson::dom::element value;
        if (!ok_ || object_[key].get(value) != simdjson::SUCCESS) return {};
        std::string_view characters;
        if (value.get_string().get(characters) == simdjson::SUCCESS) return std::string(characters);
        return simdjson::minify(value);
    }

private:
    simdjson::dom::parser parser_;
    std::string text_;
    simdjson::dom::object object_;
    bool ok_ = false;
};

// The base of the writers: where the document goes.
class WriterBase : public ExportWriter {
protected:
    WriterBase(fmt::memory_buffer& out, std::function<void()> written) : out_(out), written_(std::move(written)) {}
    // Tells the owner of out_ that a record or track was appended.
    void report_written() {
        if (written_) written_();
    }
    // The fix `record` holds when it has a position (for the map formats); counts the
    // records that are not one.
    const track::Fix* positioned_fix(const track::Record& record) {
        const auto* fix = std::get_if<track::Fix>(&record);
        if (fix == nullptr) {
            ++counts_.other;
        } else if (fix->mode == track::FixMode::none) {
            ++counts_.no_position;
            return nullptr;
        }
        return fix;
    }
    fmt::memory_buffer& out_;  // the document

private:
    std::function<void()> written_;
};

/// The CSV writer (export_csv.cpp).
std::unique_ptr<ExportWriter> make_csv_writer(fmt::memory_buffer& out, std::function<void()> written);

}  // namespace adapters::export_pieces
