// The Modbus bus options (see modbus_options.hpp).
#include "modbus_options.hpp"

#include <fmt/format.h>

#include "option_types.hpp"
#include "track/error.hpp"
#include "track/number.hpp"

namespace cli {

namespace {

// More attempts than this only hide a broken bus behind minutes of waiting.
constexpr int max_retries = 10;

int parse_tcp_port(std::string_view host_text, std::string_view text) {
    const auto port = track::parse_uint(text);
    if (!port || *port < 1 || *port > 65535) {
        throw track::UsageError(fmt::format("--host: '{}': '{}' is not a TCP port (1 to 65535)", host_text, text));
    }
    return *port;
}

// HOST, HOST:PORT, [IPv6] or [IPv6]:PORT; a bare IPv6 address (two colons or more) has no port.
void parse_host(std::string_view text, adapters::modbus::BusOptions& bus) {
    std::string_view host = text;
    std::string_view port;
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string_view::npos) {
            throw track::UsageError(fmt::format("--host: '{}' has no closing ']' (example: [::1]:502)", text));
        }
        host = text.substr(1, close - 1);
        const std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (!rest.starts_with(':')) {
                throw track::UsageError(fmt::format("--host: '{}' is not HOST[:PORT] (example: [::1]:502)", text));
            }
            port = rest.substr(1);
        }
    } else if (const auto colon = text.find(':'); colon != std::string_view::npos && text.rfind(':') == colon) {
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    if (host.empty()) throw track::UsageError(fmt::format("--host: '{}' names no host", text));
    bus.host = std::string(host);
    if (!port.empty() || text.ends_with(':')) bus.tcp_port = parse_tcp_port(text, port);
}

}  // namespace

void add_bus_options(CLI::App& command, BusArgs& args) {
    command
        .add_option("--host", args.host,
                    "Modbus TCP: the device or gateway, port 502 unless given ([::1]:502 for IPv6)")
        ->type_name("HOST[:PORT]");
    auto* port = command.add_option("--port", args.port, "Modbus RTU: the serial device (/dev/ttyUSB0, a socat pty)")
                     ->type_name("DEV");
    command.add_option("--baud", args.baud, "RTU: serial rate")->type_name("RATE")->default_str(args.baud)->needs(port);
    command.add_option("--parity", args.parity, "RTU: parity (Modbus default: even)")
        ->type_name("none|even|odd")
        ->default_str(args.parity)
        ->needs(port);
    command.add_option("--stop-bits", args.stop_bits, "RTU: stop bits")
        ->type_name("1|2")
        ->default_str(args.stop_bits)
        ->needs(port);
    command.add_option("--timeout", args.timeout, "How long to wait for each answer")
        ->type_name("DURATION")
        ->default_str(args.timeout);
    command.add_option("--retries", args.retries, "Further attempts after no answer or a damaged one")
        ->type_name("N")
        ->default_str(args.retries);
}

adapters::modbus::BusOptions to_bus_options(const BusArgs& args) {
    adapters::modbus::BusOptions bus;
    if (args.host.empty() == args.port.empty()) {
        throw track::UsageError(args.host.empty() ? "give the bus: --host HOST[:PORT] (TCP) or --port DEV (RTU)"
                                                  : "give --host or --port, not both");
    }
    if (!args.host.empty()) {
        parse_host(args.host, bus);
    } else {
        bus.device = args.port;
        bus.baud = parse_baud("--baud", args.baud);
        constexpr char parities[] = {'N', 'E', 'O'};
        bus.parity = parities[parse_choice("--parity", args.parity, "a parity", {"none", "even", "odd"})];
        bus.stop_bits =
            static_cast<int>(parse_choice("--stop-bits", args.stop_bits, "a number of stop bits", {"1", "2"})) + 1;
    }
    const track::Millis timeout = parse_duration("--timeout", args.timeout);
    if (timeout <= 0) throw track::UsageError(fmt::format("--timeout: '{}' must be more than 0", args.timeout));
    bus.timeout = std::chrono::milliseconds(timeout);
    const auto retries = track::parse_uint(args.retries);
    if (!retries || *retries > max_retries) {
        throw track::UsageError(fmt::format("--retries: '{}' is not a number from 0 to {}", args.retries, max_retries));
    }
    bus.retries = *retries;
    return bus;
}

}  // namespace cli
