// The options that name a Modbus bus and how to talk to it, the same in `trk read modbus`,
// `trk modbus scan` and `trk modbus write`: --host HOST[:PORT] (TCP) or --port DEV (RTU)
// with --baud, --parity, --stop-bits, and --timeout, --retries.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "adapters/modbus_bus.hpp"

namespace cli {

/// The bus options as CLI11 gives them; checked by to_bus_options. A command that wants
/// another default (scan: a short timeout) sets the field before add_bus_options, which
/// shows the field's value as the default in --help.
struct BusArgs {
    std::string host;  ///< HOST, HOST:PORT, [IPv6] or [IPv6]:PORT
    std::string port;  ///< RTU serial device
    std::string baud = "19200";
    std::string parity = "even";
    std::string stop_bits = "1";
    std::string timeout = "1s";
    std::string retries = "1";
};

/// Declares --host, --port, --baud, --parity, --stop-bits, --timeout and --retries on
/// `command`, stored in `args` (which must outlive the parse).
void add_bus_options(CLI::App& command, BusArgs& args);

/// The bus `args` describe (host, port, serial settings, timeout, retries; the caller sets
/// stop, on_status and verbose). Throws track::UsageError naming the option for a bad value,
/// and when neither or both of --host and --port are given.
adapters::modbus::BusOptions to_bus_options(const BusArgs& args);

}  // namespace cli
