// SIGINT/SIGTERM/SIGHUP handlers that only set a flag (async-signal-safe).
#include "signals.hpp"

namespace cli {

namespace {

std::atomic<bool> stop_requested{false};

extern "C" void request_stop(int /*signal*/) { stop_requested.store(true); }

// A closed terminal (SIGHUP) ends a live read as Ctrl-C and a service stop do.
constexpr int stops[] = {SIGINT, SIGTERM, SIGHUP};

}  // namespace

sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (const int s : stops) sigaddset(&set, s);
    return set;
}

const std::atomic<bool>& stop_on_signals() {
    struct sigaction action {};
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: a blocking read returns EINTR and sees the flag
    for (const int s : stops) sigaction(s, &action, nullptr);
    return stop_requested;
}

}  // namespace cli
