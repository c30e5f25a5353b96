// NMEA 0183 framing: candidates start at `$`/`!`, end at `*HH`; one pass checks and splits.
#include "adapters/nmea_sentence.hpp"

#include <bit>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "track/number.hpp"

namespace adapters::nmea {

std::optional<int> parse_time_of_day(std::string_view text) {
    if (text.size() < 6 || (text.size() > 6 && text[6] != '.') || text.size() == 7) return std::nullopt;
    int digit[6];
    for (int i = 0; i < 6; ++i) {
        digit[i] = text[i] - '0';
        if (static_cast<unsigned>(digit[i]) > 9) return std::nullopt;
    }
    const int hh = digit[0] * 10 + digit[1];
    const int mm = digit[2] * 10 + digit[3];
    const int ss = digit[4] * 10 + digit[5];
    if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
    int ms = 0;
    int scale = 100;
    for (std::size_t i = 7; i < text.size(); ++i) {
        const int d = text[i] - '0';
        if (static_cast<unsigned>(d) > 9) return std::nullopt;
        ms += d * scale;  // digits past the third add 0: milliseconds are truncated
        scale /= 10;
    }
    return ((hh * 60 + mm) * 60 + ss) * 1000 + ms;
}

unsigned checksum(std::string_view body) noexcept {
    unsigned sum = 0;
    for (const char c : body) sum ^= static_cast<unsigned char>(c);
    return sum;
}

namespace {

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    // Lower-case hex is outside the standard, but gpsd accepts it and so do we.
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

bool is_start(char c) noexcept { return c == '$' || c == '!'; }

// Word-at-a-time helpers (8 bytes per step): the bytes of a clean sentence are scanned once
// for commas and checksum instead of one branchy step per byte.
constexpr std::uint64_t repeat(unsigned char c) noexcept { return 0x0101010101010101ULL * c; }
constexpr std::uint64_t low7 = repeat(0x7F);
constexpr std::uint64_t high = repeat(0x80);

// 0x80 in each byte of `w` that is zero, 0 elsewhere (exact: no carries between bytes).
constexpr std::uint64_t zero_bytes(std::uint64_t w) noexcept { return ~(((w & low7) + low7) | w | low7); }

// 0x80 in each byte of `w` equal to `c`.
constexpr std::uint64_t bytes_equal(std::uint64_t w, unsigned char c) noexcept { return zero_bytes(w ^ repeat(c)); }

// 0x80 in each byte outside printable ASCII 0x20..0x7E.
constexpr std::uint64_t unprintable_bytes(std::uint64_t w) noexcept {
    const std::uint64_t ascii = w & low7;
    return (w & high) | (~(ascii + repeat(0x60)) & high) | ((ascii + repeat(0x01)) & high);
}

bool valid_address(std::string_view address) noexcept {
    if (address.empty()) return false;
    for (const char c : address) {
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
    }
    // Proprietary: P + maker code (+ type). Standard: two-letter talker + three-letter type.
    return address.front() == 'P' ? address.size() >= 4 : address.size() == 5;
}

}  // namespace

Framer::Status Framer::refuse(std::string_view reason) {
    reason_ = reason;
    return Status::problem;
}

std::optional<Framer::Status> Framer::scan_clean(const char* begin, const char* star, Sentence& out) {
    std::uint64_t sum_words = 0;
    out.count_ = 0;
    const char* field_start = begin;
    const char* p = begin;
    auto add_field = [&](const char* end) {
        if (out.count_ == Sentence::max_fields) return false;
        out.set(out.count_++, field_start, end);
        field_start = end + 1;
        return true;
    };
#if defined(__SSE2__)
    // 16 bytes a step (SSE2 is part of x86-64): XOR into a vector, commas from a bit mask.
    __m128i sum_vector = _mm_setzero_si128();
    const __m128i dollar = _mm_set1_epi8('$');
    const __m128i bang = _mm_set1_epi8('!');
    const __m128i asterisk = _mm_set1_epi8('*');
    const __m128i comma = _mm_set1_epi8(',');
    const __m128i below_space = _mm_set1_epi8(0x20 - 1);  // signed compare: bytes >= 0x80 are negative
    const __m128i delete_char = _mm_set1_epi8(0x7F);
    for (; star - p >= 16; p += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const __m128i special =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, dollar), _mm_cmpeq_epi8(v, bang)),
                         _mm_or_si128(_mm_cmpeq_epi8(v, asterisk),
                                      _mm_or_si128(_mm_cmpgt_epi8(below_space, v), _mm_cmpeq_epi8(v, delete_char))));
        if (_mm_movemask_epi8(special) != 0) return std::nullopt;  // damaged or glued
        sum_vector = _mm_xor_si128(sum_vector, v);
        for (auto commas = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma))); commas != 0;
             commas &= commas - 1) {
            if (!add_field(p + __builtin_ctz(commas))) return std::nullopt;
        }
    }
    std::uint64_t halves[2];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(halves), sum_vector);
    sum_words = halves[0] ^ halves[1];
