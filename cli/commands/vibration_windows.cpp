// `trk vibration`'s windows: blocks of a recording cut into windows per axis, analysed, written as readings.
#include "vibration_windows.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "track/json.hpp"
#include "track/number.hpp"

namespace cli {

namespace {

// Figures are written to 5 significant digits: a float FFT holds about 6, and a value that
// does not change in its last bits between machines keeps golden outputs and zones stable.
double significant(double value) { return track::round_significant(value, 5); }

}  // namespace

std::size_t window_samples(track::Millis window_ms, double rate) {
    const double samples = static_cast<double>(window_ms) * rate / 1000;
    return std::max<std::size_t>(2, 2 * static_cast<std::size_t>(std::llround(samples / 2)));
}

WindowCutter::WindowCutter(const WindowSettings& settings, const std::string& source, double rate, unsigned channels,
                           track::Millis start, Output& out)
    : settings_(settings),
      source_(source),
      rate_(rate),
      start_(start),
      out_(out),
      samples_(window_samples(settings.window_ms, rate)),
      window_(channels, std::vector<double>(samples_)),
      figures_(channels) {
    for (unsigned c = 0; c < channels; ++c) {
        analyzers_.push_back(
            std::make_unique<track::VibrationAnalyzer>(samples_, rate, settings.band_low, settings.band_high));
    }
}

WindowCutter::~WindowCutter() = default;

void WindowCutter::add(const adapters::WaveformBlock& block) {
    if (block.first != window_first_ + filled_) {
        // A gap: the window it cut is dropped (the reader reported why), the next starts after it.
        filled_ = 0;
        window_first_ = block.first;
    }
    const std::size_t size = block.channels.front().size();
    std::size_t done = 0;
    while (done < size) {
        const std::size_t take = std::min(size - done, samples_ - filled_);
        for (std::size_t c = 0; c < window_.size(); ++c) {
            const double* from = block.channels[c].data() + done;
            std::transform(from, from + take, window_[c].begin() + static_cast<std::ptrdiff_t>(filled_),
                           [scale = settings_.scale](double x) { return x * scale; });
        }
        filled_ += take;
        done += take;
        if (filled_ == samples_) {
            analyse();
            window_first_ += samples_;
            filled_ = 0;
        }
    }
}

void WindowCutter::analyse() {
    for (std::size_t c = 0; c < window_.size(); ++c) figures_[c] = analyzers_[c]->analyze(window_[c]);
    const double offset = static_cast<double>(window_first_) / rate_;
    time_ = start_ + static_cast<track::Millis>(std::llround(offset * 1000));
    src_ = fmt::format("{}@{}s", source_, offset);
    const bool several = window_.size() > 1;
    double largest_velocity = 0;
    for (std::size_t c = 0; c < window_.size(); ++c) {
        const std::string suffix = several ? "_" + settings_.axes[c] : std::string();
        const track::VibrationFigures& f = figures_[c];
        write("acceleration_rms" + suffix, f.acceleration_rms, "m/s2", false);
        write("acceleration_peak" + suffix, f.acceleration_peak, "m/s2", false);
        write("crest_factor" + suffix, f.crest_factor, "", false);
        write("kurtosis" + suffix, f.kurtosis, "", false);
        write("velocity_rms" + suffix, f.velocity_rms, "mm/s", true);
        largest_velocity = std::max(largest_velocity, f.velocity_rms);
    }
    // ISO 20816 judges the direction that vibrates most: a plain velocity_rms for any recording.
    if (several) write("velocity_rms", largest_velocity, "mm/s", true);
    out_.maybe_flush();
    ++windows_;
}

void WindowCutter::write(const std::string& metric, double value, const char* unit, bool velocity) {
    track::Reading reading;
    reading.time = time_;
    reading.asset = settings_.asset;
    reading.src = src_;
    reading.metric = metric;
    reading.value = significant(value);
    reading.unit = unit;
    // The zone of the value as written, so that a reader of the output finds the same one.
    if (velocity && settings_.zones) {
        reading.extra = fmt::format(R"(,"zone":"{}")", track::vibration_zone(reading.value, *settings_.zones));
    }
    track::append_json(out_.buffer(), reading);
}

}  // namespace cli
