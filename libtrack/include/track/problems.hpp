// Where adapters and stages report bad input they skipped; the command decides what to print.
#pragma once

#include <cstdint>
#include <string_view>

namespace track {

/// A place in the input: the source's display name and a 1-based line number (0: none).
struct Location {
    std::string_view source;
    std::uint64_t line = 0;
};

/// Receives every piece of input that was skipped. `reason` is a short stable phrase that
/// groups problems in the end-of-run summary ("bad checksum"); `detail` says more about
/// this one occurrence (may be empty). An implementation may throw to stop the run
/// (`--strict`).
class ProblemSink {
public:
    virtual ~ProblemSink() = default;
    virtual void skipped(const Location& where, std::string_view reason, std::string_view detail) = 0;
};

}  // namespace track
