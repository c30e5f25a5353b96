// EPCIS 2.0 JSON-LD for `trk export --format epcis`: one EPCISDocument, an ObjectEvent per record.
//
// Where the facts used here come from (read there, not copied):
// [schema]  The GS1 EPCIS 2.0 JSON Schema, gs1/EPCIS commit 2b888be (../shared/schemas/
//           EPCIS-JSON-Schema.json): eventTime and eventTimeZoneOffset are the only members
//           every event needs (no eventID); an ObjectEvent needs action and an epcList; the
//           JSON-LD short forms of CBV values (bizStep "arriving", disposition "available",
//           sensorReport type "Temperature", exception "ALARM_CONDITION", component
//           "latitude") are enumerated there; ids are URIs.
// [example] SensorDataExample14.jsonld of the same repository: a position is two
//           sensorReports of type Angle, uom DD, component latitude and longitude, and an
//           event that only reports sensor data has bizStep sensor_reporting.
// [cbv]     CBV 2.0 (https://ref.gs1.org/standards/cbv/2.0.0/, vocabulary in
//           https://ref.gs1.org/standards/epcis/2.0.1/cbv-ontology.ttl): what each business
//           step and disposition means; sensor_reporting only when no other step is going on.
// [rec20]   UN/ECE Recommendation 20 common codes, which EPCIS names for uom: CEL degree
//           Celsius, FAH degree Fahrenheit, KEL kelvin, P1 percent, K40 standard
//           acceleration of free fall, MSK metre per second squared, VLT volt, 2Z millivolt,
//           PAL pascal, A97 hectopascal, KPA kilopascal, BAR bar, 59 part per million, MTR
//           metre, MTS metre per second, DD degree (angle).
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/export.hpp"
#include "export_pieces.hpp"
#include "track/json.hpp"
#include "track/json_writer.hpp"
#include "track/number.hpp"

