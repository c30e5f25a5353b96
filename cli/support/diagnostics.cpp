// Reporting skipped input on standard error.
#include "diagnostics.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "track/error.hpp"

namespace cli {

namespace {

bool quiet_run = false;

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
    if (total_ <= static_cast<std::uint64_t>(shown_)) {
        fmt::print(stderr, "{}{}: {}\n", prefix_, track::to_string(where), message);
    } else if (total_ == static_cast<std::uint64_t>(shown_) + 1) {
        fmt::print(stderr, "{}more problems: counted, not shown\n", prefix_);
    }
}

void Diagnostics::note(std::string_view message) const {
    if (quiet_run) return;
    fmt::print(stderr, "{}{}\n", prefix_, message);
    (void)std::fflush(stderr);  // standard error is the last resort: nothing to report to
}

void Diagnostics::summary() const {
    if (total_ == 0 || quiet_run) return;
    std::vector<std::pair<std::string, std::uint64_t>> reasons(by_reason_.begin(), by_reason_.end());
    std::stable_sort(reasons.begin(), reasons.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::string parts;
    for (const auto& [reason, count] : reasons) {
        if (!parts.empty()) parts += ", ";
        parts += fmt::format("{} {}", count, reason);
    }
    fmt::print(stderr, "{}{} problem{} in the input, skipped: {}\n", prefix_, total_, total_ == 1 ? "" : "s", parts);
}

}  // namespace cli
