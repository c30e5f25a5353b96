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

/// METRIC OP NUMBER [UNIT]: a sensor value against a threshold ("temperature > 8",
/// "temperature > 90 °C"). With a unit, readings in another unit of the same dimension are
/// converted to it before the comparison (track/units.hpp), and a reading whose unit does not
/// convert (or that has none) neither meets nor clears the rule.
struct Comparison {
    std::string metric = {};            ///< a NAME that is not a keyword
    CompareOp op = CompareOp::greater;  ///< metric OP value is the violation
    double value = 0;                   ///< the threshold, as strict decimal text gave it
    std::string unit = {};              ///< as written ("°C", "km/h"); empty: the reading's value as it is
    friend bool operator==(const Comparison&, const Comparison&) = default;
};

/// The statistics of a metric's recent readings that a trend factor reads.
enum class TrendFunction {
    rate,    ///< least-squares slope of the window's readings, in the rule's unit per `per`
    ewma,    ///< exponentially weighted moving average, time constant = the window
    zscore,  ///< (latest − mean) / standard deviation of the window's readings before the latest
};

/// FUNCTION(METRIC over DURATION) OP NUMBER [UNIT] [per s|m|h|d]:
///   rate(temperature over 10m) > 3 per h, rate(temperature over 10m) > 5 °F per h,
///   ewma(current over 30m) > 12.5 A, zscore(vibration over 24h) > 4.
/// `per` is required for rate and refused for the others; a unit is refused for zscore.
struct Trend {
    TrendFunction function = TrendFunction::rate;
    std::string metric = {};  ///< a NAME that is not a keyword
    Millis window = 0;        ///< 'over': > 0
    CompareOp op = CompareOp::greater;
    double value = 0;       ///< the threshold
    std::string unit = {};  ///< the metric's unit (°F of "5 °F per h"); empty: readings as they are
    Millis per = 0;         ///< rate: 1000, 60000, 3600000 or 86400000 (s, m, h, d); 0 otherwise
    friend bool operator==(const Trend&, const Trend&) = default;
};

/// forecast METRIC OP NUMBER [UNIT] within DURATION [over DURATION]: the least-squares line
/// of the `over` window reaches NUMBER within the next `within`. OP is <, <=, > or >=.
/// "bearing: forecast temperature > 90 within 2h over 30m".
struct Forecast {
    std::string metric = {};  ///< a NAME that is not a keyword
    CompareOp op = CompareOp::greater;
    double value = 0;       ///< the level the line must reach
    std::string unit = {};  ///< as Comparison::unit
    Millis within = 0;      ///< > 0
    Millis over = 0;        ///< the fitted window, > 0; the parser sets it to `within` when not written
    friend bool operator==(const Forecast&, const Forecast&) = default;
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
    /// meaningful when kind == test
    std::variant<Comparison, Stationary, Unseen, ZoneTest, Trend, Forecast> test = {};
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

/// The function as written in rules: "rate", "ewma", "zscore".
std::string_view to_string(TrendFunction function);

/// Whether `text` matches `pattern` as a whole: '*' matches any run of bytes (empty too), '?'
/// one byte, any other byte itself (case matters, no escapes). For 'where id=' selectors.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace track