#endif
    for (; star - p >= 8; p += 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        if ((bytes_equal(w, '$') | bytes_equal(w, '!') | bytes_equal(w, '*') | unprintable_bytes(w)) != 0) {
            return std::nullopt;  // damaged or glued: the careful path reports it
        }
        sum_words ^= w;
        // Little- and big-endian alike: byte k of the word is p[k], found by position.
        for (std::uint64_t commas = bytes_equal(w, ','); commas != 0; commas &= commas - 1) {
            const int bit = __builtin_ctzll(commas);
            const int byte = std::endian::native == std::endian::little ? bit / 8 : 7 - bit / 8;
            if (!add_field(p + byte)) return std::nullopt;
        }
    }
    unsigned sum = 0;
    for (int shift = 0; shift < 64; shift += 8) sum ^= static_cast<unsigned>(sum_words >> shift) & 0xFFu;
    for (; p < star; ++p) {
        const auto c = static_cast<unsigned char>(*p);
        if (c == '$' || c == '!' || c == '*' || c < 0x20 || c > 0x7E) return std::nullopt;
        if (c == ',' && !add_field(p)) return std::nullopt;
        sum ^= c;
    }
    if (!add_field(star)) return std::nullopt;
    const int hi = hex_value(star[1]);
    const int lo = hex_value(star[2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    const auto stated = static_cast<unsigned>(hi * 16 + lo);
    rest_ = {};
    if (stated != sum) {
        const auto n = fmt::format_to_n(detail_.data(), detail_.size(), "computed {:02X}, sentence says {:c}{:c}", sum,
                                        star[1], star[2]);
        detail_len_ = n.size;
        return refuse("bad checksum");
    }
    if (!valid_address(out.address())) return refuse("malformed address field");
    return Status::sentence;
}

Framer::Status Framer::next(Sentence& out) {
    detail_len_ = 0;
    // Blanks around a sentence are harmless (beidou-bd.log has a sentence after a space).
    while (!rest_.empty() && (rest_.front() == ' ' || rest_.front() == '\t')) rest_.remove_prefix(1);
    while (!rest_.empty() && (rest_.back() == ' ' || rest_.back() == '\t' || rest_.back() == '\r')) {
        rest_.remove_suffix(1);
    }
    if (rest_.empty()) return Status::end;

    if (!is_start(rest_.front())) {
        std::size_t start = 0;
        while (start < rest_.size() && !is_start(rest_[start])) ++start;
        rest_.remove_prefix(start);
        return refuse(rest_.empty() ? "not an NMEA sentence" : "garbage before a sentence");
    }

    const char* const begin = rest_.data() + 1;
    const char* const limit = rest_.data() + rest_.size();
    if (limit - begin >= 3 && limit[-3] == '*') {
        // The usual line, one whole sentence: try the fast scan first.
        if (const auto status = scan_clean(begin, limit - 3, out)) return *status;
    }

    // One pass: checksum, field boundaries, and the end (`*`, or the next `$`/`!`).
    const char* p = begin;
    unsigned sum = 0;
    bool binary = false;
    out.count_ = 0;
    const char* field_start = begin;
    bool too_many = false;
    for (; p < limit; ++p) {
        const char c = *p;
        if (c == '*' || is_start(c)) break;
        if (c == ',') {
            if (out.count_ < Sentence::max_fields) {
                out.set(out.count_++, field_start, p);
            } else {
                too_many = true;
            }
            field_start = p + 1;
        } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E) {
            binary = true;
        }
        sum ^= static_cast<unsigned char>(c);
    }
    if (out.count_ < Sentence::max_fields) {
        out.set(out.count_++, field_start, p);
    } else {
        too_many = true;
    }

    if (p == limit || is_start(*p)) {
        // No checksum: the sentence ends here, or was cut short by the next one.
        rest_.remove_prefix(static_cast<std::size_t>(p - rest_.data()));
        if (binary) return refuse("binary garbage");
        return refuse(p == limit ? "no checksum" : "sentence cut short");
    }
    // *HH
    const char* after = p + 3;
    if (after > limit || hex_value(p[1]) < 0 || hex_value(p[2]) < 0) {
        rest_ = {};
        return refuse(binary ? "binary garbage" : "malformed checksum");
    }
    rest_.remove_prefix(static_cast<std::size_t>(after - rest_.data()));
    if (binary) return refuse("binary garbage");
    const auto stated = static_cast<unsigned>(hex_value(p[1]) * 16 + hex_value(p[2]));
    if (stated != sum) {
        const auto n = fmt::format_to_n(detail_.data(), detail_.size(), "computed {:02X}, sentence says {:c}{:c}", sum,
                                        p[1], p[2]);
        detail_len_ = n.size;
        if (!rest_.empty() && !is_start(rest_.front())) rest_ = {};
        return refuse("bad checksum");
    }
    if (!rest_.empty() && !is_start(rest_.front())) {
        // `*HH` followed by more than a line ending: spliced data; the checksum proves nothing.
        rest_ = {};
        return refuse("data after the checksum");
    }
    if (too_many) return refuse("too many fields");
    if (!valid_address(out.address())) return refuse("malformed address field");
    return Status::sentence;
}

}  // namespace adapters::nmea
