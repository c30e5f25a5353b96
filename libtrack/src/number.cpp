// Integer-based fixed-point formatting for hot output paths; fmt for what does not fit.
#include "track/number.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

namespace track {

namespace {

// Values whose scaled form does not fit comfortably in an int64 are written by fmt instead.
constexpr double integer_path_limit = 9.0e15;

// "00".."99": two digits per step instead of one division per digit.
constexpr char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// Writes the `width` low digits of `value` at `out` (leading zeros kept).
[[gnu::always_inline]] inline void write_width(char* out, std::uint64_t value, int width) noexcept {
    while (width >= 2) {
        width -= 2;
        std::memcpy(out + width, digit_pairs + 2 * (value % 100), 2);
        value /= 100;
    }
    if (width == 1) out[0] = static_cast<char>('0' + value % 10);
}

// Number of decimal digits of `value` (at least 1).
[[gnu::always_inline]] inline int digit_count(std::uint64_t value) noexcept {
    // Measurements are small numbers: a few comparisons, no division.
    if (value < 10) return 1;
    if (value < 100) return 2;
    if (value < 1000) return 3;
    int n = 4;
    for (value /= 10000; value != 0; value /= 10) ++n;
    return n;
}

// Shared body: `trim` drops trailing zeros of the fraction (and the point with them). The
// places are a template argument so that splitting whole and fraction divides by a constant
// (a multiplication) rather than running a 64-bit division for every number written.
template <int decimals>
char* write_decimal(char* out, double value, bool trim) {
    constexpr auto scale = static_cast<std::uint64_t>(pow10_int[decimals]);
    const double scaled = value * static_cast<double>(scale);
    if (!(std::fabs(scaled) < integer_path_limit)) {
        // Beyond what any measurement needs (or not finite): the shortest form, at most 24 bytes.
        return fmt::format_to_n(out, 31, "{}", value).out;
    }
    // Round half away from zero, as std::round does, but from llrint (one instruction; round
    // is a libm call here): llrint rounds ties to even, so ties are moved outward.
    std::int64_t units = std::llrint(scaled);
    const double tie = scaled - static_cast<double>(units);
    if (tie == 0.5 && scaled > 0) ++units;
    if (tie == -0.5 && scaled < 0) --units;
    if (units < 0) {
        *out++ = '-';
        units = -units;
    }
    const std::uint64_t whole = static_cast<std::uint64_t>(units) / scale;
    std::uint64_t rest = static_cast<std::uint64_t>(units) % scale;
    const int whole_digits = digit_count(whole);
    write_width(out, whole, whole_digits);
    out += whole_digits;
    int width = decimals;
    if (trim) {
        if (rest == 0) return out;
        while (rest % 10 == 0) {
            rest /= 10;
            --width;
        }
    }
    if (width == 0) return out;
    *out++ = '.';
    write_width(out, rest, width);
    return out + width;
}

char* write_decimal(char* out, double value, int decimals, bool trim) {
    switch (decimals) {
        case 0: return write_decimal<0>(out, value, trim);
        case 1: return write_decimal<1>(out, value, trim);
        case 2: return write_decimal<2>(out, value, trim);
        case 3: return write_decimal<3>(out, value, trim);
        case 4: return write_decimal<4>(out, value, trim);
        case 5: return write_decimal<5>(out, value, trim);
        case 6: return write_decimal<6>(out, value, trim);
        case 7: return write_decimal<7>(out, value, trim);
        case 8: return write_decimal<8>(out, value, trim);
        default: return write_decimal<9>(out, value, trim);
    }
}

}  // namespace

char* write_fixed(char* out, double value, int decimals) { return write_decimal(out, value, decimals, false); }

char* write_rounded(char* out, double value, int decimals) { return write_decimal(out, value, decimals, true); }

void append_rounded(fmt::memory_buffer& out, double value, int decimals) {
    char text[32];
    out.append(text, write_rounded(text, value, decimals));
}

double round_significant(double value, int digits) noexcept {
    if (value == 0 || !std::isfinite(value)) return value;
    std::array<char, 40> text{};
    const auto written =
        std::to_chars(text.data(), text.data() + text.size(), value, std::chars_format::general, digits);
    double rounded = value;
    std::from_chars(text.data(), written.ptr, rounded);
    return rounded;
}

std::string grouped(std::uint64_t count) {
    std::string digits = std::to_string(count), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

}  // namespace track
