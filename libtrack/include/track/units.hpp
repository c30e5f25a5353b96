// Units of readings and rule thresholds: which spellings trk knows, and the conversion between two of them (UDUNITS-2).
#pragma once

#include <optional>
#include <string_view>

namespace track {

/// to = scale × from + offset. Every conversion trk makes is affine (temperatures have an
/// offset; the others do not). A rate (°C per hour) converts by `scale` alone.
struct UnitConversion {
    double scale = 1;
    double offset = 0;
    [[nodiscard]] double apply(double value) const { return scale * value + offset; }
    friend bool operator==(const UnitConversion&, const UnitConversion&) = default;
};

/// Whether trk knows the unit: a spelling UDUNITS-2 parses (UTF-8: "°C", "m/s^2", "mm/s",
/// "km/h", "bar", "psi", "mV", "%"), after trk's aliases for the spellings that devices and
/// UCUM use and UDUNITS-2 reads otherwise or not at all ("Cel" and "degC" for °C, "g" for
/// standard gravity, not the gram; "mph", "kn", "m/s2"). Throws track::Error (exit 70) when
/// the UDUNITS-2 units database cannot be loaded, naming the file it looked for.
bool known_unit(std::string_view unit);

/// The conversion of values in `from` into `to`; nullopt when either is unknown or they are
/// not of one dimension. Equal spellings convert by identity without loading the database.
/// Results are cached: after the first call for a pair, a lookup costs one hash.
/// Thread-safe.
std::optional<UnitConversion> unit_conversion(std::string_view from, std::string_view to);

}  // namespace track
