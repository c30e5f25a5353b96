// `trk read modbus`: polls one Modbus bus (TCP or RTU) by a register map and writes one
// reading record per mapped value per poll.
#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "adapters/byte_source.hpp"
#include "adapters/modbus_bus.hpp"
#include "adapters/modbus_map.hpp"
#include "diagnostics.hpp"
#include "modbus_options.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "read.hpp"
#include "signals.hpp"
#include "track/error.hpp"
#include "track/json.hpp"
#include "track/number.hpp"

namespace cli {

namespace {

namespace modbus = adapters::modbus;

struct ModbusReadOptions {
    BusArgs bus;
    std::string map;
    std::string interval = "1s";
    std::string count;
    bool no_batch = false;
    bool verbose = false;
    // Checked by setup:
    modbus::BusOptions parsed_bus;
    track::Millis interval_ms = 1000;
    std::optional<std::uint64_t> polls;  ///< --count; none: until stopped
};

void check(ModbusReadOptions& o) {
    o.parsed_bus = to_bus_options(o.bus);
    o.interval_ms = parse_duration("--interval", o.interval);
    if (!o.count.empty()) {
        o.polls = track::parse_uint64(o.count);
        if (!o.polls || *o.polls == 0) {
            throw track::UsageError(fmt::format("--count: '{}' is not a number of polls (1 or more)", o.count));
        }
    }
}

// The map's points that make readings: a string (a serial number, a firmware version) has no
// place in a reading's numeric value, so its rows are left out with a note; on a serial line,
// unit 0 is the broadcast address, which no device answers.
modbus::Map numeric_points(modbus::Map map, bool serial, const Diagnostics& diagnostics) {
    std::vector<modbus::Point> kept;
    for (modbus::Point& point : map.points) {
        const track::Location where{map.source, point.line};
        if (serial && point.unit_id == 0) {
            throw track::InputError(track::to_string(where),
                                    "unit 0 is the broadcast address on a serial line: no device answers a read "
                                    "from it (give the device's own unit id)");
        }
        if (point.type.kind == modbus::Kind::string) {
            diagnostics.note(
                fmt::format("{}: {} {}: a {} is text, not a reading's number: not read (trk modbus "
                            "scan shows it)",
                            track::to_string(where), point.asset, point.metric, to_string(point.type)));
            continue;
        }
        kept.push_back(std::move(point));
    }
    if (kept.empty()) throw track::InputError(map.source, "no row of the map holds a number or a bool to read");
    map.points = std::move(kept);
    return map;
}

// "unit 1 holding 0-9": the registers (bits) a request reads.
std::string describe(const modbus::Request& request) {
    const unsigned last = request.address + request.count - 1U;
    if (request.count == 1) return fmt::format("unit {} {} {}", request.unit_id, modbus::name(request.table), last);
    return fmt::format("unit {} {} {}-{}", request.unit_id, modbus::name(request.table), request.address, last);
}

// "pump-7 temperature, pump-7 current": the values a request carries (the first few).
std::string carried(const modbus::Map& map, const modbus::Request& request) {
    constexpr std::size_t named = 4;
    std::string text;
    for (std::size_t i = 0; i < request.points.size() && i < named; ++i) {
        const modbus::Point& point = map.points[request.points[i]];
        text += fmt::format("{}{} {}", i == 0 ? "" : ", ", point.asset, point.metric);
    }
    if (request.points.size() > named) text += fmt::format(" and {} more", request.points.size() - named);
    return text;
}

// Problems that repeat poll after poll (a unit that is off, a register that always holds NaN)
// are said once when they start or change and once when they end, not on every poll.
class Complaints {
public:
    Complaints(const Diagnostics& diagnostics, std::size_t size) : diagnostics_(diagnostics), last_(size) {}
    void failed(std::size_t key, const std::string& what, const std::string& why) {
        if (last_[key] != why) diagnostics_.note(fmt::format("{}: {}", what, why));
        last_[key] = why;
    }
    void fine(std::size_t key, const std::string& what) {
        if (last_[key].empty()) return;
        diagnostics_.note(fmt::format("{}: fine again", what));
        last_[key].clear();
    }

private:
    const Diagnostics& diagnostics_;
    std::vector<std::string> last_;
};

struct Counts {
    std::uint64_t polls = 0;
    std::uint64_t readings = 0;
    std::uint64_t failed_requests = 0;
    std::uint64_t values_not_written = 0;
};

// Sleeps until `until` unless a stop request comes first.
void sleep_until(std::chrono::steady_clock::time_point until, const std::atomic<bool>& stop) {
    constexpr std::chrono::milliseconds slice{100};
    while (!stop.load()) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= until) return;
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(until - now, slice));
    }
}

