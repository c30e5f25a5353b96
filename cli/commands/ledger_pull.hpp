// `trk ledger pull`: the central registry brought into a site's ledger (track/central.hpp).
#pragma once

#include <CLI/CLI.hpp>

#include "command.hpp"

namespace cli {

/// Adds pull to the `ledger` command.
void add_ledger_pull_command(CLI::App* ledger, Invocation& chosen);

}  // namespace cli
