// Strict number parsing (the whole text must be a number) and fast fixed-point formatting.
// The parsers are inline: they run several times per NMEA sentence.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace track {

/// Powers of ten that doubles and int64 hold exactly.
inline constexpr std::int64_t pow10_int[] = {
    1,         10,         100,         1000,         10000,         100000,         1000000,         10000000,
    100000000, 1000000000, 10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000, 1000000000000000};

/// Parses unsigned decimal digits (no sign, no spaces) that fit an int; nullopt otherwise.
inline std::optional<int> parse_uint(std::string_view text) noexcept {
    if (text.empty() || text.size() > 9) return std::nullopt;
    int value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

/// Parses unsigned decimal digits (no sign, no spaces) that fit 64 bits; nullopt otherwise.
inline std::optional<std::uint64_t> parse_uint64(std::string_view text) noexcept {
    if (text.empty() || text.size() > 20) return std::nullopt;
    std::uint64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

/// A decimal number as written: value = mantissa / 10^decimals, exactly.
struct FixedPoint {
    std::int64_t mantissa = 0;
    int decimals = 0;        ///< digits after the point, 0..15
    std::int64_t whole = 0;  ///< the digits before the point, without the sign
};

/// Parses "123", "-12.50", "+3.", ".5" (digits with at most one point, an optional sign, at
/// least one digit, at most 15 digits in all) exactly; nullopt otherwise.
inline std::optional<FixedPoint> parse_fixed_point(std::string_view text) noexcept {
    const char* p = text.data();
    const char* const end = p + text.size();
    bool negative = false;
    if (p != end && (*p == '-' || *p == '+')) negative = *p++ == '-';
    // Two tight loops (whole digits, then fraction digits) rather than one that asks of
    // every character which part it is in: this runs several times per NMEA sentence. Each
    // loop stops at the digits still allowed, so the mantissa never overflows; a digit left
    // over means the number has too many.
    constexpr std::ptrdiff_t max_digits = 15;
    FixedPoint result;
    const char* const whole_start = p;
    const char* limit = whole_start + std::min(end - whole_start, max_digits);
    while (p != limit && static_cast<unsigned>(*p - '0') < 10) result.mantissa = result.mantissa * 10 + (*p++ - '0');
    std::ptrdiff_t digits = p - whole_start;
    result.whole = result.mantissa;
    if (p != end) {
        if (*p != '.') return std::nullopt;
        const char* const fraction_start = ++p;
        limit = fraction_start + std::min(end - fraction_start, max_digits - digits);
        while (p != limit && static_cast<unsigned>(*p - '0') < 10)
            result.mantissa = result.mantissa * 10 + (*p++ - '0');
        if (p != end) return std::nullopt;
        result.decimals = static_cast<int>(p - fraction_start);
        digits += result.decimals;
    }
    if (digits == 0) return std::nullopt;
    if (negative) result.mantissa = -result.mantissa;
    return result;
}

/// The double nearest to a fixed-point number (one correctly rounded division).
inline double to_double(FixedPoint n) noexcept {
    return static_cast<double>(n.mantissa) / static_cast<double>(pow10_int[n.decimals]);
}

/// Parses a decimal number as parse_fixed_point does (no exponent, no inf/nan, at most 15
/// digits) into the nearest double; nullopt otherwise.
inline std::optional<double> parse_decimal(std::string_view text) noexcept {
    const auto n = parse_fixed_point(text);
    if (!n) return std::nullopt;
    return to_double(*n);
}

/// Writes `value` rounded to exactly `decimals` places (0..9) at `out`: 20.6287983.
/// Returns the end. Needs room for 32 characters.
char* write_fixed(char* out, double value, int decimals);

/// Writes `value` rounded to at most `decimals` places (0..9), without trailing zeros:
/// 0.051, 14.6, 3. Returns the end. Needs room for 32 characters.
char* write_rounded(char* out, double value, int decimals);

/// Appends like write_rounded.
void append_rounded(fmt::memory_buffer& out, double value, int decimals);

/// `value` to `digits` (1..17) significant digits, as a double: what writing it with that
/// many digits and reading it back gives (1245 × 0.01 reads 12.45, not 12.450000000000001).
/// Zero and non-finite values come back as they are.
double round_significant(double value, int digits) noexcept;

/// A count for people, its thousands grouped: 12345 gives "12,345".
std::string grouped(std::uint64_t count);

}  // namespace track
