// Unit tests of adapters/sparkplug.hpp: Sparkplug B payloads built with the protobuf-c code
// of schemas/sparkplug/sparkplug_b.proto, decoded to readings, aliases, sequences, problems.
#include "adapters/sparkplug.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "sparkplug_b.pb-c.h"

namespace {

using adapters::sparkplug::Decoder;
using adapters::sparkplug::parse_topic;

constexpr track::Millis arrival = 1'700'000'000'000;

// One metric to encode; the value fields set decide which oneof member is sent.
struct MetricSpec {
    std::string name;  // empty: not sent (a DATA metric by alias)
    std::optional<std::uint64_t> alias;
    std::optional<std::uint32_t> datatype;
    std::optional<std::uint32_t> int_value;
    std::optional<std::uint64_t> long_value;
    std::optional<float> float_value;
    std::optional<double> double_value;
    std::optional<bool> boolean_value;
    std::optional<std::string> string_value;
    std::optional<std::uint64_t> timestamp;
    bool historical = false;
    bool is_null = false;
    std::string unit_key;  // a string property "engUnit" or "unit" ...
    std::string unit;      // ... with this value

    // Setters, one per field, for one-line metrics (designated initializers would be
    // shorter, but GCC 12 warns of the fields they leave out).
    MetricSpec& name_(std::string v) { return name = std::move(v), *this; }
    MetricSpec& alias_(std::uint64_t v) { return alias = v, *this; }
    MetricSpec& datatype_(std::uint32_t v) { return datatype = v, *this; }
    MetricSpec& int_value_(std::uint32_t v) { return int_value = v, *this; }
    MetricSpec& long_value_(std::uint64_t v) { return long_value = v, *this; }
    MetricSpec& float_value_(float v) { return float_value = v, *this; }
    MetricSpec& double_value_(double v) { return double_value = v, *this; }
    MetricSpec& boolean_value_(bool v) { return boolean_value = v, *this; }
    MetricSpec& string_value_(std::string v) { return string_value = std::move(v), *this; }
    MetricSpec& timestamp_(std::uint64_t v) { return timestamp = v, *this; }
    MetricSpec& historical_(bool v) { return historical = v, *this; }
    MetricSpec& is_null_(bool v) { return is_null = v, *this; }
    MetricSpec& unit_(std::string key, std::string v) { return unit_key = std::move(key), unit = std::move(v), *this; }
};
using M = MetricSpec;

// The payload's bytes, encoded by protobuf-c.
std::string encode(std::optional<std::uint64_t> seq, std::optional<std::uint64_t> timestamp,
                   std::vector<MetricSpec> specs) {
    Org__Eclipse__Tahu__Protobuf__Payload payload = ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__INIT;
    std::vector<Org__Eclipse__Tahu__Protobuf__Payload__Metric> metrics(specs.size());
    std::vector<Org__Eclipse__Tahu__Protobuf__Payload__Metric*> pointers;
    std::vector<Org__Eclipse__Tahu__Protobuf__Payload__PropertySet> sets(specs.size());
    std::vector<Org__Eclipse__Tahu__Protobuf__Payload__PropertyValue> values(specs.size());
    std::vector<Org__Eclipse__Tahu__Protobuf__Payload__PropertyValue*> value_pointers(specs.size());
    std::vector<char*> keys(specs.size());
    for (std::size_t i = 0; i < specs.size(); ++i) {
        MetricSpec& spec = specs[i];
        auto& m = metrics[i];
        org__eclipse__tahu__protobuf__payload__metric__init(&m);
        if (!spec.name.empty()) m.name = spec.name.data();
        if (spec.alias) m.has_alias = 1, m.alias = *spec.alias;
        if (spec.datatype) m.has_datatype = 1, m.datatype = *spec.datatype;
        if (spec.timestamp) m.has_timestamp = 1, m.timestamp = *spec.timestamp;
        if (spec.historical) m.has_is_historical = 1, m.is_historical = 1;
        if (spec.is_null) m.has_is_null = 1, m.is_null = 1;
        if (spec.int_value) {
            m.value_case = ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__METRIC__VALUE_INT_VALUE;
            m.int_value = *spec.int_value;
        } else if (spec.long_value) {
            m.value_case = ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__METRIC__VALUE_LONG_VALUE;
            m.long_value = *spec.long_value;
        } else if (spec.float_value) {
            m.value_case = ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__METRIC__VALUE_FLOAT_VALUE;
            m.float_value = *spec.float_value;
        } else if (spec.double_value) {
            m.value_case = ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__METRIC__VALUE_DOUBLE_VALUE;
            m.double_value = *spec.double_value;
        } else if (spec.boolean_value) {
            m.value_case = ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__METRIC__VALUE_BOOLEAN_VALUE;
            m.boolean_value = *spec.boolean_value ? 1 : 0;
        } else if (spec.string_value) {
            m.value_case = ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__METRIC__VALUE_STRING_VALUE;
            m.string_value = spec.string_value->data();
        }
        if (!spec.unit_key.empty()) {
            org__eclipse__tahu__protobuf__payload__property_set__init(&sets[i]);
            org__eclipse__tahu__protobuf__payload__property_value__init(&values[i]);
            values[i].has_type = 1;
            values[i].type = ORG__ECLIPSE__TAHU__PROTOBUF__DATA_TYPE__String;
            values[i].value_case = ORG__ECLIPSE__TAHU__PROTOBUF__PAYLOAD__PROPERTY_VALUE__VALUE_STRING_VALUE;
            values[i].string_value = spec.unit.data();
            value_pointers[i] = &values[i];
            keys[i] = spec.unit_key.data();
            sets[i].n_keys = 1;
            sets[i].keys = &keys[i];
            sets[i].n_values = 1;
            sets[i].values = &value_pointers[i];
            m.properties = &sets[i];
        }
        pointers.push_back(&m);
    }
    payload.n_metrics = pointers.size();
    payload.metrics = pointers.data();
    if (seq) payload.has_seq = 1, payload.seq = *seq;
    if (timestamp) payload.has_timestamp = 1, payload.timestamp = *timestamp;
    std::string bytes(org__eclipse__tahu__protobuf__payload__get_packed_size(&payload), '\0');
    org__eclipse__tahu__protobuf__payload__pack(&payload, reinterpret_cast<std::uint8_t*>(bytes.data()));
    return bytes;
}

// A decoder and what it gave: readings as "asset metric=value unit @time [historical]", problems
// as "topic: reason: detail".
struct Run {
    Decoder decoder;
    std::vector<std::string> readings;
    std::vector<track::Reading> records;
    struct Problems final : track::ProblemSink {
        std::vector<std::string> list;
        void skipped(const track::Location& where, std::string_view reason, std::string_view detail) override {
            list.push_back(fmt::format("{}: {}: {}", where.source, reason, detail));
        }
    } problems;

