// Where a stage (trk fence, trk check) keeps its state between runs: --state FILE or --ledger-state NAME.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "ledger_access.hpp"

namespace cli {

/// The state options of one stage.
struct StateOptions {
    std::string file;         ///< --state FILE
    std::string ledger_name;  ///< --ledger-state NAME
};

/// Adds --state FILE and --ledger-state NAME (exclusive) to `command`.
void add_state_options(CLI::App* command, StateOptions& options);

/// Loads a stage's state at the start of a run and saves it at the end, in a file (written
/// to a temporary file and renamed) or in the ledger (saved only over the generation loaded).
class StageStateStore {
public:
    /// `stage` names the state in the ledger ("fence"); `ledger` must be checked already
    /// when options.ledger_name is set.
    StageStateStore(std::string stage, const StateOptions& options, const LedgerAccess& ledger);

    /// Whether a state is kept at all.
    [[nodiscard]] bool wanted() const { return !options_.file.empty() || !options_.ledger_name.empty(); }
    /// The state saved by the last run; nullopt when there is none yet. When `required`
    /// (a command that only reads the state, like `trk check --list-open`), a state that is
    /// not there is an error: MissingInputError (66) for a file, NotFoundError (67) with the
    /// closest names for a ledger state. Otherwise a new ledger state whose name is close to
    /// a kept one (a typo that would start afresh) is told to `note`.
    std::optional<std::string> load(bool required, const std::function<void(std::string_view)>& note);
    /// Names the state in messages: the file, or "LEDGER (fence state NAME)".
    [[nodiscard]] std::string where() const;
    /// Saves the state. BusyError (exit 75) when another run saved it in the ledger since load().
    void save(const std::string& state);

private:
    std::string stage_;
    StateOptions options_;
    const LedgerAccess& ledger_;
    std::int64_t generation_ = 0;  ///< of the state loaded from the ledger
};

}  // namespace cli
