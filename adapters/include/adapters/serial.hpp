// Serial ports: enumeration and opening through libserialport, a POSIX termios fallback
// for terminals it refuses (pseudo-terminals of socat/ser2net), NMEA rate detection, and a
// ByteSource that survives the device being unplugged.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/backoff.hpp"
#include "adapters/byte_source.hpp"

namespace adapters {

/// What the system says about one serial port.
struct PortInfo {
    std::string name;          ///< /dev/ttyUSB0
    std::string description;   ///< libserialport's description ("CP2102 USB to UART Bridge")
    std::string transport;     ///< native, usb, bluetooth
    std::string manufacturer;  ///< USB only
    std::string product;       ///< USB only
    std::string serial;        ///< USB serial number
    std::optional<int> usb_vid;
    std::optional<int> usb_pid;
};

/// Every serial port libserialport finds. Throws track::DeviceError when enumeration fails.
std::vector<PortInfo> list_serial_ports();

/// Rates that auto-detection and probing try, the usual GPS rates first.
inline constexpr int common_baud_rates[] = {4800, 9600, 38400, 115200, 19200, 57600};

/// Whether `baud` is a rate the terminal layer supports.
bool is_supported_baud(int baud) noexcept;

/// An open serial port at 8N1 without flow control, read through its file descriptor.
class SerialPort {
public:
    /// Opens `path` read-only (or read-write) at `baud`. Tries libserialport; when it refuses
    /// a path that is a terminal, configures the same settings with termios. Throws
    /// track::DeviceError naming the path and the reason.
    SerialPort(const std::string& path, int baud, bool read_write = false);
    ~SerialPort();
    SerialPort(SerialPort&& other) noexcept;
    SerialPort& operator=(SerialPort&& other) noexcept;
    SerialPort(const SerialPort&) = delete;
    SerialPort& operator=(const SerialPort&) = delete;

    [[nodiscard]] int fd() const { return fd_; }
    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] int baud() const { return baud_; }
    /// How it was opened: "libserialport" or "POSIX termios (libserialport: <why not>)".
    [[nodiscard]] const std::string& method() const { return method_; }
    /// Changes the rate and drops whatever was received at the old one.
    void set_baud(int baud);

    /// Waits up to `timeout` for bytes and reads them. Returns the count (0: none yet).
    /// Throws track::DeviceError when the device is gone (unplugged, hung up).
    std::size_t read_some(char* buffer, std::size_t size, std::chrono::milliseconds timeout);

    /// Writes all of `bytes` (the port must be open read-write), waiting up to a second for
    /// room. Throws track::DeviceError when the device is gone or does not drain.
    void write(std::string_view bytes);

private:
    void close() noexcept;
    std::string path_;
    int baud_ = 0;
    int fd_ = -1;
    void* sp_port_ = nullptr;  ///< struct sp_port*, when libserialport opened it
    std::string method_;
};

/// What listening to a port at one rate showed.
struct NmeaHeard {
    int baud = 0;
    std::size_t bytes = 0;
    int sentences = 0;                 ///< with a valid checksum
    int damaged = 0;                   ///< lines that looked like NMEA but failed their checksum or framing
    std::set<std::string> talkers;     ///< GP, GN, ...
    std::set<std::string> formatters;  ///< GGA, RMC, ...
    double epochs_per_second = 0;      ///< from distinct GGA/RMC/GLL times; 0 when unknown
    std::string received;              ///< the bytes themselves (kept for the reader)
    [[nodiscard]] bool is_nmea() const { return sentences >= 2 && sentences > damaged; }
};

/// Listens on `port` at `baud` for up to `duration`; with `until_sure`, stops as soon as
/// a few valid sentences arrived. `stop` (may be null) ends the wait early.
NmeaHeard listen_for_nmea(SerialPort& port, int baud, std::chrono::milliseconds duration, bool until_sure,
                          const std::atomic<bool>* stop);

/// Settings of a SerialSource.
struct SerialSourceOptions {
    std::string path;
    int baud = 0;                                   ///< 0: detect among common_baud_rates
    std::chrono::milliseconds detect_window{2500};  ///< listening time per rate when detecting
    const std::atomic<bool>* stop = nullptr;        ///< set by a signal: read() returns 0 soon
    /// One line per state change (opened, lost, reopened) and, when verbose, details.
    std::function<void(std::string_view)> on_status = {};
    bool verbose = false;
    /// After each (re)open, drop bytes up to the first line ending (the tail of a line sent
    /// before the port was open), unless the port was silent for a poll slice first. Off
    /// for binary protocols, whose decoders resynchronise.
    bool skip_partial_line = true;
    /// Written to the device after each (re)open (a reader's start-inventory command);
    /// empty: the port is opened read-only and nothing is written.
    std::string on_open_write = {};
    /// Called each time a poll slice (200 ms) passes without a byte: the place to flush
    /// what waits on time rather than on input.
    std::function<void()> on_idle = {};
};

/// A serial port as a stream of bytes. The first open failing is an error (DeviceError);
/// once it worked, a vanished device is reopened with backoff (0.5 s doubling to 8 s)
/// until it returns or `stop` is set. After each (re)open, bytes up to the first line
/// ending are dropped unless they start a sentence or follow a silence: they are the tail
/// of one that started before the port was open.
class SerialSource final : public ByteSource {
public:
    explicit SerialSource(SerialSourceOptions options);
    std::size_t read(char* buffer, std::size_t size) override;
    [[nodiscard]] const std::string& name() const override { return options_.path; }
    /// The device lost (whether back yet or not) and a stop ending a read are breaks.
    [[nodiscard]] std::uint64_t breaks() const override { return breaks_; }
    /// Writes `bytes` to the device if it is open (a stop command on the way out); false
    /// when it is not open or the write failed.
    bool write(std::string_view bytes) noexcept;

private:
    void open_first();
    void opened();
    bool try_reopen();
    void status(std::string_view message) const;
    std::size_t deliver(char* buffer, std::size_t size, const char* data, std::size_t n);
    bool stopping() const { return options_.stop != nullptr && options_.stop->load(); }

    SerialSourceOptions options_;
    std::optional<SerialPort> port_;
    int baud_ = 0;
    std::string pending_;  ///< bytes received while detecting the rate
    Backoff backoff_;      ///< wait before the next reopen attempt
    bool skip_to_newline_ = true;
    bool heard_since_open_ = false;  ///< a byte arrived since the last (re)open
    std::uint64_t breaks_ = 0;
};

}  // namespace adapters
