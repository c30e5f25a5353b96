// Strict number parsing (the whole text must be a number) and fast fixed-point formatting.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <fmt/format.h>

namespace track {

/// Parses unsigned decimal digits (no sign, no spaces) that fit an int; nullopt otherwise.
std::optional<int> parse_uint(std::string_view text) noexcept;

/// Parses a signed decimal integer ("-12", "+3", "7"), the whole text; nullopt otherwise.
std::optional<std::int64_t> parse_int(std::string_view text) noexcept;

/// Parses a finite decimal number ("12", "-0.5", "+3.25", ".5"), the whole text, no
/// exponent, no inf/nan; nullopt otherwise.
std::optional<double> parse_decimal(std::string_view text) noexcept;

/// Appends `value` rounded to exactly `decimals` places (0..9): 20.6287983.
void append_fixed(fmt::memory_buffer& out, double value, int decimals);

/// Appends `value` rounded to at most `decimals` places (0..9), without trailing zeros:
/// 0.051, 14.6, 3.
void append_rounded(fmt::memory_buffer& out, double value, int decimals);

/// `value` rounded to `decimals` places, as append_rounded writes it.
double round_to(double value, int decimals) noexcept;

}  // namespace track
