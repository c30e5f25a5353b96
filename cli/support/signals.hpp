// SIGINT, SIGTERM and SIGHUP as a request to stop: long-running commands finish cleanly.
#pragma once

#include <atomic>
#include <csignal>

namespace cli {

/// Installs handlers for SIGINT, SIGTERM and SIGHUP that set the returned flag (and
/// interrupt a blocking read), so a command flushes what it has and exits 0.
const std::atomic<bool>& stop_on_signals();

/// The signals stop_on_signals() handles, for a thread that must leave them to another.
sigset_t stop_signals();

}  // namespace cli
