// The pipe format (version 1): typed fix, read, reading and event records, as in DESIGN.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "track/time.hpp"

namespace track {

/// What every record carries. Empty strings mean "absent" and are not written.
struct RecordBase {
    Millis time = 0;    ///< UTC instant the record describes
    std::string asset;  ///< asset id, when known
    std::string src;    ///< "file:line" of the input that made it, when known
    /// Members of the input object that trk does not know, as JSON text `,"k":v,...`
    /// (leading comma included), written back unchanged after the known fields.
    std::string extra;
};

/// 2D or 3D: whether the receiver solved for altitude too.
enum class FixMode { none, two_d, three_d };

/// How the position was obtained (NMEA GGA quality / RMC mode indicator).
enum class FixQuality { unknown, gps, dgps, pps, rtk, float_rtk, estimated, manual, simulated };

/// One GPS position epoch: all sentences of one receiver cycle merged.
struct Fix : RecordBase {
    std::string device;            ///< port, file or gpsd device that produced it
    double lat = 0;                ///< WGS84 degrees, north positive
    double lon = 0;                ///< WGS84 degrees, east positive
    std::optional<double> alt;     ///< metres above mean sea level
    std::optional<double> speed;   ///< metres per second over ground
    bool speed_derived = false;    ///< speed computed from positions (trk read nmea), not measured
    std::optional<double> course;  ///< degrees true, [0, 360)
    std::optional<double> hdop;
    std::optional<double> vdop;
    std::optional<double> pdop;
    std::optional<int> sats;  ///< satellites used in the solution
    FixMode mode = FixMode::two_d;
    FixQuality quality = FixQuality::unknown;
    std::optional<double> lat_err;  ///< 1-sigma error of lat in metres (NMEA GST)
    std::optional<double> lon_err;  ///< 1-sigma error of lon in metres (NMEA GST)
    std::optional<double> alt_err;  ///< 1-sigma error of alt in metres (NMEA GST)
    /// The fences the asset is in at this fix, as `trk fence` decided (absent: not decided).
    std::optional<std::vector<std::string>> zones;
};

/// Which clock a read's times come from.
enum class ReadClock { unknown, reader, arrival };

/// One RFID sighting of a tag: the raw reads of one epc by one reader antenna within a
/// window. `time` is the first raw read, `last` the last one.
struct Read : RecordBase {
    std::optional<Millis> last;            ///< time of the last raw read, when later than `time`
    ReadClock clock = ReadClock::unknown;  ///< the reader's timestamps, or when trk received them
    std::string epc;                       ///< EPC as upper-case hex
    std::string uri;                       ///< urn:epc:id:... when a known GS1 scheme, else urn:epc:raw:...
    std::string reader;                    ///< reader id
    std::optional<int> antenna;
    std::optional<double> rssi;      ///< peak of the raw reads, dBm
    std::optional<double> rssi_raw;  ///< the reader's own peak value, where its dBm conversion is vendor-specific
    std::optional<int> count;        ///< raw reads merged into this sighting
    std::optional<int> frequency;    ///< carrier of the peak read, kHz
    std::optional<int> phase;        ///< backscatter phase of the peak read, degrees
};

/// One sensor measurement of an asset's condition.
struct Reading : RecordBase {
    std::string device;  ///< sensor or logger that measured it
    std::string metric;  ///< temperature, humidity, shock, battery, ...
    double value = 0;
    std::string unit;  ///< unit symbol (Cel, %, g, ...), when known
};

/// Something derived: enter, exit, dwell, cross, violation, clear, missing, ...
struct Event : RecordBase {
    std::string event;  ///< what happened
    std::string fence;  ///< fence id, for zone events
    std::string rule;   ///< rule name, for condition events
};

/// A JSON object trk does not interpret (no or unknown "type"): passed through as is.
struct OpaqueRecord {
    std::string json;  ///< the object's text, without the line ending
};

using Record = std::variant<Fix, Read, Reading, Event, OpaqueRecord>;

/// The record's subject, what it is about: its asset when it names one, else the device that
/// made it (a fix or reading from a device linked to no asset). The one rule wherever trk
/// follows things over time by record (fence's state of each asset, check's held values).
inline const std::string& subject_of(const Fix& fix) noexcept { return fix.asset.empty() ? fix.device : fix.asset; }
/// See subject_of(const Fix&).
inline const std::string& subject_of(const Reading& reading) noexcept {
    return reading.asset.empty() ? reading.device : reading.asset;
}

/// The other order, for what must not change when a device is linked to an asset later: the
/// device that made a fix or reading, else its asset. The ledger's dedup key uses it, so that
/// a record imported again after its device was linked (and so resolved to an asset now) is
/// still a duplicate of the copy stored unresolved before; `clean`'s per-device filters use
/// it, as they follow one receiver's stream of fixes, whichever asset the receiver is on.
inline const std::string& device_first_key(const Fix& fix) noexcept {
    return fix.device.empty() ? fix.asset : fix.device;
}
/// See device_first_key(const Fix&).
inline const std::string& device_first_key(const Reading& reading) noexcept {
    return reading.device.empty() ? reading.asset : reading.device;
}

/// "2d", "3d" or "none".
std::string_view to_string(FixMode mode) noexcept;
/// "gps", "dgps", "pps", "rtk", "float", "estimated", "manual", "simulated", "unknown".
std::string_view to_string(FixQuality quality) noexcept;
/// "reader", "arrival" or "unknown".
std::string_view to_string(ReadClock clock) noexcept;
/// The mode named by to_string(FixMode); nullopt for any other text.
std::optional<FixMode> fix_mode_from_string(std::string_view text) noexcept;
/// The quality named by to_string(FixQuality); nullopt for any other text.
std::optional<FixQuality> fix_quality_from_string(std::string_view text) noexcept;
/// The clock named by to_string(ReadClock), "unknown" excepted; nullopt for any other text.
std::optional<ReadClock> read_clock_from_string(std::string_view text) noexcept;

}  // namespace track
