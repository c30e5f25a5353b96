// What every subcommand file provides to main(): the CLI11 wiring and the action to run.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "track/error.hpp"

namespace cli {

/// The command the user chose. A subcommand's parse callback (the setup step: it checks
/// options and opens nothing) fills it; main() runs it after parsing succeeded.
struct Invocation {
    std::string name;             ///< "read nmea": prefixes every message of the run
    std::function<int()> action;  ///< does the work; returns the exit status
};

/// Declares `void add_NAME_command(CLI::App& trk, Invocation& chosen)` for every command
/// of TRK_COMMANDS (CMakeLists.txt); each is defined in cli/cmd_NAME.cpp.
#define TRK_COMMAND(id, name) void add_##id##_command(CLI::App& trk, Invocation& chosen);
#include "commands.inc"
#undef TRK_COMMAND

/// Shows man page `page` ("trk-read"): through man(1) when standard output is a terminal
/// and man is installed, as plain text otherwise. UsageError when there is no such page.
int show_man_page(const std::string& page);

}  // namespace cli
