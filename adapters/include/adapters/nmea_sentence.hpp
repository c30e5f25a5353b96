// NMEA 0183 framing: finding sentences in a line, verifying checksums, splitting fields.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace adapters::nmea {

/// One checksummed sentence, split into fields. Views point into the input line.
class Sentence {
public:
    static constexpr std::size_t max_fields = 48;

    /// The address field: "GPGGA", "PGRMZ".
    [[nodiscard]] std::string_view address() const { return view(0); }
    /// Two-letter talker ("GP", "GN", ...); empty for proprietary sentences.
    [[nodiscard]] std::string_view talker() const {
        return proprietary() ? std::string_view() : address().substr(0, 2);
    }
    /// Sentence formatter ("GGA"); for proprietary sentences the whole address ("PGRMZ").
    [[nodiscard]] std::string_view formatter() const { return proprietary() ? address() : address().substr(2); }
    [[nodiscard]] bool proprietary() const { return address().front() == 'P'; }
    /// Data field i (1-based as in the NMEA tables); empty when absent.
    [[nodiscard]] std::string_view field(std::size_t i) const { return i < count_ ? view(i) : std::string_view(); }
    /// Number of data fields (the address not counted).
    [[nodiscard]] std::size_t size() const { return count_ - 1; }

private:
    friend class Framer;
    // Plain pointers and lengths, left uninitialised: a Sentence is made for every line,
    // and value-initialising 48 string_views showed as the hottest instruction in profiles.
    struct Span {
        const char* data;
        std::size_t size;
    };
    [[nodiscard]] std::string_view view(std::size_t i) const { return {fields_[i].data, fields_[i].size}; }
    void set(std::size_t i, const char* begin, const char* end) {
        fields_[i] = Span{begin, static_cast<std::size_t>(end - begin)};
    }
    Span fields_[max_fields];
    std::size_t count_ = 0;  ///< including the address
};

/// Cuts one input line into sentences. A line normally holds one sentence, but a serial
/// link loses line endings and bytes: a line may start with garbage, or hold a sentence
/// cut short by the next one's `$`. Each `$` or `!` starts a candidate, as in gpsd's
/// packet lexer; a candidate counts only if it is whole and its checksum is right.
class Framer {
public:
    explicit Framer(std::string_view line) : rest_(line) {}

    /// Outcome of one candidate.
    enum class Status {
        sentence,  ///< `out` holds a valid sentence
        problem,   ///< a damaged candidate; reason() and detail() say why
        end,       ///< nothing left in the line
    };

    /// The next candidate of the line.
    Status next(Sentence& out);

    /// Why the last candidate was refused: a stable phrase for summaries.
    [[nodiscard]] std::string_view reason() const { return reason_; }
    /// Particulars of the last refusal (e.g. the checksums), for the message; may be empty.
    [[nodiscard]] std::string_view detail() const { return {detail_.data(), detail_len_}; }

private:
    Status refuse(std::string_view reason);
    /// The fast path for a line that is one sentence ending in `*HH` at `star`: nullopt when
    /// the line holds anything unusual (then next() takes the careful path).
    std::optional<Status> scan_clean(const char* begin, const char* star, Sentence& out);

    std::string_view rest_;
    std::string_view reason_;
    std::array<char, 64> detail_{};
    std::size_t detail_len_ = 0;
};

/// "hhmmss" or "hhmmss.fff..." as milliseconds since midnight; second 60 (a leap second)
/// is allowed. nullopt when malformed or impossible (hour 24, minute 60).
std::optional<int> parse_time_of_day(std::string_view text);

/// The XOR of the bytes of `body` (what follows `$` up to `*`).
unsigned checksum(std::string_view body) noexcept;

}  // namespace adapters::nmea
