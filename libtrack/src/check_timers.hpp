// `trk check` timers: each rule's idle/pending/open phase per asset (`for`, `clear`), anchors, unseen deadlines.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "track/record.hpp"
#include "track/time.hpp"

namespace track::check {

/// idle: the condition does not hold; pending: it holds, not yet for the rule's `for`
/// duration; open: a violation of the rule is open.
enum class Phase { idle, pending, open };

/// Where an asset settled, and when: what `stationary` measures from.
struct Anchor {
    double lat = 0;
    double lon = 0;
    Millis time = 0;
};

/// What one evaluation of a rule found, for its timer.
struct Evaluation {
    bool holds = false;                ///< the rule selects the asset and its condition holds
    bool clears = false;               ///< an open violation of the rule ends now
    Millis began = 0;                  ///< when the condition began to hold, if it starts to now
    std::optional<double> value = {};  ///< the held value of the rule's first metric
};

/// One rule's timer on one asset.
struct RuleTimer {
    Phase phase = Phase::idle;
    Millis since = 0;                   ///< pending, open: when the condition began to hold
    std::optional<double> value = {};   ///< open: the value that opened it
    std::optional<Anchor> anchor = {};  ///< stationary: where the asset settled, and when

    /// Moves the timer on at `time` with what an evaluation found: pending when the condition
    /// starts to hold, open when it has held for `hold`, idle when it stops holding (pending)
    /// or clears (open). Returns whether it opened or closed: what its family must settle.
    bool step(const Evaluation& now, Millis hold, Millis time) {
        if (phase == Phase::idle && now.holds) {
            phase = Phase::pending;
            since = now.began;
        }
        if (phase == Phase::pending) {
            if (!now.holds) {
                phase = Phase::idle;
            } else if (time - since >= hold) {
                phase = Phase::open;
                value = now.value;
                return true;
            }
            return false;
        }
        if (phase == Phase::open && now.clears) {
            close();
            return true;
        }
        return false;
    }

    /// Opens without a value (the silence of `unseen` is its own measure) since `time`.
    void open_since(Millis time) {
        phase = Phase::open;
        since = time;
        value.reset();
    }

    void close() {
        phase = Phase::idle;
        value.reset();
    }

    /// Settles the anchor at the fix when the asset has none yet or left the circle of
    /// `within_m` metres around it.
    void moved_to(const Fix& fix, double within_m);
};

/// Per unseen rule, the times at which each asset's silence becomes too long, earliest first.
/// Assets are named by views of the checker's asset names, which live as long as it does.
class UnseenDeadlines {
public:
    /// `rules`: how many unseen rules; `unseen` below is an index among them.
    explicit UnseenDeadlines(std::size_t rules) : due_(rules) {}

    void add(std::size_t unseen, Millis deadline, std::string_view asset) { due_[unseen].insert({deadline, asset}); }
    void remove(std::size_t unseen, Millis deadline, std::string_view asset) { due_[unseen].erase({deadline, asset}); }

    /// Takes the earliest deadline of the unseen rule before `now` off the list: silence of
    /// exactly the duration is not yet too long. Nullopt when none has passed.
    std::optional<std::pair<Millis, std::string_view>> take_passed(std::size_t unseen, Millis now) {
        auto& due = due_[unseen];
        if (due.empty() || due.begin()->first >= now) return std::nullopt;
        const auto passed = *due.begin();
        due.erase(due.begin());
        return passed;
    }

private:
    std::vector<std::set<std::pair<Millis, std::string_view>>> due_;  ///< by unseen rule
};

}  // namespace track::check
