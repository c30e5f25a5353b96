// What unit tests share beyond tests/support/sources.hpp: a private temporary folder, and
// frame decoding in chunks and its checks.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "adapters/byte_source.hpp"
#include "adapters/rfid_frames.hpp"
#include "support/sources.hpp"
#include "track/problems.hpp"

namespace test {

/// A private folder, removed at the end of the test.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "trk-test-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] std::string file(const std::string& name) const { return (path / name).string(); }
};

/// Records problems at byte offsets as "offset:reason", and their details apart.
struct FrameProblems final : track::ProblemSink {
    std::vector<std::string> list;
    std::vector<std::string> details;
    void skipped(const track::Location& where, std::string_view reason, std::string_view detail) override {
        list.push_back(fmt::format("{}{}:{}", where.byte_offset ? "" : "line ", where.line, reason));
        details.emplace_back(detail);
    }
};

/// The bytes written in hex: "BB 02 22" (spaces ignored).
inline std::string bytes(std::string_view hex) {
    std::string out;
    std::string digits;
    for (const char c : hex) {
        if (c == ' ') continue;
        digits += c;
        if (digits.size() == 2) {
            out += static_cast<char>(std::stoi(digits, nullptr, 16));
            digits.clear();
        }
    }
    return out;
}

/// What a frame decoder made of a stream.
struct FramesDecoded {
    std::vector<std::string> tags;      ///< each report as `describe` wrote it
    std::vector<std::string> problems;  ///< "offset:reason"
    std::vector<std::string> details;
    adapters::rfid::FrameDecoder::Counts counts;
};

/// Feeds `stream` to a `Decoder` named `name` in chunks of `chunk` bytes (0: all at once),
/// checking that it never holds a maximal frame's worth of bytes.
template <typename Decoder, typename Describe>
FramesDecoded decode_frames(std::string_view stream, std::size_t chunk, const std::string& name, Describe describe) {
    FramesDecoded out;
    FrameProblems problems;
    Decoder decoder(name, problems, [&](adapters::rfid::TagReport& r) {
        CHECK(r.where.source == name);
        out.tags.push_back(describe(r));
    });
    const std::size_t step = chunk == 0 ? std::max<std::size_t>(stream.size(), 1) : chunk;
    for (std::size_t at = 0; at < stream.size(); at += step) {
        decoder.feed(stream.substr(at, step));
        CHECK(decoder.buffered() < Decoder::max_frame);
    }
    decoder.finish();
    CHECK(decoder.buffered() == 0);
    out.problems = problems.list;
    out.details = problems.details;
    out.counts = decoder.counts();
    return out;
}

/// Checks that feeding `stream` in chunks of every size from 1 byte up gives what feeding
/// it whole gave (`whole`); `decode(stream, chunk)` is the test's decoding function.
template <typename Decode>
void check_every_chunking(std::string_view stream, const FramesDecoded& whole, Decode decode) {
    for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
        CAPTURE(chunk);
        const FramesDecoded d = decode(stream, chunk);
        CHECK(d.tags == whole.tags);
        CHECK(d.problems == whole.problems);
        CHECK(d.details == whole.details);
    }
}

}  // namespace test
