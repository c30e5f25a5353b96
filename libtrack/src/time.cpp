// Civil-date arithmetic (Howard Hinnant's days_from_civil algorithm) and RFC 3339 conversion.
#include "track/time.hpp"

#include <cmath>
#include <cstring>

#include <climits>

#include "track/number.hpp"

namespace track {

std::int64_t days_from_civil(CivilDate date) noexcept {
    const std::int64_t y = static_cast<std::int64_t>(date.year) - (date.month <= 2 ? 1 : 0);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t m = date.month;
    const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + date.day - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

CivilDate civil_from_days(std::int64_t days) noexcept {
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const std::int64_t doe = days - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    return {static_cast<int>(y), static_cast<int>(m), static_cast<int>(d)};
}

bool is_valid_date(CivilDate date) noexcept {
    if (date.month < 1 || date.month > 12 || date.day < 1) return false;
    static constexpr int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (date.year % 4 == 0 && date.year % 100 != 0) || date.year % 400 == 0;
    const int last = month_days[date.month - 1] + (date.month == 2 && leap ? 1 : 0);
    return date.day <= last;
}

namespace {

// Writes the `width` low decimal digits of `value` (non-negative) at `at`.
void put_digits(char* at, std::int64_t value, int width) noexcept {
    for (int i = width - 1; i >= 0; --i) {
        at[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
}

}  // namespace

char* write_rfc3339(char* out, Millis t) {
    std::int64_t days = t / ms_per_day;
    std::int64_t in_day = t % ms_per_day;
    if (in_day < 0) {
        in_day += ms_per_day;
        --days;
    }
    // Consecutive records share their day: keep its text.
    thread_local std::int64_t cached_day = INT64_MIN;
    thread_local char cached_head[24];  // "-292277026-12-31T" at most
    thread_local std::size_t cached_len = 0;
    if (days != cached_day) {
        const CivilDate date = civil_from_days(days);
        // RFC 3339 has four-digit years; other years come from corrupt clocks and are
        // written anyway, so that the record still says what the device said.
        const auto r =
            (date.year >= 0 && date.year <= 9999)
                ? fmt::format_to_n(cached_head, sizeof cached_head, "{:04}-{:02}-{:02}T", date.year, date.month,
                                   date.day)
                : fmt::format_to_n(cached_head, sizeof cached_head, "{}-{:02}-{:02}T", date.year, date.month, date.day);
        cached_len = r.size;
        cached_day = days;
    }
    std::memcpy(out, cached_head, cached_len);
    out += cached_len;
    put_digits(out, in_day / 3'600'000, 2);
    out[2] = ':';
    put_digits(out + 3, in_day / 60'000 % 60, 2);
    out[5] = ':';
    put_digits(out + 6, in_day / 1000 % 60, 2);
    out[8] = '.';
    put_digits(out + 9, in_day % 1000, 3);
    out[12] = 'Z';
    return out + 13;
}

void append_rfc3339(fmt::memory_buffer& out, Millis t) {
    char text[32];
    out.append(text, write_rfc3339(text, t));
}

std::string format_rfc3339(Millis t) {
    fmt::memory_buffer out;
    append_rfc3339(out, t);
    return fmt::to_string(out);
}

namespace {

// Reads exactly `Width` (1..9) digits at text[pos..]; -1 when there are fewer or one is
// not a digit. A template without optional so that it inlines: every record's time goes
// through here six times or more.
template <std::size_t Width>
int fixed_digits(std::string_view text, std::size_t pos) noexcept {
    static_assert(Width >= 1 && Width <= 9, "fits an int");
    if (pos + Width > text.size()) return -1;
    int value = 0;
    for (std::size_t i = 0; i < Width; ++i) {
        const unsigned digit = static_cast<unsigned char>(text[pos + i]) - unsigned{'0'};
        if (digit > 9) return -1;
        value = value * 10 + static_cast<int>(digit);
    }
    return value;
}

}  // namespace

std::optional<CivilDate> parse_date(std::string_view text) noexcept {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    const int y = fixed_digits<4>(text, 0);
    const int m = fixed_digits<2>(text, 5);
    const int d = fixed_digits<2>(text, 8);
    if (y < 0 || m < 0 || d < 0) return std::nullopt;
    const CivilDate date{y, m, d};
    if (!is_valid_date(date)) return std::nullopt;
    return date;
}

namespace {

// The hours and minutes of a zone offset ("Z", "+02:00", and when `basic_offset` "+0200",
// "-07"); the sign is applied by the caller. False when `zone` is none of them.
bool parse_offset(std::string_view zone, bool basic_offset, int& oh, int& om) noexcept {
    om = 0;
    if (zone.size() == 1 && (zone[0] == 'Z' || zone[0] == 'z')) {
        oh = 0;
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
        oh = fixed_digits<2>(zone, 1);
        om = fixed_digits<2>(zone, 4);
    } else if (basic_offset && (zone.size() == 5 || zone.size() == 3) && (zone[0] == '+' || zone[0] == '-')) {
        oh = fixed_digits<2>(zone, 1);
        if (zone.size() == 5) om = fixed_digits<2>(zone, 3);
    } else {
        return false;
    }
    return oh >= 0 && om >= 0 && oh <= 23 && om <= 59;
}

// RFC 3339 and, when `basic_offset`, the ISO 8601 offsets without a colon (+0200, -07).
std::optional<Millis> parse_date_time(std::string_view text, bool basic_offset) noexcept {
    if (text.size() < 20) return std::nullopt;
    // Consecutive records share their day: keep the last valid date's text and day number.
    // The cache starts on a valid date, so only that date's text ever matches it.
    thread_local char cached_date[10] = {'1', '9', '7', '0', '-', '0', '1', '-', '0', '1'};
    thread_local std::int64_t cached_days = 0;
    if (std::memcmp(text.data(), cached_date, sizeof cached_date) != 0) {
        const auto date = parse_date(text.substr(0, 10));
        if (!date) return std::nullopt;
        std::memcpy(cached_date, text.data(), sizeof cached_date);
        cached_days = days_from_civil(*date);
    }
    const std::int64_t days = cached_days;
    if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return std::nullopt;
    if (text[13] != ':' || text[16] != ':') return std::nullopt;
    const int hh = fixed_digits<2>(text, 11);
    const int mm = fixed_digits<2>(text, 14);
    const int ss = fixed_digits<2>(text, 17);
    // A leap second (60) is folded into the next second's first instant.
    if (hh < 0 || mm < 0 || ss < 0 || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
    std::size_t pos = 19;
    Millis frac = 0;
    if (text[pos] == '.') {
        ++pos;
        const std::size_t start = pos;
        Millis scale = 100;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            frac += (text[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == start) return std::nullopt;
    }
    const std::string_view zone = text.substr(pos);
    int oh = 0;
    int om = 0;
    if (!parse_offset(zone, basic_offset, oh, om)) return std::nullopt;
    const Millis offset = static_cast<Millis>(oh * 60 + om) * 60'000 * (zone[0] == '-' ? -1 : 1);
    const Millis t = days * ms_per_day + ((hh * 60 + mm) * 60 + ss) * ms_per_second + frac - offset;
    // 9999-12-31T23:30:00-01:00 is in year 10000: a time trk could not write back as it reads.
    if (!is_rfc3339_time(t)) return std::nullopt;
    return t;
}

}  // namespace

std::optional<Millis> parse_rfc3339(std::string_view text) noexcept { return parse_date_time(text, false); }

std::optional<Millis> parse_iso8601(std::string_view text) noexcept { return parse_date_time(text, true); }

std::optional<Millis> parse_duration(std::string_view text) noexcept {
    struct Unit {
        std::string_view suffix;
        Millis scale;
    };
    static constexpr Unit units[] = {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
    if (text == "0") return 0;
    for (const Unit& unit : units) {
        if (text.size() <= unit.suffix.size() || !text.ends_with(unit.suffix)) continue;
        const std::string_view number = text.substr(0, text.size() - unit.suffix.size());
        if (number.back() < '0' || number.back() > '9') continue;  // "ms" must not match as "m" + "s"
        const auto value = parse_fixed_point(number);
        if (!value || value->mantissa < 0) return std::nullopt;
        const double ms = to_double(*value) * static_cast<double>(unit.scale);
        if (ms > 1e15) return std::nullopt;
        return static_cast<Millis>(std::llround(ms));
    }
    return std::nullopt;
}

}  // namespace track
