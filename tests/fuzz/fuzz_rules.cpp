// Fuzz harness: the rule language (track::parse_rules), each rule's text re-parsed, and a Checker run on the rules.
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<track::Rule> rules;
    try {
        rules = track::parse_rules(fuzz::text_of(data, size), "fuzz.rules");
    } catch (const track::InputError& e) {
        fuzz::expect(std::string_view(e.what()).starts_with("fuzz.rules:"), "a rule error names its line", e.what());
        return 0;
    }
    for (const track::Rule& rule : rules) {
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
