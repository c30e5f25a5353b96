// What unit tests share: a private temporary folder, a source that hands out bytes a few at a time,
// and a problem sink that records what was skipped.
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

/// Hands out a string `step` bytes at a time, as a slow serial link does.
class SlowSource final : public adapters::ByteSource {
public:
    SlowSource(std::string data, std::size_t step, std::string name = "slow")
        : data_(std::move(data)), step_(step), name_(std::move(name)) {}
    std::size_t read(char* buffer, std::size_t size) override {
        const std::size_t n = std::min({size, step_, data_.size() - at_});
        std::memcpy(buffer, data_.data() + at_, n);
        at_ += n;
        return n;
    }
    [[nodiscard]] const std::string& name() const override { return name_; }

private:
    std::string data_;
    std::size_t step_;
    std::size_t at_ = 0;
    std::string name_;
};

/// Records each skipped piece of input as "place: reason (detail)".
struct Problems final : track::ProblemSink {
    std::vector<std::string> seen;
    void skipped(const track::Location& where, std::string_view reason, std::string_view detail) override {
        seen.push_back(detail.empty() ? fmt::format("{}: {}", track::to_string(where), reason)
                                      : fmt::format("{}: {} ({})", track::to_string(where), reason, detail));
    }
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
