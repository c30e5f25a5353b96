// `trk ports [--probe] [PORT...]`: which serial ports there are, and what each one says.
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

#include "adapters/serial.hpp"
#include "command.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "signals.hpp"
#include "track/error.hpp"
#include "track/json_writer.hpp"

namespace cli {

namespace {

struct PortsOptions {
    std::vector<std::string> ports;
    bool probe = false;
    double seconds = 3;
    std::string format;  ///< table or jsonl; empty: table on a terminal
};

// What probing one port found.
struct ProbeResult {
    std::optional<adapters::NmeaHeard> nmea;  ///< NMEA at this rate
    std::size_t bytes = 0;                    ///< bytes heard at any rate
    std::string error;                        ///< the port could not be opened
};

ProbeResult probe(const std::string& path, std::chrono::milliseconds window, const std::atomic<bool>& stop) {
    ProbeResult result;
    try {
        adapters::SerialPort port(path, adapters::common_baud_rates[0]);
        for (const int rate : adapters::common_baud_rates) {
            if (stop.load()) break;
            adapters::NmeaHeard heard = adapters::listen_for_nmea(port, rate, window, false, &stop);
            result.bytes += heard.bytes;
            if (heard.is_nmea()) {
                result.nmea = std::move(heard);
                break;
            }
        }
    } catch (const track::DeviceError& e) {
        result.error = e.what();
    }
    return result;
}

std::string joined(const std::set<std::string>& items) {
    std::string text;
    for (const auto& item : items) text += (text.empty() ? "" : " ") + item;
    return text;
}

std::string heard_text(const ProbeResult& r) {
    if (!r.error.empty()) return r.error;
    if (!r.nmea) {
        return r.bytes == 0 ? "nothing" : fmt::format("{} bytes, not NMEA at any common rate", r.bytes);
    }
    const auto& h = *r.nmea;
    std::string text =
        fmt::format("NMEA at {} baud, talker{} {}", h.baud, h.talkers.size() == 1 ? "" : "s", joined(h.talkers));
    if (h.epochs_per_second > 0) text += fmt::format(", {:.3g} Hz", h.epochs_per_second);
    return text + fmt::format(" ({})", joined(h.formatters));
}

void append_json(fmt::memory_buffer& out, const adapters::PortInfo& port, const ProbeResult* probed) {
    track::JsonWriter w(out);
    auto member = [&w](std::string_view key, std::string_view value) {
        if (!value.empty()) w.key(key).string(value);
    };
    w.begin_object();
    w.key("port").string(port.name);
    member("description", port.description);
    member("transport", port.transport);
    if (port.usb_vid) member("usb_id", fmt::format("{:04x}:{:04x}", *port.usb_vid, *port.usb_pid));
    member("manufacturer", port.manufacturer);
    member("product", port.product);
    member("serial", port.serial);
    if (probed != nullptr) {
        if (!probed->error.empty()) {
            member("heard", "error");
            member("error", probed->error);
        } else if (!probed->nmea) {
            member("heard", probed->bytes == 0 ? "nothing" : "not nmea");
            w.key("bytes").integer(probed->bytes);
        } else {
            const auto& h = *probed->nmea;
            member("heard", "nmea");
            w.key("baud").integer(h.baud);
            w.key("sentences").integer(h.sentences);
            auto list = [&w](std::string_view key, const std::set<std::string>& items) {
                w.key(key).begin_array();
                for (const auto& item : items) w.string(item);
                w.end_array();
            };
            list("talkers", h.talkers);
            list("formatters", h.formatters);
            if (h.epochs_per_second > 0) w.key("epochs_per_second").rounded(h.epochs_per_second, 2);
        }
    }
    w.end_object().newline();
}

int run_ports(const PortsOptions& o) {
    const std::atomic<bool>& stop = stop_on_signals();
    std::vector<adapters::PortInfo> ports = adapters::list_serial_ports();
    if (!o.ports.empty()) {
        // Named ports: what the system knows of them, or just the name (pseudo-terminals).
        std::vector<adapters::PortInfo> named;
        for (const auto& path : o.ports) {
            adapters::PortInfo info{path, {}, {}, {}, {}, {}, {}, {}};
            for (const auto& known : ports) {
                if (known.name == path) info = known;
            }
            named.push_back(std::move(info));
        }
        ports = std::move(named);
    }
    const bool table = o.format.empty() ? ::isatty(STDOUT_FILENO) != 0 : o.format == "table";
    Output out;
    if (table) {
        fmt::format_to(std::back_inserter(out.buffer()), "{:<20} {:<10} {:<10} {}\n", "PORT", "TRANSPORT", "USB ID",
                       o.probe ? "DESCRIPTION / HEARD" : "DESCRIPTION");
    }
    const auto window = std::chrono::milliseconds(static_cast<long>(o.seconds * 1000));
    for (const auto& port : ports) {
        if (stop.load()) break;
        std::optional<ProbeResult> probed;
        if (o.probe) probed = probe(port.name, window, stop);
        if (table) {
            const std::string usb = port.usb_vid ? fmt::format("{:04x}:{:04x}", *port.usb_vid, *port.usb_pid) : "-";
            std::string description = port.description.empty() ? "-" : port.description;
            if (probed) description += " / " + heard_text(*probed);
            fmt::format_to(std::back_inserter(out.buffer()), "{:<20} {:<10} {:<10} {}\n", port.name,
                           port.transport.empty() ? "-" : port.transport, usb, description);
        } else {
            append_json(out.buffer(), port, probed ? &*probed : nullptr);
        }
        out.flush();  // probing is slow: show each port as soon as it is done
    }
    if (ports.empty() && table) fmt::format_to(std::back_inserter(out.buffer()), "(no serial ports found)\n");
    out.flush();
    return 0;
}

}  // namespace

void add_ports_command(CLI::App& trk, Invocation& chosen) {
    auto options = std::make_shared<PortsOptions>();
    PortsOptions& o = *options;
    auto* ports = trk.add_subcommand("ports", "List serial ports; with --probe, listen to each and say what it sends");
    ports->add_option("PORT", o.ports, "Ports to list or probe (default: every port found); pseudo-terminals too");
    ports->add_flag("--probe", o.probe, "Listen on each port at the common rates and report NMEA heard");
    ports->add_option("--seconds", o.seconds, "Listening time per rate when probing")
        ->default_str("3")
        ->check(CLI::Range(0.2, 60.0));
    ports->add_option("--format", o.format, "Output: table (default on a terminal) or jsonl (default otherwise)")
        ->type_name("FORMAT");
    ports->callback([options, &chosen] {
        if (!options->format.empty()) (void)parse_choice("--format", options->format, "a format", {"table", "jsonl"});
        chosen = {"ports", [options] { return run_ports(*options); }};
    });
}

}  // namespace cli
