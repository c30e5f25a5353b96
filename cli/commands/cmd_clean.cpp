// `trk clean`: drops bad, duplicate, jumping or redundant fixes by filters run in the order given.
#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "command.hpp"
#include "diagnostics.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "record_input.hpp"
#include "track/clean.hpp"

namespace cli {

namespace {

// Turns an option's value (empty for a flag) into its filter; throws track::UsageError.
using MakeFilter = std::function<std::unique_ptr<track::FixFilter>(std::string_view option, const std::string& value)>;

// One filter's option: the one table that drives the options, their help and the pipeline.
struct FilterOption {
    const char* name;
    const char* value_name;  ///< nullptr: a flag
    const char* help;
    MakeFilter make;
};

const std::array<FilterOption, 8>& filter_options() {
    static const std::array<FilterOption, 8> table{{
        {"--drop-invalid", nullptr, "Drop fixes without a position (fix \"none\")",
         [](auto, const auto&) { return track::drop_invalid_filter(); }},
        {"--max-hdop", "H", "Drop fixes whose hdop is over H (fixes without hdop pass)",
         [](auto option, const auto& value) { return track::max_hdop_filter(parse_non_negative(option, value)); }},
        {"--dedup", nullptr, "Drop a fix of the same device and time as the last one kept",
         [](auto, const auto&) { return track::dedup_filter(); }},
        {"--max-speed", "V", "Drop a fix whose speed from the last one kept is over V m/s",
         [](auto option, const auto& value) { return track::max_speed_filter(parse_non_negative(option, value)); }},
        {"--min-move", "DISTANCE", "Drop a fix less than DISTANCE from the last one kept",
         [](auto option, const auto& value) { return track::min_move_filter(parse_distance(option, value)); }},
        {"--min-interval", "DURATION", "Drop a fix less than DURATION after the last one kept",
         [](auto option, const auto& value) { return track::min_interval_filter(parse_duration(option, value)); }},
        {"--not-before", "TIME", "Drop fixes timed before TIME",
         [](auto option, const auto& value) { return track::not_before_filter(parse_time(option, value, now_ms())); }},
        {"--not-after", "TIME", "Drop fixes timed after TIME",
         [](auto option, const auto& value) { return track::not_after_filter(parse_time(option, value, now_ms())); }},
    }};
    return table;
}

struct CleanOptions {
    std::vector<std::string> files;
    bool strict = false;
    std::array<CLI::Option*, 8> filter_flags{};  ///< the CLI11 option of each filter_options() entry
    std::array<std::string, 8> values;           ///< the value of each, for those that take one
    track::CleanPipeline pipeline;               ///< filled by check(), in command-line order
};

void check(CleanOptions& o, const std::vector<CLI::Option*>& parse_order) {
    const auto& table = filter_options();
    std::array<bool, 8> seen{};
    for (const CLI::Option* given : parse_order) {
        for (std::size_t i = 0; i < table.size(); ++i) {
            if (given != o.filter_flags[i]) continue;
            if (seen[i]) {
                throw track::UsageError(fmt::format("{}: given twice; each filter runs at most once", table[i].name));
            }
            seen[i] = true;
            o.pipeline.add(table[i].make(table[i].name, o.values[i]));
        }
    }
    if (o.pipeline.filters().empty()) {
        std::string names;
        for (const auto& f : table) {
            names += fmt::format("{}{}{}{}", names.empty() ? "" : ", ", f.name, f.value_name ? " " : "",
                                 f.value_name ? f.value_name : "");
        }
        throw track::UsageError(fmt::format("say which filters to apply: {}", names));
    }
    // Indices 6 and 7 of the table: --not-before and --not-after.
    if (seen[6] && seen[7]) {
        const track::Millis now = now_ms();
        if (parse_time("--not-after", o.values[7], now) < parse_time("--not-before", o.values[6], now)) {
            throw track::UsageError(
                fmt::format("--not-after: '{}' is before --not-before '{}'", o.values[7], o.values[6]));
        }
    }
    if (o.files.empty()) o.files.emplace_back("-");
}

int run(CleanOptions& o) {
    Diagnostics diagnostics("clean", o.strict);
    const auto sources = open_inputs(o.files);
    Output out;
    pass_records(sources, diagnostics, out, [&](track::Record& record) { return o.pipeline.keep(record); });
    out.flush();
    for (const auto& filter : o.pipeline.filters()) {
        if (const std::uint64_t n = filter->dropped(); n > 0) {
            diagnostics.note(
                fmt::format("{}: {} {} dropped ({})", filter->what(), n, n == 1 ? "fix" : "fixes", filter->reason()));
        }
    }
    diagnostics.summary();
    return 0;
}

}  // namespace

void add_clean_command(CLI::App& trk, Invocation& chosen) {
    auto options = std::make_shared<CleanOptions>();
    CleanOptions& o = *options;
    auto* clean =
        trk.add_subcommand("clean", "Drop bad, duplicate, jumping or redundant fixes, filters in the order given");
    clean->add_option("FILE", o.files, "JSON Lines record files; '-' or none: standard input");
    const auto& table = filter_options();
    for (std::size_t i = 0; i < table.size(); ++i) {
        if (table[i].value_name == nullptr) {
            o.filter_flags[i] = clean->add_flag(table[i].name, table[i].help);
        } else {
            // Taken as text and checked by check(), which also says when a filter is repeated.
            o.filter_flags[i] = clean->add_option(table[i].name, o.values[i], table[i].help)
                                    ->type_name(table[i].value_name)
                                    ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        }
    }
    clean->add_flag("--strict", o.strict, "Stop at the first bad record with exit status 65");
    clean->callback([options, clean, &chosen] {
        check(*options, clean->parse_order());
        chosen = {"clean", [options] { return run(*options); }};
    });
}

}  // namespace cli
