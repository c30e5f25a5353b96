// Unit tests of track/vibration.hpp: figures of analytic signals with known answers, ISO 20816-3 zones.
#include "track/vibration.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

#include <doctest/doctest.h>

namespace {

constexpr double pi = std::numbers::pi;

// `seconds` of a sine of amplitude `a` (m/s²) at `f` Hz sampled at `rate`, plus an offset.
std::vector<double> sine(double a, double f, double rate, std::size_t n, double offset = 0, double phase = 0.3) {
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i)
        x[i] = offset + a * std::sin(2 * pi * f * static_cast<double>(i) / rate + phase);
    return x;
}

// The velocity RMS in mm/s of an acceleration sine of amplitude a at f: a / (√2 · 2πf) · 1000.
double sine_velocity(double a, double f) { return a / (std::numbers::sqrt2 * 2 * pi * f) * 1000; }

}  // namespace

TEST_CASE("a sine: RMS a/√2, peak a, crest √2, kurtosis 1.5, velocity a/(√2·2πf)") {
    const double rate = 4096;
    const std::size_t n = 4096;
    track::VibrationAnalyzer analyzer(n, rate, 10, 1000);
    // On a bin (100 Hz) and between bins (159.5 Hz); an offset is removed.
    for (const double f : {100.0, 159.5, 20.0, 900.0}) {
        CAPTURE(f);
        const auto figures = analyzer.analyze(sine(5, f, rate, n, 2.5));
        CHECK(figures.acceleration_rms == doctest::Approx(5 / std::numbers::sqrt2).epsilon(1e-3));
        // 159.5 cycles do not average to 0: the mean removed moves the peak a little.
        CHECK(figures.acceleration_peak == doctest::Approx(5).epsilon(5e-3));
        CHECK(figures.crest_factor == doctest::Approx(std::numbers::sqrt2).epsilon(2e-3));
        CHECK(figures.kurtosis == doctest::Approx(1.5).epsilon(2e-3));
        // Within 1 %: a sine off a bin leaks into neighbours, weighted by their own 1/f².
        CHECK(figures.velocity_rms == doctest::Approx(sine_velocity(5, f)).epsilon(0.01));
    }
}

TEST_CASE("a sum of sines: velocities add in square") {
    const double rate = 8192;
    const std::size_t n = 8192;
    track::VibrationAnalyzer analyzer(n, rate, 10, 1000);
    auto x = sine(3, 50, rate, n);
    const auto y = sine(8, 400, rate, n, 0, 1.1);
    for (std::size_t i = 0; i < n; ++i) x[i] += y[i];
    const auto figures = analyzer.analyze(x);
    CHECK(figures.acceleration_rms == doctest::Approx(std::sqrt((9 + 64) / 2.0)).epsilon(1e-3));
    const double expected = std::hypot(sine_velocity(3, 50), sine_velocity(8, 400));
    CHECK(figures.velocity_rms == doctest::Approx(expected).epsilon(0.005));
}

TEST_CASE("a sine outside the band has no velocity") {
    const double rate = 4096;
    const std::size_t n = 4096;
    track::VibrationAnalyzer analyzer(n, rate, 10, 1000);
    // 1500 Hz is far above the band, 3 Hz below it: what leaks in is the Hann window's side lobes.
    CHECK(analyzer.analyze(sine(5, 1500, rate, n)).velocity_rms < 1e-3 * sine_velocity(5, 1500));
    CHECK(analyzer.analyze(sine(5, 3, rate, n)).velocity_rms < 1e-3 * sine_velocity(5, 3));
}

TEST_CASE("a constant window: every figure 0") {
    track::VibrationAnalyzer analyzer(256, 2560, 10, 1000);
    const auto figures = analyzer.analyze(std::vector<double>(256, 9.81));
    CHECK(figures.acceleration_rms == 0);
    CHECK(figures.acceleration_peak == 0);
    CHECK(figures.crest_factor == 0);
    CHECK(figures.kurtosis == 0);
    CHECK(figures.velocity_rms == 0);
}

TEST_CASE("the analyzer refuses what it cannot compute") {
    CHECK_THROWS_AS(track::VibrationAnalyzer(255, 2560, 10, 1000), std::invalid_argument);
    CHECK_THROWS_AS(track::VibrationAnalyzer(0, 2560, 10, 1000), std::invalid_argument);
    CHECK_THROWS_AS(track::VibrationAnalyzer(256, 0, 10, 1000), std::invalid_argument);
    CHECK_THROWS_AS(track::VibrationAnalyzer(256, 1999, 10, 1000), std::invalid_argument);
    CHECK_THROWS_AS(track::VibrationAnalyzer(256, 2560, 100, 10), std::invalid_argument);
    track::VibrationAnalyzer analyzer(256, 2000, 10, 1000);
    CHECK_THROWS_AS(analyzer.analyze(std::vector<double>(128)), std::invalid_argument);
}

TEST_CASE("ISO 20816-3 zones: a value on a boundary belongs to the lower zone") {
    const track::ZoneLimits limits = track::iso20816_3_limits(2, true);
    CHECK(limits.ab == 1.4);
    CHECK(limits.bc == 2.8);
    CHECK(limits.cd == 4.5);
    CHECK(track::vibration_zone(0, limits) == 'A');
    CHECK(track::vibration_zone(1.4, limits) == 'A');
    CHECK(track::vibration_zone(std::nextafter(1.4, 2.0), limits) == 'B');
    CHECK(track::vibration_zone(2.8, limits) == 'B');
    CHECK(track::vibration_zone(4.5, limits) == 'C');
    CHECK(track::vibration_zone(4.51, limits) == 'D');
    const track::ZoneLimits large_flexible = track::iso20816_3_limits(1, false);
    CHECK(large_flexible.ab == 3.5);
    CHECK(large_flexible.bc == 7.1);
    CHECK(large_flexible.cd == 11.0);
    CHECK(track::iso20816_3_limits(1, true).ab == 2.3);
    CHECK(track::iso20816_3_limits(2, false).cd == 7.1);
    CHECK_THROWS_AS(track::iso20816_3_limits(3, true), std::invalid_argument);
}
