// The subcommands of `trk read` that live outside cmd_read.cpp, one file per input family.
#pragma once

#include <CLI/CLI.hpp>

#include "command.hpp"

namespace cli {

/// `trk read rfid`: reader formats and serial readers to read records (cli/commands/read_rfid.cpp).
void add_read_rfid_command(CLI::App& read, Invocation& chosen);

/// `trk read csv` and `trk read jsonl`: sensor logs and other tools' records (cli/commands/read_records.cpp).
void add_read_record_commands(CLI::App& read, Invocation& chosen);

}  // namespace cli
