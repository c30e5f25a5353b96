// What `trk modbus scan` and `trk modbus write` share: unit ids and register addresses as
// the user writes them (0-based with --table, or the manuals' 40001 reference notation).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "adapters/modbus_bus.hpp"
#include "adapters/modbus_map.hpp"
#include "command.hpp"

namespace cli {

/// A range of one table's registers (or coils), `first` to `last` inclusive.
struct RegisterRange {
    adapters::modbus::Table table = adapters::modbus::Table::holding;
    std::uint16_t first = 0;
    std::uint16_t last = 0;
    [[nodiscard]] unsigned count() const { return unsigned{last} - first + 1; }
};

/// --address ADDRESS or FIRST-LAST. With `table` (the --table text, not empty) each is the
/// 0-based address; without it, the 1-based reference notation that also names the table
/// (40001 = holding 0, 30001 = input 0, 10001 = discrete 0, 00001 = coil 0, and the
/// 6-digit 400001..465536 and so on). Throws track::UsageError naming --address or --table.
RegisterRange parse_register_range(std::string_view text, std::string_view table);

/// The reference notation of a register: "40001" for holding 0, "410000" for holding 9999.
std::string reference(adapters::modbus::Table table, std::uint16_t address);

/// --unit: 0 to 255 (248-255 reach some devices addressed directly over TCP); not 0 on a
/// serial `bus`, where it is the broadcast address that no device answers. Throws
/// track::UsageError.
int parse_unit_id(std::string_view text, const adapters::modbus::BusOptions& bus);

/// Adds `trk modbus scan` to `modbus` (modbus_scan.cpp).
void add_modbus_scan_command(CLI::App& modbus, Invocation& chosen);

}  // namespace cli
