// Unit tests of track/rules.hpp: the spec's examples parsed in full, gluing, precedence, files, globs, every error.
#include "track/rules.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "track/error.hpp"

namespace {

using track::CompareOp;
using track::Comparison;
using track::Condition;
using track::Forecast;
using track::Rule;
using track::Selector;
using track::Severity;
using track::Trend;
using track::TrendFunction;

constexpr track::Millis second = 1000;
constexpr track::Millis minute = 60 * second;
constexpr track::Millis hour = 60 * minute;

Condition compare(std::string metric, CompareOp op, double value) {
    return Condition{.test = Comparison{.metric = std::move(metric), .op = op, .value = value}};
}
Condition compare(std::string metric, CompareOp op, double value, std::string unit) {
    return Condition{.test =
                         Comparison{.metric = std::move(metric), .op = op, .value = value, .unit = std::move(unit)}};
}
Condition all(std::vector<Condition> children) {
    return Condition{.kind = Condition::Kind::all, .children = std::move(children)};
}
Condition any(std::vector<Condition> children) {
    return Condition{.kind = Condition::Kind::any, .children = std::move(children)};
}

// A rule's text and the condition it must parse to.
struct Shape {
    std::string text;
    Condition condition;
};

// A condition in one line, so that a failed CHECK shows what was parsed.
std::string describe(const Condition& condition) {
    if (condition.kind != Condition::Kind::test) {
        std::vector<std::string> parts;
        for (const auto& child : condition.children) parts.push_back(describe(child));
        return fmt::format("{}[{}]", condition.kind == Condition::Kind::all ? "all" : "any", fmt::join(parts, ", "));
    }
    if (const auto* c = std::get_if<Comparison>(&condition.test)) {
        return fmt::format("{} {} {} [{}]", c->metric, track::to_string(c->op), c->value, c->unit);
    }
    if (const auto* t = std::get_if<track::Trend>(&condition.test)) {
        return fmt::format("{}({} over {}ms) {} {} [{}] per {}ms", track::to_string(t->function), t->metric, t->window,
                           track::to_string(t->op), t->value, t->unit, t->per);
    }
    if (const auto* f = std::get_if<track::Forecast>(&condition.test)) {
        return fmt::format("forecast {} {} {} [{}] within {}ms over {}ms", f->metric, track::to_string(f->op), f->value,
                           f->unit, f->within, f->over);
    }
    if (const auto* s = std::get_if<track::Stationary>(&condition.test)) {
        return fmt::format("stationary {}ms within {}m", s->duration, s->within_m);
    }
    if (const auto* u = std::get_if<track::Unseen>(&condition.test)) return fmt::format("unseen {}ms", u->duration);
    const auto& zone = std::get<track::ZoneTest>(condition.test);
    return fmt::format("{} {}", zone.inside ? "inside" : "outside", zone.zone);
}

std::string describe(const Rule& rule) {
    std::string text =
        fmt::format("name={{{}}} condition={{{}}} hold={}ms", rule.name, describe(rule.condition), rule.hold);
    if (rule.clear) {
        text += fmt::format(" clear={{{} {} {} [{}]}}", rule.clear->metric, track::to_string(rule.clear->op),
                            rule.clear->value, rule.clear->unit);
    }
    text += fmt::format(" severity={}", track::to_string(rule.severity));
    for (const auto& selector : rule.where) text += fmt::format(" where={{{}={}}}", selector.key, selector.value);
    return text + fmt::format(" text={{{}}}", rule.text);
}

// The what() of the error parsing `text` as --rule, or "parsed" when it is a rule.
std::string error_of(const std::string& text) {
    try {
        (void)track::parse_rule(text, "--rule");
    } catch (const track::InputError& e) {
        return e.what();
    }
    return "parsed";
}

// The what() of the error parsing `file_text` as rules.txt, or "parsed".
std::string file_error_of(const std::string& file_text) {
    try {
        (void)track::parse_rules(file_text, "rules.txt");
    } catch (const track::InputError& e) {
        return e.what();
    }
    return "parsed";
}

}  // namespace

namespace doctest {
template <>
struct StringMaker<track::Rule> {
    static String convert(const track::Rule& rule) { return describe(rule).c_str(); }
};
template <>
struct StringMaker<track::Condition> {
    static String convert(const track::Condition& condition) { return describe(condition).c_str(); }
};
}  // namespace doctest

