// The rule language (track/rules.hpp): a tokenizer, a recursive-descent parser and errors that point at the token.
#include "track/rules.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <functional>
#include <iterator>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "track/error.hpp"
#include "track/lines.hpp"
#include "track/number.hpp"
#include "track/units.hpp"

namespace track {

namespace {

constexpr std::array<std::string_view, 6> op_names = {"<", "<=", ">", ">=", "==", "!="};
constexpr std::array<std::string_view, 5> severity_names = {"info", "warning", "minor", "major", "critical"};
constexpr std::string_view severity_list = "info, warning, minor, major or critical";
constexpr std::string_view op_list = "<, <=, >, >=, ==, !=";
constexpr std::array<std::string_view, 3> trend_names = {"rate", "ewma", "zscore"};
constexpr std::string_view unit_examples =
    "°C, °F, K, m/s, km/h, mph, kn, g, m/s2, mm/s, in/s, bar, kPa, psi, V, mV, A, mA or %";

// 'per' after a rate: the time unit the slope is counted in.
struct PerUnit {
    std::string_view name;
    Millis length;
};
constexpr std::array<PerUnit, 4> per_units = {{{"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}}};

// How each factor is written, for the hints of its errors.
constexpr std::string_view rate_syntax = "write rate(METRIC over DURATION) > NUMBER per h";
constexpr std::string_view forecast_syntax = "write forecast METRIC > NUMBER within DURATION [over DURATION]";
std::string trend_syntax(TrendFunction function) {
    return function == TrendFunction::rate
               ? std::string(rate_syntax)
               : fmt::format("write {}(METRIC over DURATION) > NUMBER", to_string(function));
}

// Words that structure a rule, so they cannot name a metric, zone or selector key.
constexpr std::array<std::string_view, 11> keywords = {"for",        "clear",  "severity", "where",   "and",   "or",
                                                       "stationary", "unseen", "inside",   "outside", "within"};

// Deep enough for any rule a person writes; stops a pathological line from exhausting the stack.
constexpr int max_nesting = 64;

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

// Characters that end a bare word: blanks, operators, quotes (and '#', which only survives inside quotes).
bool ends_word(char c) { return is_blank(c) || std::string_view("<>=!():\"#").find(c) != std::string_view::npos; }

bool is_keyword(std::string_view word) { return std::ranges::find(keywords, word) != keywords.end(); }

// NAME: letters, digits, '_', '-', '.'; it starts with a letter or '_' so that "-3" and ".5" stay numbers.
bool is_name(std::string_view word) {
    const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
    if (word.empty() || !letter(word.front())) return false;
    return std::ranges::all_of(word,
                               [&](char c) { return letter(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; });
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
    return text;
}

// The text before a '#' that is not inside double quotes. An unclosed quote runs to the end,
// so that the tokenizer reports it rather than a comment silently cutting the value.
std::string_view without_comment(std::string_view text) {
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '"') quoted = !quoted;
        if (text[i] == '#' && !quoted) return text.substr(0, i);
    }
    return text;
}

std::string collapse_blanks(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (!is_blank(c)) {
            out += c;
        } else if (!out.empty() && out.back() != ' ') {
            out += ' ';
        }
    }
    return out;
}

// UTF-8 continuation bytes take no column on a terminal.
bool starts_column(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }

// The reason of an error: `message`, then `text` with carets under [column, column + length).
// Tabs before the token are copied so that the carets line up however wide the terminal's tabs are.
std::string pointing_at(std::string_view message, std::string_view text, std::size_t column, std::size_t length) {
    std::string reason = fmt::format("{}\n  {}\n  ", message, text);
    for (std::size_t i = 0; i < column && i < text.size(); ++i) {
        if (text[i] == '\t') {
            reason += '\t';
        } else if (starts_column(text[i])) {
            reason += ' ';
        }
    }
    const std::string_view token = text.substr(std::min(column, text.size()), length);
    const auto width = static_cast<std::size_t>(std::ranges::count_if(token, starts_column));
    reason.append(std::max<std::size_t>(width, 1), '^');
    return reason;
}

std::optional<CompareOp> compare_op(std::string_view text) {
    const auto found = std::ranges::find(op_names, text);
    if (found == op_names.end()) return std::nullopt;
    return static_cast<CompareOp>(found - op_names.begin());
}

bool is_upper_bound(CompareOp op) { return op == CompareOp::greater || op == CompareOp::greater_equal; }
bool is_lower_bound(CompareOp op) { return op == CompareOp::less || op == CompareOp::less_equal; }

// One token of a rule. `text` is as written (a quoted value keeps its quotes), so that
// messages quote what the operator typed.
struct Token {
    enum class Kind { word, quoted, symbol, end };
    Kind kind = Kind::end;
    std::string_view text = {};
    std::size_t column = 0;  ///< byte offset in the rule text
};

// Joins parts of one kind into a group, merging sub-groups of the same kind (see Condition).
Condition group(Condition::Kind kind, std::vector<Condition> parts) {
    if (parts.size() == 1) return std::move(parts.front());
    Condition joined{.kind = kind};
    for (auto& part : parts) {
        if (part.kind == kind) {
            std::ranges::move(part.children, std::back_inserter(joined.children));
        } else {
            joined.children.push_back(std::move(part));
        }
    }
    return joined;
}

// Parses one rule; every method either consumes what it expects or throws.
class RuleParser {
public:
    RuleParser(std::string_view text, const std::string& where) : text_(text), where_(where) { tokenize(); }

    Rule parse() {
        Rule rule{.text = std::string(text_)};
        if (peek().kind == Token::Kind::end) fail(peek(), "the rule is empty");
        if (peek().kind == Token::Kind::word && is_symbol(peek(1), ":")) {
            if (!is_name(peek().text)) {
                fail(peek(), fmt::format("the rule name '{}' must start with a letter or '_' and hold only letters, "
                                         "digits, '_', '-' and '.'",
                                         peek().text));
            }
            rule.name = std::string(next().text);
            next();
        } else {
            rule.name = collapse_blanks(text_);
        }
        rule.condition = condition(0);
        clauses(rule);
        return rule;
    }

private:
    void tokenize() {
        std::size_t i = 0;
        while (i < text_.size()) {
            const char c = text_[i];
            const std::size_t start = i;
            if (is_blank(c)) {
                ++i;
                continue;
            }
            Token::Kind kind = Token::Kind::symbol;
            if (c == '"') {
                const std::size_t close = text_.find('"', i + 1);
                if (close == std::string_view::npos) {
                    fail(Token{Token::Kind::quoted, text_.substr(i, 1), i}, "the quoted value has no closing '\"'");
                }
                kind = Token::Kind::quoted;
                i = close + 1;
            } else if (std::string_view("<>=!").find(c) != std::string_view::npos) {
                i += i + 1 < text_.size() && text_[i + 1] == '=' ? 2 : 1;
            } else if (std::string_view("():").find(c) != std::string_view::npos) {
                ++i;
            } else {
                kind = Token::Kind::word;
                while (i < text_.size() && !ends_word(text_[i])) ++i;
            }
            tokens_.push_back(Token{kind, text_.substr(start, i - start), start});
        }
        tokens_.push_back(Token{Token::Kind::end, {}, text_.size()});
    }

    [[noreturn]] void fail(const Token& at, std::string_view message) const {
        throw InputError(where_, pointing_at(message, text_, at.column, at.text.size()));
    }

    // "expected WHAT after 'PREVIOUS', found 'TOKEN'[: HINT]", at the current token.
    [[noreturn]] void expected(std::string_view what, std::string_view hint = {}) const {
        const std::string after = pos_ == 0 ? "" : fmt::format(" after '{}'", tokens_[pos_ - 1].text);
        fail(peek(), fmt::format("expected {}{}, found {}{}{}", what, after, found(), hint.empty() ? "" : ": ", hint));
    }

    // The current token for "found ...": quoted as written, or the end.
    [[nodiscard]] std::string found() const {
        return peek().kind == Token::Kind::end ? "the end of the rule" : fmt::format("'{}'", peek().text);
    }

    [[nodiscard]] const Token& peek(std::size_t ahead = 0) const {
        return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
    }
    const Token& next() {
        const Token& token = peek();
        if (token.kind != Token::Kind::end) ++pos_;
        return token;
    }
    static bool is_symbol(const Token& token, std::string_view text) {
        return token.kind == Token::Kind::symbol && token.text == text;
    }
    static bool is_word(const Token& token, std::string_view text) {
        return token.kind == Token::Kind::word && token.text == text;
    }
    // Consumes the keyword `word` when it comes next.
    bool accept(std::string_view word) {
        if (!is_word(peek(), word)) return false;
        next();
        return true;
    }

    // condition := term ('or' term)*
    Condition condition(int depth) {
        std::vector<Condition> terms{term(depth)};
        while (accept("or")) terms.push_back(term(depth));
        return group(Condition::Kind::any, std::move(terms));
    }

    // term := factor ('and' factor)*
    Condition term(int depth) {
        std::vector<Condition> factors{factor(depth)};
        while (accept("and")) factors.push_back(factor(depth));
        return group(Condition::Kind::all, std::move(factors));
    }

    Condition factor(int depth) {
        const Token& token = peek();
        if (is_symbol(token, "(")) {
            if (depth == max_nesting) fail(token, fmt::format("parentheses nest deeper than {} levels", max_nesting));
            next();
            Condition inner = condition(depth + 1);
            if (!is_symbol(peek(), ")")) {
                fail(peek(), fmt::format("the '(' at column {} is not closed: expected ')', found {}", token.column + 1,
                                         found()));
            }
            next();
            return inner;
        }
        if (token.kind == Token::Kind::word && is_keyword(token.text) && peek(1).kind == Token::Kind::symbol &&
            (compare_op(peek(1).text) || peek(1).text == "=")) {
            fail(token, fmt::format("'{}' is a keyword and cannot be a metric name", token.text));
        }
        if (accept("stationary")) {
            Stationary stationary{.duration = duration()};
            if (!accept("within")) expected("'within'", "write stationary DURATION within DISTANCE");
            stationary.within_m = distance();
            return Condition{.test = stationary};
        }
        if (accept("unseen")) return Condition{.test = Unseen{.duration = duration()}};
        if (token.kind == Token::Kind::word && is_symbol(peek(1), "(")) {
            if (const auto function = std::ranges::find(trend_names, token.text); function != trend_names.end()) {
                next();
                return Condition{.test = trend(static_cast<TrendFunction>(function - trend_names.begin()))};
            }
        }
        // "forecast > 3" compares a metric called forecast; "forecast NAME" is the factor.
        if (is_word(token, "forecast") && peek(1).kind == Token::Kind::word && is_name(peek(1).text) &&
            !is_keyword(peek(1).text)) {
            next();
            return Condition{.test = forecast()};
        }
        if (is_word(token, "inside") || is_word(token, "outside")) {
            next();
            return Condition{.test = ZoneTest{.inside = token.text == "inside", .zone = name("a zone name")}};
        }
        if (token.kind != Token::Kind::word || !is_name(token.text) || is_keyword(token.text)) {
            expected("a condition");
        }
        next();
        Comparison comparison{.metric = std::string(token.text)};
        comparison.op = comparison_op();
        comparison.value = number();
        comparison.unit = unit();
        refuse_per();
        return Condition{.test = comparison};
    }

    // FUNCTION(METRIC over DURATION) OP NUMBER [UNIT] [per s|m|h|d], after FUNCTION.
    Trend trend(TrendFunction function) {
        const std::string syntax = trend_syntax(function);
        Trend trend{.function = function};
        next();  // '(', seen by factor()
        trend.metric = name("a metric name", syntax);
        if (!accept("over")) expected("'over'", syntax);
        trend.window = window("over");
        if (!is_symbol(peek(), ")")) expected("')'", syntax);
        next();
        trend.op = comparison_op();
        trend.value = number();
        if (function == TrendFunction::zscore) {
            if (is_unit(peek())) {
                fail(peek(), fmt::format("a z-score has no unit: it counts standard deviations from the window's "
                                         "mean; {}",
                                         syntax));
            }
        } else {
            trend.unit = unit();
        }
        if (function != TrendFunction::rate) {
            refuse_per();
            return trend;
        }
        if (!accept("per")) expected("'per'", syntax);
        const Token& per = peek();
        const auto unit = std::ranges::find(per_units, per.text, &PerUnit::name);
        if (per.kind != Token::Kind::word || unit == per_units.end()) {
            expected("a time unit (s, m, h or d)", syntax);
        }
        next();
        trend.per = unit->length;
        return trend;
    }

    // forecast METRIC OP NUMBER [UNIT] within DURATION [over DURATION], after 'forecast'.
    Forecast forecast() {
        Forecast forecast{.metric = std::string(next().text)};
        const Token& op = peek();
        forecast.op = comparison_op();
        if (!is_upper_bound(forecast.op) && !is_lower_bound(forecast.op)) {
            fail(op, fmt::format("forecast predicts when a level is crossed: use <, <=, > or >=, not '{}'",
                                 to_string(forecast.op)));
        }
        forecast.value = number();
        forecast.unit = unit();
        refuse_per();
        if (!accept("within")) expected("'within'", forecast_syntax);
        forecast.within = window("within");
        forecast.over = accept("over") ? window("over") : forecast.within;
        return forecast;
    }

    // Whether the token after a threshold is its unit: a word that is neither a keyword nor a
    // word of the factors ('per', 'over') nor a number.
    static bool is_unit(const Token& token) {
        if (token.kind != Token::Kind::word || is_keyword(token.text) || token.text == "per" || token.text == "over") {
            return false;
        }
        return std::string_view("0123456789+-.").find(token.text.front()) == std::string_view::npos;
    }

    // The unit after a threshold, or empty when none is written; it must be one trk knows.
    std::string unit() {
        const Token& token = peek();
        if (!is_unit(token)) return {};
        if (!known_unit(token.text)) {
            fail(token, fmt::format("'{}' is not a unit trk knows: write one like {}", token.text, unit_examples));
        }
        next();
        return std::string(token.text);
    }

    // 'per' counts a rate's slope; after any other threshold it is a mistake.
    void refuse_per() {
        if (is_word(peek(), "per")) fail(peek(), fmt::format("'per' goes only with a rate: {}", rate_syntax));
    }

    // The duration of a trend window or forecast horizon after `keyword`: longer than 0.
    Millis window(std::string_view keyword) {
        const Token& token = peek();
        const Millis length = duration();
        if (length == 0) fail(token, fmt::format("'{}' needs a duration longer than 0", keyword));
        return length;
    }

    // The clauses after the condition, each at most once, in any order.
    void clauses(Rule& rule) {
        std::vector<std::string_view> seen;
        while (peek().kind != Token::Kind::end) {
            const Token& token = peek();
            if (is_symbol(token, ")")) fail(token, "')' has no matching '('");
            const bool clause = is_word(token, "for") || is_word(token, "clear") || is_word(token, "severity") ||
                                is_word(token, "where");
            if (!clause) {
                fail(token, fmt::format("unexpected '{}': the condition comes first, then only for, clear, severity "
                                        "and where clauses",
                                        token.text));
            }
            if (std::ranges::find(seen, token.text) != seen.end()) {
                fail(token, fmt::format("'{}' is given twice: a rule takes each clause at most once", token.text));
            }
            seen.push_back(token.text);
            next();
            if (token.text == "for") {
                rule.hold = duration();
            } else if (token.text == "clear") {
                rule.clear = clear(rule.condition, token);
            } else if (token.text == "severity") {
                rule.severity = severity();
            } else {
                rule.where = selectors();
            }
        }
    }

    // clear OP NUMBER, checked against the condition: it must be one comparison, and the
    // clear level on the safe side of the trigger, or the violation could never end.
    Comparison clear(const Condition& condition, const Token& keyword) {
        const auto* trigger =
            condition.kind == Condition::Kind::test ? std::get_if<Comparison>(&condition.test) : nullptr;
        if (trigger == nullptr) {
            fail(keyword, "'clear' needs a condition that is one comparison, like 'temperature > 8 clear < 7'");
        }
        if (!is_upper_bound(trigger->op) && !is_lower_bound(trigger->op)) {
            fail(keyword, fmt::format("'clear' cannot follow '{}': only <, <=, > and >= have a side to clear on",
                                      to_string(trigger->op)));
        }
        const bool over = is_upper_bound(trigger->op);
        const Token& op_token = peek();
        Comparison level{.metric = trigger->metric, .op = comparison_op()};
        if (over ? !is_lower_bound(level.op) : !is_upper_bound(level.op)) {
            fail(op_token,
                 fmt::format("a '{}' rule clears {} its trigger: use 'clear {}' or 'clear {}'", to_string(trigger->op),
                             over ? "below" : "above", over ? "<" : ">", over ? "<=" : ">="));
        }
        const Token& value_token = peek();
        level.value = number();
        // The clear level is in the trigger's unit, written again or not.
        level.unit = trigger->unit;
        if (is_unit(peek())) {
            if (peek().text != trigger->unit) {
                fail(peek(), trigger->unit.empty()
                                 ? std::string("the trigger has no unit, so the clear level cannot have one")
                                 : fmt::format("the clear level is in the trigger's unit: write '{}' or no unit",
                                               trigger->unit));
            }
            next();
        }
        if (over ? level.value > trigger->value : level.value < trigger->value) {
            fail(value_token, fmt::format("the clear level {} is {} the trigger {}: a '{}' rule must clear at or {} {}",
                                          level.value, over ? "above" : "below", trigger->value, to_string(trigger->op),
                                          over ? "below" : "above", trigger->value));
        }
        return level;
    }

    Severity severity() {
        const auto level = std::ranges::find(severity_names, peek().text);
        if (peek().kind != Token::Kind::word || level == severity_names.end()) {
            expected(fmt::format("a severity ({})", severity_list));
        }
        next();
        return static_cast<Severity>(level - severity_names.begin());
    }

    // selector ('and' selector)*
    std::vector<Selector> selectors() {
        std::vector<Selector> list;
        do {
            Selector selector{.key = name("a selector like kind=reefer")};
            if (!is_symbol(peek(), "=")) expected("'='", "selectors are written key=value");
            next();
            const Token& value = peek();
            if (value.kind == Token::Kind::quoted) {
                selector.value = std::string(value.text.substr(1, value.text.size() - 2));
            } else if (value.kind == Token::Kind::word) {
                selector.value = std::string(value.text);
            } else {
                expected("a value");
            }
            next();
            list.push_back(std::move(selector));
        } while (accept("and"));
        return list;
    }

    // A NAME that is not a keyword: a zone, selector key or metric. `what` says which, for the message.
    std::string name(std::string_view what, std::string_view hint = {}) {
        const Token& token = peek();
        if (token.kind != Token::Kind::word || !is_name(token.text) || is_keyword(token.text)) expected(what, hint);
        next();
        return std::string(token.text);
    }

    CompareOp comparison_op() {
        const Token& token = peek();
        if (is_symbol(token, "=")) fail(token, "'=' only goes in where selectors: compare with '=='");
        const auto op = token.kind == Token::Kind::symbol ? compare_op(token.text) : std::nullopt;
        if (!op) expected(fmt::format("a comparison operator ({})", op_list));
        next();
        return *op;
    }

    double number() {
        const auto value = peek().kind == Token::Kind::word ? parse_decimal(peek().text) : std::nullopt;
        if (!value) expected("a number");
        next();
        return *value;
    }

    Millis duration() {
        const auto value = peek().kind == Token::Kind::word ? parse_duration(peek().text) : std::nullopt;
        if (!value) expected("a duration like 15m, 30s or 4h");
        next();
        return *value;
    }

    // Metres, with or without the unit: "25m", "25".
    double distance() {
        std::string_view text = peek().text;
        if (text.ends_with('m')) text.remove_suffix(1);
        const auto value = peek().kind == Token::Kind::word ? parse_decimal(text) : std::nullopt;
        if (!value || *value < 0) expected("a distance in metres like 25m");
        next();
        return *value;
    }

    std::string_view text_;
    const std::string& where_;
    std::vector<Token> tokens_;
    std::size_t pos_ = 0;
};

}  // namespace

Rule parse_rule(std::string_view text, const std::string& where) {
    return RuleParser(trim(without_comment(text)), where).parse();
}

std::vector<Rule> parse_rules(std::string_view file_text, const std::string& file) {
    file_text = without_bom(file_text);
    std::vector<Rule> rules;
    std::map<std::string, int, std::less<>> line_of_name;
    int line_number = 0;
    while (!file_text.empty()) {
        const std::size_t end = std::min(file_text.find('\n'), file_text.size());
        const std::string_view line = file_text.substr(0, end);
        file_text.remove_prefix(std::min(end + 1, file_text.size()));
        ++line_number;
        if (trim(without_comment(line)).empty()) continue;
        const std::string where = fmt::format("{}:{}", file, line_number);
        Rule rule = parse_rule(line, where);
        const auto [first, added] = line_of_name.try_emplace(rule.name, line_number);
        if (!added) {
            // A named rule's name is its first token; an unnamed rule's name is all of it.
            const bool named = rule.name != collapse_blanks(rule.text);
            throw InputError(
                where, pointing_at(fmt::format("rule name {} is already used on line {}", rule.name, first->second),
                                   rule.text, 0, named ? rule.name.size() : rule.text.size()));
        }
        rules.push_back(std::move(rule));
    }
    return rules;
}

std::string_view to_string(CompareOp op) { return op_names.at(static_cast<std::size_t>(op)); }

std::string_view to_string(Severity severity) { return severity_names.at(static_cast<std::size_t>(severity)); }

std::string_view to_string(TrendFunction function) { return trend_names.at(static_cast<std::size_t>(function)); }

bool glob_match(std::string_view pattern, std::string_view text) {
    // Greedy with one backtrack point (the last '*'): linear for typical ids, never exponential.
    std::size_t p = 0;
    std::size_t t = 0;
    std::size_t star = std::string_view::npos;
    std::size_t star_text = 0;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || (pattern[p] != '*' && pattern[p] == text[t]))) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            star_text = t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++star_text;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

}  // namespace track
