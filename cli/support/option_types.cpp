// The option value parsers (see option_types.hpp).
#include "option_types.hpp"

#include <chrono>

#include <fmt/format.h>

#include "adapters/serial.hpp"
#include "track/error.hpp"
#include "track/names.hpp"
#include "track/number.hpp"

namespace cli {

namespace {

// The one shape of a refused value of an open type.
[[noreturn]] void refuse(std::string_view option, std::string_view text, std::string_view what,
                         std::string_view examples) {
    throw track::UsageError(fmt::format("{}: '{}' is not {} ({})", option, text, what, examples));
}

constexpr std::string_view duration_examples = "examples: 90s, 10m, 2h";

std::optional<track::Millis> time_of(std::string_view text, track::Millis now) {
    if (text == "now") return now;
    if (const auto t = track::parse_rfc3339(text)) return t;
    if (const auto date = track::parse_date(text)) return track::days_from_civil(*date) * track::ms_per_day;
    if (const auto ago = track::parse_duration(text)) return now - *ago;
    return std::nullopt;
}

}  // namespace

track::Millis now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

track::Millis parse_duration(std::string_view option, std::string_view text) {
    const auto ms = track::parse_duration(text);
    if (!ms) refuse(option, text, "a duration", duration_examples);
    return *ms;
}

int parse_baud(std::string_view option, std::string_view text, std::string_view other) {
    const auto rate = track::parse_uint(text);
    if (!rate || !adapters::is_supported_baud(*rate)) {
        throw track::UsageError(
            fmt::format("{}: '{}' is not a rate; use {}{}one of 1200, 2400, 4800, 9600, 19200, "
                        "38400, 57600, 115200, 230400, 460800, 921600",
                        option, text, other, other.empty() ? "" : " or "));
    }
    return *rate;
}

track::Millis parse_time(std::string_view option, std::string_view text, track::Millis now) {
    const auto t = time_of(text, now);
    if (!t) refuse(option, text, "a time", "examples: 2026-11-30T14:03:07Z, 2026-11-30, now, 24h");
    return *t;
}

std::optional<track::Millis> parse_optional_time(std::string_view option, std::string_view text, track::Millis now) {
    if (text.empty()) return std::nullopt;
    return parse_time(option, text, now);
}

std::optional<track::Millis> parse_now(std::string_view text) { return parse_optional_time("--now", text, now_ms()); }

track::Millis parse_utc_offset(std::string_view option, std::string_view text) {
    // "+01:00" is the offset of a time written "1970-01-01T01:00:00+01:00", which is midnight UTC.
    const auto midnight = track::parse_rfc3339(fmt::format("1970-01-01T00:00:00{}", text));
    if (!midnight || text == "Z" || text == "z") {
        refuse(option, text, "an offset from UTC", "examples: +01:00, -05:30; a zone name goes to --tz");
    }
    return -*midnight;
}

track::TimeZone parse_time_zone(std::string_view option, std::string_view text) {
    if (auto zone = track::TimeZone::find(text)) return *zone;
    const std::vector<std::string> known = track::TimeZone::names();
    if (known.empty()) {
        throw track::UsageError(
            fmt::format("{}: no time zone database (/usr/share/zoneinfo; Debian: apt install tzdata)", option));
    }
    throw track::UsageError(fmt::format("{}: {}", option, track::not_found_message("time zone", text, known)));
}

track::CivilDate parse_date(std::string_view option, std::string_view text) {
    const auto date = track::parse_date(text);
    if (!date) refuse(option, text, "a date", "example: 2026-11-30");
    return *date;
}

double parse_distance(std::string_view option, std::string_view text) {
    std::string_view number = text;
    double scale = 1;
    if (number.ends_with("km")) {
        number.remove_suffix(2);
        scale = 1000;
    } else if (number.ends_with('m')) {
        number.remove_suffix(1);
    }
    const auto value = track::parse_decimal(number);
    if (!value || *value < 0) refuse(option, text, "a distance", "examples: 25m, 1.5km, 25");
    return *value * scale;
}

double parse_non_negative(std::string_view option, std::string_view text) {
    const auto value = track::parse_decimal(text);
    if (!value || *value < 0) refuse(option, text, "a number >= 0", "examples: 0, 2.5, 40");
    return *value;
}

std::uint64_t parse_size(std::string_view option, std::string_view text) {
    // Longest suffixes first: "kB" before "B".
    static constexpr std::pair<std::string_view, double> units[] = {{"KiB", 1024.0},
                                                                    {"MiB", 1024.0 * 1024},
                                                                    {"GiB", 1024.0 * 1024 * 1024},
                                                                    {"TiB", 1024.0 * 1024 * 1024 * 1024},
                                                                    {"kB", 1e3},
                                                                    {"MB", 1e6},
                                                                    {"GB", 1e9},
                                                                    {"TB", 1e12},
                                                                    {"B", 1}};
    std::string_view number = text;
    double scale = 0;
    for (const auto& [suffix, factor] : units) {
        if (number.ends_with(suffix)) {
            number.remove_suffix(suffix.size());
            scale = factor;
            break;
        }
    }
    const auto value = track::parse_decimal(number);
    if (scale == 0 || !value || *value < 0 || *value * scale > 1e18) {
        refuse(option, text, "a size", "examples: 500MB, 1GB, 64KiB");
    }
    return static_cast<std::uint64_t>(*value * scale);
}

double parse_degrees(std::string_view option, std::string_view text, double limit) {
    const auto value = track::parse_decimal(text);
    if (!value || *value < -limit || *value > limit) {
        refuse(option, text, fmt::format("a number of degrees from -{} to {}", limit, limit), "examples: 53.55, -9.99");
    }
    return *value;
}

std::map<std::string, std::string> parse_key_values(std::string_view option, const std::vector<std::string>& values,
                                                    const KeyValueRules& rules) {
    std::map<std::string, std::string> pairs;
    const auto add = [&](std::string_view pair) {
        const std::size_t eq = pair.find('=');
        if (eq == std::string_view::npos || eq == 0 || (rules.value_required && eq + 1 == pair.size())) {
            refuse(option, pair, "KEY=VALUE", fmt::format("example: {}", rules.example));
        }
        pairs[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
    };
    for (const std::string& value : values) {
        if (!rules.comma_separated) {
            add(value);
            continue;
        }
        std::size_t start = 0;
        while (start <= value.size()) {
            const std::size_t comma = std::min(value.find(',', start), value.size());
            add(std::string_view(value).substr(start, comma - start));
            start = comma + 1;
        }
    }
    return pairs;
}

std::string join_choices(const std::vector<std::string_view>& names) {
    std::string joined;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) joined += i + 1 == names.size() ? " or " : ", ";
        joined += names[i];
    }
    return joined;
}

std::size_t parse_choice(std::string_view option, std::string_view text, std::string_view what,
                         const std::vector<std::string_view>& names) {
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] == text) return i;
    }
    throw track::UsageError(fmt::format("{}: '{}' is not {}; use {}", option, text, what, join_choices(names)));
}

std::vector<std::size_t> parse_choice_list(std::string_view option, std::string_view text, std::string_view what,
                                           const std::vector<std::string_view>& names) {
    std::vector<std::size_t> chosen;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        chosen.push_back(parse_choice(option, text.substr(start, comma - start), what, names));
        start = comma + 1;
    }
    return chosen;
}

CLI::Option* add_now_option(CLI::App* command, std::string& text, std::string_view effect) {
    return command->add_option("--now", text, fmt::format("Take TIME as the current time: {}", effect))
        ->type_name("TIME");
}

}  // namespace cli
