// Data-logger exports (CSV of temperature, humidity, shock, battery, ...) to reading records.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "adapters/byte_source.hpp"
#include "track/problems.hpp"
#include "track/record.hpp"
#include "track/time_zone.hpp"

namespace adapters {

/// How the columns of a logger's CSV map to readings.
struct SensorCsvOptions {
    /// role or metric -> column name in the header. Roles: time, asset, device, metric,
    /// value, unit (the long format: one reading per row). Any other key is a metric read
    /// from its own column (the wide format: one reading per metric per row). Roles left
    /// out are looked up in the header by their usual names (time, timestamp, asset, ...).
    std::map<std::string, std::string, std::less<>> columns;
    /// metric -> unit symbol, over the built-in ones (temperature Cel, humidity %,
    /// shock g, battery %) and under a unit column.
    std::map<std::string, std::string, std::less<>> units;
    std::string asset;   ///< asset of every reading, when no column names it
    std::string device;  ///< device of every reading, when no column names it
    /// Offset of the logger's clock from UTC, for times written without a zone.
    track::Millis utc_offset = 0;
    /// The logger clock's time zone, for times written without a zone (over utc_offset): a
    /// local time in the hour its clocks skip is refused, one in the hour they repeat is
    /// taken as `ambiguous` says.
    std::optional<track::TimeZone> zone;
    track::AmbiguousTime ambiguous = track::AmbiguousTime::reject;
};

/// What SensorCsvReader::run made of one source.
struct SensorCsvRun {
    std::uint64_t readings = 0;
    /// No asset named the readings (no asset column, no SensorCsvOptions::asset) and no
    /// device either: they carry the source's name as their device, so that `trk asset
    /// link` can claim them.
    bool device_from_source = false;
};

/// Reads one CSV with a header line, through csv::Reader (quoting, separator detected from
/// the header, CRLF, byte-order mark, encodings). With a semicolon or tab separator, a
/// decimal comma is accepted in values. Readings without asset or device take the
/// source's name as their device (as `trk read nmea` names fixes). Throws track::InputError when the header lacks
/// what the options ask for (listing the columns it has); rows that cannot be read are
/// reported to `problems`, empty value cells are no measurement.
class SensorCsvReader {
public:
    using Sink = std::function<void(const track::Reading&)>;
    SensorCsvReader(SensorCsvOptions options, track::ProblemSink& problems, Sink sink);
    SensorCsvRun run(ByteSource& source);

private:
    SensorCsvOptions options_;
    track::ProblemSink& problems_;
    Sink sink_;
};

}  // namespace adapters
