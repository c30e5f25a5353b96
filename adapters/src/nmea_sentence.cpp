// NMEA 0183 framing: candidates start at `$`/`!`, end at `*HH`; one pass checks and splits.
#include "adapters/nmea_sentence.hpp"

#include <cstring>

#include <fmt/format.h>

#include "track/number.hpp"

namespace adapters::nmea {

std::optional<int> parse_time_of_day(std::string_view text) {
    if (text.size() < 6 || (text.size() > 6 && text[6] != '.')) return std::nullopt;
    const auto hh = track::parse_uint(text.substr(0, 2));
    const auto mm = track::parse_uint(text.substr(2, 2));
    const auto ss = track::parse_uint(text.substr(4, 2));
    if (!hh || !mm || !ss || *hh > 23 || *mm > 59 || *ss > 60) return std::nullopt;
    int ms = 0;
    if (text.size() > 7) {
        int scale = 100;
        for (const char c : text.substr(7)) {
            if (c < '0' || c > '9') return std::nullopt;
            ms += (c - '0') * scale;
            scale /= 10;
        }
    } else if (text.size() == 7) {
        return std::nullopt;  // "hhmmss." with nothing after the point
    }
    return ((*hh * 60 + *mm) * 60 + *ss) * 1000 + ms;
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

    // One pass: checksum, field boundaries, and the end (`*`, or the next `$`/`!`).
    const char* const begin = rest_.data() + 1;
    const char* const limit = rest_.data() + rest_.size();
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
                out.fields_[out.count_++] = std::string_view(field_start, static_cast<std::size_t>(p - field_start));
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
        out.fields_[out.count_++] = std::string_view(field_start, static_cast<std::size_t>(p - field_start));
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
        rest_.remove_prefix(static_cast<std::size_t>(std::min(p + 1, limit) - rest_.data()));
        return refuse(binary ? "binary garbage" : "malformed checksum");
    }
    rest_.remove_prefix(static_cast<std::size_t>(after - rest_.data()));
    if (binary) return refuse("binary garbage");
    const auto stated = static_cast<unsigned>(hex_value(p[1]) * 16 + hex_value(p[2]));
    if (stated != sum) {
        const auto n = fmt::format_to_n(detail_.data(), detail_.size(), "computed {:02X}, sentence says {:c}{:c}",
                                        sum, p[1], p[2]);
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
