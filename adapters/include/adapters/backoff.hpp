// How long to wait before reopening a device or reconnecting to a service that went away.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

namespace adapters {

/// Delays of 0.5 s, doubling after each failed attempt up to 8 s, back to 0.5 s after a
/// success. The wait is slept in short slices so that a stop request ends it quickly.
class Backoff {
public:
    /// Sleeps the current delay. False when `stop` (may be null) was set meanwhile.
    bool wait(const std::atomic<bool>* stop) const {
        constexpr std::chrono::milliseconds slice{100};
        for (auto waited = std::chrono::milliseconds(0); waited < delay_; waited += slice) {
            if (stop != nullptr && stop->load()) return false;
            std::this_thread::sleep_for(slice);
        }
        return stop == nullptr || !stop->load();
    }
    /// The attempt after the wait failed: wait longer next time.
    void failed() { delay_ = std::min(delay_ * 2, longest); }
    /// The attempt worked: start short again next time.
    void succeeded() { delay_ = first; }

private:
    static constexpr std::chrono::milliseconds first{500};
    static constexpr std::chrono::milliseconds longest{8000};
    std::chrono::milliseconds delay_ = first;
};

}  // namespace adapters
