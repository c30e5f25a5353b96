// SIGINT, SIGTERM and SIGHUP as a request to stop: long-running commands finish cleanly.
#pragma once

#include <atomic>
#include <csignal>
#include <pthread.h>

namespace cli {

/// Installs handlers for SIGINT, SIGTERM and SIGHUP that set the returned flag (and
/// interrupt a blocking read), so a command flushes what it has and exits 0.
const std::atomic<bool>& stop_on_signals();

/// The signals stop_on_signals() handles, for a thread that must leave them to another.
sigset_t stop_signals();

/// Runs `start` with the stop signals blocked, so that the threads it starts (libmosquitto's,
/// a forwarder) inherit a mask that leaves them to the calling thread, whose blocking read
/// they must interrupt.
template <typename Start>
void without_stop_signals(Start&& start) {
    const sigset_t stops = stop_signals();
    sigset_t previous;
    pthread_sigmask(SIG_BLOCK, &stops, &previous);
    struct Restore {
        sigset_t& mask;
        ~Restore() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
    } restore{previous};
    start();
}

}  // namespace cli