class Poller {
public:
    Poller(modbus::Bus& bus, const modbus::Map& map, std::vector<modbus::Request> requests, Diagnostics& diagnostics,
           Output& out)
        : bus_(bus),
          map_(map),
          requests_(std::move(requests)),
          out_(out),
          request_complaints_(diagnostics, requests_.size()),
          value_complaints_(diagnostics, map.points.size()) {}

    /// One poll: every request once, in plan order; a lost bus ends the poll early.
    void poll(const std::atomic<bool>& stop) {
        for (std::size_t i = 0; i < requests_.size() && !stop.load(); ++i) {
            const modbus::Request& request = requests_[i];
            const modbus::Response response = bus_.read(request.unit_id, request.table, request.address, request.count);
            const std::string where = fmt::format("{}: {}", bus_.name(), describe(request));
            if (response.outcome != modbus::Outcome::ok) {
                ++counts_.failed_requests;
                counts_.values_not_written += request.points.size();
                // A lost bus is one complaint until it is back (the bus's status lines say why).
                const bool lost = response.outcome == modbus::Outcome::bus_lost;
                request_complaints_.failed(
                    i, where,
                    fmt::format("{}; not read: {}", lost ? "bus lost" : response.message, carried(map_, request)));
                if (lost) {
                    for (std::size_t rest = i + 1; rest < requests_.size(); ++rest)
                        counts_.values_not_written += requests_[rest].points.size();
                    break;
                }
                continue;
            }
            request_complaints_.fine(i, where);
            for (const std::size_t index : request.points) write(index, request, response);
        }
        out_.flush();  // live: the poll's values as soon as it is done
        ++counts_.polls;
    }

    [[nodiscard]] const Counts& counts() const { return counts_; }

private:
    void write(std::size_t index, const modbus::Request& request, const modbus::Response& response) {
        const modbus::Point& point = map_.points[index];
        const modbus::Value value = modbus::decode_point(point, request.address, response.data);
        const std::string src =
            fmt::format("{}/{}/{}/{}", bus_.name(), point.unit_id, modbus::name(point.table), point.address);
        if (!std::isfinite(value.number)) {
            ++counts_.values_not_written;
            value_complaints_.failed(index, fmt::format("{} ({} {})", src, point.asset, point.metric),
                                     fmt::format("the {} is {}: not written", to_string(point.type), value.number));
            return;
        }
        value_complaints_.fine(index, fmt::format("{} ({} {})", src, point.asset, point.metric));
        track::Reading reading;
        reading.time =
            std::chrono::duration_cast<std::chrono::milliseconds>(response.arrived.time_since_epoch()).count();
        reading.asset = point.asset;
        reading.src = src;
        // Without an asset, the unit is the reading's subject (trk asset link gives it one).
        if (point.asset.empty()) reading.device = fmt::format("{}/{}", bus_.name(), point.unit_id);
        reading.metric = point.metric;
        reading.value = value.number;
        reading.unit = point.unit;
        track::append_json(out_.buffer(), reading);
        ++counts_.readings;
    }

    modbus::Bus& bus_;
    const modbus::Map& map_;
    std::vector<modbus::Request> requests_;
    Output& out_;
    Complaints request_complaints_;
    Complaints value_complaints_;
    Counts counts_;
};

