// One Modbus bus (a TCP connection to a device or gateway, or an RTU serial line) through
// libmodbus: open, timeouts, retries, reads and writes of the four tables, errors told
// apart (no answer, a Modbus exception, a damaged frame, the bus gone), and reopening a bus
// that went away with the serial readers' back-off. One Bus is one queue: requests never
// overlap (libmodbus is synchronous; one Bus is used by one thread).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/backoff.hpp"
#include "adapters/modbus_map.hpp"

namespace adapters::modbus {

/// Where a bus is and how to talk to it.
struct BusOptions {
    std::string host;                                      ///< TCP: host name or address (empty: RTU)
    int tcp_port = 502;                                    ///< TCP port
    std::string device;                                    ///< RTU: serial device (/dev/ttyUSB0, a socat pty)
    int baud = 19200;                                      ///< RTU
    char parity = 'E';                                     ///< RTU: 'N', 'E' or 'O' (Modbus default: even)
    int stop_bits = 1;                                     ///< RTU: 1 or 2
    std::chrono::milliseconds timeout{1000};               ///< per request, for the whole response
    int retries = 1;                                       ///< further attempts after a timeout or damaged frame
    const std::atomic<bool>* stop = nullptr;               ///< set by SIGINT/SIGTERM: waits end soon
    std::function<void(std::string_view)> on_status = {};  ///< bus opened, lost, reopened
    bool verbose =
        false;  ///< a status line when the bus is opened (libmodbus's own debug output goes to stdout: never on)
};

/// "modbus://HOST:PORT" or "modbus:/dev/ttyUSB0": the start of every `src` of the bus.
std::string bus_name(const BusOptions& options);

/// How a request ended.
enum class Outcome {
    ok,
    timeout,    ///< no (complete) answer within the timeout, after the retries
    exception,  ///< the device answered with a Modbus exception (see exception_code)
    damaged,    ///< a bad CRC, a wrong length or an answer that does not match the request
    bus_lost,   ///< the connection or the serial device went away (reopened on the next request)
};

/// The answer to one request.
struct Response {
    Outcome outcome = Outcome::ok;
    int exception_code = 0;  ///< 1 illegal function, 2 illegal address, 3 illegal value, 4 device failure, 6 busy, ...
    std::vector<std::uint16_t> data;                ///< registers, or bits as 0/1 (outcome ok only)
    std::chrono::system_clock::time_point arrived;  ///< when the answer arrived
    std::string message;  ///< what went wrong, for a problem line: "exception 2 (illegal data address)"
};

/// A Modbus exception code's name: "illegal data address", "server device busy", ...
std::string_view exception_name(int code) noexcept;

/// A bus. The constructor opens it: throws track::DeviceError (exit 69) when the host or
/// port cannot be reached at start. Later losses are not errors: the request reports
/// Outcome::bus_lost and the next request reopens the bus after the back-off wait.
class Bus {
public:
    explicit Bus(BusOptions options);
    ~Bus();
    Bus(const Bus&) = delete;
    Bus& operator=(const Bus&) = delete;

    /// Reads `count` registers (or bits) of `table` from `address` on unit `unit_id`.
    Response read(int unit_id, Table table, std::uint16_t address, std::uint16_t count);
    /// Writes one coil (`registers` = {0|1}) or holding registers (one: function 6, more:
    /// function 16).
    Response write(int unit_id, Table table, std::uint16_t address, const std::vector<std::uint16_t>& registers);
    /// Changes the per-request timeout (scan probes unit ids with a short one).
    void set_timeout(std::chrono::milliseconds timeout);

    [[nodiscard]] const std::string& name() const { return name_; }

private:
    struct Context;
    bool reopen();
    BusOptions options_;
    std::string name_;
    std::unique_ptr<Context> context_;
    Backoff backoff_;
};

}  // namespace adapters::modbus
