// `trk read rfid`: RFID reader output (captured files or a serial reader) to read records.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "adapters/byte_source.hpp"
#include "adapters/rfid.hpp"
#include "adapters/serial.hpp"
#include "diagnostics.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "read.hpp"
#include "signals.hpp"
#include "track/json.hpp"
#include "track/number.hpp"

namespace cli {

namespace {

namespace rfid = adapters::rfid;

struct RfidOptions {
    std::vector<std::string> files;
    std::string format = "text";
    std::string port;
    std::string baud;
    std::string reader;
    std::string window = "1s";
    std::string now;
    bool inventory = false;
    bool strict = false;
    bool verbose = false;
    // Checked by setup:
    const rfid::FormatInfo* parsed_format = nullptr;
    int baud_rate = 0;
    track::Millis window_ms = 1000;
    std::optional<track::Millis> fixed_now;
};

// The names of the registered formats that `keep` accepts, in listing order.
template <typename Keep>
std::vector<std::string_view> format_names(Keep keep) {
    std::vector<std::string_view> names;
    for (const rfid::FormatInfo* format : rfid::formats()) {
        if (keep(*format)) names.push_back(format->name);
    }
    return names;
}

bool any_format(const rfid::FormatInfo&) { return true; }
bool serial_format(const rfid::FormatInfo& format) { return rfid::is_serial(format); }
bool commanded_format(const rfid::FormatInfo& format) { return format.start_inventory != nullptr; }

// "text 9600, uhf-bb 115200, ...": the default rate of each serial format.
std::string default_rates() {
    std::string rates;
    for (const rfid::FormatInfo* format : rfid::formats()) {
        if (!rfid::is_serial(*format)) continue;
        rates += fmt::format("{}{} {}", rates.empty() ? "" : ", ", format->name, format->default_baud);
    }
    return rates;
}

// The --help footer: one line per format.
std::string format_list() {
    std::string list = "Reader formats (--format):";
    for (const rfid::FormatInfo* format : rfid::formats())
        list += fmt::format("\n  {:<12}{}", format->name, format->help);
    return list;
}

void check(RfidOptions& o) {
    const rfid::FormatInfo* format = rfid::find_format(o.format);
    if (format == nullptr) {
        throw track::UsageError(fmt::format("--format: '{}' is not a reader format; use {}", o.format,
                                            join_choices(format_names(any_format))));
    }
    o.parsed_format = format;
    if (!o.port.empty()) {
        if (!o.files.empty()) throw track::UsageError("give FILEs or --port, not both");
        if (!rfid::is_serial(*format)) {
            throw track::UsageError(fmt::format("--port: {} is not a serial protocol; serial readers speak {}",
                                                o.format, join_choices(format_names(serial_format))));
        }
        const std::string rate = o.baud.empty() ? std::to_string(format->default_baud) : o.baud;
        const auto parsed = track::parse_uint(rate);
        if (!parsed || !adapters::is_supported_baud(*parsed)) {
            throw track::UsageError(
                fmt::format("--baud: '{}' is not a rate; use 9600, 38400, 57600, 115200, ...", rate));
        }
        o.baud_rate = *parsed;
    }
    if (o.inventory && (o.port.empty() || format->start_inventory == nullptr)) {
        throw track::UsageError(fmt::format("--inventory needs --port and a reader protocol with commands ({})",
                                            fmt::join(format_names(commanded_format), ", ")));
    }
    o.window_ms = parse_duration("--window", o.window);
    o.fixed_now = parse_now(o.now);
    if (o.files.empty() && o.port.empty()) o.files.emplace_back("-");
}

// A source that runs `before` each time its reader asks for more bytes (i.e. when the
// input may block): where a live run flushes its output. It keeps the first bytes, to
// guess the format of an input that the one given could not read.
class WatchedSource final : public adapters::ByteSource {
public:
    WatchedSource(adapters::ByteSource& inner, std::function<void()> before)
        : inner_(inner), before_(std::move(before)) {}
    std::size_t read(char* buffer, std::size_t size) override {
        before_();
        const std::size_t n = inner_.read(buffer, size);
        head_.append(buffer, std::min(n, rfid::format_guess_bytes - head_.size()));
        return n;
    }
    [[nodiscard]] const std::string& name() const override { return inner_.name(); }
    [[nodiscard]] std::uint64_t breaks() const override { return inner_.breaks(); }
    /// The first rfid::format_guess_bytes bytes read.
    [[nodiscard]] std::string_view head() const { return head_; }

private:
    adapters::ByteSource& inner_;
    std::function<void()> before_;
    std::string head_;
};

// Why nothing of an input could be read in `format`: the format it looks like, if any.
std::string why_nothing_read(std::string_view head, const rfid::FormatInfo& format) {
    const rfid::FormatInfo* guess = rfid::guess_format(head);
    if (guess == nullptr || guess == &format) {
        return fmt::format("no tag report in it, as {} or as any other reader format", format.name);
    }
    return fmt::format("the input looks like {} (try --format {})", guess->name, guess->name);
}

// One source's reports, deduplicated, to read records on `out`.
class SourceDecoder {
public:
    SourceDecoder(const RfidOptions& o, const std::string& reader, Diagnostics& diagnostics, Output& out,
                  NothingRead& nothing_read)
        : o_(o),
          diagnostics_(diagnostics),
          out_(out),
          nothing_read_(nothing_read),
          dedup_(o.window_ms, reader, [&out](const track::Read& read) {
              track::append_json(out.buffer(), read);
              out.maybe_flush();
          }) {}

