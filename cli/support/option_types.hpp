// The one parser of each kind of option value (times, durations, distances, numbers,
// KEY=VALUE lists, names from a fixed list), with the one message shape for a refusal:
//   --min-dwell: '10' is not a duration (examples: 90s, 10m, 2h)
//   --format: 'xml' is not a report format; use table, jsonl or csv
// Commands keep an option's text as CLI11 gives it and parse it in their setup step with
// these functions (a time may be relative to --now, so it waits for the whole command
// line). trk(1), OPTION VALUES, describes what each type accepts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "track/time.hpp"
#include "track/time_zone.hpp"

namespace cli {

/// The system clock (UTC, ms): what "now" is when --now is not given.
track::Millis now_ms();

/// A duration: a non-negative number with a unit, ms, s, m, h or d ("90s", "1.5h"), or
/// "0". A bare number other than 0 is refused in every option (is "10" seconds or
/// minutes?); the rules language follows the same rule.
track::Millis parse_duration(std::string_view option, std::string_view text);

/// A time: RFC 3339 ("2026-11-30T14:03:07Z"), a date alone ("2026-11-30": its midnight,
/// UTC), "now", or a duration back from now ("24h", "7d"). `now` is the command's
/// current time: --now when given, else the system clock.
track::Millis parse_time(std::string_view option, std::string_view text, track::Millis now);
/// parse_time, or nullopt when `text` is empty (the option was not given).
std::optional<track::Millis> parse_optional_time(std::string_view option, std::string_view text, track::Millis now);

/// --now: the time that the command takes as the current time, in every command. Any time
/// form; "24h" means 24 hours before the system clock. nullopt when not given.
std::optional<track::Millis> parse_now(std::string_view text);

/// A calendar date alone, YYYY-MM-DD, a real day.
track::CivilDate parse_date(std::string_view option, std::string_view text);

/// An offset from UTC, "+01:00" or "-05:30" (as written after an RFC 3339 time): the ms
/// to add to a UTC time to get the local one.
track::Millis parse_utc_offset(std::string_view option, std::string_view text);

/// An IANA time zone of the system's database ("Europe/Berlin"); an unknown name is
/// refused with the closest known ones: "--tz: no time zone "Europe/Berln" (did you mean
/// "Europe/Berlin"?)".
track::TimeZone parse_time_zone(std::string_view option, std::string_view text);

/// A distance in metres: a non-negative number with "m" or "km" ("25m", "1.5km"); a bare
/// number is metres ("25"), as in the rules language.
double parse_distance(std::string_view option, std::string_view text);

/// A serial rate the terminal layer supports, 1200 to 921600; refused as "--baud: '1234' is
/// not a rate; use one of 1200, 2400, ..." (with `other` first, "auto", when the option also
/// takes that).
int parse_baud(std::string_view option, std::string_view text, std::string_view other = {});

/// A plain non-negative decimal number (no exponent, no inf or nan).
double parse_non_negative(std::string_view option, std::string_view text);

/// A size in bytes: a non-negative number with a unit, B, kB, MB, GB, TB (powers of 1000) or
/// KiB, MiB, GiB, TiB (powers of 1024): "500MB", "1.5GB". A bare number is refused (bytes?
/// megabytes?).
std::uint64_t parse_size(std::string_view option, std::string_view text);

/// A number of degrees from -limit to limit (latitude: 90, longitude: 180).
double parse_degrees(std::string_view option, std::string_view text, double limit);

/// How a KEY=VALUE option reads its values.
struct KeyValueRules {
    bool comma_separated = false;  ///< one value may hold several pairs: "time=ts,lat=y"
    bool value_required = false;   ///< "key=" is refused (else it sets an empty value)
    std::string_view example;      ///< shown when a pair is refused: "time=ts"
};
/// Every KEY=VALUE pair of the option's values (repeated options give several); a later
/// pair of the same key wins. The key is never empty.
std::map<std::string, std::string> parse_key_values(std::string_view option, const std::vector<std::string>& values,
                                                    const KeyValueRules& rules);

/// "a, b or c".
std::string join_choices(const std::vector<std::string_view>& names);

/// The position of `text` in `names`; refused as "{option}: '{text}' is not {what}; use
/// a, b or c" (`what` with its article: "a report format").
std::size_t parse_choice(std::string_view option, std::string_view text, std::string_view what,
                         const std::vector<std::string_view>& names);
/// The positions in `names` of each item of the comma-separated `text`, in order.
std::vector<std::size_t> parse_choice_list(std::string_view option, std::string_view text, std::string_view what,
                                           const std::vector<std::string_view>& names);

/// Declares --now TIME on `command`, the same everywhere: `effect` says what the command
/// does with the current time and what it takes without --now.
CLI::Option* add_now_option(CLI::App* command, std::string& text, std::string_view effect);

}  // namespace cli
