// The JSON that networked readers emit: Impinj (Speedway Connect, R700 IoT interface)
// and Zebra (FX IoT Connector), as JSON Lines or as objects concatenated with no newline.
#include <cmath>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "rfid_formats.hpp"
#include "track/number.hpp"
#include "track/validate.hpp"

namespace adapters::rfid {

namespace {

using simdjson::dom::element;

// Bigger than any reader message (a Speedway Connect batch of a few thousand tag reads).
constexpr std::size_t max_object = 1 << 20;

// Cuts a byte stream into top-level JSON values ({...} or [...]) by counting brackets
// outside strings; newlines between them are optional. Bytes outside any value other
// than white space and '#' comment lines are reported, once per run.
class JsonValueSplitter {
public:
    JsonValueSplitter(ByteSource& source, track::ProblemSink& problems) : source_(source), problems_(problems) {}

    /// Calls on_value(text, location of its first byte) for each value, to the end of input.
    template <typename OnValue>
    void run(OnValue on_value) {
        std::vector<char> chunk(std::size_t{64} * 1024);
        std::uint64_t line = 1;
        while (const std::size_t n = source_.read(chunk.data(), chunk.size())) {
            for (std::size_t i = 0; i < n; ++i) {
                const char c = chunk[i];
                const bool line_start = at_line_start_;
                at_line_start_ = c == '\n';
                if (depth_ > 0) {
                    // JSON strings hold no raw newline, and a pretty-printer indents what is
                    // nested: either sign means the value was cut and a new one begins.
                    if ((in_string_ && c == '\n') || (line_start && (c == '{' || c == '[') && !in_string_)) {
                        problems_.skipped({source_.name(), start_line_}, "object cut short",
                                          "a new line began inside it");
                        depth_ = 0;
                        in_string_ = false;
                        escaped_ = false;
                    }
                }
                if (depth_ == 0) {
                    if (c == '{' || c == '[') {
                        end_garbage();
                        start_line_ = line;
                        value_.clear();
                        overlong_ = false;
                    } else {
                        if (c == '\n') {
                            ++line;
                            comment_ = false;
                        } else if (c == '#' && line_start) {
                            comment_ = true;  // a note in a capture file, not reader output
                        } else if (!comment_ && c != ' ' && c != '\t' && c != '\r' && garbage_line_ == 0) {
                            garbage_line_ = line;
                        }
                        continue;
                    }
                }
                if (c == '\n') ++line;
                if (value_.size() < max_object) {
                    value_.push_back(c);
                } else {
                    overlong_ = true;
                }
                if (in_string_) {
                    if (escaped_) escaped_ = false;
                    else if (c == '\\') escaped_ = true;
                    else if (c == '"') in_string_ = false;
                    continue;
                }
                if (c == '"') in_string_ = true;
                else if (c == '{' || c == '[') ++depth_;
                else if (c == '}' || c == ']') {
                    if (--depth_ == 0) {
                        const track::Location where{source_.name(), start_line_};
                        if (overlong_)
                            problems_.skipped(where, "object too long", fmt::format("over {} bytes", max_object));
                        else on_value(std::string_view(value_.data(), value_.size()), where);
                    }
                }
            }
        }
        end_garbage();
        if (depth_ != 0) problems_.skipped({source_.name(), start_line_}, "object cut short", "input ended inside it");
    }

private:
    void end_garbage() {
        if (garbage_line_ == 0) return;
        problems_.skipped({source_.name(), garbage_line_}, "not JSON", "text outside any object");
        garbage_line_ = 0;
    }

    ByteSource& source_;
    track::ProblemSink& problems_;
    std::vector<char> value_;
    std::uint64_t start_line_ = 0;
    std::uint64_t garbage_line_ = 0;  ///< first line of a run of stray text, 0: none
    int depth_ = 0;
    bool in_string_ = false;
    bool escaped_ = false;
    bool overlong_ = false;
    bool at_line_start_ = true;
    bool comment_ = false;  ///< inside a '#' line between values
};

// The ranges of the readers' numbers: RSSI in hundredths of a dBm (R700), carrier
// frequency in kHz (UHF RFID is 860-960 MHz; anything up to 10 GHz is let through), and
// phase in degrees (readers write 0..360 or -180..180).
constexpr double min_cdbm = track::min_rssi_dbm * 100;
constexpr double max_cdbm = track::max_rssi_dbm * 100;
constexpr double max_khz = 10'000'000;
constexpr double max_phase = 360;

// A number checked to be in an int's range, rounded to the nearest whole one.
int whole(double value) { return static_cast<int>(std::lround(value)); }

// What a reader's JSON message lacks or has wrong; the message names the field.
struct FieldError {
    std::string detail;
};

// Typed access to optional members; a member present with the wrong type is an error.
class Fields {
public:
    explicit Fields(element object) : object_(object) {}

    [[nodiscard]] bool has(std::string_view key) const { return object_.at_key(key).error() == simdjson::SUCCESS; }
    [[nodiscard]] element at(std::string_view key) const { return object_.at_key(key).value_unsafe(); }

