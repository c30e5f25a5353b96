// What a command says on standard error about skipped input: the first few problems in
// full, then a per-reason summary; with --strict the first problem ends the run. Under
// --quiet (set_quiet) none of it is printed.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "track/problems.hpp"

namespace cli {

/// --quiet: warnings, notes, summaries and progress stay off standard error; errors do not.
void set_quiet(bool quiet) noexcept;
[[nodiscard]] bool quiet() noexcept;

class Diagnostics final : public track::ProblemSink {
public:
    /// `command` prefixes every line ("read nmea" gives "trk read nmea: ...").
    Diagnostics(std::string command, bool strict, int shown = 10);

    /// Reports one skipped piece of input (see track::ProblemSink). Throws
    /// track::InputError instead when strict.
    void skipped(const track::Location& where, std::string_view reason, std::string_view detail) override;

    /// One informational line on standard error ("trk read nmea: /dev/ttyUSB0: reopened").
    void note(std::string_view message) const;

    /// Prints the per-reason summary when anything was skipped.
    void summary() const;

    [[nodiscard]] std::uint64_t skipped_count() const { return total_; }

private:
    std::string prefix_;
    bool strict_;
    int shown_;
    std::uint64_t total_ = 0;
    std::map<std::string, std::uint64_t, std::less<>> by_reason_;
};

}  // namespace cli
