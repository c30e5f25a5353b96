// Serial ports through libserialport, with a termios fallback for pseudo-terminals, NMEA
// rate detection, and a byte source that reopens a vanished device with backoff.
#include "adapters/serial.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>
#include <libserialport.h>

#include "adapters/nmea_sentence.hpp"
#include "track/error.hpp"

namespace adapters {

namespace {

struct Rate {
    int baud;
    speed_t code;
};
constexpr Rate termios_rates[] = {{1200, B1200},     {2400, B2400},     {4800, B4800},    {9600, B9600},
                                  {19200, B19200},   {38400, B38400},   {57600, B57600},  {115200, B115200},
                                  {230400, B230400}, {460800, B460800}, {921600, B921600}};

speed_t speed_code(int baud) {
    for (const Rate& r : termios_rates) {
        if (r.baud == baud) return r.code;
    }
    throw track::UsageError(fmt::format("unsupported baud rate {}", baud));
}

// Why libserialport refused: its OS error text for SP_ERR_FAIL, a description otherwise
// (for SP_ERR_ARG its last error message is a stale "Success").
std::string sp_refusal(sp_return code);

// libserialport's last error, freed as its API asks.
std::string sp_error_text() {
    char* message = sp_last_error_message();
    std::string text = message != nullptr ? message : "unknown error";
    sp_free_error_message(message);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

std::string sp_refusal(sp_return code) {
    switch (code) {
        case SP_ERR_ARG: return "it does not know this port";
        case SP_ERR_MEM: return "out of memory";
        case SP_ERR_SUPP: return "not supported";
        default: return sp_error_text();
    }
}

void configure_termios(int fd, int baud, const std::string& path) {
    termios t{};
    if (::tcgetattr(fd, &t) != 0) {
        throw track::DeviceError(fmt::format("{}: cannot read terminal settings: {}", path, std::strerror(errno)));
    }
    ::cfmakeraw(&t);
    t.c_cflag &= ~static_cast<tcflag_t>(CSIZE | CSTOPB | PARENB | CRTSCTS);
    t.c_cflag |= CS8 | CLOCAL | CREAD;
    t.c_iflag &= ~static_cast<tcflag_t>(IXON | IXOFF | IXANY);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    const speed_t code = speed_code(baud);
    ::cfsetispeed(&t, code);
    ::cfsetospeed(&t, code);
    if (::tcsetattr(fd, TCSANOW, &t) != 0) {
        throw track::DeviceError(fmt::format("{}: cannot set {} baud 8N1: {}", path, baud, std::strerror(errno)));
    }
    ::tcflush(fd, TCIFLUSH);
}

std::string open_failure_hint(int error) {
    if (error == EACCES || error == EPERM) return " (is your user in the dialout group?)";
    if (error == ENOENT) return " (is the device plugged in? 'trk ports' lists ports)";
    return "";
}

}  // namespace

bool is_supported_baud(int baud) noexcept {
    return std::any_of(std::begin(termios_rates), std::end(termios_rates),
                       [baud](const Rate& r) { return r.baud == baud; });
}

std::vector<PortInfo> list_serial_ports() {
    sp_port** ports = nullptr;
    if (sp_list_ports(&ports) != SP_OK) {
        throw track::DeviceError(fmt::format("cannot list serial ports: {}", sp_error_text()));
    }
    auto text = [](const char* s) { return std::string(s != nullptr ? s : ""); };
    std::vector<PortInfo> found;
    for (sp_port** p = ports; *p != nullptr; ++p) {
        PortInfo info;
        info.name = text(sp_get_port_name(*p));
        info.description = text(sp_get_port_description(*p));
        switch (sp_get_port_transport(*p)) {
            case SP_TRANSPORT_USB: info.transport = "usb"; break;
            case SP_TRANSPORT_BLUETOOTH: info.transport = "bluetooth"; break;
            default: info.transport = "native";
        }
        if (info.transport == "usb") {
            int vid = 0;
            int pid = 0;
            if (sp_get_port_usb_vid_pid(*p, &vid, &pid) == SP_OK) {
                info.usb_vid = vid;
                info.usb_pid = pid;
            }
            info.manufacturer = text(sp_get_port_usb_manufacturer(*p));
            info.product = text(sp_get_port_usb_product(*p));
            info.serial = text(sp_get_port_usb_serial(*p));
        }
        found.push_back(std::move(info));
    }
    sp_free_port_list(ports);
    std::sort(found.begin(), found.end(), [](const PortInfo& a, const PortInfo& b) { return a.name < b.name; });
    return found;
}

SerialPort::SerialPort(const std::string& path, int baud, bool read_write) : path_(path), baud_(baud) {
    speed_code(baud);  // refuse unsupported rates before touching the device
    std::string refusal;
    sp_port* port = nullptr;
    if (const sp_return found = sp_get_port_by_name(path.c_str(), &port); found == SP_OK) {
        if (const sp_return opened = sp_open(port, read_write ? SP_MODE_READ_WRITE : SP_MODE_READ); opened == SP_OK) {
            int fd = -1;
            sp_return set = sp_set_baudrate(port, baud);
            if (set == SP_OK) set = sp_set_bits(port, 8);
            if (set == SP_OK) set = sp_set_parity(port, SP_PARITY_NONE);
            if (set == SP_OK) set = sp_set_stopbits(port, 1);
            if (set == SP_OK) set = sp_set_flowcontrol(port, SP_FLOWCONTROL_NONE);
            if (set == SP_OK) set = sp_get_port_handle(port, &fd);
            if (set == SP_OK) {
                sp_flush(port, SP_BUF_INPUT);
                ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
                fd_ = fd;
                sp_port_ = port;
                method_ = "libserialport";
                return;
            }
            refusal = sp_refusal(set);
            sp_close(port);
        } else {
            refusal = sp_refusal(opened);
        }
        sp_free_port(port);
    } else {
        refusal = sp_refusal(found);
    }

    // Debian's libserialport 0.1.1 looks every port up under /sys/class/tty, so it refuses
    // pseudo-terminals; termios can drive any terminal with the same settings.
    const int fd = ::open(path.c_str(), (read_write ? O_RDWR : O_RDONLY) | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        const int error = errno;
        throw track::DeviceError(
            fmt::format("{}: cannot open: {}{}", path, std::strerror(error), open_failure_hint(error)));
    }
    if (::isatty(fd) == 0) {
        ::close(fd);
        throw track::DeviceError(fmt::format("{}: not a serial port (not a terminal device)", path));
    }
    try {
        configure_termios(fd, baud, path);
    } catch (...) {
        ::close(fd);
        throw;
    }
    fd_ = fd;
    method_ = fmt::format("POSIX termios (libserialport: {})", refusal);
}

SerialPort::~SerialPort() { close(); }

SerialPort::SerialPort(SerialPort&& other) noexcept
    : path_(std::move(other.path_)),
      baud_(other.baud_),
      fd_(other.fd_),
      sp_port_(other.sp_port_),
      method_(std::move(other.method_)) {
    other.fd_ = -1;
    other.sp_port_ = nullptr;
}

SerialPort& SerialPort::operator=(SerialPort&& other) noexcept {
    if (this != &other) {
        close();
        path_ = std::move(other.path_);
        baud_ = other.baud_;
        fd_ = std::exchange(other.fd_, -1);
        sp_port_ = std::exchange(other.sp_port_, nullptr);
        method_ = std::move(other.method_);
    }
    return *this;
}

void SerialPort::close() noexcept {
    if (sp_port_ != nullptr) {
        auto* port = static_cast<sp_port*>(sp_port_);
        sp_close(port);
        sp_free_port(port);
        sp_port_ = nullptr;
    } else if (fd_ >= 0) {
        ::close(fd_);
    }
    fd_ = -1;
}

void SerialPort::set_baud(int baud) {
    if (sp_port_ != nullptr) {
        auto* port = static_cast<sp_port*>(sp_port_);
        if (sp_set_baudrate(port, baud) != SP_OK) {
            throw track::DeviceError(fmt::format("{}: cannot set {} baud: {}", path_, baud, sp_error_text()));
        }
        sp_flush(port, SP_BUF_INPUT);
    } else {
        configure_termios(fd_, baud, path_);
    }
    baud_ = baud;
}

std::size_t SerialPort::read_some(char* buffer, std::size_t size, std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready < 0) {
        if (errno == EINTR) return 0;
        throw track::DeviceError(fmt::format("{}: poll failed: {}", path_, std::strerror(errno)));
    }
    if (ready == 0) return 0;
    if ((p.revents & POLLIN) == 0) {
        throw track::DeviceError(fmt::format("{}: device hung up", path_));
    }
    const ssize_t n = ::read(fd_, buffer, size);
    if (n > 0) return static_cast<std::size_t>(n);
    if (n == 0) throw track::DeviceError(fmt::format("{}: device hung up", path_));
    if (errno == EAGAIN || errno == EINTR) return 0;
    throw track::DeviceError(fmt::format("{}: read failed: {}", path_, std::strerror(errno)));
}

void SerialPort::write(std::string_view bytes) {
    while (!bytes.empty()) {
        pollfd p{fd_, POLLOUT, 0};
        const int ready = ::poll(&p, 1, 1000);
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) throw track::DeviceError(fmt::format("{}: the device does not take data", path_));
        if ((p.revents & POLLOUT) == 0) throw track::DeviceError(fmt::format("{}: device hung up", path_));
        const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            throw track::DeviceError(fmt::format("{}: write failed: {}", path_, std::strerror(errno)));
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

NmeaHeard listen_for_nmea(SerialPort& port, int baud, std::chrono::milliseconds duration, bool until_sure,
                          const std::atomic<bool>* stop) {
    if (port.baud() != baud) port.set_baud(baud);
    NmeaHeard heard;
    heard.baud = baud;
    constexpr std::size_t keep_at_most = 1 << 16;
    std::set<int> epoch_times;
    std::size_t scanned = 0;  // received[0..scanned) is split into lines already
    const auto deadline = std::chrono::steady_clock::now() + duration;
    char chunk[4096];
    while (std::chrono::steady_clock::now() < deadline) {
        if (stop != nullptr && stop->load()) break;
        const std::size_t n = port.read_some(chunk, sizeof chunk, std::chrono::milliseconds(100));
        heard.bytes += n;
        if (heard.received.size() + n > keep_at_most) break;  // a flood of bytes, enough to judge
        heard.received.append(chunk, n);
        for (std::size_t nl; (nl = heard.received.find('\n', scanned)) != std::string::npos; scanned = nl + 1) {
            nmea::Framer framer(std::string_view(heard.received).substr(scanned, nl - scanned));
            nmea::Sentence s;
            for (auto status = framer.next(s); status != nmea::Framer::Status::end; status = framer.next(s)) {
                if (status == nmea::Framer::Status::problem) {
                    ++heard.damaged;
                    continue;
                }
                ++heard.sentences;
                if (!s.proprietary()) heard.talkers.emplace(s.talker());
                heard.formatters.emplace(s.formatter());
                const std::string_view f = s.formatter();
                const std::string_view time = f == "GLL" ? s.field(5) : s.field(1);
                if (f == "GGA" || f == "RMC" || f == "GLL" || f == "GNS") {
                    if (const auto tod = nmea::parse_time_of_day(time)) epoch_times.insert(*tod);
                }
            }
        }
        if (until_sure && heard.sentences >= 3 && heard.is_nmea()) break;
    }
    if (epoch_times.size() >= 2) {
        const double span_s = (*epoch_times.rbegin() - *epoch_times.begin()) / 1000.0;
        if (span_s > 0) heard.epochs_per_second = static_cast<double>(epoch_times.size() - 1) / span_s;
    }
    return heard;
}

// --- SerialSource -----------------------------------------------------------------------

namespace {
constexpr std::chrono::milliseconds poll_slice{200};
}  // namespace

SerialSource::SerialSource(SerialSourceOptions options) : options_(std::move(options)) { open_first(); }

void SerialSource::status(std::string_view message) const {
    if (options_.on_status) options_.on_status(message);
}

void SerialSource::open_first() {
    if (options_.baud > 0) {
        port_.emplace(options_.path, options_.baud, !options_.on_open_write.empty());
        baud_ = options_.baud;
        if (options_.verbose)
            status(fmt::format("{}: opened at {} baud with {}", options_.path, baud_, port_->method()));
        opened();
        return;
    }
    port_.emplace(options_.path, common_baud_rates[0]);
    if (options_.verbose) status(fmt::format("{}: opened with {}", options_.path, port_->method()));
    std::string tried;
    for (const int rate : common_baud_rates) {
        if (stopping()) return;
        const NmeaHeard heard = listen_for_nmea(*port_, rate, options_.detect_window, true, options_.stop);
        if (heard.is_nmea()) {
            baud_ = rate;
            pending_ = heard.received;
            status(fmt::format("{}: NMEA at {} baud", options_.path, rate));
            return;
        }
        if (options_.verbose) {
            status(fmt::format("{}: {} baud: {} bytes, {} valid sentences", options_.path, rate, heard.bytes,
                               heard.sentences));
        }
        tried += fmt::format("{}{}", tried.empty() ? "" : ", ", rate);
    }
    if (stopping()) return;
    throw track::DeviceError(
        fmt::format("{}: no NMEA heard at {} baud ({} ms each); is the receiver sending? "
                    "--baud RATE skips detection",
                    options_.path, tried, options_.detect_window.count()));
}

void SerialSource::opened() {
    skip_to_newline_ = options_.skip_partial_line;
    heard_since_open_ = false;
    if (!options_.on_open_write.empty()) port_->write(options_.on_open_write);
}

bool SerialSource::write(std::string_view bytes) noexcept {
    if (!port_) return false;
    try {
        port_->write(bytes);
        return true;
    } catch (const track::DeviceError&) {
        return false;
    }
}

std::size_t SerialSource::deliver(char* buffer, std::size_t size, const char* data, std::size_t n) {
    if (skip_to_newline_ && n > 0 && (data[0] == '$' || data[0] == '!')) skip_to_newline_ = false;
    if (skip_to_newline_) {
        const void* nl = std::memchr(data, '\n', n);
        if (nl == nullptr) return 0;
        const std::size_t skip = static_cast<std::size_t>(static_cast<const char*>(nl) - data) + 1;
        data += skip;
        n -= skip;
        skip_to_newline_ = false;
    }
    n = std::min(n, size);
    std::memmove(buffer, data, n);
    return n;
}

bool SerialSource::try_reopen() {
    if (!backoff_.wait(options_.stop)) return false;
    try {
        port_.emplace(options_.path, baud_, !options_.on_open_write.empty());
        opened();
    } catch (const track::DeviceError&) {
        port_.reset();
        backoff_.failed();
        return false;
    }
    backoff_.succeeded();
    status(fmt::format("{}: reopened at {} baud", options_.path, baud_));
    return true;
}

std::size_t SerialSource::read(char* buffer, std::size_t size) {
    for (;;) {
        if (!pending_.empty()) {
            const std::size_t take = std::min(pending_.size(), size);
            std::string chunk = pending_.substr(0, take);
            pending_.erase(0, take);
            if (const std::size_t n = deliver(buffer, size, chunk.data(), chunk.size()); n > 0) return n;
            continue;
        }
        if (stopping()) {
            ++breaks_;  // a line or frame begun is not finished
            return 0;
        }
        if (!port_ && !try_reopen()) continue;
        std::size_t n = 0;
        try {
            n = port_->read_some(buffer, size, poll_slice);
        } catch (const track::DeviceError& e) {
            status(fmt::format("{}; reopening", e.what()));
            port_.reset();
            ++breaks_;  // what came before does not go on in what comes after
            continue;
        }
        if (n == 0) {
            // Silence before the first byte: the device is between lines, nothing to drop.
            if (!heard_since_open_) skip_to_newline_ = false;
            if (options_.on_idle) options_.on_idle();
            continue;
        }
        heard_since_open_ = true;
        if (const std::size_t kept = deliver(buffer, size, buffer, n); kept > 0) return kept;
    }
}

}  // namespace adapters
