// Vibration condition figures of one window (time-domain moments, velocity RMS from the spectrum) and ISO 20816-3
// zones.
#include "track/vibration.hpp"

#include <algorithm>
#include <cmath>
#include <kissfft/kiss_fftr.h>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace track {

struct VibrationAnalyzer::Impl {
    std::size_t samples;
    kiss_fftr_cfg plan;
    std::vector<double> hann;  ///< periodic Hann window, w_i = ½(1 − cos 2πi/N)
    std::vector<float> windowed;
    std::vector<kiss_fft_cpx> spectrum;
    std::size_t first_bin = 0;  ///< bins [first_bin, first_bin + weights.size()) are in the band
    /// Per bin in the band: what turns |A_k|² into its share of the velocity's mean square in
    /// (mm/s)²: (1000 / 2πf_k)² · 2 / (N Σw²), the 2 being 1 for the Nyquist bin.
    std::vector<double> weights;

    Impl(std::size_t n, double rate, double band_low, double band_high)
        : samples(n), hann(n), windowed(n), spectrum(n / 2 + 1) {
        plan = kiss_fftr_alloc(static_cast<int>(n), 0, nullptr, nullptr);
        if (plan == nullptr) throw std::bad_alloc();
        const double size = static_cast<double>(n);
        double power = 0;
        for (std::size_t i = 0; i < n; ++i) {
            hann[i] = 0.5 * (1 - std::cos(2 * std::numbers::pi * static_cast<double>(i) / size));
            power += hann[i] * hann[i];
        }
        const double resolution = rate / size;
        // Bin 0 is the mean, which has no velocity: the band starts above it.
        const auto first = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(band_low / resolution)));
        const auto last = std::min(n / 2, static_cast<std::size_t>(std::floor(band_high / resolution)));
        first_bin = first;
        for (std::size_t k = first; k <= last; ++k) {
            const double omega = 2 * std::numbers::pi * static_cast<double>(k) * resolution;
            const double sides = k == n / 2 ? 1 : 2;
            weights.push_back(1e6 / (omega * omega) * sides / (size * power));
        }
    }
    ~Impl() { kiss_fftr_free(plan); }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
};

VibrationAnalyzer::VibrationAnalyzer(std::size_t samples, double rate, double band_low, double band_high) {
    if (samples < 2 || samples % 2 != 0) {
        throw std::invalid_argument(
            fmt::format("a window of {} samples: the FFT needs an even number, 2 or more", samples));
    }
    if (!(rate > 0) || !std::isfinite(rate)) throw std::invalid_argument(fmt::format("a rate of {} Hz", rate));
    if (!(band_low >= 0) || !(band_high > band_low) || band_high > rate / 2) {
        throw std::invalid_argument(fmt::format("the band {}-{} Hz is empty or reaches past half the rate ({} Hz)",
                                                band_low, band_high, rate / 2));
    }
    impl_ = std::make_unique<Impl>(samples, rate, band_low, band_high);
}

VibrationAnalyzer::~VibrationAnalyzer() = default;

VibrationFigures VibrationAnalyzer::analyze(std::span<const double> acceleration) {
    Impl& im = *impl_;
    if (acceleration.size() != im.samples) {
        throw std::invalid_argument(
            fmt::format("{} samples given to an analyzer of windows of {}", acceleration.size(), im.samples));
    }
    const double n = static_cast<double>(im.samples);
    double sum = 0;
    for (const double x : acceleration) sum += x;
    const double mean = sum / n;

    // One pass: the central moments, the peak, and the windowed samples for the FFT.
    double m2 = 0;
    double m4 = 0;
    double peak = 0;
    for (std::size_t i = 0; i < im.samples; ++i) {
        const double d = acceleration[i] - mean;
        const double d2 = d * d;
        m2 += d2;
        m4 += d2 * d2;
        peak = std::max(peak, std::abs(d));
        im.windowed[i] = static_cast<float>(d * im.hann[i]);
    }
    m2 /= n;
    m4 /= n;

    VibrationFigures figures;
    // A constant window: what its deviations hold is the rounding of the mean, not vibration.
    if (peak <= 64 * std::numeric_limits<double>::epsilon() * std::abs(mean)) return figures;
    figures.acceleration_rms = std::sqrt(m2);
    figures.acceleration_peak = peak;
    figures.crest_factor = figures.acceleration_rms > 0 ? peak / figures.acceleration_rms : 0;
    figures.kurtosis = m2 > 0 ? m4 / (m2 * m2) : 0;

    kiss_fftr(im.plan, im.windowed.data(), im.spectrum.data());
    double velocity_square = 0;
    for (std::size_t j = 0; j < im.weights.size(); ++j) {
        const kiss_fft_cpx& a = im.spectrum[im.first_bin + j];
        const double re = a.r;
        const double imag = a.i;
        velocity_square += (re * re + imag * imag) * im.weights[j];
    }
    figures.velocity_rms = std::sqrt(velocity_square);
    return figures;
}

ZoneLimits iso20816_3_limits(int group, bool rigid) {
    if (group == 1) return rigid ? ZoneLimits{2.3, 4.5, 7.1} : ZoneLimits{3.5, 7.1, 11.0};
    if (group == 2) return rigid ? ZoneLimits{1.4, 2.8, 4.5} : ZoneLimits{2.3, 4.5, 7.1};
    throw std::invalid_argument(fmt::format("ISO 20816-3 machine group {}: there are groups 1 and 2", group));
}

char vibration_zone(double velocity_mm_s, const ZoneLimits& limits) {
    if (velocity_mm_s <= limits.ab) return 'A';
    if (velocity_mm_s <= limits.bc) return 'B';
    if (velocity_mm_s <= limits.cd) return 'C';
    return 'D';
}

}  // namespace track
