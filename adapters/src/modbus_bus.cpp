// One Modbus bus through libmodbus (see modbus_bus.hpp): errno values told apart into the
// outcomes of a request, the line drained after a damaged frame, and a lost bus reopened.
#include "adapters/modbus_bus.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <modbus/modbus.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

#include "track/error.hpp"

namespace adapters::modbus {

namespace {

// libmodbus's timeouts are seconds and microseconds.
void split(std::chrono::milliseconds timeout, std::uint32_t& seconds, std::uint32_t& microseconds) {
    seconds = static_cast<std::uint32_t>(timeout.count() / 1000);
    microseconds = static_cast<std::uint32_t>(timeout.count() % 1000 * 1000);
}

// After a timeout or a damaged frame, the rest of that frame (or a late answer) may still be
// on its way: it would be taken for the answer to the next request. Reads and drops bytes
// until the line was quiet for a moment (or `most` passed).
void drain(modbus_t* context, std::chrono::milliseconds most) {
    constexpr int quiet_ms = 20;
    const int fd = modbus_get_socket(context);
    const auto deadline = std::chrono::steady_clock::now() + most;
    modbus_flush(context);
    while (fd >= 0 && std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, quiet_ms) <= 0 || (p.revents & POLLIN) == 0) return;
        if (modbus_flush(context) <= 0) return;  // hung up or an error: the next request tells
    }
}

// errno values that mean the connection or the device is gone, not just a silent device.
bool is_bus_lost(int error) {
    switch (error) {
        case ECONNRESET:
        case ECONNREFUSED:
        case ECONNABORTED:
        case ENOTCONN:
        case EPIPE:
        case EBADF:
        case EIO:
        case ENXIO:
        case ENODEV:
        case ENETUNREACH:
        case EHOSTUNREACH:
        case ENETDOWN: return true;
        default: return false;
    }
}

std::string open_hint(const BusOptions& options, int error) {
    if (!options.host.empty()) {
        if (error == ECONNREFUSED) {
            // libmodbus says "Connection refused" for a name it cannot resolve too.
            addrinfo hints{};
            hints.ai_socktype = SOCK_STREAM;
            addrinfo* found = nullptr;
            if (::getaddrinfo(options.host.c_str(), nullptr, &hints, &found) != 0) return " (the host name is unknown)";
            ::freeaddrinfo(found);
            return " (is the device or gateway on, and is Modbus TCP on that port?)";
        }
        if (error == ETIMEDOUT) return " (no answer: is the address right and the device on the network?)";
        return "";
    }
    if (error == EACCES || error == EPERM) return " (is your user in the dialout group?)";
    if (error == ENOENT) return " (is the adapter plugged in? 'trk ports' lists ports)";
    if (error == ENOTTY) return " (not a serial port: not a terminal device)";
    return "";
}

}  // namespace

std::string bus_name(const BusOptions& options) {
    if (options.host.empty()) return "modbus:" + options.device;
    if (options.host.find(':') != std::string::npos)
        return fmt::format("modbus://[{}]:{}", options.host, options.tcp_port);
    return fmt::format("modbus://{}:{}", options.host, options.tcp_port);
}

std::string_view exception_name(int code) noexcept {
    switch (code) {
        case 1: return "illegal function";
        case 2: return "illegal data address";
        case 3: return "illegal data value";
        case 4: return "server device failure";
        case 5: return "acknowledge";
        case 6: return "server device busy";
        case 7: return "negative acknowledge";
        case 8: return "memory parity error";
        case 10: return "gateway path unavailable";
        case 11: return "gateway target device failed to respond";
        default: return "unknown exception";
    }
}

struct Bus::Context {
    modbus_t* handle = nullptr;
    bool connected = false;
    ~Context() {
        if (handle == nullptr) return;
        if (connected) modbus_close(handle);
        modbus_free(handle);
    }
};

Bus::Bus(BusOptions options) : options_(std::move(options)), name_(bus_name(options_)), context_(new Context) {
    modbus_t* handle = nullptr;
    if (!options_.host.empty()) {
        handle = modbus_new_tcp_pi(options_.host.c_str(), std::to_string(options_.tcp_port).c_str());
    } else {
        handle = modbus_new_rtu(options_.device.c_str(), options_.baud, options_.parity, 8, options_.stop_bits);
    }
    if (handle == nullptr) {
        throw track::DeviceError(fmt::format("{}: cannot set up the bus: {}", name_, modbus_strerror(errno)));
    }
    context_->handle = handle;
    // libmodbus's debug output goes to standard output, where the records go: never on.
    modbus_set_error_recovery(handle, MODBUS_ERROR_RECOVERY_NONE);
    set_timeout(options_.timeout);
    if (modbus_connect(handle) != 0) {
        const int error = errno;
        throw track::DeviceError(
            fmt::format("{}: cannot open: {}{}", name_, modbus_strerror(error), open_hint(options_, error)));
    }
    context_->connected = true;
    if (options_.verbose && options_.on_status) {
        options_.on_status(options_.host.empty() ? fmt::format("{}: opened at {} baud, 8{}{}", name_, options_.baud,
                                                               options_.parity, options_.stop_bits)
                                                 : fmt::format("{}: connected", name_));
    }
}

Bus::~Bus() = default;

