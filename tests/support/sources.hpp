// What the unit tests and the fuzz harnesses of input adapters share: a source that hands
// out bytes in pieces, as a serial link or a pipe does, and a problem sink that records
// what was skipped.
#pragma once

#include <algorithm>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "adapters/byte_source.hpp"
#include "track/problems.hpp"

namespace test {

/// Hands out a string in pieces: `step` bytes at a time, as a slow serial link does, or
/// pieces of the sizes a function gives.
class SlowSource final : public adapters::ByteSource {
public:
    SlowSource(std::string data, std::size_t step, std::string name = "slow")
        : SlowSource(std::move(data), [step] { return step; }, std::move(name)) {}
    /// `next_size` gives the size of each piece (0 is taken as 1).
    SlowSource(std::string data, std::function<std::size_t()> next_size, std::string name)
        : data_(std::move(data)), next_size_(std::move(next_size)), name_(std::move(name)) {}
    std::size_t read(char* buffer, std::size_t size) override {
        const std::size_t n = std::min({size, std::max<std::size_t>(next_size_(), 1), data_.size() - at_});
        if (n > 0) std::memcpy(buffer, data_.data() + at_, n);
        at_ += n;
        return n;
    }
    [[nodiscard]] const std::string& name() const override { return name_; }

private:
    std::string data_;
    std::function<std::size_t()> next_size_;
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

}  // namespace test