    void feed(std::string_view topic, std::string_view payload) {
        decoder.decode(topic, payload, arrival, "mqtt", track::Location{topic}, problems, [&](track::Reading& r) {
            readings.push_back(fmt::format("{} {}={}{}{} @{}{}", r.asset, r.metric, r.value, r.unit.empty() ? "" : " ",
                                           r.unit, r.time, r.extra));
            records.push_back(r);
        });
    }
};

const std::string nbirth_topic = "spBv1.0/plant/NBIRTH/edge1";
const std::string dbirth_topic = "spBv1.0/plant/DBIRTH/edge1/press";
const std::string ddata_topic = "spBv1.0/plant/DDATA/edge1/press";

std::string nbirth(std::uint64_t seq = 0) {
    return encode(seq, 1'700'000'000'000,
                  {M().name_("bdSeq").datatype_(4).long_value_(0),
                   M().name_("Node Control/Rebirth").datatype_(11).boolean_value_(false),
                   M().name_("uptime").alias_(1).datatype_(7).int_value_(12)});
}

std::string dbirth(std::uint64_t seq) {
    return encode(seq, 1'700'000'000'100,
                  {M().name_("temperature").alias_(10).datatype_(10).double_value_(21.5).unit_("engUnit", "Cel"),
                   M().name_("offset").alias_(11).datatype_(1).int_value_(0xFFFFFFFE),
                   M().name_("running").alias_(12).datatype_(11).boolean_value_(true),
                   M().name_("count").alias_(13).datatype_(4).long_value_(0xFFFFFFFFFFFFFFFF),
                   M().name_("pressure").alias_(14).datatype_(9).float_value_(2.5F).unit_("unit", "bar"),
                   M().name_("label").alias_(15).datatype_(12).string_value_("line 3")});
}

}  // namespace

