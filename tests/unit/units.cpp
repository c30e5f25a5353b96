// Unit tests of track/units.hpp: every conversion the rule language promises, with its exact factor, and what does not
// convert.
#include "track/units.hpp"

#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

namespace {

// UDUNITS-2 converts through each unit's definition in doubles: the factors agree with the
// exact ones to about 1e-15 relative, not to the last bit (°F goes through the kelvin).
doctest::Approx exact(double value) { return doctest::Approx(value).epsilon(1e-12).scale(1); }

struct Factor {
    std::string from;
    std::string to;
    double scale;
    double offset;
};

}  // namespace

TEST_CASE("units: every unit the rule language lists converts by its exact factor") {
    const std::vector<Factor> table = {
        {"°C", "K", 1, 273.15},
        {"K", "°C", 1, -273.15},
        {"°C", "°F", 1.8, 32},
        {"°F", "°C", 5.0 / 9, -160.0 / 9},
        {"Cel", "°C", 1, 0},
        {"degC", "K", 1, 273.15},
        {"[degF]", "°C", 5.0 / 9, -160.0 / 9},
        {"degF", "Cel", 5.0 / 9, -160.0 / 9},
        {"km/h", "m/s", 1 / 3.6, 0},
        {"m/s", "km/h", 3.6, 0},
        {"mph", "m/s", 0.44704, 0},
        {"mph", "km/h", 1.609344, 0},
        {"kn", "m/s", 1852.0 / 3600, 0},
        {"kn", "km/h", 1.852, 0},
        {"g", "m/s2", 9.80665, 0},
        {"g", "m/s²", 9.80665, 0},
        {"g", "m/s^2", 9.80665, 0},
        {"m/s2", "g", 1 / 9.80665, 0},
        {"in/s", "mm/s", 25.4, 0},
        {"mm/s", "in/s", 1 / 25.4, 0},
        {"bar", "kPa", 100, 0},
        {"psi", "kPa", 6.894757293168361, 0},  // 0.45359237 kg × 9.80665 m/s² / (0.0254 m)²
        {"psi", "bar", 0.06894757293168361, 0},
        {"V", "mV", 1000, 0},
        {"mV", "V", 0.001, 0},
        {"A", "mA", 1000, 0},
        {"mA", "A", 0.001, 0},
        {"%", "1", 0.01, 0},
    };
    for (const auto& row : table) {
        // Named copies rather than a structured binding: clang before 16 cannot capture a binding in CAPTURE.
        const auto& [from_unit, to_unit, scale, offset] = row;
        const std::string_view from = from_unit;
        const std::string_view to = to_unit;
        CAPTURE(from);
        CAPTURE(to);
        CHECK(track::known_unit(from));
        CHECK(track::known_unit(to));
        const auto conversion = track::unit_conversion(from, to);
        REQUIRE(conversion.has_value());
        CHECK(conversion->scale == exact(scale));
        CHECK(conversion->offset == exact(offset));
    }
}

TEST_CASE("units: a °F reading against a °C threshold") {
    const auto conversion = track::unit_conversion("°F", "°C");
    REQUIRE(conversion.has_value());
    CHECK(conversion->apply(32) == exact(0));
    CHECK(conversion->apply(212) == exact(100));
    CHECK(conversion->apply(-40) == exact(-40));
    // A rate converts by the scale alone: 9 °F per hour is 5 °C per hour.
    CHECK(conversion->scale * 9 == exact(5));
}

TEST_CASE("units: trk's aliases win over UDUNITS-2's own reading of the spelling") {
    // UDUNITS-2 alone reads "g" as the gram: a mass, which converts to kg and not to m/s².
    CHECK_FALSE(track::unit_conversion("g", "kg").has_value());
    CHECK(track::unit_conversion("g", "standard_free_fall") == track::UnitConversion{});
    CHECK(track::unit_conversion("mph", "mile/hour") == track::UnitConversion{});
}

TEST_CASE("units: different dimensions do not convert") {
    CHECK_FALSE(track::unit_conversion("°C", "m/s").has_value());
    CHECK_FALSE(track::unit_conversion("km/h", "g").has_value());
    CHECK_FALSE(track::unit_conversion("V", "A").has_value());
    CHECK_FALSE(track::unit_conversion("bar", "%").has_value());
    // A second lookup of the same pair comes from the cache with the same answer.
    CHECK_FALSE(track::unit_conversion("°C", "m/s").has_value());
}

TEST_CASE("units: unknown spellings") {
    // UDUNITS-2 alone reads "m/s\x86" as m/s, and a C string ends at its NUL.
    using namespace std::string_literals;
    for (const std::string& unit :
         {""s, "furlongs_per_heartbeat"s, "kmh"s, "m/"s, "°"s, "[degC]"s, "m/s\x86"s, "m/s\0x"s, "°C\x01"s, "\tK"s}) {
        CAPTURE(unit);
        if (unit == "°") {
            CHECK(track::known_unit(unit));  // the arc degree: known, and an angle, not a temperature
            CHECK_FALSE(track::unit_conversion(unit, "°C").has_value());
            continue;
        }
        CHECK_FALSE(track::known_unit(unit));
        CHECK_FALSE(track::unit_conversion(unit, "°C").has_value());
        CHECK_FALSE(track::unit_conversion("°C", unit).has_value());
    }
}

TEST_CASE("units: equal spellings convert by identity, known or not") {
    CHECK(track::unit_conversion("°C", "°C") == track::UnitConversion{});
    // Not a unit at all: equal spellings never reach the database.
    CHECK(track::unit_conversion("furlongs_per_heartbeat", "furlongs_per_heartbeat") == track::UnitConversion{});
    CHECK(track::unit_conversion("", "") == track::UnitConversion{});
}

TEST_CASE("units: logarithmic units convert but not by a line, so trk refuses them") {
    CHECK_FALSE(track::unit_conversion("lg(re 1 mW)", "mW").has_value());
}

TEST_CASE("units: lookups from several threads agree") {
    std::vector<std::thread> threads;
    std::vector<double> scales(4);
    for (std::size_t i = 0; i < scales.size(); ++i) {
        threads.emplace_back([&scales, i] {
            for (int n = 0; n < 200; ++n) {
                const auto conversion = track::unit_conversion(n % 2 == 0 ? "kn" : "mph", "km/h");
                scales[i] += conversion ? conversion->scale : 0;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    for (const double scale : scales) CHECK(scale == exact(100 * 1.852 + 100 * 1.609344));
}
