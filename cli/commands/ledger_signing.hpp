// `trk ledger keygen|sign|verify`: Ed25519 checkpoints of the ledger's hash chain, and checking them.
#pragma once

#include <CLI/CLI.hpp>

#include "command.hpp"

namespace cli {

/// Adds keygen, sign and verify to the `ledger` command.
void add_ledger_signing_commands(CLI::App* ledger, Invocation& chosen);

}  // namespace cli
