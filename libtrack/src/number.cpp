// Strict number parsing and integer-based fixed-point formatting, for hot output paths.
#include "track/number.hpp"

#include <charconv>
#include <cmath>

namespace track {

std::optional<int> parse_uint(std::string_view text) noexcept {
    if (text.empty() || text.size() > 9) return std::nullopt;
    int value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

std::optional<std::int64_t> parse_int(std::string_view text) noexcept {
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    if (text.empty() || text.front() == '+') return std::nullopt;
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::optional<double> parse_decimal(std::string_view text) noexcept {
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    if (text.empty() || text.front() == '+') return std::nullopt;
    // from_chars(fixed) rejects exponents; it would accept "inf" and "nan", refused below.
    double value = 0;
    const auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
    if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

namespace {

constexpr std::int64_t pow10[] = {1,          10,          100,          1000,        10000,
                                  100000,     1000000,     10000000,     100000000,   1000000000};

// Values whose scaled form does not fit comfortably in an int64 are written by fmt instead.
constexpr double integer_path_limit = 9.0e15;

}  // namespace

void append_fixed(fmt::memory_buffer& out, double value, int decimals) {
    const double scaled = std::round(value * static_cast<double>(pow10[decimals]));
    if (!(std::fabs(scaled) < integer_path_limit)) {
        fmt::format_to(std::back_inserter(out), "{:.{}f}", value, decimals);
        return;
    }
    auto units = static_cast<std::int64_t>(scaled);
    if (units < 0) {
        out.push_back('-');
        units = -units;
    }
    const fmt::format_int whole(units / pow10[decimals]);
    out.append(whole.data(), whole.data() + whole.size());
    if (decimals == 0) return;
    char frac[10];
    std::int64_t rest = units % pow10[decimals];
    for (int i = decimals - 1; i >= 0; --i) {
        frac[i] = static_cast<char>('0' + rest % 10);
        rest /= 10;
    }
    out.push_back('.');
    out.append(frac, frac + decimals);
}

void append_rounded(fmt::memory_buffer& out, double value, int decimals) {
    const double scaled = std::round(value * static_cast<double>(pow10[decimals]));
    if (!(std::fabs(scaled) < integer_path_limit)) {
        fmt::format_to(std::back_inserter(out), "{}", value);
        return;
    }
    auto units = static_cast<std::int64_t>(scaled);
    if (units < 0) {
        out.push_back('-');
        units = -units;
    }
    std::int64_t rest = units % pow10[decimals];
    const fmt::format_int whole(units / pow10[decimals]);
    out.append(whole.data(), whole.data() + whole.size());
    if (rest == 0) return;
    int width = decimals;
    while (rest % 10 == 0) {
        rest /= 10;
        --width;
    }
    char frac[10];
    for (int i = width - 1; i >= 0; --i) {
        frac[i] = static_cast<char>('0' + rest % 10);
        rest /= 10;
    }
    out.push_back('.');
    out.append(frac, frac + width);
}

double round_to(double value, int decimals) noexcept {
    const auto scale = static_cast<double>(pow10[decimals]);
    return std::round(value * scale) / scale;
}

}  // namespace track
