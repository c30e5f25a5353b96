// SIGINT and SIGTERM as a request to stop: long-running commands finish cleanly.
#pragma once

#include <atomic>

namespace cli {

/// Installs handlers for SIGINT and SIGTERM that set the returned flag (and interrupt a
/// blocking read), so a command flushes what it has and exits 0.
const std::atomic<bool>& stop_on_signals();

}  // namespace cli