TEST_CASE("sparkplug: topics") {
    const auto device = parse_topic("spBv1.0/plant/DDATA/edge1/press");
    REQUIRE(device);
    CHECK(device->group == "plant");
    CHECK(device->type == "DDATA");
    CHECK(device->node == "edge1");
    CHECK(device->device == "press");
    const auto node = parse_topic("spBv1.0/plant/NDATA/edge1");
    REQUIRE(node);
    CHECK(node->device.empty());
    CHECK_FALSE(parse_topic("spBv1.0/plant/DDATA/edge1/press/extra"));
    CHECK_FALSE(parse_topic("spBv1.0/STATE/host"));
    CHECK_FALSE(parse_topic("trk/site/fix/a1"));
}

TEST_CASE("sparkplug: BIRTHs name the metrics; bookkeeping metrics and strings give no reading") {
    Run run;
    run.feed(nbirth_topic, nbirth());
    run.feed(dbirth_topic, dbirth(1));
    CHECK(run.readings == std::vector<std::string>{
                              "edge1 uptime=12 @1700000000000",
                              "press temperature=21.5 Cel @1700000000100",
                              "press offset=-2 @1700000000100",
                              "press running=1 @1700000000100",
                              "press count=-1 @1700000000100",
                              "press pressure=2.5 bar @1700000000100",
                          });
    CHECK(run.problems.list ==
          std::vector<std::string>{dbirth_topic + ": Sparkplug metric not a number: label is a string"});
    CHECK(run.records.at(1).device == "plant/edge1");
    CHECK(run.records.at(1).src == "mqtt");
}

TEST_CASE("sparkplug: DATA by alias gets the BIRTH's names, units and types; times and flags") {
    Run run;
    run.feed(nbirth_topic, nbirth());
    run.feed(dbirth_topic, dbirth(1));
    run.readings.clear();
    run.problems.list.clear();
    run.feed(ddata_topic, encode(2, 1'700'000'001'000,
                                 {M().alias_(10).double_value_(22.25),
                                  M().alias_(11).int_value_(0xFF),  // an Int8 of -1 sent in its own width
                                  M().alias_(14).float_value_(3.0F).timestamp_(1'600'000'000'000).historical_(true),
                                  M().alias_(12).is_null_(true), M().alias_(15).string_value_("line 4")}));
    CHECK(run.readings == std::vector<std::string>{
                              "press temperature=22.25 Cel @1700000001000",
                              "press offset=-1 @1700000001000",
                              R"(press pressure=3 bar @1600000000000,"historical":true)",
                          });
    // The string metric was reported at the BIRTH already.
    CHECK(run.problems.list.empty());
    // No timestamp at all: the arrival time.
    run.readings.clear();
    run.feed(ddata_topic, encode(3, std::nullopt, {M().alias_(13).long_value_(42)}));
    CHECK(run.readings == std::vector<std::string>{"press count=42 @" + std::to_string(arrival)});
}

TEST_CASE("sparkplug: an alias no BIRTH named is reported once, with the rebirth hint") {
    Run run;
    run.feed(ddata_topic, encode(7, 1'700'000'000'000, {M().alias_(3).double_value_(1)}));
    run.feed(ddata_topic, encode(8, 1'700'000'000'000, {M().alias_(3).double_value_(2)}));
    CHECK(run.readings.empty());
    CHECK(run.problems.list ==
          std::vector<std::string>{ddata_topic +
                                   ": unknown Sparkplug alias: alias 3 of plant/edge1/press unknown: no BIRTH seen (a "
                                   "rebirth request, NCMD Node Control/Rebirth, would send one)"});
    // Named metrics need no BIRTH.
    run.feed(ddata_topic, encode(9, 1'700'000'000'000, {M().name_("flow").double_value_(4)}));
    CHECK(run.readings == std::vector<std::string>{"press flow=4 @1700000000000"});
}