namespace adapters {

namespace {

using export_pieces::ExtraMembers;

constexpr std::string_view epcis_context = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

// The URIs trk mints for what has no GS1 identifier (see trk-export(1)).
constexpr std::string_view asset_prefix = "urn:trk:asset:";
constexpr std::string_view device_prefix = "urn:trk:device:";
constexpr std::string_view reader_prefix = "urn:trk:reader:";
constexpr std::string_view zone_prefix = "urn:trk:zone:";
constexpr std::string_view rule_prefix = "urn:trk:rule:";
constexpr std::string_view metric_prefix = "urn:trk:metric:";

// `prefix` then `name` percent-encoded (RFC 3986: all but the unreserved characters, byte
// by byte), so that any id makes a valid URI; empty when `name` is.
std::string mint(std::string_view prefix, std::string_view name) {
    if (name.empty()) return {};
    std::string uri(prefix);
    constexpr char hex[] = "0123456789ABCDEF";
    for (const char c : name) {
        const auto byte = static_cast<unsigned char>(c);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            uri.push_back(c);
        } else {
            uri.push_back('%');
            uri.push_back(hex[byte >> 4]);
            uri.push_back(hex[byte & 0xF]);
        }
    }
    return uri;
}

// ---------------------------------------------------------------------------------------
// Metrics and units: CBV measurement types [schema] and Rec 20 codes [rec20].

// A metric trk knows and the measurement type it is.
struct Quantity {
    std::string_view metric;
    std::string_view type;
};
constexpr Quantity quantities[] = {
    {"temperature", "Temperature"},   {"humidity", "RelativeHumidity"}, {"shock", "Acceleration"},
    {"acceleration", "Acceleration"}, {"pressure", "Pressure"},         {"voltage", "Voltage"},
};

// A unit symbol as trk's records write it, the measurement type it measures ("" for
// percent, which any ratio may be) and its Rec 20 code. `names_type`: the symbol alone
// says what was measured (V is a voltage whatever the metric; g may be a gram).
struct Unit {
    std::string_view symbol;
    std::string_view type;
    std::string_view uom;
    bool names_type;
};
constexpr Unit units[] = {
    {"Cel", "Temperature", "CEL", true},
    {"\xC2\xB0"
     "C",
     "Temperature", "CEL", true},
    {"[degF]", "Temperature", "FAH", true},
    {"\xC2\xB0"
     "F",
     "Temperature", "FAH", true},
    {"K", "Temperature", "KEL", true},
    {"%", "", "P1", false},
    {"g", "Acceleration", "K40", false},
    {"m/s2", "Acceleration", "MSK", true},
    {"V", "Voltage", "VLT", true},
    {"mV", "Voltage", "2Z", true},
    {"Pa", "Pressure", "PAL", true},
    {"hPa", "Pressure", "A97", true},
    {"kPa", "Pressure", "KPA", true},
    {"bar", "Pressure", "BAR", true},
    {"ppm", "", "59", false},
};

const Unit* unit_of(std::string_view symbol) {
    for (const Unit& u : units) {
        if (u.symbol == symbol) return &u;
    }
    return nullptr;
}

// Whether `text` has the form of a Rec 20 common code (what the schema's uom allows).
bool is_rec20_code(std::string_view text) {
    if (text.size() < 2 || text.size() > 3) return false;
    for (const char c : text) {
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
    }
    return true;
}

// The measurement type of `metric` measured in `unit` (may be empty): the metric's CBV
// type, else the one its unit names (a battery in V is a Voltage), else a URI of ours.
std::string measurement_type(std::string_view metric, std::string_view unit) {
    for (const Quantity& q : quantities) {
        if (q.metric == metric) return std::string(q.type);
    }
    if (const Unit* u = unit_of(unit); u != nullptr && u->names_type) return std::string(u->type);
    return mint(metric_prefix, metric.empty() ? "unknown" : metric);
}

// The Rec 20 code of `unit` for a value of measurement type `type`; empty when there is
// none (the report then has no uom: a symbol that is not a Rec 20 code would be wrong there).
std::string_view uom_of(std::string_view unit, std::string_view type) {
    if (const Unit* u = unit_of(unit); u != nullptr && (u->type.empty() || u->type == type)) return u->uom;
    if (is_rec20_code(unit)) return unit;
    return {};
}

// ---------------------------------------------------------------------------------------
// The event model: the members of an ObjectEvent that trk fills.

struct SensorReport {
    std::string type;             // CBV measurement type or a URI of ours
    std::string_view component;   // latitude, longitude, altitude, or empty
    std::optional<double> value;  // absent: the report only says what was measured
    int decimals = -1;            // -1: the shortest text that reads back the same
    std::string_view uom;         // Rec 20 code, or empty
    std::string_view exception;   // ALARM_CONDITION, or empty
};

struct SensorElement {
    std::optional<track::Millis> time;   // of the measurement
    std::optional<track::Millis> start;  // of the interval the reports cover
    std::optional<track::Millis> end;
    std::string device;  // deviceID URI, or empty
    std::string rules;   // bizRules URI, or empty
    std::vector<SensorReport> reports;
};

struct ObjectEvent {
    track::Millis time = 0;
    std::string object;  // the one URI of epcList
    std::string_view biz_step;
    std::string_view disposition;
    std::string read_point;    // URI, or empty
    std::string biz_location;  // URI, or empty
    std::optional<SensorElement> sensor;
};

// A string member, left out when the value is empty.
void string_if(track::JsonWriter& json, std::string_view key, std::string_view value) {
    if (!value.empty()) json.key(key).string(value);
}

// {"id":URI}, the form of readPoint and bizLocation; left out when the URI is empty.
void id_if(track::JsonWriter& json, std::string_view key, std::string_view uri) {
    if (!uri.empty()) json.key(key).begin_object().key("id").string(uri).end_object();
}

void write_sensor_element(track::JsonWriter& json, const SensorElement& element) {
    json.begin_object();
    if (element.time || element.start || element.end || !element.device.empty() || !element.rules.empty()) {
        json.key("sensorMetadata").begin_object();
        if (element.time) json.key("time").time(*element.time);
        if (element.start) json.key("startTime").time(*element.start);
        if (element.end) json.key("endTime").time(*element.end);
        string_if(json, "deviceID", element.device);
        string_if(json, "bizRules", element.rules);
        json.end_object();
    }
    json.key("sensorReport").begin_array();
    for (const SensorReport& report : element.reports) {
        json.begin_object();
        json.key("type").string(report.type);
        string_if(json, "exception", report.exception);
        string_if(json, "component", report.component);
        if (report.value) {
            json.key("value");
            if (report.decimals < 0) {
                json.number(*report.value);
            } else {
                json.fixed(*report.value, report.decimals);
            }
        }
        string_if(json, "uom", report.uom);
        json.end_object();
    }
    json.end_array().end_object();
}

void write_event(track::JsonWriter& json, const ObjectEvent& event) {
    json.begin_object();
    json.key("type").string("ObjectEvent");
    json.key("eventTime").time(event.time);
    // trk's times are UTC; the zone the event happened in is not known.
    json.key("eventTimeZoneOffset").string("+00:00");
    json.key("epcList").begin_array().string(event.object).end_array();
    json.key("action").string("OBSERVE");
    string_if(json, "bizStep", event.biz_step);
    string_if(json, "disposition", event.disposition);
    id_if(json, "readPoint", event.read_point);
    id_if(json, "bizLocation", event.biz_location);
    if (event.sensor) {
        json.key("sensorElementList").begin_array();
        write_sensor_element(json, *event.sensor);
        json.end_array();
    }
    json.end_object();
}

// The disposition of an audited asset, per audit status [cbv]: present and where it
// should be, or seen elsewhere, or unexpected here: the asset is there to be used
// (available); missing: nobody knows where it is or in what state (unknown); a tag linked
// to no asset: no disposition.
std::string_view audit_disposition(std::string_view status) {
    if (status == "present" || status == "misplaced" || status == "unexpected") return "available";
    if (status == "missing") return "unknown";
    return {};
}

// ---------------------------------------------------------------------------------------

class EpcisWriter final : public ExportWriter {
public:
    EpcisWriter(const ExportOptions& options, fmt::memory_buffer& out, std::function<void()> written)
        : json_(out), written_(std::move(written)), readers_(options.readers) {
        json_.begin_object();
        json_.key("@context").begin_array().string(epcis_context).end_array();
        json_.key("type").string("EPCISDocument");
        json_.key("schemaVersion").string("2.0");
        json_.key("creationDate").time(options.creation);
        json_.key("epcisBody").begin_object().key("eventList").begin_array();
    }

