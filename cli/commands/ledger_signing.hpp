// `trk ledger keygen|sign|verify`: Ed25519 checkpoints of the ledger's hash chain, and checking them.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "command.hpp"

namespace cli {

/// Adds --format text|json to `trk ledger info` or `verify`: text by default (as people read
/// it, whatever standard output is), json for one JSON object.
void add_ledger_format_option(CLI::App* command, std::string& format);
/// Checks what add_ledger_format_option read (UsageError when it is neither).
void check_ledger_format(const std::string& format);

/// Adds keygen, sign and verify to the `ledger` command.
void add_ledger_signing_commands(CLI::App* ledger, Invocation& chosen);

}  // namespace cli
