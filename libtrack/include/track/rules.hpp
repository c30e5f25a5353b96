// The rule language of `trk check --rule TEXT` and `--rules FILE`: one alert rule per line, parsed into a Rule.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "track/time.hpp"

namespace track {

/// How a metric is compared with a threshold.
enum class CompareOp { less, less_equal, greater, greater_equal, equal, not_equal };

/// METRIC OP NUMBER: a sensor value against a threshold ("temperature > 8").
struct Comparison {
    std::string metric = {};            ///< a NAME that is not a keyword
    CompareOp op = CompareOp::greater;  ///< metric OP value is the violation
    double value = 0;                   ///< the threshold, as strict decimal text gave it
    friend bool operator==(const Comparison&, const Comparison&) = default;
};

/// stationary DURATION within DISTANCE: the asset stayed inside a circle for that long.
struct Stationary {
    Millis duration = 0;  ///< >= 0
    double within_m = 0;  ///< the circle's radius in metres, >= 0
    friend bool operator==(const Stationary&, const Stationary&) = default;
};

/// unseen DURATION: no fix or read of the asset for that long.
struct Unseen {
    Millis duration = 0;  ///< >= 0
    friend bool operator==(const Unseen&, const Unseen&) = default;
};

/// inside ZONE / outside ZONE: the asset's position against a fence id.
struct ZoneTest {
    bool inside = true;     ///< false for 'outside'
    std::string zone = {};  ///< a NAME that is not a keyword
    friend bool operator==(const ZoneTest&, const ZoneTest&) = default;
};

/// A leaf test, or all/any of child conditions. The parser merges nested groups of the same
/// kind, parenthesised or not: "a and (b and c)" is one 'all' of 3, so that equal meanings
/// have one shape.
struct Condition {
    enum class Kind { test, all, any };
    Kind kind = Kind::test;                                            ///< 'and' gives all, 'or' gives any
    std::variant<Comparison, Stationary, Unseen, ZoneTest> test = {};  ///< meaningful when kind == test
    std::vector<Condition> children = {};  ///< when all/any: >= 2, none of the parent's own kind
    friend bool operator==(const Condition&, const Condition&) = default;
};

/// How bad a violation is; ordered, higher is worse.
enum class Severity { info, warning, minor, major, critical };

/// KEY=VALUE after 'where': which assets a rule applies to.
struct Selector {
    std::string key = {};    ///< id, kind, home, zone or any attribute name (a NAME, not a keyword)
    std::string value = {};  ///< unquoted; for key "id" a glob_match pattern
    friend bool operator==(const Selector&, const Selector&) = default;
};

/// One parsed rule line.
struct Rule {
    std::string name = {};  ///< the NAME before ':', else the whole text with runs of blanks collapsed to one space
    Condition condition = {};
    Millis hold = 0;  ///< 'for': how long the condition must hold before it is a violation; 0 when absent
    /// 'clear': the level at which a violation ends, on the safe side of the trigger (hysteresis). Only
    /// for a single <, <=, > or >= comparison; its metric is the condition's.
    std::optional<Comparison> clear = {};
    Severity severity = Severity::warning;  ///< 'severity'; warning when absent
    std::vector<Selector> where = {};       ///< all must match; empty applies the rule to every asset
    std::string text = {};                  ///< the rule as written, trimmed, its comment removed
    friend bool operator==(const Rule&, const Rule&) = default;
};

/// Parses one rule. A '#' outside double quotes starts a comment. `where` names the rule in
/// messages ("--rule", "rules.txt:3"). Throws InputError(where, reason) when the text is not a
/// rule (an empty one included); the reason is one line, then the text and a caret line under
/// the offending token, each indented by two spaces.
Rule parse_rule(std::string_view text, const std::string& where);

/// Parses a rules file: one rule per line; blank and comment-only lines are skipped; a UTF-8
/// byte-order mark is ignored. Errors are parse_rule's with where = file + ":" + line number,
/// and two rules with the same name (the second's line is where, the first's in the reason).
std::vector<Rule> parse_rules(std::string_view file_text, const std::string& file);

/// The operator as written in rules: "<", "<=", ">", ">=", "==", "!=".
std::string_view to_string(CompareOp op);

/// The level as written in rules: "info", "warning", "minor", "major", "critical".
std::string_view to_string(Severity severity);

/// Whether `text` matches `pattern` as a whole: '*' matches any run of bytes (empty too), '?'
/// one byte, any other byte itself (case matters, no escapes). For 'where id=' selectors.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace track
