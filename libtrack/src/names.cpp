// Closest known names for "did you mean" (see names.hpp).
#include "track/names.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace track {

namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string lowered(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), lower);
    return out;
}

/// Levenshtein distance with adjacent transpositions counted as one edit.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                current[j] = std::min(current[j], before[j - 2] + 1);
        }
        before.swap(previous);
        previous.swap(current);
    }
    return previous[b.size()];
}

}  // namespace

bool same_name(std::string_view a, std::string_view b) noexcept {
    const auto ascii_lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

std::vector<std::string> closest_names(std::string_view asked, std::span<const std::string> known, std::size_t limit) {
    std::string wanted = lowered(asked);
    // A typo is a few edits: one per three characters typed, at least one, at most four.
    std::size_t allowed = std::clamp<std::size_t>(wanted.size() / 3, 1, 4);
    std::vector<std::pair<std::size_t, const std::string*>> scored;
    for (const std::string& name : known) {
        std::string candidate = lowered(name);
        std::size_t distance = edit_distance(wanted, candidate);
        bool contains = !wanted.empty() && candidate.find(wanted) != std::string::npos;
        if (distance <= allowed || contains)
            scored.emplace_back(contains ? std::min(distance, allowed) : distance, &name);
    }
    std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (const auto& [distance, name] : scored) {
        // Only the best: "yard-a" for "yard-aa", not "yard-b" one edit further.
        if (out.size() == limit || distance > scored.front().first) break;
        if (std::find(out.begin(), out.end(), *name) == out.end()) out.push_back(*name);
    }
    return out;
}

std::string did_you_mean(std::span<const std::string> close) {
    std::string list;
    for (std::size_t i = 0; i < close.size(); ++i) {
        list += fmt::format("{}\"{}\"", i == 0 ? "" : i + 1 == close.size() ? " or " : ", ", close[i]);
    }
    return fmt::format("did you mean {}?", list);
}

std::string not_found_message(std::string_view what, std::string_view asked, std::span<const std::string> known) {
    std::string message = fmt::format("no {} \"{}\"", what, asked);
    std::vector<std::string> close = closest_names(asked, known);
    if (!close.empty()) return fmt::format("{} ({})", message, did_you_mean(close));
    if (known.empty()) return message + fmt::format(" (none is known)");
    if (known.size() <= 5) {
        std::vector<std::string> sorted(known.begin(), known.end());
        std::sort(sorted.begin(), sorted.end());
        return message + fmt::format(" (known: {})", fmt::join(sorted, ", "));
    }
    return message;
}

}  // namespace track