TEST_CASE("sparkplug: sequence numbers: gaps, wrap at 255, NBIRTH restarts, NDEATH forgets") {
    Run run;
    run.feed(nbirth_topic, nbirth(250));
    run.feed(dbirth_topic, dbirth(251));
    for (std::uint64_t seq : {252, 253, 254, 255, 0, 1})
        run.feed(ddata_topic, encode(seq, 1'700'000'000'000, {M().alias_(10).double_value_(1)}));
    run.feed(ddata_topic, encode(4, 1'700'000'000'000, {M().alias_(10).double_value_(1)}));
    run.feed(ddata_topic, encode(3, 1'700'000'000'000, {M().alias_(10).double_value_(1)}));
    CHECK(run.problems.list == std::vector<std::string>{
                                   dbirth_topic + ": Sparkplug metric not a number: label is a string",
                                   ddata_topic + ": Sparkplug sequence gap: expected seq 2, got 4: 2 messages lost",
                                   ddata_topic + ": Sparkplug sequence gap: expected seq 5, got 3: 254 messages lost",
                               });
    run.problems.list.clear();
    run.feed(nbirth_topic, nbirth(17));  // a rebirth: the count starts again, the devices are unborn
    run.feed(ddata_topic, encode(18, 1'700'000'000'000, {M().alias_(10).double_value_(1)}));
    CHECK(run.problems.list.size() == 1);
    CHECK(run.problems.list.at(0).find("alias 10 of plant/edge1/press unknown") != std::string::npos);
    run.problems.list.clear();
    run.feed("spBv1.0/plant/NDEATH/edge1", encode(std::nullopt, std::nullopt, {M().name_("bdSeq").long_value_(0)}));
    run.feed("spBv1.0/plant/NDATA/edge1", encode(40, 1'700'000'000'000, {M().alias_(1).int_value_(5)}));
    CHECK(run.problems.list ==
          std::vector<std::string>{"spBv1.0/plant/NDATA/edge1: unknown Sparkplug alias: alias 1 of plant/edge1 "
                                   "unknown: no BIRTH seen (a rebirth request, NCMD Node Control/Rebirth, would "
                                   "send one)"});
}

TEST_CASE("sparkplug: bad payloads and topics are problems, never a crash") {
    Run run;
    const std::string good = dbirth(1);
    run.feed(dbirth_topic, good.substr(0, good.size() - 3));                                 // truncated
    run.feed(ddata_topic, std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11));  // a runaway varint
    run.feed(ddata_topic, "not protobuf at all, just text");
    run.feed(ddata_topic, std::string(Decoder::max_payload + 1, '\0'));
    run.feed("spBv1.0/plant/XDATA/edge1", "");
    run.feed("spBv1.0/plant/DDATA/edge1", "");
    run.feed("spBv1.0/STATE/host1", R"({"online":true,"timestamp":1})");  // a host's, not data: silent
    run.feed("spBv1.0/plant/NCMD/edge1", "");                             // a command: silent
    CHECK(run.readings.empty());
    CHECK(run.problems.list == std::vector<std::string>{
                                   dbirth_topic + ": invalid Sparkplug B payload: " + std::to_string(good.size() - 3) +
                                       " bytes, truncated or corrupt",
                                   ddata_topic + ": invalid Sparkplug B payload: 11 bytes, truncated or corrupt",
                                   ddata_topic + ": invalid Sparkplug B payload: 30 bytes, truncated or corrupt",
                                   ddata_topic + ": Sparkplug B payload too large: 4194305 bytes, more than 4194304",
                                   "spBv1.0/plant/XDATA/edge1: not a Sparkplug B topic: unknown message type XDATA",
                                   "spBv1.0/plant/DDATA/edge1: not a Sparkplug B topic: DDATA without a device id",
                               });
    // An empty payload is a valid, empty message.
    run.problems.list.clear();
    run.feed(ddata_topic, "");
    CHECK(run.problems.list.empty());
}

TEST_CASE("sparkplug: values that are not finite, times past 9999") {
    Run run;
    run.feed(ddata_topic, encode(0, 1'700'000'000'000,
                                 {M().name_("nan").double_value_(std::numeric_limits<double>::quiet_NaN()),
                                  M().name_("far").double_value_(1).timestamp_(300'000'000'000'000'000)}));
    CHECK(run.readings.empty());
    CHECK(run.problems.list == std::vector<std::string>{
                                   ddata_topic + ": Sparkplug metric not a number: nan is nan",
                                   ddata_topic + ": Sparkplug timestamp out of range: far: 300000000000000000 ms "
                                                 "is past the year 9999",
                               });
}
