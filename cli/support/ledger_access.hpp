// What every command that uses the ledger shares: --ledger, --site, --busy-timeout, opening it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "diagnostics.hpp"
#include "option_types.hpp"
#include "track/fence.hpp"
#include "track/ledger.hpp"

namespace cli {

/// The ledger options of one command.
struct LedgerAccess {
    std::string path;                         ///< --ledger; empty: $TRK_LEDGER or the default
    std::string busy = "5s";                  ///< --busy-timeout
    std::string site;                         ///< --site: a central ledger narrowed to one site
    std::chrono::milliseconds timeout{5000};  ///< checked by check()

    /// Parses --busy-timeout and settles the path: a central ledger's URL must hold no
    /// password, and --site on a site's file is refused unless `site_names_file` (ledger
    /// init, which keeps it as the site's name). Throws UsageError.
    void check(bool site_names_file = false);
    /// Whether the path (once checked) names a central ledger.
    [[nodiscard]] bool central() const { return track::is_central_url(path); }
    /// Opens the ledger (creating it with `mode` when `create`).
    [[nodiscard]] std::unique_ptr<track::Ledger> open(bool create = false, int mode = 0600) const;
};

/// The fences kept in `ledger` (named `name` in messages), parsed; empty when it keeps none.
/// A fence kept uncorrected by an older trk is noted to `diagnostics`.
std::vector<track::Fence> stored_fences(track::Ledger& ledger, const std::string& name, const Diagnostics& diagnostics);

/// Adds --ledger PATH|URL, --site NAME and --busy-timeout DURATION to `command`.
void add_ledger_options(CLI::App* command, LedgerAccess& access);

}  // namespace cli
