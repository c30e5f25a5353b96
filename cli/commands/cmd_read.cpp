// `trk read`: device output to records. nmea and gpsd live here; rfid, csv and jsonl in read_*.cpp.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adapters/byte_source.hpp"
#include "adapters/gpsd.hpp"
#include "adapters/nmea.hpp"
#include "adapters/serial.hpp"
#include "command.hpp"
#include "diagnostics.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "read.hpp"
#include "signals.hpp"
#include "track/json.hpp"

namespace cli {

namespace {

// NMEA sentences are at most 82 bytes; anything this long is not NMEA and is cut.
constexpr std::size_t max_line = 1024;

struct NmeaOptions {
    std::vector<std::string> files;
    std::string port;
    std::string baud = "auto";
    std::string asset;
    std::string date;
    bool keep_invalid = false;
    bool no_derived_speed = false;
    bool strict = false;
    bool verbose = false;
    // Checked by setup:
    int baud_rate = 0;  ///< 0: detect
    std::optional<track::CivilDate> first_date;
};

struct GpsdOptions {
    std::string host = "localhost";
    std::string port = "2947";
    std::string asset;
    bool verbose = false;
};

// The setup step: checks what CLI11 cannot, opens nothing.
void check(NmeaOptions& o) {
    if (!o.port.empty() && !o.files.empty()) {
        throw track::UsageError("give FILEs or --port, not both");
    }
    if (o.baud != "auto") o.baud_rate = parse_baud("--baud", o.baud, "auto");
    if (!o.date.empty()) o.first_date = parse_date("--date", o.date);
    if (o.files.empty() && o.port.empty()) o.files.emplace_back("-");
}

// Decodes one source to fix records on `out`; returns the decoder's counts. A source of
// which no line was a sentence goes to `nothing_read`.
adapters::nmea::Decoder::Counts decode(adapters::ByteSource& source, const NmeaOptions& o, Diagnostics& diagnostics,
                                       Output& out, NothingRead& nothing_read) {
    const std::uint64_t skipped = diagnostics.skipped_count();
    adapters::nmea::Decoder decoder({o.asset, source.name(), o.first_date, o.keep_invalid, !o.no_derived_speed},
                                    diagnostics, [&out](const track::Fix& fix) {
                                        track::append_json(out.buffer(), fix);
                                        out.maybe_flush();
                                    });
    adapters::for_each_line(
        source, max_line, diagnostics,
        [&decoder](std::string_view text, const track::Location& where) { decoder.line(text, where); },
        [&out] { out.flush(); });
    decoder.finish();
    nothing_read.check(source.name(), decoder.counts().sentences, diagnostics.skipped_count() - skipped,
                       [] { return std::string("no line was a valid NMEA sentence"); });
    return decoder.counts();
}

int run_nmea(const NmeaOptions& o) {
    const std::atomic<bool>& stop = stop_on_signals();
    Diagnostics diagnostics("read nmea", o.strict);
    Output out;
    NothingRead nothing_read;
    adapters::nmea::Decoder::Counts total;
    auto add = [&total](const adapters::nmea::Decoder::Counts& c) {
        total.sentences += c.sentences;
        total.fixes += c.fixes;
        total.no_fix += c.no_fix;
    };
    if (!o.port.empty()) {
        adapters::SerialSource port({.path = o.port,
                                     .baud = o.baud_rate,
                                     .detect_window = std::chrono::milliseconds(2500),
                                     .stop = &stop,
                                     .on_status = [&diagnostics](std::string_view m) { diagnostics.note(m); },
                                     .verbose = o.verbose});
        add(decode(port, o, diagnostics, out, nothing_read));
    } else {
        // Open every file first: a missing one stops the run before any output.
        std::vector<std::unique_ptr<adapters::FileSource>> sources;
        for (const std::string& path : o.files) sources.push_back(std::make_unique<adapters::FileSource>(path, &stop));
        for (auto& source : sources) {
            if (stop.load()) break;
            add(decode(*source, o, diagnostics, out, nothing_read));
        }
    }
    out.flush();
    diagnostics.summary();
    if (o.verbose) {
        diagnostics.note(
            fmt::format("{} sentences, {} fixes, {} epochs without a fix", total.sentences, total.fixes, total.no_fix));
    }
    nothing_read.throw_if_any();
    return 0;
}

int run_gpsd(const GpsdOptions& o) {
    const std::atomic<bool>& stop = stop_on_signals();
    Diagnostics diagnostics("read gpsd", false);
    Output out;
    adapters::GpsdWatcher watcher(
        {o.host, o.port, o.asset, &stop, [&diagnostics](std::string_view m) { diagnostics.note(m); }});
    if (o.verbose) diagnostics.note(fmt::format("watching gpsd at {}:{}", o.host, o.port));
    std::uint64_t fixes = 0;
    watcher.run([&](const track::Fix& fix) {
        track::append_json(out.buffer(), fix);
        out.flush();  // live: every fix as soon as it is complete
        ++fixes;
    });
    out.flush();
    if (o.verbose) diagnostics.note(fmt::format("{} fixes", fixes));
    return 0;
}

}  // namespace

void add_read_command(CLI::App& trk, Invocation& chosen) {
    auto* read = trk.add_subcommand(
        "read",
        "Turn device output into records: GPS fixes (NMEA, gpsd), RFID reads, sensor readings (CSV, JSON Lines, "
        "Modbus)");
    read->require_subcommand(1);

    auto nmea_options = std::make_shared<NmeaOptions>();
    NmeaOptions& n = *nmea_options;
    auto* nmea = read->add_subcommand(
        "nmea", "Read NMEA 0183 from files, standard input or a serial port; write one fix record per epoch");
    nmea->add_option("FILE", n.files, "NMEA logs to read; '-' or none: standard input");
    auto* port = nmea->add_option("--port", n.port, "Read a serial port (/dev/ttyUSB0, a socat pty) instead of files")
                     ->type_name("DEV");
    nmea->add_option("--baud", n.baud, "Serial rate, 8N1: auto (find it from checksummed sentences) or 4800, 9600, ...")
        ->type_name("RATE|auto")
        ->default_str("auto")
        ->needs(port);
    nmea->add_option("--asset", n.asset, "Asset id written on every fix")->type_name("ID");
    nmea->add_option("--date", n.date, "Date of the first epoch, for logs without RMC or ZDA sentences")
        ->type_name("YYYY-MM-DD");
    nmea->add_flag("--keep-invalid", n.keep_invalid, "Also write epochs without a valid fix, as fix \"none\"");
    nmea->add_flag("--no-derived-speed", n.no_derived_speed,
                   "Write only the speeds the receiver measured: derive none from positions");
    nmea->add_flag("--strict", n.strict, "Stop at the first bad line with exit status 65");
    nmea->add_flag("-v,--verbose", n.verbose, "Say how the port was opened and count what was read");
    nmea->callback([nmea_options, &chosen] {
        check(*nmea_options);
        chosen = {"read nmea", [nmea_options] { return run_nmea(*nmea_options); }};
    });

    auto gpsd_options = std::make_shared<GpsdOptions>();
    GpsdOptions& g = *gpsd_options;
    auto* gpsd = read->add_subcommand("gpsd", "Watch a gpsd daemon; write one fix record per epoch with a 2D/3D fix");
    gpsd->add_option("--host", g.host, "Host gpsd runs on")->default_str("localhost");
    gpsd->add_option("--port", g.port, "TCP port of gpsd")->default_str("2947");
    gpsd->add_option("--asset", g.asset, "Asset id written on every fix")->type_name("ID");
    gpsd->add_flag("-v,--verbose", g.verbose, "Say what is being watched and count fixes");
    gpsd->callback([gpsd_options, &chosen] {
        chosen = {"read gpsd", [gpsd_options] { return run_gpsd(*gpsd_options); }};
    });

    add_read_rfid_command(*read, chosen);
    add_read_record_commands(*read, chosen);
    add_read_modbus_command(*read, chosen);
    add_read_mqtt_command(*read, chosen);
}

}  // namespace cli
