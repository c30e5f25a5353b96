// The skeleton of live record sources beyond serial ports and gpsd (Modbus, MQTT, next):
// each is one self-registering file, as the RFID reader formats are.
//
// Adding a source, e.g. Modbus TCP:
//   1. adapters/src/source_modbus.cpp: a class derived from Source whose run() polls the
//      registers and sends a track::Reading per value, and at the end of the file
//        TRK_REGISTER_SOURCE(modbus, {.name = "modbus", .listed = 10,
//                                     .help = "Poll Modbus TCP registers; write readings",
//                                     .address = "HOST[:PORT]", .make_source = make_modbus_source})
//      (CMakeLists.txt finds the line and keeps the file linked: adapters/registry.hpp).
//   2. man/trk-read.1.md: a section for it (a unit test checks every registered source
//      has one, as for reader formats), and golden cases under tests/cases/read-modbus/.
// No other file changes: `trk read` adds a subcommand for each registered source (its
// name, help, ADDRESS and --set KEY=VALUE settings, parsed by cli/support/option_types.hpp) and
// runs it with the stop flag of the signal handlers. That cli wiring and the unit test
// are written with the first source; none is registered yet.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/registry.hpp"
#include "track/problems.hpp"
#include "track/record.hpp"

namespace adapters::source {

/// Receives each record a source produces, in the order produced.
using RecordSink = std::function<void(const track::Record&)>;

/// What the command line gave a source.
struct SourceSettings {
    std::string address;                          ///< where it is: "plc-3:502", "broker:1883"
    std::map<std::string, std::string> settings;  ///< --set KEY=VALUE (unit=1, topic=site/+/temp, ...)
    const std::atomic<bool>* stop = nullptr;      ///< set by SIGINT/SIGTERM: run() returns soon after
};

/// A live source of records.
class Source {
public:
    virtual ~Source() = default;
    /// Produces records until `stop` is set or the source ends. Input it cannot use goes
    /// to the problem sink; a source that cannot be reached throws track::DeviceError
    /// (reconnecting, as serial ports do, is the source's own business).
    virtual void run(const RecordSink& sink) = 0;
};

/// Makes a source from its settings; throws track::UsageError for settings it refuses
/// (before any connection: this is the setup step).
using SourceFactory = std::unique_ptr<Source> (*)(const SourceSettings& settings, track::ProblemSink& problems);

/// One kind of source, as its file registers it (TRK_REGISTER_SOURCE).
struct SourceInfo {
    std::string_view name{};                     ///< `trk read NAME`: "modbus"
    std::array<std::string_view, 3> aliases{};   ///< other names; empty: unused
    int listed = 0;                              ///< position in listings (lower first)
    std::string_view help{};                     ///< the subcommand's one line of --help
    std::string_view address{};                  ///< what ADDRESS looks like: "HOST[:PORT]"
    std::array<std::string_view, 8> settings{};  ///< the --set keys it knows; empty: unused
    SourceFactory make_source = nullptr;
};

/// The registered sources.
Registry<SourceInfo>& source_registry();
/// The source called `name` (or an alias); nullptr for any other name.
inline const SourceInfo* find_source(std::string_view name) { return source_registry().find(name); }
/// Every registered source, in listing order.
inline std::vector<const SourceInfo*> sources() { return source_registry().all(); }

}  // namespace adapters::source

/// Registers a source; `id` is its name as an identifier. Outside any namespace, at the
/// start of a line.
#define TRK_REGISTER_SOURCE(id, ...) TRK_REGISTER(source, id, adapters::source::source_registry(), __VA_ARGS__)
