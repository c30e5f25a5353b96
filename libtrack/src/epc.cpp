// GS1 EPC binary codec (TDS 1.13 sections 14-15): one table of schemes drives both directions.
//
// Readings of the standard that the code depends on:
// - Bits after the scheme's length. TDS 15.2.2 hands the decoder the whole EPC bank (16 * L bits
//   from the PC word) and 15.1.1 fills what the scheme leaves unused with zero bits. We accept
//   excess bits only when they are all zero: ignoring non-zero ones would give two different
//   memory contents the same identity, which is worse for tracking than reporting the raw URI.
// - 7-bit strings (TDS 14.4.5): characters up to the first all-zero segment; everything after it
//   must be zero; at least one character (the URI grammar has no empty serial) and at most the
//   scheme's character count; every character must be in Table A-1.
// - The 24 unallocated bits of sscc-96 must be zero, like any other padding.
// - URI escapes: Table A-1 escapes exactly " % & / < > ? (%22 %25 %26 %2F %3C %3E %3F). Encoding
//   accepts those escapes in either case of hex digit (RFC 3986 makes them equivalent) and
//   rejects any other escape and the seven characters unescaped; decoding writes upper case.
#include "track/epc.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

namespace track::epc {

namespace {

// How the field after the company prefix is coded (TDS 14.3.3-14.3.6, 14.4.3-14.4.6).
enum class Second : std::uint8_t {
    padded,    // "Partition Table": exactly K digits, leading zeros kept; K = 0 gives an empty field
    unpadded,  // "Unpadded Partition Table": a decimal integer without leading zeros (giai-96)
    string,    // "String Partition Table": 1 to K characters of Table A-1, 7 bits each (giai-202)
};

// The field after the partitioned pair.
enum class Tail : std::uint8_t {
    none,     // giai: the partitioned pair ends the EPC
    zero,     // sscc-96: unallocated bits, always zero, not in the URI
    integer,  // "Integer": a decimal integer without leading zeros
    string,   // "String": 1 to tail_chars characters of Table A-1, 7 bits each
};

struct Scheme {
    std::uint8_t header;
    std::string_view name;         // the tag URI's scheme: sgtin-96
    std::string_view pure;         // the pure identity URI's scheme: sgtin
    int bits;                      // length of the binary encoding
    int partitioned_bits;          // company prefix + second field, whatever the partition
    int partitioned_digits;        // company prefix digits + second field digits (characters for giai-202)
    Second second;                 // how the second field is coded
    std::string_view second_name;  // what the second field is called in messages
    Tail tail;                     // how the last field is coded
    int tail_bits;                 // its width
    int tail_chars;                // the most characters a string tail holds
    std::string_view tail_name;    // what the last field is called in messages
};

// TDS 14.5 coding tables, by header. Every field starts at bit 14 (header 8, filter 3, partition 3).
constexpr Scheme schemes[] = {
    {0x30, "sgtin-96", "sgtin", 96, 44, 13, Second::padded, "item reference", Tail::integer, 38, 0, "serial"},
    {0x31, "sscc-96", "sscc", 96, 58, 17, Second::padded, "serial reference", Tail::zero, 24, 0, ""},
    {0x32, "sgln-96", "sgln", 96, 41, 12, Second::padded, "location reference", Tail::integer, 41, 0, "extension"},
    {0x33, "grai-96", "grai", 96, 44, 12, Second::padded, "asset type", Tail::integer, 38, 0, "serial"},
    {0x34, "giai-96", "giai", 96, 82, 25, Second::unpadded, "individual asset reference", Tail::none, 0, 0, ""},
    {0x36, "sgtin-198", "sgtin", 198, 44, 13, Second::padded, "item reference", Tail::string, 140, 20, "serial"},
    {0x37, "grai-170", "grai", 170, 44, 12, Second::padded, "asset type", Tail::string, 112, 16, "serial"},
    {0x38, "giai-202", "giai", 202, 188, 30, Second::string, "individual asset reference", Tail::none, 0, 0, ""},
    {0x39, "sgln-195", "sgln", 195, 41, 12, Second::padded, "location reference", Tail::string, 140, 20, "extension"},
};

constexpr int first_field_bit = 14;

// Company prefix bits by partition value; the prefix has 12 - partition digits, and the second
// field takes the scheme's remaining bits and digits. This one column generates every partition
// table of TDS 14.5 for these schemes (e.g. sgtin: 40/12 + 4/1 ... 20/6 + 24/7).
constexpr int prefix_bits[7] = {40, 37, 34, 30, 27, 24, 20};

constexpr int min_prefix_digits = 6;
constexpr int max_prefix_digits = 12;

constexpr std::uint64_t pow10[20] = {1ULL,
                                     10ULL,
                                     100ULL,
                                     1000ULL,
                                     10000ULL,
                                     100000ULL,
                                     1000000ULL,
                                     10000000ULL,
                                     100000000ULL,
                                     1000000000ULL,
                                     10000000000ULL,
                                     100000000000ULL,
                                     1000000000000ULL,
                                     10000000000000ULL,
                                     100000000000000ULL,
                                     1000000000000000ULL,
                                     10000000000000000ULL,
                                     100000000000000000ULL,
                                     1000000000000000000ULL,
                                     10000000000000000000ULL};

const Scheme* scheme_by_header(unsigned header) noexcept {
    for (const Scheme& scheme : schemes) {
        if (scheme.header == header) return &scheme;
    }
    return nullptr;
}

// The first 256 bits of an EPC, most significant first, plus a zero word so that a field
// ending at bit 256 can read one word ahead.
struct Bits {
    std::uint64_t word[5] = {};

