// Value checks and canonical form of records (see track/validate.hpp).
#include "track/validate.hpp"

#include <cmath>
#include <type_traits>

#include <fmt/format.h>

#include "track/epc.hpp"

namespace track {

namespace {

std::string check(Fix& f) {
    if (f.mode != FixMode::none) {
        if (!(f.lat >= -90 && f.lat <= 90)) return fmt::format("lat {} is out of range -90..90", f.lat);
        if (!(f.lon >= -180 && f.lon <= 180)) return fmt::format("lon {} is out of range -180..180", f.lon);
    }
    if (f.speed && *f.speed < 0) return fmt::format("speed {} is negative", *f.speed);
    if (f.course && !(*f.course >= 0 && *f.course <= 360))
        return fmt::format("course {} is out of range 0..360", *f.course);
    for (const auto& [name, dop] : {std::pair{"hdop", f.hdop}, std::pair{"vdop", f.vdop}, std::pair{"pdop", f.pdop}}) {
        if (dop && *dop < 0) return fmt::format("{} {} is negative", name, *dop);
    }
    if (f.sats && *f.sats < 0) return fmt::format("sats {} is negative", *f.sats);
    return {};
}

std::string check(Read& r) {
    if (r.epc.empty()) return "epc is empty";
    for (char& c : r.epc) {
        if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
        else if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return fmt::format("epc {} is not hex", r.epc);
    }
    if (r.uri.empty()) {
        epc::Identity identity;
        if (epc::decode(r.epc, identity)) r.uri = identity.pure_uri;
    }
    if (r.antenna && *r.antenna < 0) return fmt::format("antenna {} is negative", *r.antenna);
    if (r.rssi && !(*r.rssi >= min_rssi_dbm && *r.rssi <= max_rssi_dbm)) {
        return fmt::format("rssi {} is out of range {}..{} dBm", *r.rssi, min_rssi_dbm, max_rssi_dbm);
    }
    if (r.frequency && *r.frequency < 0) return fmt::format("frequency {} is negative", *r.frequency);
    if (r.count && *r.count < 1) return fmt::format("count {} is not positive", *r.count);
    if (r.last && *r.last < r.time) return "last is before time";
    if (r.last && !is_rfc3339_time(*r.last))
        return fmt::format("last {} ms is out of range (years 0000..9999)", *r.last);
    return {};
}

std::string check(Reading& r) {
    if (r.metric.empty()) return "metric is empty";
    if (!std::isfinite(r.value)) return "value is not a finite number";
    return {};
}

std::string check(Event& e) {
    if (e.event.empty()) return "event is empty";
    return {};
}

std::string check(OpaqueRecord&) { return {}; }

}  // namespace

std::string validate(Record& record) {
    return std::visit(
        [](auto& r) -> std::string {
            if constexpr (std::is_base_of_v<RecordBase, std::decay_t<decltype(r)>>) {
                if (!is_rfc3339_time(r.time))
                    return fmt::format("time {} ms is out of range (years 0000..9999)", r.time);
            }
            return check(r);
        },
        record);
}

}  // namespace track