    void record(const track::Record& record) override {
        event_ = ObjectEvent{};
        const bool made = std::visit([this](const auto& r) { return make(r); }, record);
        if (!made) return;
        ++counts_.exported;
        write_event(json_.newline(), event_);  // an event a line
        if (written_) written_();
    }

    void finish() override {
        json_.newline().end_array().end_object().end_object().newline();
        if (written_) written_();
    }

private:
    // Each make() fills event_ from a record and says whether the record has an event;
    // records without one are counted.
    bool make(const track::Fix& fix) {
        if (fix.mode == track::FixMode::none) {
            ++counts_.no_position;
            return false;
        }
        if (!object_of(fix, fix.device)) return false;
        event_.biz_step = "sensor_reporting";
        if (fix.zones && !fix.zones->empty()) event_.biz_location = mint(zone_prefix, fix.zones->front());
        SensorElement& sensor = event_.sensor.emplace();
        sensor.time = fix.time;
        sensor.device = mint(device_prefix, fix.device);
        // Degrees with trk's 7 decimals [example]; altitude in metres, speed in m/s [rec20].
        sensor.reports.push_back({"Angle", "latitude", fix.lat, 7, "DD", {}});
        sensor.reports.push_back({"Angle", "longitude", fix.lon, 7, "DD", {}});
        if (fix.alt) sensor.reports.push_back({"Length", "altitude", *fix.alt, -1, "MTR", {}});
        if (fix.speed) sensor.reports.push_back({"Speed", {}, *fix.speed, -1, "MTS", {}});
        return true;
    }

    bool make(const track::Read& read) {
        event_.time = read.time;
        if (!read.uri.empty()) {
            event_.object = read.uri;
        } else if (!read.epc.empty()) {
            // The EPC Tag Data Standard's raw URI, as trk's reads write it: bits, then hex.
            event_.object = fmt::format("urn:epc:raw:{}.x{}", read.epc.size() * 4, read.epc);
        } else if (!object_of(read, {})) {
            return false;
        }
        // No CBV business step means "a tag was seen": none is written.
        event_.read_point = mint(reader_prefix, read.reader);
        event_.biz_location = mint(zone_prefix, zone_of(read.reader, read.antenna));
        return true;
    }

    bool make(const track::Reading& reading) {
        if (!object_of(reading, reading.device)) return false;
        event_.biz_step = "sensor_reporting";
        SensorElement& sensor = event_.sensor.emplace();
        sensor.time = reading.time;
        sensor.device = mint(device_prefix, reading.device);
        SensorReport report{measurement_type(reading.metric, reading.unit), {}, reading.value, -1, {}, {}};
        report.uom = uom_of(reading.unit, report.type);
        sensor.reports.push_back(std::move(report));
        return true;
    }

