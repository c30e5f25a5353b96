// Names the user typed that trk does not know: the closest known ones, for "did you mean".
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace track {

/// The known names closest to `asked` (edit distance, case ignored; a known name that
/// starts with or contains `asked` counts as close), those at the smallest distance, at most `limit`. Names
/// too far from `asked` to be a typo of it are left out, so the result may be empty.
std::vector<std::string> closest_names(std::string_view asked, std::span<const std::string> known,
                                       std::size_t limit = 3);

/// Whether `a` and `b` are one name with ASCII letters' case ignored ("Holding" is
/// "holding"): column names, table and type names, keywords.
bool same_name(std::string_view a, std::string_view b) noexcept;

/// "did you mean "a"?", "did you mean "a" or "b"?", "did you mean "a", "b" or "c"?".
std::string did_you_mean(std::span<const std::string> close);

/// The message of a NotFoundError: `no zone "yard-aa" (did you mean "yard-a"?)`, or with
/// `known` empty of close names, `no zone "x" (known: a, b, c)` when there are few, or
/// `no zone "x" (none is known)` when there are none. `what` is the kind ("zone").
std::string not_found_message(std::string_view what, std::string_view asked, std::span<const std::string> known);

}  // namespace track