TEST_CASE("rules: the spec's examples parse to their full structure") {
    struct Example {
        std::string text;
        Rule rule;
    };
    const Example examples[] = {
        {"cold-chain: temperature > 8 for 15m clear < 7 severity critical where kind=reefer",
         {.name = "cold-chain",
          .condition = compare("temperature", CompareOp::greater, 8),
          .hold = 15 * minute,
          .clear = Comparison{.metric = "temperature", .op = CompareOp::less, .value = 7},
          .severity = Severity::critical,
          .where = {{.key = "kind", .value = "reefer"}}}},
        {"cold-warn:  temperature > 6 for 30m severity warning where kind=reefer",
         {.name = "cold-warn",
          .condition = compare("temperature", CompareOp::greater, 6),
          .hold = 30 * minute,
          .severity = Severity::warning,
          .where = {{.key = "kind", .value = "reefer"}}}},
        {"rough:      shock > 4 severity major",
         {.name = "rough", .condition = compare("shock", CompareOp::greater, 4), .severity = Severity::major}},
        {"flat:       battery < 15 clear > 20",
         {.name = "flat",
          .condition = compare("battery", CompareOp::less, 15),
          .clear = Comparison{.metric = "battery", .op = CompareOp::greater, .value = 20}}},
        {"speeding:   speed > 4.2 for 10s where zone=warehouse",
         {.name = "speeding",
          .condition = compare("speed", CompareOp::greater, 4.2),
          .hold = 10 * second,
          .where = {{.key = "zone", .value = "warehouse"}}}},
        {"parked:     stationary 4h within 25m",
         {.name = "parked", .condition = {.test = track::Stationary{.duration = 4 * hour, .within_m = 25}}}},
        {"gone:       unseen 24h where kind=trailer",
         {.name = "gone",
          .condition = {.test = track::Unseen{.duration = 24 * hour}},
          .where = {{.key = "kind", .value = "trailer"}}}},
        {"escape:     outside yard-a for 2m where home=yard-a",
         {.name = "escape",
          .condition = {.test = track::ZoneTest{.inside = false, .zone = "yard-a"}},
          .hold = 2 * minute,
          .where = {{.key = "home", .value = "yard-a"}}}},
        {"door:       door == 1 and temperature > 8 for 5m",
         {.name = "door",
          .condition = all({compare("door", CompareOp::equal, 1), compare("temperature", CompareOp::greater, 8)}),
          .hold = 5 * minute}},
        {"temperature > 8 for 15m",
         {.name = "temperature > 8 for 15m",
          .condition = compare("temperature", CompareOp::greater, 8),
          .hold = 15 * minute}},
    };
    for (const auto& example : examples) {
        CAPTURE(example.text);
        Rule expected = example.rule;
        expected.text = example.text;
        CHECK(track::parse_rule(example.text, "--rule") == expected);
    }
}

