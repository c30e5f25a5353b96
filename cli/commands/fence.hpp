// The subcommands of `trk fence` that live outside cmd_fence.cpp.
#pragma once

#include <CLI/CLI.hpp>

#include "command.hpp"

namespace cli {

/// `trk fence which`: the fences holding a point, or each fix's zones (cli/commands/fence_which.cpp).
void add_fence_which_command(CLI::App& fence, Invocation& chosen);

}  // namespace cli
