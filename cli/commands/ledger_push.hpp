// `trk ledger push --to URL`: ships the site's ledger to the central one.
#pragma once

#include <CLI/CLI.hpp>

#include "command.hpp"

namespace cli {

/// Adds push to the `ledger` command.
void add_ledger_push_command(CLI::App* ledger, Invocation& chosen);

}  // namespace cli