    // The `count` (0..64) bits from bit `pos` as an unsigned integer.
    [[nodiscard]] std::uint64_t get(int pos, int count) const noexcept {
        if (count == 0) return 0;
        const int off = pos & 63;
        std::uint64_t top = word[pos >> 6] << off;
        if (off != 0) top |= word[(pos >> 6) + 1] >> (64 - off);
        return top >> (64 - count);
    }

    // Stores the low `count` (0..64) bits of `value` at bit `pos` (which holds zeros).
    void put(int pos, int count, std::uint64_t value) noexcept {
        if (count == 0) return;
        const int off = pos & 63;
        word[pos >> 6] |= (value << (64 - count)) >> off;
        if (off + count > 64) word[(pos >> 6) + 1] |= value << (128 - off - count);
    }

    // True when bits [from, to) are all zero.
    [[nodiscard]] bool zero(int from, int to) const noexcept {
        while (from < to) {
            const int count = std::min(64 - (from & 63), to - from);
            if (get(from, count) != 0) return false;
            from += count;
        }
        return true;
    }
};

constexpr std::uint8_t not_hex = 0xFF;

constexpr std::array<std::uint8_t, 256> hex_values = [] {
    std::array<std::uint8_t, 256> table{};
    table.fill(not_hex);
    for (int c = 0; c < 10; ++c) table['0' + c] = static_cast<std::uint8_t>(c);
    for (int c = 0; c < 6; ++c) {
        table['A' + c] = static_cast<std::uint8_t>(10 + c);
        table['a' + c] = static_cast<std::uint8_t>(10 + c);
    }
    return table;
}();

constexpr char hex_digits[] = "0123456789ABCDEF";

// TDS Table A-1 (the GS1 AI encodable character set 82): the characters that appear as
// themselves in a URI, and those that a URI must escape.
constexpr std::string_view plain_punctuation = "!'()*+,-.:;=_";
constexpr std::string_view escaped_punctuation = "\"%&/<>?";
constexpr std::string_view allowed_characters = "A-Z a-z 0-9 ! \" % & ' ( ) * + , - . / : ; < = > ? _";

constexpr bool is_alphanumeric(int c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// The URI form of each 7-bit value: empty for values outside Table A-1.
struct UriForm {
    char text[3] = {};
    std::uint8_t size = 0;
};

constexpr std::array<UriForm, 128> uri_forms = [] {
    std::array<UriForm, 128> table{};
    for (int c = 1; c < 128; ++c) {
        if (is_alphanumeric(c) || plain_punctuation.find(static_cast<char>(c)) != std::string_view::npos) {
            table[c] = {{static_cast<char>(c)}, 1};
        } else if (escaped_punctuation.find(static_cast<char>(c)) != std::string_view::npos) {
            table[c] = {{'%', hex_digits[c >> 4], hex_digits[c & 15]}, 3};
        }
    }
    return table;
}();

// Writes `value` as exactly `width` digits (it is below 10^width; width 0 writes nothing).
char* write_padded(char* out, std::uint64_t value, int width) noexcept {
    if (width == 0) return out;
    const fmt::format_int digits(value);
    const auto zeros = static_cast<std::size_t>(width) - digits.size();
    std::memset(out, '0', zeros);
    std::memcpy(out + zeros, digits.data(), digits.size());
    return out + width;
}

char* write_integer(char* out, std::uint64_t value) noexcept {
    const fmt::format_int digits(value);
    std::memcpy(out, digits.data(), digits.size());
    return out + digits.size();
}

// Writes the URI form of the 7-bit string in bits [pos, pos + bits); nullptr when it is not
// 1..max_chars characters of Table A-1 followed by zero bits only.
char* write_string(char* out, const Bits& epc, int pos, int bits, int max_chars) noexcept {
    const int end = pos + bits;
    int chars = 0;
    for (; pos + 7 <= end; pos += 7) {
        const auto c = epc.get(pos, 7);
        if (c == 0) break;
        const UriForm& form = uri_forms[c];
        if (form.size == 0 || chars == max_chars) return nullptr;
        std::memcpy(out, form.text, 3);  // the buffer has room; only `size` bytes count
        out += form.size;
        ++chars;
    }
    if (chars == 0 || !epc.zero(pos, end)) return nullptr;
    return out;
}

// Decodes a GS1 scheme into `out`; false (with `out` untouched) when the bits are not a valid
// encoding of a scheme trk knows. `tail_nonzero` tells whether any bit past the first 256 is set.
bool decode_gs1(const Bits& epc, std::size_t bit_count, bool tail_nonzero, Identity& out) {
    const Scheme* scheme = scheme_by_header(static_cast<unsigned>(epc.get(0, 8)));
    if (scheme == nullptr || bit_count < static_cast<std::size_t>(scheme->bits)) return false;
    const int stored_bits = static_cast<int>(std::min<std::size_t>(bit_count, 256));
    if (tail_nonzero || !epc.zero(scheme->bits, stored_bits)) return false;

    const auto filter = static_cast<int>(epc.get(8, 3));
    const auto partition = static_cast<int>(epc.get(11, 3));
    if (partition > 6) return false;

    // "urn:epc:tag:" NAME ":" FILTER "." FIELDS; the pure URI reuses FIELDS.
    constexpr std::string_view tag_prefix = "urn:epc:tag:";
    char text[256];
    char* w = text;
    std::memcpy(w, tag_prefix.data(), tag_prefix.size());
    w += tag_prefix.size();
    std::memcpy(w, scheme->name.data(), scheme->name.size());
    w += scheme->name.size();
    *w++ = ':';
    *w++ = static_cast<char>('0' + filter);
    *w++ = '.';
    const char* const fields = w;

    const int prefix_digits = max_prefix_digits - partition;
    const std::uint64_t prefix = epc.get(first_field_bit, prefix_bits[partition]);
    if (prefix >= pow10[prefix_digits]) return false;
    w = write_padded(w, prefix, prefix_digits);
    *w++ = '.';

    int pos = first_field_bit + prefix_bits[partition];
    const int second_bits = scheme->partitioned_bits - prefix_bits[partition];
    const int second_digits = scheme->partitioned_digits - prefix_digits;
    if (scheme->second == Second::string) {
        w = write_string(w, epc, pos, second_bits, second_digits);
        if (w == nullptr) return false;
    } else {
        const std::uint64_t value = epc.get(pos, second_bits);
        if (value >= pow10[second_digits]) return false;
        w = scheme->second == Second::padded ? write_padded(w, value, second_digits) : write_integer(w, value);
    }
    pos += second_bits;

    switch (scheme->tail) {
        case Tail::none: break;
        case Tail::zero:
            if (epc.get(pos, scheme->tail_bits) != 0) return false;
            break;
        case Tail::integer:
            *w++ = '.';
            w = write_integer(w, epc.get(pos, scheme->tail_bits));
            break;
        case Tail::string:
            *w++ = '.';
            w = write_string(w, epc, pos, scheme->tail_bits, scheme->tail_chars);
            if (w == nullptr) return false;
            break;
    }

    out.scheme.assign(scheme->name);
    out.filter = filter;
    out.tag_uri.assign(text, static_cast<std::size_t>(w - text));
    out.pure_uri.assign("urn:epc:id:");
    out.pure_uri.append(scheme->pure);
    out.pure_uri.push_back(':');
    out.pure_uri.append(fields, static_cast<std::size_t>(w - fields));
    return true;
}

// TDS 15.2.1: urn:epc:raw:BITS.xHEX, hex in upper case.
void decode_raw(std::string_view hex, Identity& out) {
    out.scheme.clear();
    out.filter = -1;
    out.tag_uri.assign("urn:epc:raw:");
    const fmt::format_int bits(4 * hex.size());
    out.tag_uri.append(bits.data(), bits.size());
    out.tag_uri.append(".x");
    const std::size_t start = out.tag_uri.size();
    out.tag_uri.resize(start + hex.size());
    char* digits = out.tag_uri.data() + start;
    for (const char c : hex) *digits++ = c >= 'a' ? static_cast<char>(c - ('a' - 'A')) : c;
    out.pure_uri = out.tag_uri;
}

// ---- Encoding ----

// Messages quote the URI's parts, which may hold any byte: control bytes are written \xNN, so
// that what() (a C string) is not cut short at a NUL and the reason always shows.
[[noreturn]] void fail(std::string_view message) {
    std::string text;
    for (const char c : message) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F) text += fmt::format("\\x{:02X}", byte);
        else text += c;
    }
    throw EncodeError(text);
}

// `name value`, or `name (empty)`: how messages point at a field.
std::string shown(std::string_view name, std::string_view value) {
    return value.empty() ? fmt::format("{} (empty)", name) : fmt::format("{} {}", name, value);
}

bool all_digits(std::string_view text) noexcept {
    for (const char c : text) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

// A field of "Integer" coding: decimal digits, no leading zero, below 2^bits.
std::uint64_t parse_integer(std::string_view value, int bits, std::string_view name, const Scheme& scheme) {
    if (value.empty()) fail(fmt::format("{} is empty", name));
    if (!all_digits(value)) fail(fmt::format("{} {} is not a decimal number", name, value));
    if (value.size() > 1 && value[0] == '0') {
        fail(fmt::format("{} {} has a leading zero, which {} forbids", name, value, scheme.name));
    }
    const std::uint64_t limit = std::uint64_t{1} << bits;  // bits <= 62 in every table
    std::uint64_t number = 0;
    for (const char c : value) {
        // Checked before multiplying, so that 25 digits cannot wrap around.
        if (number > (limit - 1) / 10) number = limit;
        if (number < limit) number = number * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (number >= limit) fail(fmt::format("{} {} does not fit in {} bits", name, value, bits));
    return number;
}

// How a message names a character the user wrote.
std::string shown_character(char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte > ' ' && byte < 0x7F) return fmt::format("character '{}'", c);
    return fmt::format("byte 0x{:02X}", byte);
}

// Stores a string field (URI form) as 7-bit characters from bit `pos`; `context` names the
// scheme (and partition) in the message about the character count.
void put_string(Bits& epc, int pos, std::string_view value, int max_chars, std::string_view name,
                std::string_view context) {
    if (value.empty()) fail(fmt::format("{} is empty", name));
    int chars = 0;
    for (std::size_t i = 0; i < value.size(); ++i, ++chars) {
        char c = value[i];
        if (c == '%') {
            const std::string_view escape = value.substr(i, 3);
            const auto high = escape.size() == 3 ? hex_values[static_cast<unsigned char>(escape[1])] : not_hex;
            const auto low = escape.size() == 3 ? hex_values[static_cast<unsigned char>(escape[2])] : not_hex;
            c = static_cast<char>(high * 16 + low);
            if (high == not_hex || low == not_hex || escaped_punctuation.find(c) == std::string_view::npos) {
                fail(fmt::format("escape {} in {} {} is not allowed (allowed: %22 %25 %26 %2F %3C %3E %3F)", escape,
                                 name, value));
            }
            i += 2;
        } else if (escaped_punctuation.find(c) != std::string_view::npos) {
            const UriForm& form = uri_forms[static_cast<unsigned char>(c)];
            fail(fmt::format("character '{}' in {} {} must be written {} in a URI", c, name, value,
                             std::string_view(form.text, form.size)));
        } else if (!is_alphanumeric(static_cast<unsigned char>(c)) &&
                   plain_punctuation.find(c) == std::string_view::npos) {
            fail(fmt::format("{} in {} {} is not allowed in a GS1 string (allowed: {})", shown_character(c), name,
                             value, allowed_characters));
        }
        if (chars < max_chars) epc.put(pos + 7 * chars, 7, static_cast<std::uint64_t>(c));
    }
    if (chars > max_chars) {
        fail(fmt::format("{} {} has {} characters; {} takes at most {}", name, value, chars, context, max_chars));
    }
}

const Scheme& scheme_by_name(std::string_view name) {
    for (const Scheme& scheme : schemes) {
        if (scheme.name == name) return scheme;
    }
    std::string known;
    for (const Scheme& scheme : schemes) {
        if (!known.empty()) known += ' ';
        known += scheme.name;
    }
    fail(fmt::format("unknown scheme {} (known: {})", name, known));
}

std::string_view plural(std::size_t count, std::string_view word_one, std::string_view word_many) {
    return count == 1 ? word_one : word_many;
}

}  // namespace

bool decode(std::string_view hex, Identity& out) {
    if (hex.empty()) return false;
    Bits epc;
    bool tail_nonzero = false;
    for (std::size_t i = 0; i < hex.size(); ++i) {
        const std::uint8_t nibble = hex_values[static_cast<unsigned char>(hex[i])];
        if (nibble == not_hex) return false;
        if (i < 64) {
            epc.word[i >> 4] |= std::uint64_t{nibble} << (60 - 4 * (i & 15));
        } else {
            tail_nonzero |= nibble != 0;
        }
    }
    if (!decode_gs1(epc, 4 * hex.size(), tail_nonzero, out)) decode_raw(hex, out);
    return true;
}

std::string encode(std::string_view tag_uri) {
    constexpr std::string_view prefix = "urn:epc:tag:";
    if (!tag_uri.starts_with(prefix)) {
        fail(fmt::format("{} is not an EPC tag URI (urn:epc:tag:SCHEME:FILTER.FIELDS)", tag_uri));
    }
    std::string_view rest = tag_uri.substr(prefix.size());
    const auto colon = rest.find(':');
    const Scheme& scheme = scheme_by_name(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);

    // FILTER.COMPANY.SECOND[.TAIL]: the last field takes the remainder, since a string may hold dots.
    const bool has_tail = scheme.tail == Tail::integer || scheme.tail == Tail::string;
    const std::size_t field_count = has_tail ? 4 : 3;
    std::string_view field[4];
    std::string_view remainder = rest;
    for (std::size_t i = 0; i + 1 < field_count; ++i) {
        const auto dot = remainder.find('.');
        if (dot == std::string_view::npos) {
            fail(fmt::format("{} takes filter.company prefix.{}{}{}, got {}", scheme.name, scheme.second_name,
                             has_tail ? "." : "", scheme.tail_name, rest.empty() ? "nothing" : rest));
        }
        field[i] = remainder.substr(0, dot);
        remainder = remainder.substr(dot + 1);
    }
    field[field_count - 1] = remainder;

    const std::string_view filter = field[0];
    if (filter.size() == 1 && filter[0] >= '0' && filter[0] <= '9') {
        if (filter[0] > '7') fail(fmt::format("filter {} is out of range 0-7", filter));
    } else {
        fail(fmt::format("{} must be one digit 0-7", shown("filter", filter)));
    }

    const std::string_view company = field[1];
    if (company.empty()) fail("company prefix is empty");
    if (!all_digits(company)) fail(fmt::format("company prefix {} is not all digits", company));
    if (company.size() < min_prefix_digits || company.size() > max_prefix_digits) {
        fail(fmt::format("company prefix {} has {} {}; {} takes {} to {}", company, company.size(),
                         plural(company.size(), "digit", "digits"), scheme.name, min_prefix_digits, max_prefix_digits));
    }
    const int prefix_digits = static_cast<int>(company.size());
    const int partition = max_prefix_digits - prefix_digits;
    const std::string context = fmt::format("with a {}-digit company prefix {}", prefix_digits, scheme.name);

    Bits epc;
    epc.put(0, 8, scheme.header);
    epc.put(8, 3, static_cast<std::uint64_t>(filter[0] - '0'));
    epc.put(11, 3, static_cast<std::uint64_t>(partition));
    std::uint64_t company_value = 0;
    for (const char c : company) company_value = company_value * 10 + static_cast<std::uint64_t>(c - '0');
    epc.put(first_field_bit, prefix_bits[partition], company_value);

    int pos = first_field_bit + prefix_bits[partition];
    const int second_bits = scheme.partitioned_bits - prefix_bits[partition];
    const int second_digits = scheme.partitioned_digits - prefix_digits;
    const std::string_view second = field[2];
    switch (scheme.second) {
        case Second::padded: {
            if (!all_digits(second)) fail(fmt::format("{} {} is not all digits", scheme.second_name, second));
            if (second.size() != static_cast<std::size_t>(second_digits)) {
                fail(fmt::format("{} has {} {}; {} takes {}", shown(scheme.second_name, second), second.size(),
                                 plural(second.size(), "digit", "digits"), context, second_digits));
            }
            std::uint64_t value = 0;
            for (const char c : second) value = value * 10 + static_cast<std::uint64_t>(c - '0');
            epc.put(pos, second_bits, value);
            break;
        }
        case Second::unpadded:
            epc.put(pos, second_bits, parse_integer(second, second_bits, scheme.second_name, scheme));
            break;
        case Second::string: put_string(epc, pos, second, second_digits, scheme.second_name, context); break;
    }
    pos += second_bits;

    if (scheme.tail == Tail::integer) {
        epc.put(pos, scheme.tail_bits, parse_integer(field[3], scheme.tail_bits, scheme.tail_name, scheme));
    } else if (scheme.tail == Tail::string) {
        put_string(epc, pos, field[3], scheme.tail_chars, scheme.tail_name, scheme.name);
    }

    // The EPC bank holds whole 16-bit words; the bits after the scheme's length stay zero.
    const int digits = (scheme.bits + 15) / 16 * 4;
    std::string hex(static_cast<std::size_t>(digits), '0');
    for (int i = 0; i < digits; ++i) hex[i] = hex_digits[epc.get(4 * i, 4)];
    return hex;
}

}  // namespace track::epc