    bool make(const track::Event& event) {
        const std::string_view what = event.event;
        if (what == "enter" || what == "exit" || what == "dwell" || what == "cross") return zone_event(event);
        if (what == "violation" || what == "clear") return condition_event(event);
        if (what == "audit") return audit_event(event);
        ++counts_.other;
        return false;
    }

    bool make(const track::OpaqueRecord&) {
        ++counts_.other;
        return false;
    }

    // enter, exit, dwell, cross of a fence (trk fence): the fence is where it was seen;
    // bizLocation says where the asset is afterwards, so only enter and dwell have one.
    // Arriving and departing [cbv] are the steps of entering and leaving a place.
    bool zone_event(const track::Event& event) {
        if (event.fence.empty()) {
            ++counts_.other;
            return false;
        }
        if (!object_of(event, {})) return false;
        event_.read_point = mint(zone_prefix, event.fence);
        if (event.event == "enter") {
            event_.biz_step = "arriving";
            event_.biz_location = event_.read_point;
        } else if (event.event == "exit") {
            event_.biz_step = "departing";
        } else if (event.event == "dwell") {
            event_.biz_location = event_.read_point;
        }
        return true;
    }

    // violation and clear of a condition rule (trk check): a sensor report of the rule's
    // metric, an alarm [schema: sensorAlertType] with the value that opened it for a
    // violation; a clear covers the time the violation was open.
    bool condition_event(const track::Event& event) {
        if (!object_of(event, {})) return false;
        extra_.parse(event.extra);
        event_.biz_step = "sensor_reporting";
        SensorElement& sensor = event_.sensor.emplace();
        sensor.rules = mint(rule_prefix, event.rule);
        SensorReport report{measurement_type(extra_.string("metric"), {}), {}, {}, -1, {}, {}};
        if (event.event == "violation") {
            sensor.time = event.time;
            report.exception = "ALARM_CONDITION";
            report.value = extra_.number("value");
        } else {
            sensor.end = event.time;
            if (const auto seconds = extra_.number("duration_s")) {
                sensor.start = event.time - static_cast<track::Millis>(std::llround(*seconds * track::ms_per_second));
            }
        }
        sensor.reports.push_back(std::move(report));
        return true;
    }

    // A row of trk audit: a cycle count [cbv: cycle_counting] of the audited zone.
    bool audit_event(const track::Event& event) {
        extra_.parse(event.extra);
        if (const std::string_view uri = extra_.string("uri"); uri.starts_with("urn:epc:")) {
            event_.time = event.time;
            event_.object = uri;
        } else if (!object_of(event, {})) {
            return false;
        }
        const std::string_view zone = extra_.string("zone");
        const std::string_view status = extra_.string("status");
        event_.biz_step = "cycle_counting";
        event_.disposition = audit_disposition(status);
        event_.read_point = mint(zone_prefix, zone);
        if (status == "misplaced") {
            event_.biz_location = mint(zone_prefix, extra_.string("seen_zone"));
        } else if (status != "missing") {
            event_.biz_location = event_.read_point;
        }
        return true;
    }

    // Sets the event's time and its object: the asset, else the device; counts the record
    // as `other` and says false when it names neither.
    bool object_of(const track::RecordBase& record, std::string_view device) {
        event_.time = record.time;
        event_.object = record.asset.empty() ? mint(device_prefix, device) : mint(asset_prefix, record.asset);
        if (event_.object.empty()) ++counts_.other;
        return !event_.object.empty();
    }

    // The zone of a reader's antenna (or of the reader); empty when the ledger has none.
    [[nodiscard]] std::string_view zone_of(std::string_view reader, std::optional<int> antenna) const {
        for (const track::Reader& r : readers_) {
            if (r.id != reader) continue;
            if (antenna) {
                if (const auto it = r.antenna_zones.find(*antenna); it != r.antenna_zones.end()) return it->second;
            }
            return r.zone;
        }
        return {};
    }

    track::JsonWriter json_;  // the document
    std::function<void()> written_;
    std::vector<track::Reader> readers_;
    ObjectEvent event_;   // the event being made, reused
    ExtraMembers extra_;  // the parsed extra members of the event being made
};

}  // namespace

std::unique_ptr<ExportWriter> make_epcis_writer(const ExportOptions& options, fmt::memory_buffer& out,
                                                std::function<void()> written) {
    return std::make_unique<EpcisWriter>(options, out, std::move(written));
}

}  // namespace adapters