void describe_plan(const Diagnostics& diagnostics, const modbus::Bus& bus, const modbus::Map& map,
                   const std::vector<modbus::Request>& requests, const ModbusReadOptions& o) {
    std::vector<int> units;
    for (const modbus::Point& point : map.points) units.push_back(point.unit_id);
    std::sort(units.begin(), units.end());
    units.erase(std::unique(units.begin(), units.end()), units.end());
    diagnostics.note(fmt::format("polling {}: {} values of {} unit{} in {} request{} per poll ({}), every {} ms{}",
                                 bus.name(), map.points.size(), units.size(), units.size() == 1 ? "" : "s",
                                 requests.size(), requests.size() == 1 ? "" : "s",
                                 o.no_batch ? "one per value" : "batched", o.interval_ms,
                                 o.polls ? fmt::format(", {} polls", *o.polls) : std::string()));
    for (const modbus::Request& request : requests)
        diagnostics.note(fmt::format("  {}: {}", describe(request), carried(map, request)));
}

int run_modbus(const ModbusReadOptions& o) {
    const std::atomic<bool>& stop = stop_on_signals();
    Diagnostics diagnostics("read modbus", false);
    const bool serial = o.parsed_bus.host.empty();
    modbus::Map map = [&] {
        adapters::FileSource source(o.map);
        return numeric_points(modbus::read_map(source, diagnostics), serial, diagnostics);
    }();
    const std::vector<modbus::Request> requests = modbus::plan(map, !o.no_batch);

    modbus::BusOptions bus_options = o.parsed_bus;
    bus_options.stop = &stop;
    bus_options.on_status = [&diagnostics](std::string_view message) { diagnostics.note(message); };
    bus_options.verbose = o.verbose;
    modbus::Bus bus(bus_options);
    if (o.verbose) describe_plan(diagnostics, bus, map, requests, o);

    Output out;
    Poller poller(bus, map, requests, diagnostics, out);
    const auto interval = std::chrono::milliseconds(o.interval_ms);
    auto start = std::chrono::steady_clock::now();
    while (!stop.load()) {
        poller.poll(stop);
        if (o.polls && poller.counts().polls >= *o.polls) break;
        // Start to start; a poll that overran its interval is followed at once.
        const auto now = std::chrono::steady_clock::now();
        start = std::max(start + interval, now);
        sleep_until(start, stop);
    }
    out.flush();

    const Counts& counts = poller.counts();
    if (o.verbose || counts.values_not_written > 0) {
        diagnostics.note(fmt::format("{} poll{}, {} readings; {} failed request{}, {} values not written", counts.polls,
                                     counts.polls == 1 ? "" : "s", counts.readings, counts.failed_requests,
                                     counts.failed_requests == 1 ? "" : "s", counts.values_not_written));
    }
    if (counts.readings == 0 && counts.failed_requests > 0) {
        throw track::DeviceError(fmt::format("{}: no value read: every request failed", bus.name()));
    }
    return 0;
}

}  // namespace

void add_read_modbus_command(CLI::App& read, Invocation& chosen) {
    auto options = std::make_shared<ModbusReadOptions>();
    ModbusReadOptions& o = *options;
    auto* command = read.add_subcommand(
        "modbus", "Poll a Modbus bus (TCP or RTU) by a register map; write one reading record per value per poll");
    command->add_option("--map", o.map, "The register map: CSV, one row per value (trk-modbus(1) describes it)")
        ->type_name("FILE")
        ->required();
    add_bus_options(*command, o.bus);
    command
        ->add_option("--interval", o.interval,
                     "From the start of one poll to the next; 0: as fast as the device answers")
        ->type_name("DURATION")
        ->default_str(o.interval);
    command->add_option("--count", o.count, "Poll N times, then exit (default: until Ctrl-C or SIGTERM)")
        ->type_name("N");
    command->add_flag("--no-batch", o.no_batch,
                      "One request per value, for devices that refuse reads spanning several values");
    command->add_flag("-v,--verbose", o.verbose,
                      "Say what is polled, the requests of each poll, and counts at the end");
    command->callback([options, &chosen] {
        check(*options);
        chosen = {"read modbus", [options] { return run_modbus(*options); }};
    });
}

}  // namespace cli
