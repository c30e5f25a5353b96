// `trk vibration`: accelerometer recordings (WAV, CSV) to readings of vibration condition per window and axis.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <vector>

#include <fmt/format.h>

#include "adapters/byte_source.hpp"
#include "adapters/waveform.hpp"
#include "command.hpp"
#include "diagnostics.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "read.hpp"
#include "record_input.hpp"
#include "track/error.hpp"
#include "vibration_windows.hpp"

namespace cli {

namespace {

constexpr double standard_gravity = 9.80665;  // m/s² per g
// Frames per block: big enough that a block costs nothing, small enough for a lively progress line.
constexpr std::size_t block_frames = 8192;

struct VibrationOptions {
    std::vector<std::string> files;
    std::string format, rate, unit = "m/s2", scale, start, asset, axes, window = "1s", band = "10-1000";
    std::string machine_group, mounting, zones;
    bool strict = false;
    // Checked by setup:
    std::optional<bool> csv;  ///< --format; none: by the file's name
    std::optional<double> parsed_rate;
    bool scale_given = false;
    std::optional<track::Millis> parsed_start;
    WindowSettings settings;
};

double parse_positive(std::string_view option, std::string_view text) {
    const double value = parse_non_negative(option, text);
    if (value <= 0) throw track::UsageError(fmt::format("{}: '{}' must be more than 0", option, text));
    return value;
}

// The items of a comma-separated list, empty ones included ("a,,b" has three).
std::vector<std::string_view> split_commas(std::string_view text) {
    std::vector<std::string_view> items;
    std::size_t begin = 0;
    while (begin <= text.size()) {
        const std::size_t comma = std::min(text.find(',', begin), text.size());
        items.push_back(text.substr(begin, comma - begin));
        begin = comma + 1;
    }
    return items;
}

// "A/B,B/C,C/D" boundaries: three increasing velocities in mm/s.
track::ZoneLimits parse_zones(std::string_view text) {
    std::vector<double> limits;
    for (const std::string_view limit : split_commas(text)) limits.push_back(parse_positive("--zones", limit));
    if (limits.size() != 3 || !(limits[0] < limits[1] && limits[1] < limits[2])) {
        throw track::UsageError(fmt::format(
            "--zones: '{}' is not three increasing velocities in mm/s, the A/B, B/C and C/D boundaries (1.4,2.8,4.5)",
            text));
    }
    return {limits[0], limits[1], limits[2]};
}

void check(VibrationOptions& o) {
    WindowSettings& s = o.settings;
    s.asset = o.asset;
    if (!o.format.empty()) o.csv = parse_choice("--format", o.format, "a recording format", {"wav", "csv"}) == 1;
    if (!o.rate.empty()) o.parsed_rate = parse_positive("--rate", o.rate);
    s.scale = o.scale.empty() ? 1 : parse_positive("--scale", o.scale);
    o.scale_given = !o.scale.empty();
    if (parse_choice("--unit", o.unit, "an acceleration unit", {"m/s2", "g"}) == 1) s.scale *= standard_gravity;
    if (!o.start.empty()) o.parsed_start = parse_time("--start", o.start, now_ms());
    s.window_ms = parse_duration("--window", o.window);
    if (s.window_ms <= 0) throw track::UsageError("--window: a window must last more than 0");

    const std::size_t dash = o.band.find('-');
    if (dash == std::string::npos) {
        throw track::UsageError(fmt::format("--band: '{}' is not LOW-HIGH in Hz (10-1000)", o.band));
    }
    s.band_low = parse_non_negative("--band", std::string_view(o.band).substr(0, dash));
    s.band_high = parse_positive("--band", std::string_view(o.band).substr(dash + 1));
    if (s.band_low >= s.band_high) throw track::UsageError(fmt::format("--band: '{}' is empty", o.band));
    // A window of T seconds resolves 1/T Hz: the band must hold a few of those bins.
    if (1000.0 / static_cast<double>(s.window_ms) > (s.band_high - s.band_low) / 4) {
        throw track::UsageError(fmt::format("--window: {} resolves {} Hz, too coarse for the band {} Hz", o.window,
                                            1000.0 / static_cast<double>(s.window_ms), o.band));
    }
    if (o.parsed_rate && *o.parsed_rate < 2 * s.band_high) {
        throw track::UsageError(fmt::format("--rate: {} Hz cannot hold the band up to {} Hz: it needs {} Hz or more",
                                            *o.parsed_rate, s.band_high, 2 * s.band_high));
    }

    if (!o.axes.empty()) {
        for (const std::string_view axis : split_commas(o.axes)) s.axes.emplace_back(axis);
        for (const std::string& axis : s.axes) {
            const bool word = !axis.empty() && std::all_of(axis.begin(), axis.end(), [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            });
            if (!word || std::count(s.axes.begin(), s.axes.end(), axis) > 1 || s.axes.size() > 3) {
                throw track::UsageError(
                    fmt::format("--axes: '{}' is not 1 to 3 different names of letters, digits and _ (x,y,z)", o.axes));
            }
        }
    }

    if (!o.machine_group.empty()) {
        const bool group_one =
            parse_choice("--machine-group", o.machine_group, "an ISO 20816-3 group", {"1", "2"}) == 0;
        const bool rigid = parse_choice("--mounting", o.mounting, "a mounting", {"rigid", "flexible"}) == 0;
        s.zones = track::iso20816_3_limits(group_one ? 1 : 2, rigid);
    }
    if (!o.zones.empty()) s.zones = parse_zones(o.zones);

    if (o.files.empty()) o.files.emplace_back("-");
    const bool from_stdin = std::find(o.files.begin(), o.files.end(), "-") != o.files.end();
    if (from_stdin && !o.parsed_start) {
        throw track::UsageError("standard input has no file time: give --start, the time of its first sample");
    }
}

bool is_csv(const VibrationOptions& o, const std::string& path) {
    if (o.csv) return *o.csv;
    const std::size_t dot = path.rfind('.');
    if (dot == std::string::npos) return false;
    std::string extension = path.substr(dot + 1);
    for (char& c : extension) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return extension == "csv" || extension == "txt";
}

// Problems of a first pass that only counts frames: the second pass reports them.
struct Silent final : track::ProblemSink {
    void skipped(const track::Location&, std::string_view, std::string_view) override {}
};

// The frames of a recording whose header does not say: a first pass that counts them.
std::uint64_t count_frames(const std::string& path, bool csv, const adapters::WaveformOptions& options) {
    adapters::FileSource source(path);
    Silent silent;
    adapters::WaveformReader reader(source, csv, options, silent);
    std::uint64_t end = 0;
    reader.run(block_frames,
               [&end](const adapters::WaveformBlock& block) { end = block.first + block.channels.front().size(); });
    return end;
}

// The time of the recording's first frame: --start (for the first file; later files follow
// on), else the file's modification time taken as the end of the recording.
track::Millis first_frame_time(adapters::FileSource& source, bool csv, const adapters::WaveformReader& reader,
                               const adapters::WaveformOptions& options, std::optional<track::Millis>& next_start) {
    if (next_start) return *next_start;
    struct stat status {};
    if (::stat(source.name().c_str(), &status) != 0) {
        throw track::MissingInputError(fmt::format("{}: cannot read its time", source.name()));
    }
    const track::Millis end =
        static_cast<track::Millis>(status.st_mtim.tv_sec) * 1000 + status.st_mtim.tv_nsec / 1'000'000;
    const std::uint64_t frames =
        reader.info().frames != 0 ? reader.info().frames : count_frames(source.name(), csv, options);
    return end - static_cast<track::Millis>(std::llround(static_cast<double>(frames) / reader.info().rate * 1000));
}

struct RunCounts {
    std::uint64_t windows = 0;
    std::string trailing;  ///< the first file that ended with a partial window, and how much
    std::uint64_t trailing_files = 0;
    bool window_stated = false;  ///< a window that is not exactly --window was said once
};

void analyse_file(const VibrationOptions& o, adapters::FileSource& source, Diagnostics& diagnostics, Output& out,
                  Progress& progress, RunCounts& counts, std::optional<track::Millis>& next_start) {
    const bool csv = is_csv(o, source.name());
    adapters::WaveformOptions options;
    options.rate = o.parsed_rate;
    adapters::WaveformReader reader(source, csv, options, diagnostics);
    const adapters::WaveformInfo& info = reader.info();
    const track::Location file{source.name()};
    if (info.rate < 2 * o.settings.band_high) {
        diagnostics.skipped(file, "rate too low for the band",
                            fmt::format("{} Hz; the band up to {} Hz needs {} Hz or more", info.rate,
                                        o.settings.band_high, 2 * o.settings.band_high));
        return;
    }
    if (info.integer && !o.scale_given) {
        throw track::UsageError(fmt::format(
            "{}: {} samples are fractions of the full scale: give --scale, the full scale in --unit (the sensor's "
            "range: 16 for a ±16 g sensor with --unit g)",
            source.name(), info.format));
    }
    WindowSettings settings = o.settings;
    if (settings.axes.empty()) {
        settings.axes = std::vector<std::string>{"x", "y", "z"};
        settings.axes.resize(info.channels);
    } else if (settings.axes.size() != info.channels) {
        throw track::UsageError(fmt::format("--axes names {} axes; {} has {} channel{}", settings.axes.size(),
                                            source.name(), info.channels, info.channels == 1 ? "" : "s"));
    }
    const std::size_t samples = window_samples(settings.window_ms, info.rate);
    if (!counts.window_stated &&
        static_cast<double>(samples) * 1000 != static_cast<double>(settings.window_ms) * info.rate) {
        counts.window_stated = true;
        diagnostics.note(fmt::format("--window {} at {} Hz: windows of {} samples ({} s), an even number for the FFT",
                                     o.window, info.rate, samples, static_cast<double>(samples) / info.rate));
    }
    const track::Millis start = first_frame_time(source, csv, reader, options, next_start);
    WindowCutter cutter(settings, source.name(), info.rate, info.channels, start, out);
    const std::uint64_t total_bytes = source.size();
    std::uint64_t end = 0;
    reader.run(block_frames, [&](const adapters::WaveformBlock& block) {
        cutter.add(block);
        end = block.first + block.channels.front().size();
        progress.update(counts.windows + cutter.windows(), source.bytes_read(), total_bytes);
    });
    counts.windows += cutter.windows();
    if (cutter.pending() > 0 && counts.trailing_files++ == 0) {
        counts.trailing =
            fmt::format("{}: the last {} samples ({} s) are shorter than a window of {}", source.name(),
                        cutter.pending(), static_cast<double>(cutter.pending()) / info.rate, cutter.samples());
    }
    if (o.parsed_start) next_start = start + std::llround(static_cast<double>(end) / info.rate * 1000);
}

int run_vibration(const VibrationOptions& o) {
    Diagnostics diagnostics("vibration", o.strict);
    Output out;
    NothingRead nothing_read;
    Progress progress("vibration", "windows");
    RunCounts counts;
    std::optional<track::Millis> next_start = o.parsed_start;
    for (const auto& source : open_inputs(o.files)) {
        const std::uint64_t skipped = diagnostics.skipped_count();
        const std::uint64_t windows = counts.windows;
        try {
            analyse_file(o, *source, diagnostics, out, progress, counts, next_start);
        } catch (const track::InputError& error) {
            // A file that is not a recording: the others are still analysed (--strict stops).
            if (o.strict) throw;
            diagnostics.skipped(track::Location{source->name()}, "not a recording", error.reason());
        }
        nothing_read.check(source->name(), counts.windows - windows, diagnostics.skipped_count() - skipped,
                           [] { return std::string("no window analysed"); });
    }
    out.flush();
    if (counts.trailing_files > 0) {
        diagnostics.note(fmt::format("{}: not analysed{}", counts.trailing,
                                     counts.trailing_files > 1
                                         ? fmt::format(" (and the ends of {} more files)", counts.trailing_files - 1)
                                         : std::string()));
    }
    diagnostics.summary();
    nothing_read.throw_if_any();
    return 0;
}

}  // namespace

void add_vibration_command(CLI::App& trk, Invocation& chosen) {
    auto options = std::make_shared<VibrationOptions>();
    VibrationOptions& o = *options;
    auto* command = trk.add_subcommand(
        "vibration",
        "Turn accelerometer recordings (WAV, CSV) into readings of vibration condition: acceleration RMS and peak, "
        "crest factor, kurtosis, velocity RMS with its ISO 20816-3 zone");
    command->add_option("FILE", o.files, "WAV or CSV recordings; '-' or none: standard input (needs --start)");
    command->add_option("--format", o.format, "The recordings' format (default: CSV for .csv and .txt, else WAV)")
        ->type_name("wav|csv");
    command->add_option("--asset", o.asset, "Asset id written on every reading")->type_name("ID")->required();
    command->add_option("--rate", o.rate, "Samples per second per axis: required for CSV; checked against a WAV's")
        ->type_name("HZ");
    command->add_option("--unit", o.unit, "What a sample (times --scale) is in")
        ->type_name("m/s2|g")
        ->default_str("m/s2");
    command
        ->add_option("--scale", o.scale,
                     "What a sample is multiplied by; WAV PCM (samples in [-1, 1)) needs it: the full scale in --unit")
        ->type_name("NUMBER");
    command
        ->add_option("--start", o.start,
                     "Time of the first sample (default: the file's modification time, taken as the recording's end)")
        ->type_name("TIME");
    command->add_option("--axes", o.axes, "Names of the channels, in order (default: x, y, z)")->type_name("NAME,...");
    command->add_option("--window", o.window, "Length of the analysed windows (an even number of samples)")
        ->type_name("DURATION")
        ->default_str("1s");
    command->add_option("--band", o.band, "Frequency band of the velocity RMS, in Hz")
        ->type_name("LOW-HIGH")
        ->default_str("10-1000");
    auto* group =
        command->add_option("--machine-group", o.machine_group, "ISO 20816-3 group: zone of each velocity_rms")
            ->type_name("1|2");
    auto* mounting =
        command->add_option("--mounting", o.mounting, "ISO 20816-3 foundation")->type_name("rigid|flexible");
    group->needs(mounting);
    mounting->needs(group);
    command->add_option("--zones", o.zones, "Zone boundaries A/B, B/C, C/D in mm/s, instead of ISO 20816-3's")
        ->type_name("AB,BC,CD")
        ->excludes(group);
    command->add_flag("--strict", o.strict, "Stop at the first bad part of a recording with exit status 65");
    command->callback([options, &chosen] {
        check(*options);
        chosen = {"vibration", [options] { return run_vibration(*options); }};
    });
}

}  // namespace cli
