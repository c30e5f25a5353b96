// Fuzz harness: the rule language (track::parse_rules), each rule's text re-parsed, and a Checker run on the rules.
#include "fuzz_check.hpp"
#include "track/units.hpp"

namespace {

// What the parser promises of each factor it accepts (track/rules.hpp): units trk knows,
// windows longer than 0, 'per' on rates only, no unit on a z-score, forecasts on a bound.
void check_factors(const track::Condition& condition, const std::string& text) {
    for (const track::Condition& child : condition.children) check_factors(child, text);
    const auto known = [](const std::string& unit) { return unit.empty() || track::known_unit(unit); };
    if (const auto* comparison = std::get_if<track::Comparison>(&condition.test)) {
        fuzz::expect(known(comparison->unit), "a comparison's unit is known", text);
    } else if (const auto* trend = std::get_if<track::Trend>(&condition.test)) {
        fuzz::expect(known(trend->unit), "a trend's unit is known", text);
        fuzz::expect(trend->window > 0, "a trend's window is longer than 0", text);
        fuzz::expect((trend->function == track::TrendFunction::rate) == (trend->per > 0), "'per' goes with rate only",
                     text);
        fuzz::expect(trend->function != track::TrendFunction::zscore || trend->unit.empty(), "a z-score has no unit",
                     text);
    } else if (const auto* forecast = std::get_if<track::Forecast>(&condition.test)) {
        fuzz::expect(known(forecast->unit), "a forecast's unit is known", text);
        fuzz::expect(forecast->within > 0 && forecast->over > 0, "a forecast's durations are longer than 0", text);
        fuzz::expect(forecast->op != track::CompareOp::equal && forecast->op != track::CompareOp::not_equal,
                     "a forecast watches a bound", text);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<track::Rule> rules;
    try {
        rules = track::parse_rules(fuzz::text_of(data, size), "fuzz.rules");
    } catch (const track::InputError& e) {
        fuzz::expect(std::string_view(e.what()).starts_with("fuzz.rules:"), "a rule error names its line", e.what());
        return 0;
    }
    for (const track::Rule& rule : rules) {
        check_factors(rule.condition, rule.text);
        if (rule.clear) {
            const auto* trigger = std::get_if<track::Comparison>(&rule.condition.test);
            fuzz::expect(trigger != nullptr && rule.clear->unit == trigger->unit,
                         "a clear level is in the trigger's unit", rule.text);
        }
        // A rule's text (what `trk check --list-open` and events show) is the rule.
        try {
            fuzz::expect(track::parse_rule(rule.text, "again") == rule, "a rule's text parses to the same rule",
                         rule.text);
        } catch (const track::InputError& e) {
            fuzz::fail("a rule's text parses again", rule.text + "\n" + e.what());
        }
    }
    fuzz::run_checker(rules, std::nullopt);
    return 0;
}
