// Where a text that simdjson refused goes wrong, by one pass of JSON's grammar (see
// track/json_limits.hpp): simdjson's DOM parser says what is wrong but not where.
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "track/json_limits.hpp"

namespace track {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_'; }
bool is_number_char(char c) { return is_digit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'; }

// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view n) {
    std::size_t i = 0;
    const auto digits = [&] {
        const std::size_t start = i;
        while (i < n.size() && is_digit(n[i])) ++i;
        return i > start;
    };
    if (i < n.size() && n[i] == '-') ++i;
    if (i < n.size() && n[i] == '0') ++i;
    else if (!digits()) return false;
    if (i < n.size() && n[i] == '.') {
        ++i;
        if (!digits()) return false;
    }
    if (i < n.size() && (n[i] == 'e' || n[i] == 'E')) {
        ++i;
        if (i < n.size() && (n[i] == '+' || n[i] == '-')) ++i;
        if (!digits()) return false;
    }
    return i == n.size();
}

// What stands at `at`, for "found ...": a character in quotes, a control byte, or the end.
std::string token_at(std::string_view text, std::size_t at) {
    if (at >= text.size()) return "the end of the input";
    const auto byte = static_cast<unsigned char>(text[at]);
    if (byte < 0x20 || byte == 0x7F) return fmt::format("byte 0x{:02X}", byte);
    std::size_t length = 1;  // a whole UTF-8 character
    while (at + length < text.size() && length < 4 && (static_cast<unsigned char>(text[at + length]) & 0xC0) == 0x80) {
        ++length;
    }
    return fmt::format("'{}'", text.substr(at, length));
}

class SyntaxScanner {
public:
    explicit SyntaxScanner(std::string_view text) : text_(text) {}

    std::optional<JsonSyntaxError> run() {
        enum class Want { value, value_or_close, key_or_close, key, colon, comma_or_close, end };
        Want want = Want::value;
        for (;;) {
            while (pos_ < text_.size() && is_blank(text_[pos_])) ++pos_;
            if (pos_ == text_.size()) {
                if (want == Want::end) return std::nullopt;
                if (!open_.empty()) {
                    return JsonSyntaxError{pos_, fmt::format("the input ends inside this '{}'", open_.back().bracket),
                                           open_.back().at, true};
                }
                return fail(pos_, "expected a value");
            }
            const char c = text_[pos_];
            switch (want) {
                case Want::end: return fail(pos_, "expected nothing more after the value");
                case Want::colon:
                    if (c != ':') return fail(pos_, "expected ':'");
                    ++pos_;
                    want = Want::value;
                    continue;
                case Want::key:
                case Want::key_or_close:
                    if (c == '}' && want == Want::key_or_close) break;  // an empty object
                    if (c != '"') {
                        return fail(pos_,
                                    want == Want::key ? "expected a key in quotes" : "expected a key in quotes or '}'");
                    }
                    if (auto error = string()) return error;
                    want = Want::colon;
                    continue;
                case Want::comma_or_close:
                    if (c == ',') {
                        ++pos_;
                        want = open_.back().bracket == '{' ? Want::key : Want::value;
                        continue;
                    }
                    if (c != '}' && c != ']') return fail(pos_, fmt::format("expected ',' or '{}'", closing()));
                    break;
                case Want::value:
                case Want::value_or_close:
                    if (c == ']' && want == Want::value_or_close) break;  // an empty array
                    if (c == '{' || c == '[') {
                        if (open_.size() == max_json_depth) {
                            return fail(pos_, fmt::format("nested more than {} levels deep", max_json_depth));
                        }
                        open_.push_back({c, pos_++});
                        want = c == '{' ? Want::key_or_close : Want::value_or_close;
                        continue;
                    }
                    if (auto error = scalar()) return error;
                    want = open_.empty() ? Want::end : Want::comma_or_close;
                    continue;
            }
            // A closing bracket where one may stand: it must close the innermost open one.
            if ((c == '}') != (open_.back().bracket == '{')) {
                return JsonSyntaxError{pos_, fmt::format("expected ',' or '{}', found '{}'", closing(), c),
                                       open_.back().at, false};
            }
            open_.pop_back();
            ++pos_;
            want = open_.empty() ? Want::end : Want::comma_or_close;
        }
    }

private:
    struct Open {
        char bracket;
        std::size_t at;
    };

