// What every fuzz harness shares: failing loudly, the properties of the records trk writes,
// and running a reader over an input whole and in random-sized pieces.
#pragma once

#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "adapters/byte_source.hpp"
#include "support/sources.hpp"
#include "track/error.hpp"
#include "track/json.hpp"
#include "track/record.hpp"
#include "track/validate.hpp"

namespace fuzz {

/// A property does not hold: says which and why on stderr and stops the process with a
/// trap, which libFuzzer (and the replay main) report as a crash with the input kept.
[[noreturn]] inline void fail(std::string_view property, std::string_view detail = {}) {
    fmt::print(stderr, "fuzz: property broken: {}\n{}\n", property, detail);
    std::fflush(stderr);
    __builtin_trap();
}

/// fail() unless `holds`.
inline void expect(bool holds, std::string_view property, std::string_view detail = {}) {
    if (!holds) fail(property, detail);
}

/// The input as text.
inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

/// A hash of the input (FNV-1a), for choices a harness makes per input (options, pieces):
/// the same input always makes the same choices, so every crash replays.
inline std::uint64_t hash(std::string_view data) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : data) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    return h;
}

/// Piece sizes for feeding a reader as a serial link or a pipe would: mostly 1 to 16 bytes,
/// now and then up to 4 KiB, from a generator seeded by the input.
class Pieces {
public:
    explicit Pieces(std::uint64_t seed) : state_(seed | 1) {}
    std::size_t operator()() {
        state_ ^= state_ << 13;  // xorshift64
        state_ ^= state_ >> 7;
        state_ ^= state_ << 17;
        const std::uint64_t r = state_ >> 8;
        return static_cast<std::size_t>((state_ & 3) == 0 ? 1 + r % 4096 : 1 + r % 16);
    }

private:
    std::uint64_t state_;
};

/// The JSON line trk writes for `record`, without its newline.
inline std::string json_of(const track::Record& record) {
    fmt::memory_buffer out;
    track::append_json(out, record);
    std::string text = fmt::to_string(out);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
}

/// What trk writes for a record is read back by the next stage: it re-parses (RecordParser),
/// passes validate(), and writes the same bytes again.
inline void check_round_trip(const track::Record& record) {
    static track::RecordParser parser;  // keeps its buffers from input to input
    const std::string first = json_of(record);
    track::Record again;
    try {
        again = parser.parse(first, "written");
    } catch (const track::InputError& e) {
        fail("what trk writes re-parses", first + "\n" + e.what());
    }
    std::string why = track::validate(again);
    expect(why.empty(), "what trk writes re-parses to a valid record", first + "\n" + why);
    const std::string second = json_of(again);
    expect(second == first, "what trk writes re-parses to the same bytes", first + "\n" + second);
}

/// Every record a reader or a stage writes passes validate() as it is (already in canonical
/// form), and round-trips.
inline void check_written(const track::Record& record) {
    track::Record copy = record;
    const std::string why = track::validate(copy);
    expect(why.empty(), "every record written passes validate()", json_of(record) + "\n" + why);
    expect(json_of(copy) == json_of(record), "every record written is in canonical form",
           json_of(record) + "\n" + json_of(copy));
    check_round_trip(record);
}

/// What a reader made of one input: the JSON of what it wrote (and anything else a harness
/// notes), the problems it reported, and the error that stopped it.
struct Transcript {
    std::string out;
    test::Problems problems;
    std::string error;

    /// A record the reader wrote: checked (check_written), then noted.
    void write(const track::Record& record) {
        check_written(record);
        out += json_of(record);
        out += '\n';
    }
};

/// Runs `read(source, transcript)` over `data` twice: in one piece, and in the random-sized
/// pieces of Pieces(hash(data)). Records written are checked as they come; the two runs
/// must write, report and throw the same: a reader must not depend on how its bytes arrive.
/// A track::Error thrown is part of the transcript; any other exception escapes (a crash).
template <typename Read>
void check_pieces(std::string_view data, Read read) {
    const auto run = [&](adapters::ByteSource& source) {
        Transcript t;
        try {
            read(source, t);
        } catch (const track::Error& e) {
            t.error = e.what();
        }
        return t;
    };
    test::SlowSource whole(std::string(data), data.size() + 1, "fuzz");
    const Transcript one = run(whole);
    test::SlowSource pieces(std::string(data), Pieces(hash(data)), "fuzz");
    const Transcript many = run(pieces);
    expect(one.out == many.out, "the same records whatever pieces the bytes come in", one.out + "----\n" + many.out);
    expect(one.problems.seen == many.problems.seen, "the same problems whatever pieces the bytes come in",
           fmt::format("{}\n----\n{}", fmt::join(one.problems.seen, "\n"), fmt::join(many.problems.seen, "\n")));
    expect(one.error == many.error, "the same error whatever pieces the bytes come in", one.error + "\n" + many.error);
}

/// Calls `on_line` for each line of `text` (split at '\n', the newline left out).
template <typename OnLine>
void for_each_line(std::string_view text, OnLine on_line) {
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        on_line(text.substr(0, end));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
}

}  // namespace fuzz
