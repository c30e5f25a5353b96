// What makes a record valid beyond its JSON shape, and its one canonical form.
#pragma once

#include <string>

#include "track/record.hpp"

namespace track {

/// The RSSI a read may carry, in dBm: wider than any reader's range, so that only garbage
/// (a corrupted frame, an overflow) falls outside it.
inline constexpr double min_rssi_dbm = -200;
inline constexpr double max_rssi_dbm = 50;

/// Checks the values of a parsed record (coordinates in range, an EPC in hex, counts
/// positive, ...) and brings it to canonical form: EPC in upper case, `uri` filled in from
/// the EPC when absent. Returns why the record is invalid ("lat 91.5 is out of range
/// -90..90"), or an empty string when it is valid.
std::string validate(Record& record);

}  // namespace track
