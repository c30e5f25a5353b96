// The subcommands of `trk read` that live outside cmd_read.cpp, one file per input family.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "command.hpp"
#include "track/error.hpp"

namespace cli {

/// The rule of every read command for an input of which nothing could be used (no record
/// came of it, some of it was skipped as unusable): the run goes on with the other inputs,
/// then ends with exit status 65, naming the first such input and, where it can tell, why
/// ("the input looks like impinj (try --format impinj)"). An empty input is no failure.
class NothingRead {
public:
    /// Notes `source` (empty: the whole input) when it gave no `records` and `skipped`
    /// problems; `why()` is asked only then.
    template <typename Why>
    void check(std::string_view source, std::uint64_t records, std::uint64_t skipped, Why why) {
        if (records > 0 || skipped == 0 || !message_.empty()) return;
        message_ = (source.empty() ? std::string() : std::string(source) + ": ") + "nothing read: " + why();
    }
    /// Throws track::InputError for the first source noted: call after the run's summary.
    void throw_if_any() const {
        if (!message_.empty()) throw track::InputError({}, message_);
    }

private:
    std::string message_;
};

/// `trk read rfid`: reader formats and serial readers to read records (cli/commands/read_rfid.cpp).
void add_read_rfid_command(CLI::App& read, Invocation& chosen);

/// `trk read modbus`: polls a Modbus bus by a register map (cli/commands/read_modbus.cpp).
void add_read_modbus_command(CLI::App& read, Invocation& chosen);

/// `trk read mqtt`: subscribes to topics on an MQTT broker (cli/commands/read_mqtt.cpp).
void add_read_mqtt_command(CLI::App& read, Invocation& chosen);

/// `trk read csv` and `trk read jsonl`: sensor logs and other tools' records (cli/commands/read_records.cpp).
void add_read_record_commands(CLI::App& read, Invocation& chosen);

}  // namespace cli
