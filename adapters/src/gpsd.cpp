// gpsd client on libgps 3.22 (API 11): watch, read TPV, reconnect when the daemon restarts.
#include "adapters/gpsd.hpp"

#include <cerrno>
#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <gps.h>

#include "adapters/backoff.hpp"
#include "track/error.hpp"
#include "track/validate.hpp"

namespace adapters {

namespace {

constexpr int wait_us = 250'000;
constexpr int quiet_polls_before_flush = 2;  // 0.5 s without a report ends an epoch

track::FixQuality quality_of(int status) {
    using Q = track::FixQuality;
    switch (status) {
        case STATUS_FIX: return Q::gps;
        case STATUS_DGPS_FIX: return Q::dgps;
        case STATUS_RTK_FIX: return Q::rtk;
        case STATUS_RTK_FLT: return Q::float_rtk;
        case STATUS_DR:
        case STATUS_GNSSDR: return Q::estimated;
        case STATUS_TIME: return Q::manual;
        case STATUS_SIM: return Q::simulated;
        case STATUS_PPS_FIX: return Q::pps;
        default: return Q::unknown;
    }
}

std::optional<double> finite(double v) {
    if (std::isfinite(v)) return v;
    return std::nullopt;
}

}  // namespace

struct GpsdWatcher::Impl {
    GpsdOptions options;
    gps_data_t data{};
    bool connected = false;
    std::optional<track::Fix> pending;  ///< the latest report of the newest epoch
    std::optional<track::Millis> last_delivered;

    std::string address() const { return fmt::format("gpsd at {}:{}", options.host, options.port); }

    bool stopping() const { return options.stop != nullptr && options.stop->load(); }

    void status(std::string_view message) const {
        if (options.on_status) options.on_status(message);
    }

    // Connects and asks for JSON reports; false (and errno's reason in `why`) on failure.
    bool connect(std::string& why) {
        if (gps_open(options.host.c_str(), options.port.c_str(), &data) != 0) {
            why = gps_errstr(errno);
            return false;
        }
        if (gps_stream(&data, WATCH_ENABLE | WATCH_JSON, nullptr) != 0) {
            why = "cannot start watching";
            gps_close(&data);
            return false;
        }
        connected = true;
        return true;
    }

    void disconnect() {
        if (connected) gps_close(&data);
        connected = false;
    }

    // The fix in the report just read, if it is a TPV with a 2D/3D position and a time.
    std::optional<track::Fix> fix_of_report() const {
        if ((data.set & MODE_SET) == 0 || (data.set & LATLON_SET) == 0 || (data.set & TIME_SET) == 0) return {};
        if (data.fix.mode < MODE_2D || !std::isfinite(data.fix.latitude) || !std::isfinite(data.fix.longitude)) {
            return {};
        }
        track::Fix fix;
        fix.time = static_cast<track::Millis>(data.fix.time.tv_sec) * 1000 +
                   std::llround(static_cast<double>(data.fix.time.tv_nsec) / 1e6);
        fix.asset = options.asset;
        fix.device = data.dev.path[0] != '\0' ? std::string(data.dev.path)
                                              : fmt::format("gpsd://{}:{}", options.host, options.port);
        fix.lat = data.fix.latitude;
        fix.lon = data.fix.longitude;
        fix.mode = data.fix.mode == MODE_3D ? track::FixMode::three_d : track::FixMode::two_d;
        if (data.fix.mode == MODE_3D) fix.alt = finite(data.fix.altMSL);
        fix.speed = finite(data.fix.speed);
        fix.course = finite(data.fix.track);
        fix.hdop = finite(data.dop.hdop);
        fix.vdop = finite(data.dop.vdop);
        fix.pdop = finite(data.dop.pdop);
        if (data.satellites_used > 0) fix.sats = data.satellites_used;
        fix.quality = quality_of(data.fix.status);
        fix.src = fmt::format("gpsd://{}:{}", options.host, options.port);
        // gpsd's JSON is outside bytes too: a report with an impossible value (a negative
        // speed) is not written as a fix that the next stage would refuse.
        track::Record checked = fix;
        if (const std::string why = track::validate(checked); !why.empty()) {
            status(fmt::format("{}: report skipped: {}", address(), why));
            return {};
        }
        return fix;
    }

    void deliver_pending(const std::function<void(const track::Fix&)>& on_fix) {
        if (!pending) return;
        last_delivered = pending->time;
        on_fix(*pending);
        pending.reset();
    }
};

GpsdWatcher::GpsdWatcher(GpsdOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    std::string why;
    if (!impl_->connect(why)) {
        throw track::DeviceError(fmt::format("cannot connect to {}: {} (is gpsd running? --host/--port name another)",
                                             impl_->address(), why));
    }
}

GpsdWatcher::~GpsdWatcher() { impl_->disconnect(); }

void GpsdWatcher::run(const std::function<void(const track::Fix&)>& on_fix) {
    Impl& g = *impl_;
    int quiet_polls = 0;
    Backoff backoff;
    while (!g.stopping()) {
        if (!g.connected) {
            if (!backoff.wait(g.options.stop)) break;
            std::string why;
            if (!g.connect(why)) {
                backoff.failed();
                continue;
            }
            backoff.succeeded();
            g.status(fmt::format("{}: reconnected", g.address()));
        }
        if (!gps_waiting(&g.data, wait_us)) {
            if (++quiet_polls >= quiet_polls_before_flush) g.deliver_pending(on_fix);
            continue;
        }
        quiet_polls = 0;
        g.data.set = 0;
        if (gps_read(&g.data, nullptr, 0) < 0) {
            g.deliver_pending(on_fix);
            g.disconnect();
            g.status(fmt::format("{}: connection lost; reconnecting", g.address()));
            continue;
        }
        auto fix = g.fix_of_report();
        if (!fix) continue;
        if (g.last_delivered && fix->time == *g.last_delivered) continue;  // a late repeat
        if (g.pending && g.pending->time != fix->time) g.deliver_pending(on_fix);
        g.pending = std::move(fix);
    }
    g.deliver_pending(on_fix);
}

}  // namespace adapters