void Bus::set_timeout(std::chrono::milliseconds timeout) {
    options_.timeout = std::max(timeout, std::chrono::milliseconds(1));
    std::uint32_t seconds = 0;
    std::uint32_t microseconds = 0;
    split(options_.timeout, seconds, microseconds);
    modbus_set_response_timeout(context_->handle, seconds, microseconds);
    // No byte timeout: the whole answer must arrive within the response timeout.
    modbus_set_byte_timeout(context_->handle, 0, 0);
}

// Opens the bus again if it was lost: true when it is open.
bool Bus::reopen() {
    if (context_->connected) return true;
    if (!backoff_.wait(options_.stop)) return false;
    if (modbus_connect(context_->handle) != 0) {
        backoff_.failed();
        return false;
    }
    backoff_.succeeded();
    context_->connected = true;
    if (options_.on_status) options_.on_status(fmt::format("{}: reopened", name_));
    return true;
}

namespace {

Response not_reopened() {
    Response response;
    response.outcome = Outcome::bus_lost;
    response.message = "bus lost: not reopened yet";
    response.arrived = std::chrono::system_clock::now();
    return response;
}

// One request, attempted up to 1 + retries times; `call` returns libmodbus's result. A lost
// bus is closed (`connected` false) for the next request to reopen.
template <typename Call>
Response attempt(modbus_t* handle, bool& connected, const std::string& bus, int unit_id, const BusOptions& options,
                 Call call) {
    Response response;
    if (modbus_set_slave(handle, unit_id) != 0) {
        response.outcome = Outcome::damaged;
        response.message = fmt::format("unit {} is not a unit id of this bus", unit_id);
        response.arrived = std::chrono::system_clock::now();
        return response;
    }
    for (int tried = 1;; ++tried) {
        errno = 0;
        const int result = call();
        const int error = errno;
        response.arrived = std::chrono::system_clock::now();
        if (result >= 0) {
            response.outcome = Outcome::ok;
            response.message.clear();
            return response;
        }
        if (error > MODBUS_ENOBASE && error <= EMBXGTAR) {
            response.outcome = Outcome::exception;
            response.exception_code = error - MODBUS_ENOBASE;
            response.message =
                fmt::format("exception {} ({})", response.exception_code, exception_name(response.exception_code));
            return response;
        }
        if (is_bus_lost(error)) {
            response.outcome = Outcome::bus_lost;
            response.message = fmt::format("bus lost: {}", modbus_strerror(error));
            modbus_close(handle);
            connected = false;
            if (options.on_status) options.on_status(fmt::format("{}: {}; reopening", bus, response.message));
            return response;
        }
        if (error == ETIMEDOUT || error == EINTR) {
            response.outcome = Outcome::timeout;
            response.message = fmt::format("no answer within {} ms", options.timeout.count());
        } else {  // EMBBADCRC, EMBBADDATA, EMBBADEXC, EMBUNKEXC, EMBMDATA, EMBBADSLAVE
            response.outcome = Outcome::damaged;
            response.message = fmt::format("damaged answer: {}", modbus_strerror(error));
        }
        drain(handle, options.timeout);
        if (tried > options.retries || (options.stop != nullptr && options.stop->load())) {
            if (tried > 1) response.message += fmt::format(" ({} attempts)", tried);
            return response;
        }
    }
}

}  // namespace

Response Bus::read(int unit_id, Table table, std::uint16_t address, std::uint16_t count) {
    if (!reopen()) return not_reopened();
    modbus_t* handle = context_->handle;
    std::vector<std::uint8_t> bits;
    std::vector<std::uint16_t> registers(count);
    if (is_bit_table(table)) bits.resize(count);
    Response response = attempt(handle, context_->connected, name_, unit_id, options_, [&] {
        switch (table) {
            case Table::coil: return modbus_read_bits(handle, address, count, bits.data());
            case Table::discrete: return modbus_read_input_bits(handle, address, count, bits.data());
            case Table::input: return modbus_read_input_registers(handle, address, count, registers.data());
            case Table::holding: break;
        }
        return modbus_read_registers(handle, address, count, registers.data());
    });
    if (response.outcome == Outcome::ok) {
        if (is_bit_table(table)) {
            for (std::size_t i = 0; i < bits.size(); ++i) registers[i] = bits[i] != 0 ? 1 : 0;
        }
        response.data = std::move(registers);
    }
    return response;
}

Response Bus::write(int unit_id, Table table, std::uint16_t address, const std::vector<std::uint16_t>& registers) {
    if (table == Table::discrete || table == Table::input) {
        throw track::UsageError(fmt::format("the {} table is read-only: only coils and holding registers are written",
                                            modbus::name(table)));
    }
    if (registers.empty() || (table == Table::coil && registers.size() != 1)) {
        throw track::UsageError(
            fmt::format("a write sets one coil or 1 to 123 holding registers, not {} values", registers.size()));
    }
    if (!reopen()) return not_reopened();
    modbus_t* handle = context_->handle;
    return attempt(handle, context_->connected, name_, unit_id, options_, [&] {
        if (table == Table::coil) return modbus_write_bit(handle, address, registers[0] != 0 ? 1 : 0);
        if (registers.size() == 1) return modbus_write_register(handle, address, registers[0]);
        return modbus_write_registers(handle, address, static_cast<int>(registers.size()), registers.data());
    });
}

}  // namespace adapters::modbus