    std::optional<std::string_view> string(std::string_view key) const {
        if (!has(key)) return std::nullopt;
        std::string_view s;
        if (at(key).get_string().get(s) != simdjson::SUCCESS) throw FieldError{fmt::format("{}: not a string", key)};
        return s;
    }
    std::optional<double> number(std::string_view key) const {
        if (!has(key)) return std::nullopt;
        double d = 0;
        if (at(key).get_double().get(d) != simdjson::SUCCESS || !std::isfinite(d)) {
            throw FieldError{fmt::format("{}: not a number", key)};
        }
        return d;
    }
    // A number that must lie in [min, max]: readers' fields have physical ranges, and a
    // value outside one is garbage (1e300 must not become a frequency by overflow).
    std::optional<double> number(std::string_view key, double min, double max) const {
        const auto d = number(key);
        if (d && (*d < min || *d > max)) {
            throw FieldError{fmt::format("{}: {} is out of range {}..{}", key, *d, min, max)};
        }
        return d;
    }
    std::optional<int> integer(std::string_view key, double min, double max) const {
        const auto d = number(key);
        if (!d) return std::nullopt;
        if (*d < min || *d > max || std::floor(*d) != *d) {
            throw FieldError{fmt::format("{}: {} is not a whole number in {}..{}", key, *d, min, max)};
        }
        return static_cast<int>(*d);
    }
    // A time written as an ISO 8601 string or as microseconds since the epoch (a number or
    // a string of digits: Speedway Connect writes both).
    std::optional<track::Millis> time(std::string_view key) const {
        if (!has(key)) return std::nullopt;
        std::string_view s;
        std::uint64_t us = 0;
        if (at(key).get_string().get(s) == simdjson::SUCCESS) {
            if (const auto t = track::parse_iso8601(s)) return t;
            const auto digits = track::parse_uint64(s);
            if (!digits) throw FieldError{fmt::format("{}: not a time", key)};
            us = *digits;
        } else if (at(key).get_uint64().get(us) != simdjson::SUCCESS) {
            throw FieldError{fmt::format("{}: not a time", key)};
        }
        // A count past year 9999 is a corrupt clock, and no time trk could write.
        if (us / 1000 > static_cast<std::uint64_t>(track::latest_rfc3339)) {
            throw FieldError{fmt::format("{}: {} microseconds is past year 9999", key, us)};
        }
        return static_cast<track::Millis>(us / 1000);
    }

private:
    element object_;
};

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

// The EPC written in base64, as the R700's `epc` member is.
std::string_view epc_from_base64(std::string_view text, std::string& out) {
    std::string hex;
    unsigned bits = 0;
    int nbits = 0;
    for (const char c : text) {
        if (c == '=') break;
        const int v = base64_value(c);
        if (v < 0) return "neither hex nor base64";
        bits = (bits << 6) | static_cast<unsigned>(v);
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            hex += fmt::format("{:02X}", (bits >> nbits) & 0xFF);
        }
    }
    return normalize_epc(hex, out);
}

// Base of both JSON formats: parses each value and hands the objects to `message`.
class JsonDecoder : public FormatDecoder {
public:
    JsonDecoder(track::ProblemSink& problems, ReportSink sink) : problems_(problems), sink_(std::move(sink)) {}

    void run(ByteSource& source) override {
        JsonValueSplitter(source, problems_).run([this](std::string_view text, const track::Location& where) {
            element doc;
            if (const auto error = parser_.parse(text.data(), text.size()).get(doc); error) {
                problems_.skipped(where, "not valid JSON", simdjson::error_message(error));
                return;
            }
            try {
                simdjson::dom::array array;
                if (doc.get_array().get(array) == simdjson::SUCCESS) {
                    for (const element item : array) object(item, where);
                } else {
                    object(doc, where);
                }
            } catch (const FieldError& e) {
                problems_.skipped(where, "bad tag report", e.detail);
            }
        });
    }

protected:
    /// Turns one message into reports (through tag()); throws FieldError when it is broken.
    virtual void object(element message, const track::Location& where) = 0;

    /// Completes `report` with its EPC (hex, or base64 when `base64`) and sends it.
    void tag(TagReport& report, std::string_view epc, const track::Location& where, bool base64 = false) {
        const std::string_view why = base64 ? epc_from_base64(epc, report.epc) : normalize_epc(epc, report.epc);
        if (!why.empty()) {
            throw FieldError{fmt::format("epc {}: {}", epc, why)};
        }
        report.where = where;
        sink_(report);
    }

private:
    track::ProblemSink& problems_;
    ReportSink sink_;
    simdjson::dom::parser parser_;
};

class ImpinjDecoder final : public JsonDecoder {
public:
    using JsonDecoder::JsonDecoder;

private:
    void object(element message, const track::Location& where) override {
        const Fields top(message);
        if (top.has("tagInventoryEvent")) return r700(top, where);
        if (top.has("tag_reads")) {
            simdjson::dom::array reads;
            if (top.at("tag_reads").get_array().get(reads) != simdjson::SUCCESS) {
                throw FieldError{"tag_reads: not an array"};
            }
            const std::string reader(top.string("reader_name").value_or(""));
            for (const element read : reads) speedway(Fields(read), reader, where);
            return;
        }
        if (top.has("epc")) return speedway(top, std::string(top.string("reader_name").value_or("")), where);
        // Other events (inventory status, GPI, keepalives) carry no tag.
    }

