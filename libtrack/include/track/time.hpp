// UTC instants as milliseconds since the Unix epoch: civil-date arithmetic, RFC 3339 in and out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace track {

/// An instant in UTC, in milliseconds since 1970-01-01T00:00:00Z (negative before it).
using Millis = std::int64_t;

constexpr Millis ms_per_second = 1000;
constexpr Millis ms_per_day = 86'400'000;

/// The instants RFC 3339 can write, with its four-digit years: 0000-01-01T00:00:00.000Z to
/// 9999-12-31T23:59:59.999Z. A record's time outside them could be written but not read back.
constexpr Millis earliest_rfc3339 = -719'528 * ms_per_day;
constexpr Millis latest_rfc3339 = 2'932'897 * ms_per_day - 1;

/// Whether `t` is within earliest_rfc3339..latest_rfc3339.
constexpr bool is_rfc3339_time(Millis t) noexcept { return t >= earliest_rfc3339 && t <= latest_rfc3339; }

/// A proleptic Gregorian calendar date.
struct CivilDate {
    int year = 1970;
    int month = 1;  ///< 1..12
    int day = 1;    ///< 1..31
    friend bool operator==(const CivilDate&, const CivilDate&) = default;
};

/// Days since 1970-01-01 of a calendar date (any year; no range check).
std::int64_t days_from_civil(CivilDate date) noexcept;

/// The calendar date of a day number counted from 1970-01-01.
CivilDate civil_from_days(std::int64_t days) noexcept;

/// Whether year/month/day names a real day (month 1..12, day within the month).
bool is_valid_date(CivilDate date) noexcept;

/// Writes `t` as RFC 3339 UTC with milliseconds at `out` (room: 32 bytes); returns the end.
char* write_rfc3339(char* out, Millis t);

/// Appends `t` as RFC 3339 UTC with milliseconds: 2026-11-24T14:03:07.250Z.
void append_rfc3339(fmt::memory_buffer& out, Millis t);

/// `t` as RFC 3339 UTC with milliseconds.
std::string format_rfc3339(Millis t);

/// Parses an RFC 3339 date-time ("2026-11-24T14:03:07.25Z", "...+02:00", 't'/' ' separator
/// accepted); fractions beyond milliseconds are truncated. nullopt when not a valid time, or
/// when its offset takes it out of the four-digit years (is_rfc3339_time).
std::optional<Millis> parse_rfc3339(std::string_view text) noexcept;

/// Parses RFC 3339 as parse_rfc3339 does, and also the ISO 8601 offsets readers write
/// without a colon ("2021-03-22T16:47:38.330-0700", "...+02").
std::optional<Millis> parse_iso8601(std::string_view text) noexcept;

/// Parses a duration: a non-negative decimal number with a unit, ms, s, m, h or d
/// ("500ms", "1.5s", "15m", "7d"), or a bare "0". nullopt when malformed.
std::optional<Millis> parse_duration(std::string_view text) noexcept;

/// Parses a calendar date YYYY-MM-DD; nullopt when malformed or not a real day.
std::optional<CivilDate> parse_date(std::string_view text) noexcept;

}  // namespace track