    /// Decodes `source` to its end. What is complete is written before each wait for input;
    /// a live source (a port, a pipe) also writes each sighting once its window has passed
    /// by the clock, so that a tag read once and never again comes out. A source that gave
    /// no tag report, only problems, goes to the NothingRead.
    void run(adapters::ByteSource& source, bool live) {
        const std::uint64_t skipped = diagnostics_.skipped_count();
        const std::uint64_t reports = dedup_.reports();
        auto decoder = o_.parsed_format->make_decoder(diagnostics_,
                                                      [this](rfid::TagReport& report) { dedup_.add(report, now()); });
        WatchedSource watched(source, [this, live] {
            if (live) dedup_.expire(now());
            out_.flush();
        });
        decoder->run(watched);
        dedup_.finish();
        nothing_read_.check(source.name(), dedup_.reports() - reports, diagnostics_.skipped_count() - skipped,
                            [&] { return why_nothing_read(watched.head(), *o_.parsed_format); });
    }

    /// Writes the sightings whose window has passed: for a live port, when it is quiet.
    void idle() {
        dedup_.expire(now());
        out_.flush();
    }

    [[nodiscard]] const rfid::Deduplicator& dedup() const { return dedup_; }

private:
    [[nodiscard]] track::Millis now() const { return o_.fixed_now.value_or(now_ms()); }

    const RfidOptions& o_;
    Diagnostics& diagnostics_;
    Output& out_;
    NothingRead& nothing_read_;
    rfid::Deduplicator dedup_;
};

int run_rfid(const RfidOptions& o) {
    const std::atomic<bool>& stop = stop_on_signals();
    Diagnostics diagnostics("read rfid", o.strict);
    Output out;
    NothingRead nothing_read;
    std::uint64_t reports = 0;
    std::uint64_t records = 0;
    const auto reader_of = [&o](const std::string& name) {
        return !o.reader.empty() ? o.reader : name == "-" ? std::string("stdin") : name;
    };
    if (!o.port.empty()) {
        SourceDecoder decoder(o, reader_of(o.port), diagnostics, out, nothing_read);
        adapters::SerialSource port({.path = o.port,
                                     .baud = o.baud_rate,
                                     .stop = &stop,
                                     .on_status = [&diagnostics](std::string_view m) { diagnostics.note(m); },
                                     .verbose = o.verbose,
                                     .skip_partial_line = o.parsed_format->line_based,
                                     .on_open_write = o.inventory ? o.parsed_format->start_inventory() : std::string(),
                                     .on_idle = [&decoder] { decoder.idle(); }});
        decoder.run(port, true);
        if (o.inventory && !port.write(o.parsed_format->stop_inventory())) {
            diagnostics.note(fmt::format("{}: could not send the stop command", o.port));
        }
        reports = decoder.dedup().reports();
        records = decoder.dedup().records();
    } else {
        // Open every file first: a missing one stops the run before any output.
        std::vector<std::unique_ptr<adapters::FileSource>> sources;
        for (const std::string& path : o.files) sources.push_back(std::make_unique<adapters::FileSource>(path, &stop));
        for (auto& source : sources) {
            if (stop.load()) break;
            SourceDecoder decoder(o, reader_of(source->name()), diagnostics, out, nothing_read);
            const bool live = !source->is_regular_file();
            if (live) source->set_on_idle([&decoder] { decoder.idle(); });
            decoder.run(*source, live);
            reports += decoder.dedup().reports();
            records += decoder.dedup().records();
        }
    }
    out.flush();
    diagnostics.summary();
    if (o.verbose) diagnostics.note(fmt::format("{} tag reports, {} read records", reports, records));
    nothing_read.throw_if_any();
    return 0;
}

}  // namespace

void add_read_rfid_command(CLI::App& read, Invocation& chosen) {
    auto options = std::make_shared<RfidOptions>();
    RfidOptions& r = *options;
    auto* rfid_cmd = read.add_subcommand(
        "rfid",
        "Read RFID reader output from files, standard input or a serial reader; write one read record per "
        "tag sighting");
    rfid_cmd->add_option("FILE", r.files, "Reader captures to read; '-' or none: standard input");
    rfid_cmd
        ->add_option("-f,--format", r.format,
                     "Reader format: " + fmt::format("{}", fmt::join(format_names(any_format), ", ")))
        ->type_name("FORMAT")
        ->default_str("text");
    auto* port = rfid_cmd
                     ->add_option("--port", r.port,
                                  fmt::format("Read a serial reader ({}) instead of files",
                                              fmt::join(format_names(serial_format), ", ")))
                     ->type_name("DEV");
    rfid_cmd->add_option("--baud", r.baud, fmt::format("Serial rate, 8N1 (default: {})", default_rates()))
        ->type_name("RATE")
        ->needs(port);
    rfid_cmd
        ->add_flag("--inventory", r.inventory,
                   "Send the reader's start-inventory command when the port opens and its stop command at the end")
        ->needs(port);
    rfid_cmd->add_option("--reader", r.reader, "Reader id written on every read (default: the port or file name)")
        ->type_name("ID");
    rfid_cmd
        ->add_option("--window", r.window,
                     "Merge reads of one tag by one antenna within this time into one record; 0 keeps every read")
        ->type_name("DURATION")
        ->default_str("1s");
    add_now_option(rfid_cmd, r.now,
                   "reads without a reader timestamp arrive at TIME (for captures; default: the system clock)");
    rfid_cmd->add_flag("--strict", r.strict, "Stop at the first bad line or frame with exit status 65");
    rfid_cmd->add_flag("-v,--verbose", r.verbose, "Say how the port was opened and count what was read");
    rfid_cmd->footer(format_list());
    rfid_cmd->callback([options, &chosen] {
        check(*options);
        chosen = {"read rfid", [options] { return run_rfid(*options); }};
    });
}

}  // namespace cli
