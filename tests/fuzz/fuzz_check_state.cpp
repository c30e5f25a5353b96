// Fuzz harness: the state files of `trk check --state` (track::Checker::load_state), with the sample yard's rules.
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::vector<track::Rule> rules = track::parse_rules(
        "cold-chain: temperature > 8 for 5m clear < 7 severity critical where kind=reefer\n"
        "cold-warn:  temperature > 6 for 5m severity warning where kind=reefer\n"
        "rough:      shock > 4 severity major\n"
        "speeding:   speed > 3.2 for 3s where kind=forklift and zone=yard-a\n"
        "parked:     stationary 1h within 5m where kind=forklift\n"
        "gone:       unseen 24h\n",
        "rules");
    fuzz::run_checker(rules, fuzz::text_of(data, size));
    return 0;
}
