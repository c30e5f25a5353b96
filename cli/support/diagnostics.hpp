// What a command says on standard error about skipped input: the first few problems in
// full, then a per-reason summary; with --strict the first problem ends the run. Under
// --quiet (set_quiet) none of it is printed.
#pragma once

#include <chrono>
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

/// A run's progress on standard error, for runs that can take more than a couple of
/// seconds (a large import, verify, export): one line, "trk ledger import: 120,000 records,
/// 12.0 MB of 48.0 MB", redrawn in place at most 4 times a second from the first second on,
/// and cleared when the run ends. Only when standard error is a terminal (a log file or a
/// cron mail gets none of it) and not under --quiet. Diagnostics' messages clear the line
/// before they print.
class Progress {
public:
    /// `command` prefixes the line ("ledger import"); `what` names what is counted.
    explicit Progress(std::string command, std::string what = "records");
    ~Progress();  ///< clears the line
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    /// The run has handled `records` records and `bytes` of input of `total_bytes` (0:
    /// unknown, a pipe). Cheap: call it for every record.
    void update(std::uint64_t records, std::uint64_t bytes = 0, std::uint64_t total_bytes = 0) {
        if (active_ && ++calls_ % 256 == 0) draw(records, bytes, total_bytes);
    }
    /// `done` records of `total` (0: unknown) checked.
    void update_of(std::uint64_t done, std::uint64_t total) {
        if (active_ && ++calls_ % 256 == 0) draw(done, 0, 0, total);
    }
    /// `done` of `total` for slow steps (a network round trip each): every call may draw.
    void step(std::uint64_t done, std::uint64_t total) {
        if (active_) draw(done, 0, 0, total);
    }

private:
    void draw(std::uint64_t records, std::uint64_t bytes, std::uint64_t total_bytes, std::uint64_t total_records = 0);

    std::string prefix_;
    std::string what_;
    bool active_;
    std::uint64_t calls_ = 0;
    std::chrono::steady_clock::time_point started_, drawn_;
};

}  // namespace cli