    // R700 IoT device interface: {"timestamp", "hostname", "eventType":"tagInventory",
    // "tagInventoryEvent": {"epc" (base64) | "epcHex", "antennaPort", "peakRssiCdbm",
    // "frequency" (kHz), "phaseAngle", "lastSeenTime"}}.
    void r700(const Fields& top, const track::Location& where) {
        const Fields event(top.at("tagInventoryEvent"));
        TagReport report;
        report.reader = std::string(top.string("hostname").value_or(""));
        report.time = event.time("lastSeenTime");
        if (!report.time) report.time = top.time("timestamp");
        report.antenna = event.integer("antennaPort", 0, 255);
        if (const auto cdbm = event.number("peakRssiCdbm", min_cdbm, max_cdbm)) report.rssi = *cdbm / 100.0;
        report.frequency = event.integer("frequency", 0, max_khz);
        if (const auto phase = event.number("phaseAngle", -max_phase, max_phase)) report.phase = whole(*phase);
        if (const auto hex = event.string("epcHex")) return tag(report, *hex, where);
        const auto base64 = event.string("epc");
        if (!base64) throw FieldError{"tagInventoryEvent: no epc or epcHex"};
        tag(report, *base64, where, true);
    }

    // Speedway Connect: {"reader_name", "tag_reads": [{"epc" (hex), "antennaPort",
    // "peakRssi" (dBm), "firstSeenTimestamp" (µs), "isHeartBeat"}]}.
    void speedway(const Fields& read, const std::string& reader, const track::Location& where) {
        bool heartbeat = false;
        if (read.has("isHeartBeat") && read.at("isHeartBeat").get_bool().get(heartbeat) == simdjson::SUCCESS &&
            heartbeat) {
            return;
        }
        TagReport report;
        report.reader = reader;
        report.time = read.time("firstSeenTimestamp");
        if (!report.time) report.time = read.time("lastSeenTime");
        report.antenna = read.integer("antennaPort", 0, 255);
        report.rssi = read.number("peakRssi", track::min_rssi_dbm, track::max_rssi_dbm);
        if (const auto cdbm = read.number("peakRssiCdbm", min_cdbm, max_cdbm)) report.rssi = *cdbm / 100.0;
        if (const auto n = read.integer("tagSeenCount", 1, 1e6)) report.count = *n;
        const auto epc = read.string("epc");
        if (!epc) throw FieldError{"tag read without epc"};
        tag(report, *epc, where);
    }
};

// Zebra FX IoT Connector: {"data": {"idHex", "antenna", "peakRssi", "reads", "channel"
// (MHz), "phase"}, "timestamp": "2021-03-22T16:47:38.330-0700", "type": "SIMPLE"}.
class ZebraDecoder final : public JsonDecoder {
public:
    using JsonDecoder::JsonDecoder;

private:
    void object(element message, const track::Location& where) override {
        const Fields top(message);
        if (!top.has("data")) return;  // heartbeats, status events
        const Fields data(top.at("data"));
        const auto epc = data.string("idHex");
        if (!epc) return;  // GPI and other data events carry no tag
        TagReport report;
        report.time = top.time("timestamp");
        report.reader = std::string(top.string("hostName").value_or(top.string("hostname").value_or("")));
        report.antenna = data.integer("antenna", 0, 255);
        report.rssi = data.number("peakRssi", track::min_rssi_dbm, track::max_rssi_dbm);
        if (const auto n = data.integer("reads", 1, 1e6)) report.count = *n;
        if (const auto mhz = data.number("channel", 0, max_khz / 1000.0)) report.frequency = whole(*mhz * 1000);
        if (const auto phase = data.number("phase", -max_phase, max_phase)) report.phase = whole(*phase);
        tag(report, *epc, where);
    }
};

std::unique_ptr<FormatDecoder> make_impinj_decoder(track::ProblemSink& problems, ReportSink sink) {
    return std::make_unique<ImpinjDecoder>(problems, std::move(sink));
}

std::unique_ptr<FormatDecoder> make_zebra_decoder(track::ProblemSink& problems, ReportSink sink) {
    return std::make_unique<ZebraDecoder>(problems, std::move(sink));
}

}  // namespace

}  // namespace adapters::rfid

TRK_REGISTER_RFID_FORMAT(impinj, {.name = "impinj",
                                  .listed = 40,
                                  .help = "JSON of Impinj readers: R700 IoT interface stream, Speedway Connect",
                                  .make_decoder = adapters::rfid::make_impinj_decoder,
                                  .line_based = true})

TRK_REGISTER_RFID_FORMAT(zebra, {.name = "zebra",
                                 .listed = 50,
                                 .help = "JSON of the Zebra FX IoT Connector",
                                 .make_decoder = adapters::rfid::make_zebra_decoder,
                                 .line_based = true})
