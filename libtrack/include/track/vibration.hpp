// Vibration condition figures of accelerometer windows (RMS, peak, crest factor, kurtosis, velocity RMS) and ISO
// 20816-3 zones.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

namespace track {

/// The figures of one window of one axis.
struct VibrationFigures {
    double acceleration_rms = 0;   ///< m/s², of the samples less their mean
    double acceleration_peak = 0;  ///< m/s², largest |sample − mean|
    double crest_factor = 0;       ///< peak / RMS; 0 when the RMS is 0
    double kurtosis = 0;           ///< Pearson's (a normal distribution gives 3): m4 / m2²; 0 when m2 is 0
    double velocity_rms = 0;       ///< mm/s, over the band, from the spectrum of the acceleration
};

/// Computes VibrationFigures of windows of `samples` samples at `rate` Hz. The velocity RMS
/// integrates the spectrum: the window less its mean, times a Hann window, through a real FFT
/// (KissFFT); each bin k of frequency f_k = k·rate/N in [band_low, band_high] contributes
/// |A_k / (2π f_k)|², and RMS² = 2 Σ |V_k|² / (N · Σ w²) (one-sided spectrum, corrected for
/// the window's power), in mm/s. One plan and its buffers are made once and reused: analyze()
/// allocates nothing.
class VibrationAnalyzer {
public:
    /// Throws std::invalid_argument when samples is < 2 or odd (the real FFT needs an even size),
    /// rate <= 0, or the band is empty or reaches past rate / 2.
    VibrationAnalyzer(std::size_t samples, double rate, double band_low, double band_high);
    ~VibrationAnalyzer();
    VibrationAnalyzer(const VibrationAnalyzer&) = delete;
    VibrationAnalyzer& operator=(const VibrationAnalyzer&) = delete;

    /// `acceleration` in m/s², exactly `samples` of them.
    VibrationFigures analyze(std::span<const double> acceleration);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// The velocity RMS boundaries between zones A/B, B/C and C/D in mm/s.
struct ZoneLimits {
    double ab = 0;
    double bc = 0;
    double cd = 0;
};

/// ISO 20816-3:2022 (as ISO 10816-3:2009 before it), table A.1 and A.2 of the evaluation zone
/// boundaries for machines of group 1 (large, 300 kW to 50 MW) and group 2 (medium, 15 to 300
/// kW), on rigid or flexible foundations:
/// group 1 rigid 2.3/4.5/7.1, flexible 3.5/7.1/11.0; group 2 rigid 1.4/2.8/4.5, flexible
/// 2.3/4.5/7.1 mm/s. `group` is 1 or 2.
ZoneLimits iso20816_3_limits(int group, bool rigid);

/// 'A', 'B', 'C' or 'D'; a value on a boundary belongs to the lower zone.
char vibration_zone(double velocity_mm_s, const ZoneLimits& limits);

}  // namespace track
