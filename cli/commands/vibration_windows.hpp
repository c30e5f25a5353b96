// `trk vibration`'s windows: blocks of a recording cut into windows per axis, analysed, written as readings.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/waveform.hpp"
#include "output.hpp"
#include "track/time.hpp"
#include "track/vibration.hpp"

namespace cli {

/// What every window of a run shares.
struct WindowSettings {
    std::string asset;
    std::vector<std::string> axes;  ///< names, one per channel
    double scale = 1;               ///< m/s² per sample unit (full scale for PCM)
    double band_low = 10, band_high = 1000;
    track::Millis window_ms = 1000;  ///< asked for; the samples are rounded to an even number
    std::optional<track::ZoneLimits> zones;
};

/// The samples of a window at `rate`: window_ms · rate rounded to the nearest even number, at least 2.
std::size_t window_samples(track::Millis window_ms, double rate);

/// Cuts one recording into windows and writes each window's readings to `out`: per axis the
/// five figures (suffixed with the axis name when there are several axes, with a plain
/// velocity_rms as the largest of the axes), time = the window's first sample, src =
/// "FILE@SECONDSs" (the window's offset in the recording). A gap (WaveformBlock::first
/// skipping frames) drops the window it falls in and starts the next at the frame after it.
class WindowCutter {
public:
    /// `start` is the time of the recording's first frame.
    WindowCutter(const WindowSettings& settings, const std::string& source, double rate, unsigned channels,
                 track::Millis start, Output& out);
    ~WindowCutter();
    WindowCutter(const WindowCutter&) = delete;
    WindowCutter& operator=(const WindowCutter&) = delete;

    void add(const adapters::WaveformBlock& block);

    [[nodiscard]] std::uint64_t windows() const { return windows_; }
    /// Frames of the window being filled: at the end, the trailing part not analysed.
    [[nodiscard]] std::size_t pending() const { return filled_; }
    [[nodiscard]] std::size_t samples() const { return samples_; }

private:
    void analyse();
    void write(const std::string& metric, double value, const char* unit, bool velocity);

    const WindowSettings& settings_;
    std::string source_;
    double rate_;
    track::Millis start_;
    Output& out_;
    std::size_t samples_;
    std::vector<std::unique_ptr<track::VibrationAnalyzer>> analyzers_;  ///< one per axis
    std::vector<std::vector<double>> window_;                           ///< per axis, samples_ long
    std::vector<track::VibrationFigures> figures_;
    std::size_t filled_ = 0;
    std::uint64_t window_first_ = 0;  ///< frame of the window's first sample
    std::uint64_t windows_ = 0;
    track::Millis time_ = 0;  ///< of the window being written
    std::string src_;
};

}  // namespace cli
