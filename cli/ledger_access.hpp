// What every command that uses the ledger shares: --ledger, --busy-timeout, opening it,
// and times given as RFC 3339 or as a duration back from now.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "track/ledger.hpp"

namespace cli {

/// The ledger options of one command.
struct LedgerAccess {
    std::string path;                         ///< --ledger; empty: $TRK_LEDGER or the default
    std::string busy = "5s";                  ///< --busy-timeout
    std::chrono::milliseconds timeout{5000};  ///< checked by check()

    /// Parses --busy-timeout and settles the path. Throws UsageError.
    void check();
    /// Opens the ledger (creating it with `mode` when `create`).
    [[nodiscard]] std::unique_ptr<track::Ledger> open(bool create = false, int mode = 0600) const;
};

/// Adds --ledger PATH and --busy-timeout DURATION to `command`.
void add_ledger_options(CLI::App* command, LedgerAccess& access);

/// The current time (UTC, ms).
track::Millis now_ms();

/// Parses an instant: RFC 3339, or a duration back from `now` ("24h", "7d"). nullopt when
/// `text` is empty; UsageError naming `option` when it is neither.
std::optional<track::Millis> parse_instant(const std::string& text, std::string_view option, track::Millis now);

}  // namespace cli
