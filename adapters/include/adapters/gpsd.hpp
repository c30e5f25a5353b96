// A gpsd client (libgps): TPV reports with a 2D/3D fix become track::Fix records.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "track/record.hpp"

namespace adapters {

struct GpsdOptions {
    std::string host = "localhost";
    std::string port = "2947";
    std::string asset;                        ///< written on every fix, when not empty
    const std::atomic<bool>* stop = nullptr;  ///< set by a signal: run() returns soon
    /// One line per state change (connection lost, reconnected).
    std::function<void(std::string_view)> on_status;
};

/// Watches one gpsd daemon. gpsd may report one epoch several times as sentences arrive;
/// the last report of each time is the one delivered (a report is held until the next
/// time arrives or gpsd has been quiet for half a second).
class GpsdWatcher {
public:
    /// Connects and starts watching. Throws track::DeviceError when gpsd cannot be reached.
    explicit GpsdWatcher(GpsdOptions options);
    ~GpsdWatcher();
    GpsdWatcher(const GpsdWatcher&) = delete;
    GpsdWatcher& operator=(const GpsdWatcher&) = delete;

    /// Delivers fixes until `stop` is set, reconnecting (with backoff) when gpsd goes away.
    void run(const std::function<void(const track::Fix&)>& on_fix);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace adapters