TEST_CASE("rules: the other forms of each part") {
    SUBCASE("every operator, negative and fractional numbers") {
        const Condition expected = all({compare("a", CompareOp::less, -3.5), compare("b", CompareOp::less_equal, 0.5),
                                        compare("c", CompareOp::greater, 2), compare("d", CompareOp::greater_equal, 4),
                                        compare("e", CompareOp::equal, 0), compare("f", CompareOp::not_equal, 1)});
        CHECK(track::parse_rule("a < -3.5 and b <= .5 and c > +2 and d >= 4. and e == 0 and f != 1", "--rule")
                  .condition == expected);
    }
    SUBCASE("durations in every unit, distance without a unit") {
        CHECK(track::parse_rule("x > 1 for 500ms", "--rule").hold == 500);
        CHECK(track::parse_rule("x > 1 for 1.5h", "--rule").hold == 90 * minute);
        CHECK(track::parse_rule("x > 1 for 7d", "--rule").hold == hour * 24 * 7);
        CHECK(track::parse_rule("x > 1 for 0", "--rule").hold == 0);
        CHECK(track::parse_rule("stationary 30s within 12.5", "--rule").condition ==
              Condition{.test = track::Stationary{.duration = 30 * second, .within_m = 12.5}});
    }
    SUBCASE("inside, and metric names with dots, dashes and underscores") {
        CHECK(track::parse_rule("inside dock_2 or engine.rpm-max > 3000", "--rule").condition ==
              any({Condition{.test = track::ZoneTest{.inside = true, .zone = "dock_2"}},
                   compare("engine.rpm-max", CompareOp::greater, 3000)}));
    }
    SUBCASE("clauses in any order; clear on the safe side, equal to the trigger included") {
        const Rule rule =
            track::parse_rule("n: temperature >= 8 where kind=reefer severity info clear <= 8 for 1m", "--rule");
        CHECK(rule.severity == Severity::info);
        CHECK(rule.hold == minute);
        CHECK(rule.clear == Comparison{.metric = "temperature", .op = CompareOp::less_equal, .value = 8});
        CHECK(rule.where == std::vector<Selector>{{.key = "kind", .value = "reefer"}});
        CHECK(track::parse_rule("battery <= 15 clear >= 15", "--rule").clear ==
              Comparison{.metric = "battery", .op = CompareOp::greater_equal, .value = 15});
        CHECK(track::parse_rule("(temperature > 8) clear < 7", "--rule").clear.has_value());
    }
    SUBCASE("several selectors, quoted values, an id glob") {
        const Rule rule = track::parse_rule(R"(x > 1 where id=E200* and owner="Cold # Co" and note="")", "--rule");
        CHECK(rule.where == std::vector<Selector>{{.key = "id", .value = "E200*"},
                                                  {.key = "owner", .value = "Cold # Co"},
                                                  {.key = "note", .value = ""}});
    }
    SUBCASE("a comment and blanks around are not part of the rule") {
        const Rule rule = track::parse_rule("  \ttemperature   >\t8   # too warm for the cargo ", "--rule");
        CHECK(rule.text == "temperature   >\t8");
        CHECK(rule.name == "temperature > 8");
    }
    SUBCASE("a keyword may name a rule: the ':' makes it a name") {
        CHECK(track::parse_rule("for: x > 1", "--rule").name == "for");
    }
}

TEST_CASE("rules: tokens may be glued where unambiguous") {
    const std::pair<std::string, std::string> pairs[] = {
        {"temperature>8", "temperature > 8"},
        {"cold:temperature>=8 for 15m clear<=7", "cold : temperature >= 8 for 15m clear <= 7"},
        {"(a>1 or b<2)and c!=3", "( a > 1 or b < 2 ) and c != 3"},
        {"a==-1 where kind=reefer and zone=\"yard a\"severity major",
         "a == -1 where kind = reefer and zone = \"yard a\" severity major"},
        {"x<-2", "x < -2"},
    };
    for (const auto& pair : pairs) {
        const std::string& glued = pair.first;
        const std::string& spaced = pair.second;
        CAPTURE(glued);
        const Rule expected = track::parse_rule(spaced, "--rule");
        const Rule rule = track::parse_rule(glued, "--rule");
        CHECK(rule.condition == expected.condition);
        CHECK(rule.hold == expected.hold);
        CHECK(rule.clear == expected.clear);
        CHECK(rule.severity == expected.severity);
        CHECK(rule.where == expected.where);
        CHECK(rule.text == glued);
    }
    CHECK(track::parse_rule("cold:temperature>8", "--rule").name == "cold");
}

TEST_CASE("rules: 'and' binds tighter than 'or'; groups of one kind merge") {
    const Condition a = compare("a", CompareOp::greater, 1);
    const Condition b = compare("b", CompareOp::greater, 2);
    const Condition c = compare("c", CompareOp::greater, 3);
    const Condition d = compare("d", CompareOp::greater, 4);
    const Shape cases[] = {
        {"a > 1 or b > 2 and c > 3", any({a, all({b, c})})},
        {"a > 1 and b > 2 or c > 3", any({all({a, b}), c})},
        {"a > 1 and b > 2 and c > 3", all({a, b, c})},
        {"a > 1 or b > 2 or c > 3", any({a, b, c})},
        {"a > 1 and b > 2 or c > 3 and d > 4", any({all({a, b}), all({c, d})})},
    };
    for (const auto& shape : cases) {
        CAPTURE(shape.text);
        CHECK(track::parse_rule(shape.text, "--rule").condition == shape.condition);
    }
}

TEST_CASE("rules: parentheses") {
    const Condition a = compare("a", CompareOp::greater, 1);
    const Condition b = compare("b", CompareOp::greater, 2);
    const Condition c = compare("c", CompareOp::greater, 3);
    const Shape cases[] = {
        {"(a > 1 or b > 2) and c > 3", all({any({a, b}), c})},
        {"a > 1 and (b > 2 or c > 3)", all({a, any({b, c})})},
        {"((a > 1))", a},
        {"a > 1 and (b > 2 and c > 3)", all({a, b, c})},
        {"(a > 1 or b > 2) or c > 3", any({a, b, c})},
        {"((a > 1 or (b > 2)) and (c > 3 or unseen 1h))",
         all({any({a, b}), any({c, Condition{.test = track::Unseen{.duration = hour}}})})},
    };
    for (const auto& shape : cases) {
        CAPTURE(shape.text);
        CHECK(track::parse_rule(shape.text, "--rule").condition == shape.condition);
    }
}

TEST_CASE("rules: a file skips blank and comment lines and counts lines for errors") {
    const std::string file =
        "\xEF\xBB\xBF# Rules of the Hamburg yard\n"
        "\n"
        "cold-chain: temperature > 8 for 15m clear < 7   # reefers\r\n"
        "   \t  \n"
        "  # nothing here\n"
        "rough: shock > 4 severity major\n"
        "temperature > 8 for 15m";
    const auto rules = track::parse_rules(file, "rules.txt");
    REQUIRE(rules.size() == 3);
    CHECK(rules[0].name == "cold-chain");
    CHECK(rules[0].text == "cold-chain: temperature > 8 for 15m clear < 7");
    CHECK(rules[1].name == "rough");
    CHECK(rules[2].name == "temperature > 8 for 15m");
    CHECK(track::parse_rules("", "rules.txt").empty());
    CHECK(track::parse_rules("\n# only a comment\n\n", "rules.txt").empty());

    CHECK(file_error_of("# header\n\na: x > 1\n\tb: y >\n") ==
          "rules.txt:4: expected a number after '>', found the end of the rule\n"
          "  b: y >\n"
          "        ^");
    CHECK(file_error_of("cold-chain: temperature > 8\n"
                        "# the same name again:\n"
                        "\n"
                        "\n"
                        "cold-chain: temperature > 9   # stricter\n") ==
          "rules.txt:5: rule name cold-chain is already used on line 1\n"
          "  cold-chain: temperature > 9\n"
          "  ^^^^^^^^^^");
    CHECK(file_error_of("temperature > 8\n"
                        "temperature  >  8\n") ==
          "rules.txt:2: rule name temperature > 8 is already used on line 1\n"
          "  temperature  >  8\n"
          "  ^^^^^^^^^^^^^^^^^");
}

TEST_CASE("rules: glob_match for id selectors") {
    struct Case {
        std::string pattern;
        std::string text;
        bool matches;
    };
    const Case cases[] = {
        {"E200*", "E2003412", true},
        {"E200*", "E200", true},
        {"E200*", "E20", false},
        {"*", "", true},
        {"", "", true},
        {"", "x", false},
        {"?", "a", true},
        {"?", "", false},
        {"a?c", "abc", true},
        {"a?c", "ac", false},
        {"*-07", "FL-07", true},
        {"*-07", "FL-071", false},
        {"F*L*7", "FxxLyy7", true},
        {"F*L*7", "FxxLyy8", false},
        {"*a*a*a*b", "aaaaaaaaaaaaaaaa", false},
        {"**x", "abx", true},
        {"fl-07", "FL-07", false},
        {"a*b?d", "aXXbcd", true},
    };
    for (const auto& c : cases) {
        CAPTURE(c.pattern);
        CAPTURE(c.text);
        CHECK(track::glob_match(c.pattern, c.text) == c.matches);
    }
}

TEST_CASE("rules: operators and severities as written") {
    CHECK(track::to_string(CompareOp::less) == "<");
    CHECK(track::to_string(CompareOp::less_equal) == "<=");
    CHECK(track::to_string(CompareOp::greater) == ">");
    CHECK(track::to_string(CompareOp::greater_equal) == ">=");
    CHECK(track::to_string(CompareOp::equal) == "==");
    CHECK(track::to_string(CompareOp::not_equal) == "!=");
    CHECK(track::to_string(Severity::info) == "info");
    CHECK(track::to_string(Severity::warning) == "warning");
    CHECK(track::to_string(Severity::minor) == "minor");
    CHECK(track::to_string(Severity::major) == "major");
    CHECK(track::to_string(Severity::critical) == "critical");
    CHECK(Severity::info < Severity::warning);
    CHECK(Severity::major < Severity::critical);
}

TEST_CASE("rules: errors are input errors (exit 65) with the message apart from the place") {
    try {
        (void)track::parse_rule("x >", "--rule");
        FAIL("no error");
    } catch (const track::InputError& e) {
        CHECK(e.code() == track::ExitCode::data);
        CHECK(e.reason() ==
              "expected a number after '>', found the end of the rule\n"
              "  x >\n"
              "     ^");
    }
}

TEST_CASE("rules: every error, exactly") {
    struct Case {
        std::string text;
        std::string error;
    };
    const Case cases[] = {
        // A number, an operator, a duration, a distance, a severity missing or malformed.
        {"cold: temperature > hot for 15m",
         "--rule: expected a number after '>', found 'hot'\n"
         "  cold: temperature > hot for 15m\n"
         "                      ^^^"},
        {"temperature > 1e3",
         "--rule: expected a number after '>', found '1e3'\n"
         "  temperature > 1e3\n"
         "                ^^^"},
        {"temperature >",
         "--rule: expected a number after '>', found the end of the rule\n"
         "  temperature >\n"
         "               ^"},
        {"temperature 8",
         "--rule: expected a comparison operator (<, <=, >, >=, ==, !=) after 'temperature', found '8'\n"
         "  temperature 8\n"
         "              ^"},
        {"temperature = 8",
         "--rule: '=' only goes in where selectors: compare with '=='\n"
         "  temperature = 8\n"
         "              ^"},
        {"temperature ! 8",
         "--rule: expected a comparison operator (<, <=, >, >=, ==, !=) after 'temperature', found '!'\n"
         "  temperature ! 8\n"
         "              ^"},
        {"temperature > 8 for 15 minutes",
         "--rule: expected a duration like 15m, 30s or 4h after 'for', found '15'\n"
         "  temperature > 8 for 15 minutes\n"
         "                      ^^"},
        {"temperature > 8 for",
         "--rule: expected a duration like 15m, 30s or 4h after 'for', found the end of the rule\n"
         "  temperature > 8 for\n"
         "                     ^"},
        {"unseen forever",
         "--rule: expected a duration like 15m, 30s or 4h after 'unseen', found 'forever'\n"
         "  unseen forever\n"
         "         ^^^^^^^"},
        {"shock > 4 severity high",
         "--rule: expected a severity (info, warning, minor, major or critical) after 'severity', found 'high'\n"
         "  shock > 4 severity high\n"
         "                     ^^^^"},
        {"parked: stationary 4h 25m",
         "--rule: expected 'within' after '4h', found '25m': write stationary DURATION within DISTANCE\n"
         "  parked: stationary 4h 25m\n"
         "                        ^^^"},
        {"stationary 4h within far",
         "--rule: expected a distance in metres like 25m after 'within', found 'far'\n"
         "  stationary 4h within far\n"
         "                       ^^^"},
        {"stationary 4h within -5m",
         "--rule: expected a distance in metres like 25m after 'within', found '-5m'\n"
         "  stationary 4h within -5m\n"
         "                       ^^^"},
        {"outside for 2m",
         "--rule: expected a zone name after 'outside', found 'for'\n"
         "  outside for 2m\n"
         "          ^^^"},
        // Clauses.
        {"temperature > 8 for 5m severity major for 10m",
         "--rule: 'for' is given twice: a rule takes each clause at most once\n"
         "  temperature > 8 for 5m severity major for 10m\n"
         "                                        ^^^"},
        {"door == 1 and temperature > 8 clear < 7",
         "--rule: 'clear' needs a condition that is one comparison, like 'temperature > 8 clear < 7'\n"
         "  door == 1 and temperature > 8 clear < 7\n"
         "                                ^^^^^"},
        {"unseen 1h clear < 7",
         "--rule: 'clear' needs a condition that is one comparison, like 'temperature > 8 clear < 7'\n"
         "  unseen 1h clear < 7\n"
         "            ^^^^^"},
        {"door == 1 clear != 1",
         "--rule: 'clear' cannot follow '==': only <, <=, > and >= have a side to clear on\n"
         "  door == 1 clear != 1\n"
         "            ^^^^^"},
        {"battery < 15 clear < 20",
         "--rule: a '<' rule clears above its trigger: use 'clear >' or 'clear >='\n"
         "  battery < 15 clear < 20\n"
         "                     ^"},
        {"temperature >= 8 clear == 7",
         "--rule: a '>=' rule clears below its trigger: use 'clear <' or 'clear <='\n"
         "  temperature >= 8 clear == 7\n"
         "                         ^^"},
        {"temperature > 8 clear < 9",
         "--rule: the clear level 9 is above the trigger 8: a '>' rule must clear at or below 8\n"
         "  temperature > 8 clear < 9\n"
         "                          ^"},
        {"battery <= 15 clear > 12.5",
         "--rule: the clear level 12.5 is below the trigger 15: a '<=' rule must clear at or above 15\n"
         "  battery <= 15 clear > 12.5\n"
         "                        ^^^^"},
        {"temperature > 8 clear 7",
         "--rule: expected a comparison operator (<, <=, >, >=, ==, !=) after 'clear', found '7'\n"
         "  temperature > 8 clear 7\n"
         "                        ^"},
        // Structure: parentheses, keywords, empty and trailing text.
        {"(a > 1 or b < 2",
         "--rule: the '(' at column 1 is not closed: expected ')', found the end of the rule\n"
         "  (a > 1 or b < 2\n"
         "                 ^"},
        {"a > 1 and (b < 2 or (c > 3) d > 4)",
         "--rule: the '(' at column 11 is not closed: expected ')', found 'd'\n"
         "  a > 1 and (b < 2 or (c > 3) d > 4)\n"
         "                              ^"},
        {"a > 1) for 5m",
         "--rule: ')' has no matching '('\n"
         "  a > 1) for 5m\n"
         "       ^"},
        {"for > 8",
         "--rule: 'for' is a keyword and cannot be a metric name\n"
         "  for > 8\n"
         "  ^^^"},
        {"a > 1 and where > 8",
         "--rule: 'where' is a keyword and cannot be a metric name\n"
         "  a > 1 and where > 8\n"
         "            ^^^^^"},
        {"cold: for 15m",
         "--rule: expected a condition after ':', found 'for'\n"
         "  cold: for 15m\n"
         "        ^^^"},
        {"a > 1 and",
         "--rule: expected a condition after 'and', found the end of the rule\n"
         "  a > 1 and\n"
         "           ^"},
        {"8 < temperature",
         "--rule: expected a condition, found '8'\n"
         "  8 < temperature\n"
         "  ^"},
        {"",
         "--rule: the rule is empty\n"
         "  \n"
         "  ^"},
        {"   # only a comment",
         "--rule: the rule is empty\n"
         "  \n"
         "  ^"},
        {"temperature > 8 15m",
         "--rule: unexpected '15m': the condition comes first, then only for, clear, severity and where clauses\n"
         "  temperature > 8 15m\n"
         "                  ^^^"},
        {"a > 1 for 5m or b > 2",
         "--rule: unexpected 'or': the condition comes first, then only for, clear, severity and where clauses\n"
         "  a > 1 for 5m or b > 2\n"
         "               ^^"},
        {"2hot: temperature > 8",
         "--rule: the rule name '2hot' must start with a letter or '_' and hold only letters, digits, '_', '-' and "
         "'.'\n"
         "  2hot: temperature > 8\n"
         "  ^^^^"},
        // Selectors.
        {"x > 1 where kind reefer",
         "--rule: expected '=' after 'kind', found 'reefer': selectors are written key=value\n"
         "  x > 1 where kind reefer\n"
         "                   ^^^^^^"},
        {"x > 1 where",
         "--rule: expected a selector like kind=reefer after 'where', found the end of the rule\n"
         "  x > 1 where\n"
         "             ^"},
        {"x > 1 where kind=reefer and for 5m",
         "--rule: expected a selector like kind=reefer after 'and', found 'for'\n"
         "  x > 1 where kind=reefer and for 5m\n"
         "                              ^^^"},
        {"x > 1 where kind=",
         "--rule: expected a value after '=', found the end of the rule\n"
         "  x > 1 where kind=\n"
         "                   ^"},
        {"x > 1 where kind=\"reefer # cold",
         "--rule: the quoted value has no closing '\"'\n"
         "  x > 1 where kind=\"reefer # cold\n"
         "                   ^"},
        // Carets line up under tabs and after multi-byte characters.
        {"x > 1 where owner=\"M\xC3\xBC\"\tseverity high",
         "--rule: expected a severity (info, warning, minor, major or critical) after 'severity', found 'high'\n"
         "  x > 1 where owner=\"M\xC3\xBC\"\tseverity high\n"
         "  " +
             std::string(22, ' ') + "\t" + std::string(9, ' ') + "^^^^"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        CHECK(error_of(c.text) == c.error);
    }
}

TEST_CASE("rules: nesting is bounded") {
    const std::string deep = std::string(64, '(') + "a > 1" + std::string(64, ')');
    CHECK(track::parse_rule(deep, "--rule").condition == compare("a", CompareOp::greater, 1));
    const std::string deeper = std::string(65, '(') + "a > 1" + std::string(65, ')');
    CHECK(error_of(deeper) ==
          "--rule: parentheses nest deeper than 64 levels\n  " + deeper + "\n  " + std::string(64, ' ') + "^");
}

TEST_CASE("rules: a unit after a threshold") {
    const Shape cases[] = {
        {"temperature > 90 °C", compare("temperature", CompareOp::greater, 90, "°C")},
        {"speed > 15 km/h for 5m", compare("speed", CompareOp::greater, 15, "km/h")},
        {"velocity_rms > 2.8 mm/s", compare("velocity_rms", CompareOp::greater, 2.8, "mm/s")},
        {"shock > 4 g or temperature < -20 Cel",
         any({compare("shock", CompareOp::greater, 4, "g"), compare("temperature", CompareOp::less, -20, "Cel")})},
        {"pressure >= 2.5 bar and (level <= 10 % or supply != 24 V)",
         all({compare("pressure", CompareOp::greater_equal, 2.5, "bar"),
              any({compare("level", CompareOp::less_equal, 10, "%"),
                   compare("supply", CompareOp::not_equal, 24, "V")})})},
        {"a > 1 m/s2 and b > 2 m/s^2 and c > 3 m/s² and d > 4 [degF] and e > 5 kn and f > 6 mph",
         all({compare("a", CompareOp::greater, 1, "m/s2"), compare("b", CompareOp::greater, 2, "m/s^2"),
              compare("c", CompareOp::greater, 3, "m/s²"), compare("d", CompareOp::greater, 4, "[degF]"),
              compare("e", CompareOp::greater, 5, "kn"), compare("f", CompareOp::greater, 6, "mph")})},
        // A unit glued to the ')' or the next '(' is still one token.
        {"(current > 3 mA)or(x > 1)",
         any({compare("current", CompareOp::greater, 3, "mA"), compare("x", CompareOp::greater, 1)})},
    };
    for (const auto& shape : cases) {
        CAPTURE(shape.text);
        CHECK(track::parse_rule(shape.text, "--rule").condition == shape.condition);
    }
    SUBCASE("the clear level is in the trigger's unit, written again or not") {
        const Comparison clear{.metric = "temperature", .op = CompareOp::less, .value = 85, .unit = "°C"};
        CHECK(track::parse_rule("temperature > 90 °C clear < 85 °C for 5m", "--rule").clear == clear);
        CHECK(track::parse_rule("temperature > 90 °C clear < 85 for 5m", "--rule").clear == clear);
    }
}

TEST_CASE("rules: trend factors") {
    const Shape cases[] = {
        {"heating: rate(temperature over 10m) > 3 per h",
         {.test = Trend{.function = TrendFunction::rate,
                        .metric = "temperature",
                        .window = 10 * minute,
                        .op = CompareOp::greater,
                        .value = 3,
                        .per = hour}}},
        {"rate(temperature over 10m) > 5 °F per h",
         {.test = Trend{.metric = "temperature", .window = 10 * minute, .value = 5, .unit = "°F", .per = hour}}},
        {"rate(level over 30s) <= -0.5 per s",
         {.test = Trend{.metric = "level",
                        .window = 30 * second,
                        .op = CompareOp::less_equal,
                        .value = -0.5,
                        .per = second}}},
        {"rate(wear over 7d) >= 1 mm/s per d",
         {.test = Trend{.metric = "wear",
                        .window = 7 * 24 * hour,
                        .op = CompareOp::greater_equal,
                        .value = 1,
                        .unit = "mm/s",
                        .per = 24 * hour}}},
        {"rate(x over 90s)>2 per m", {.test = Trend{.metric = "x", .window = 90 * second, .value = 2, .per = minute}}},
        {"drift: ewma(current over 30m) > 12.5",
         {.test = Trend{.function = TrendFunction::ewma, .metric = "current", .window = 30 * minute, .value = 12.5}}},
        {"ewma(current over 30m) < 12.5 A",
         {.test = Trend{.function = TrendFunction::ewma,
                        .metric = "current",
                        .window = 30 * minute,
                        .op = CompareOp::less,
                        .value = 12.5,
                        .unit = "A"}}},
        {"odd: zscore(vibration over 24h) > 4",
         {.test = Trend{.function = TrendFunction::zscore, .metric = "vibration", .window = 24 * hour, .value = 4}}},
        {"bearing: forecast temperature > 90 within 2h over 30m severity major",
         {.test = Forecast{.metric = "temperature", .value = 90, .within = 2 * hour, .over = 30 * minute}}},
        {"forecast temperature >= 90 within 2h",
         {.test = Forecast{.metric = "temperature",
                           .op = CompareOp::greater_equal,
                           .value = 90,
                           .within = 2 * hour,
                           .over = 2 * hour}}},
        {"forecast velocity_rms > 4.5 mm/s within 24h over 6h",
         {.test =
              Forecast{.metric = "velocity_rms", .value = 4.5, .unit = "mm/s", .within = 24 * hour, .over = 6 * hour}}},
        {"forecast battery < 10 % within 1d",
         {.test = Forecast{.metric = "battery",
                           .op = CompareOp::less,
                           .value = 10,
                           .unit = "%",
                           .within = 24 * hour,
                           .over = 24 * hour}}},
        {"rate(t over 10m) > 3 per h and forecast t > 90 within 2h or zscore(v over 1h) > 4 and x > 1 °C",
         any({all({{.test = Trend{.metric = "t", .window = 10 * minute, .value = 3, .per = hour}},
                   {.test = Forecast{.metric = "t", .value = 90, .within = 2 * hour, .over = 2 * hour}}}),
              all({{.test = Trend{.function = TrendFunction::zscore, .metric = "v", .window = hour, .value = 4}},
                   compare("x", CompareOp::greater, 1, "°C")})})},
    };
    for (const auto& shape : cases) {
        CAPTURE(shape.text);
        CHECK(track::parse_rule(shape.text, "--rule").condition == shape.condition);
    }
    CHECK(
        track::parse_rule("bearing: forecast temperature > 90 within 2h over 30m severity major", "--rule").severity ==
        Severity::major);
}

TEST_CASE("rules: a metric called rate, ewma, zscore, forecast, per or over is compared as before") {
    const Shape cases[] = {
        {"rate > 3", compare("rate", CompareOp::greater, 3)},
        {"ewma <= 1", compare("ewma", CompareOp::less_equal, 1)},
        {"(zscore == 2)", compare("zscore", CompareOp::equal, 2)},
        {"forecast > 3 and rate < 2 km/h",
         all({compare("forecast", CompareOp::greater, 3), compare("rate", CompareOp::less, 2, "km/h")})},
        {"per > 1 or over < 2", any({compare("per", CompareOp::greater, 1), compare("over", CompareOp::less, 2)})},
        {"rate(over over 1h) > 1 per h", {.test = Trend{.metric = "over", .window = hour, .value = 1, .per = hour}}},
    };
    for (const auto& shape : cases) {
        CAPTURE(shape.text);
        CHECK(track::parse_rule(shape.text, "--rule").condition == shape.condition);
    }
}

TEST_CASE("rules: trend functions as written") {
    CHECK(track::to_string(TrendFunction::rate) == "rate");
    CHECK(track::to_string(TrendFunction::ewma) == "ewma");
    CHECK(track::to_string(TrendFunction::zscore) == "zscore");
}

TEST_CASE("rules: every error of units and trend factors, exactly") {
    struct Case {
        std::string text;
        std::string error;
    };
    const Case cases[] = {
        // Units.
        {"temperature > 90 celcius",
         "--rule: 'celcius' is not a unit trk knows: write one like °C, °F, K, m/s, km/h, mph, kn, g, m/s2, mm/s, "
         "in/s, bar, kPa, psi, V, mV, A, mA or %\n"
         "  temperature > 90 celcius\n"
         "                   ^^^^^^^"},
        {"temperature > 90 °C for 5m clear < 85 K",
         "--rule: the clear level is in the trigger's unit: write '°C' or no unit\n"
         "  temperature > 90 °C for 5m clear < 85 K\n"
         "                                        ^"},
        {"temperature > 90 clear < 85 °C",
         "--rule: the trigger has no unit, so the clear level cannot have one\n"
         "  temperature > 90 clear < 85 °C\n"
         "                              ^^"},
        {"temperature > 90 °C clear < 85 furlong",
         "--rule: the clear level is in the trigger's unit: write '°C' or no unit\n"
         "  temperature > 90 °C clear < 85 furlong\n"
         "                                 ^^^^^^^"},
        {"speed > 4 per h",
         "--rule: 'per' goes only with a rate: write rate(METRIC over DURATION) > NUMBER per h\n"
         "  speed > 4 per h\n"
         "            ^^^"},
        // rate.
        {"rate(temperature over 10m) > 3",
         "--rule: expected 'per' after '3', found the end of the rule: write rate(METRIC over DURATION) > NUMBER per "
         "h\n"
         "  rate(temperature over 10m) > 3\n"
         "                                ^"},
        {"rate(temperature over 10m) > 3 per hour",
         "--rule: expected a time unit (s, m, h or d) after 'per', found 'hour': write rate(METRIC over DURATION) > "
         "NUMBER per h\n"
         "  rate(temperature over 10m) > 3 per hour\n"
         "                                     ^^^^"},
        {"rate(temperature 10m) > 3 per h",
         "--rule: expected 'over' after 'temperature', found '10m': write rate(METRIC over DURATION) > NUMBER per h\n"
         "  rate(temperature 10m) > 3 per h\n"
         "                   ^^^"},
        {"rate(temperature over 0m) > 3 per h",
         "--rule: 'over' needs a duration longer than 0\n"
         "  rate(temperature over 0m) > 3 per h\n"
         "                        ^^"},
        {"rate(temperature over ten) > 3 per h",
         "--rule: expected a duration like 15m, 30s or 4h after 'over', found 'ten'\n"
         "  rate(temperature over ten) > 3 per h\n"
         "                        ^^^"},
        {"rate(temperature over 10m > 3 per h",
         "--rule: expected ')' after '10m', found '>': write rate(METRIC over DURATION) > NUMBER per h\n"
         "  rate(temperature over 10m > 3 per h\n"
         "                            ^"},
        {"rate(for over 10m) > 3 per h",
         "--rule: expected a metric name after '(', found 'for': write rate(METRIC over DURATION) > NUMBER per h\n"
         "  rate(for over 10m) > 3 per h\n"
         "       ^^^"},
        {"rate(temperature over 10m) > 3 °C",
         "--rule: expected 'per' after '°C', found the end of the rule: write rate(METRIC over DURATION) > NUMBER per "
         "h\n"
         "  rate(temperature over 10m) > 3 °C\n"
         "                                   ^"},
        {"rate(temperature over 10m) per h",
         "--rule: expected a comparison operator (<, <=, >, >=, ==, !=) after ')', found 'per'\n"
         "  rate(temperature over 10m) per h\n"
         "                             ^^^"},
        // ewma and zscore.
        {"ewma(current over 30m) > 12.5 A per h",
         "--rule: 'per' goes only with a rate: write rate(METRIC over DURATION) > NUMBER per h\n"
         "  ewma(current over 30m) > 12.5 A per h\n"
         "                                  ^^^"},
        {"ewma(current) > 12.5",
         "--rule: expected 'over' after 'current', found ')': write ewma(METRIC over DURATION) > NUMBER\n"
         "  ewma(current) > 12.5\n"
         "              ^"},
        {"zscore(vibration over 24h) > 4 mm/s",
         "--rule: a z-score has no unit: it counts standard deviations from the window's mean; write "
         "zscore(METRIC over DURATION) > NUMBER\n"
         "  zscore(vibration over 24h) > 4 mm/s\n"
         "                                 ^^^^"},
        {"zscore(vibration over 24h) > 4 per h",
         "--rule: 'per' goes only with a rate: write rate(METRIC over DURATION) > NUMBER per h\n"
         "  zscore(vibration over 24h) > 4 per h\n"
         "                                 ^^^"},
        // forecast.
        {"forecast temperature > 90",
         "--rule: expected 'within' after '90', found the end of the rule: write forecast METRIC > NUMBER within "
         "DURATION [over DURATION]\n"
         "  forecast temperature > 90\n"
         "                           ^"},
        {"forecast temperature > 90 °C over 30m",
         "--rule: expected 'within' after '°C', found 'over': write forecast METRIC > NUMBER within DURATION [over "
         "DURATION]\n"
         "  forecast temperature > 90 °C over 30m\n"
         "                               ^^^^"},
        {"forecast temperature != 90 within 2h",
         "--rule: forecast predicts when a level is crossed: use <, <=, > or >=, not '!='\n"
         "  forecast temperature != 90 within 2h\n"
         "                       ^^"},
        {"forecast temperature > 90 within 0s",
         "--rule: 'within' needs a duration longer than 0\n"
         "  forecast temperature > 90 within 0s\n"
         "                                   ^^"},
        {"forecast temperature > 90 within 2h over 0",
         "--rule: 'over' needs a duration longer than 0\n"
         "  forecast temperature > 90 within 2h over 0\n"
         "                                           ^"},
        {"forecast temperature > 90 per h within 2h",
         "--rule: 'per' goes only with a rate: write rate(METRIC over DURATION) > NUMBER per h\n"
         "  forecast temperature > 90 per h within 2h\n"
         "                            ^^^"},
        {"forecast temperature 90 within 2h",
         "--rule: expected a comparison operator (<, <=, >, >=, ==, !=) after 'temperature', found '90'\n"
         "  forecast temperature 90 within 2h\n"
         "                       ^^"},
        // Trend factors do not take 'clear'.
        {"rate(temperature over 10m) > 3 per h clear < 1",
         "--rule: 'clear' needs a condition that is one comparison, like 'temperature > 8 clear < 7'\n"
         "  rate(temperature over 10m) > 3 per h clear < 1\n"
         "                                       ^^^^^"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        CHECK(error_of(c.text) == c.error);
    }
}
