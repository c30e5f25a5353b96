// Reporting skipped input on standard error.
#include "diagnostics.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

#include "track/error.hpp"

namespace cli {

namespace {

bool quiet_run = false;
// Whether a progress line stands on standard error (without a line end), to be cleared
// before anything else is printed there.
// Atomic: notes also come from other threads (libmosquitto's network thread says what
// happens to a broker connection).
std::atomic<bool> progress_shown{false};

void clear_progress() {
    if (!progress_shown.exchange(false)) return;
    (void)std::fputs("\r\033[K", stderr);
}

}  // namespace

void set_quiet(bool quiet) noexcept { quiet_run = quiet; }

bool quiet() noexcept { return quiet_run; }

Diagnostics::Diagnostics(std::string command, bool strict, int shown)
    : prefix_("trk " + std::move(command) + ": "), strict_(strict), shown_(shown) {}

namespace {

// Input quoted in a message: control bytes become '?' (a binary file or a wrong baud rate
// must not reach the terminal raw) and long text is cut.
std::string printable(std::string_view text) {
    constexpr std::size_t most = 160;
    std::string out;
    for (const char c : text.substr(0, most)) {
        const auto u = static_cast<unsigned char>(c);
        out += u < 0x20 || u == 0x7F ? '?' : c;
    }
    if (text.size() > most) out += "...";
    return out;
}

}  // namespace

void Diagnostics::skipped(const track::Location& where, std::string_view reason, std::string_view detail) {
    const std::string message =
        detail.empty() ? std::string(reason) : fmt::format("{} ({})", reason, printable(detail));
    if (strict_) throw track::InputError(track::to_string(where), message);
    ++total_;
    auto it = by_reason_.find(reason);
    if (it == by_reason_.end()) it = by_reason_.emplace(std::string(reason), 0).first;
    ++it->second;
    if (quiet_run) return;
    clear_progress();
    if (total_ <= static_cast<std::uint64_t>(shown_)) {
        fmt::print(stderr, "{}{}: {}\n", prefix_, track::to_string(where), message);
    } else if (total_ == static_cast<std::uint64_t>(shown_) + 1) {
        fmt::print(stderr, "{}more problems: counted, not shown\n", prefix_);
    }
}

void Diagnostics::note(std::string_view message) const {
    if (quiet_run) return;
    clear_progress();
    fmt::print(stderr, "{}{}\n", prefix_, message);
    (void)std::fflush(stderr);  // standard error is the last resort: nothing to report to
}

void Diagnostics::summary() const {
    if (total_ == 0 || quiet_run) return;
    clear_progress();
    std::vector<std::pair<std::string, std::uint64_t>> reasons(by_reason_.begin(), by_reason_.end());
    std::stable_sort(reasons.begin(), reasons.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::string parts;
    for (const auto& [reason, count] : reasons) {
        if (!parts.empty()) parts += ", ";
        parts += fmt::format("{} {}", count, reason);
    }
    fmt::print(stderr, "{}{} problem{} in the input, skipped: {}\n", prefix_, total_, total_ == 1 ? "" : "s", parts);
}

Progress::Progress(std::string command, std::string what)
    : prefix_("trk " + std::move(command) + ": "),
      what_(std::move(what)),
      active_(!quiet_run && ::isatty(STDERR_FILENO) != 0),
      started_(std::chrono::steady_clock::now()) {}

Progress::~Progress() { clear_progress(); }

namespace {

std::string megabytes(std::uint64_t bytes) { return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6); }

}  // namespace

void Progress::draw(std::uint64_t records, std::uint64_t bytes, std::uint64_t total_bytes,
                    std::uint64_t total_records) {
    using namespace std::chrono_literals;
    const auto now = std::chrono::steady_clock::now();
    // Nothing for a run that ends within a second; then at most 4 lines a second.
    if (now - started_ < 1s || (progress_shown && now - drawn_ < 250ms)) return;
    drawn_ = now;
    std::string line = fmt::format("\r{}{} {}", prefix_, records, what_);
    if (total_records > 0) {
        line += fmt::format(" of {}", total_records);
        // Steps of a known total (push, verify): the rate so far, and the time left at it.
        const double seconds = std::chrono::duration<double>(now - started_).count();
        const double rate = static_cast<double>(records) / seconds;
        if (rate > 0 && records <= total_records) {
            const auto left = static_cast<std::uint64_t>(static_cast<double>(total_records - records) / rate);
            line += fmt::format(", {:.0f}/s, {}:{:02} left", rate, left / 60, left % 60);
        }
    }
    if (bytes > 0) line += ", " + megabytes(bytes);
    if (total_bytes > 0) line += " of " + megabytes(total_bytes);
    line += "\033[K";
    (void)std::fwrite(line.data(), 1, line.size(), stderr);
    (void)std::fflush(stderr);
    progress_shown = true;
}

}  // namespace cli
