// What every RFID reader format yields before deduplication: one raw tag report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "track/problems.hpp"
#include "track/time.hpp"

namespace adapters::rfid {

/// One tag report as a reader's protocol gives it. A format decoder fills what its
/// protocol carries and leaves the rest empty; the deduplicator turns reports into
/// `read` records.
struct TagReport {
    std::string epc;                    ///< EPC as upper-case hex (length from the PC word where there is one)
    std::optional<track::Millis> time;  ///< the reader's own timestamp (UTC), when the protocol carries one
    std::string reader;                 ///< reader id carried in the data (hostname, serial), when any
    std::optional<int> antenna;         ///< antenna port, as the reader numbers it
    std::optional<double> rssi;         ///< dBm
    std::optional<double> rssi_raw;     ///< the reader's own RSSI value, when its conversion to dBm is vendor-specific
    std::optional<int> frequency;       ///< carrier frequency of the read, kHz
    std::optional<int> phase;           ///< backscatter phase angle, degrees
    int count = 1;                      ///< raw reads this report stands for (readers that aggregate)
    track::Location where;              ///< the line or frame it came from (source name must outlive the report's use)
};

}  // namespace adapters::rfid