    char closing() const { return open_.back().bracket == '{' ? '}' : ']'; }

    std::optional<JsonSyntaxError> fail(std::size_t at, std::string_view expected) const {
        return JsonSyntaxError{at, fmt::format("{}, found {}", expected, token_at(text_, at)), std::nullopt, false};
    }

    // A string from its opening quote at pos_; pos_ ends after its closing quote.
    std::optional<JsonSyntaxError> string() {
        const std::size_t start = pos_++;
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c == '"') {
                ++pos_;
                return std::nullopt;
            }
            if (c == '\n') return JsonSyntaxError{start, "this string is not closed on its line", std::nullopt, false};
            if (static_cast<unsigned char>(c) < 0x20) {
                return JsonSyntaxError{pos_, fmt::format("{} in a string (write it escaped)", token_at(text_, pos_)),
                                       std::nullopt, false};
            }
            if (c == '\\') {
                const char e = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
                if (std::string_view("\"\\/bfnrtu").find(e) == std::string_view::npos || e == '\0') {
                    return fail(pos_, "expected an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
                }
                if (e == 'u') {
                    for (std::size_t i = pos_ + 2; i < pos_ + 6; ++i) {
                        if (i >= text_.size() ||
                            std::string_view("0123456789abcdefABCDEF").find(text_[i]) == std::string_view::npos) {
                            return fail(pos_, "expected \\u and four hex digits");
                        }
                    }
                    pos_ += 4;
                }
                pos_ += 2;
                continue;
            }
            ++pos_;
        }
        return JsonSyntaxError{start, "this string is never closed", std::nullopt, false};
    }

    // A string, number, true, false or null at pos_.
    std::optional<JsonSyntaxError> scalar() {
        const char c = text_[pos_];
        if (c == '"') return string();
        const std::size_t start = pos_;
        if (is_digit(c) || c == '-') {
            while (pos_ < text_.size() && is_number_char(text_[pos_])) ++pos_;
            const std::string_view number = text_.substr(start, pos_ - start);
            if (!is_json_number(number)) {
                return JsonSyntaxError{start, fmt::format("'{}' is not a JSON number", number), std::nullopt, false};
            }
            return std::nullopt;
        }
        while (pos_ < text_.size() && is_word(text_[pos_])) ++pos_;
        const std::string_view word = text_.substr(start, pos_ - start);
        if (word == "true" || word == "false" || word == "null") return std::nullopt;
        if (word.empty()) return fail(start, "expected a value");
        return JsonSyntaxError{start, fmt::format("expected a value, found '{}'", word), std::nullopt, false};
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::vector<Open> open_;
};

}  // namespace

std::optional<JsonSyntaxError> find_json_syntax_error(std::string_view text) { return SyntaxScanner(text).run(); }

TextPosition text_position(std::string_view text, std::size_t offset) {
    TextPosition position;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++position.line;
            position.column = 1;
        } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            ++position.column;  // a character's first byte
        }
    }
    return position;
}

std::string json_error_reason(simdjson::error_code error, std::string_view text) {
    if (error == simdjson::DEPTH_ERROR) return fmt::format("nested more than {} levels deep", max_json_depth);
    const auto syntax = find_json_syntax_error(text);
    if (!syntax) return fmt::format("not valid JSON ({})", simdjson::error_message(error));
    // One line (a record) is placed by column; its line is the caller's to name.
    const bool one_line = text.find('\n') == std::string_view::npos;
    const auto place = [&](std::size_t offset) {
        const TextPosition p = text_position(text, offset);
        return one_line ? fmt::format("column {}", p.column) : fmt::format("line {}, column {}", p.line, p.column);
    };
    if (syntax->ended && syntax->open_at) {
        return fmt::format("not valid JSON: the '{}' at {} is never closed", text[*syntax->open_at],
                           place(*syntax->open_at));
    }
    std::string reason = fmt::format("not valid JSON at {}: {}", place(syntax->offset), syntax->what);
    if (syntax->open_at) {
        reason += fmt::format(" (the '{}' at {} is not closed)", text[*syntax->open_at], place(*syntax->open_at));
    }
    return reason;
}

}  // namespace track
