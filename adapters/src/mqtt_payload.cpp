// MQTT payloads to trk records: trk's own records byte for byte, JSON through a topic map,
// Sparkplug B through adapters::sparkplug (see mqtt_payload.hpp).
#include "adapters/mqtt_payload.hpp"

#include <cmath>

#include <fmt/format.h>

#include "track/error.hpp"
#include "track/json_limits.hpp"
#include "track/validate.hpp"

namespace adapters::mqtt {

namespace {

using Field = TopicMap::Field;

std::optional<Field> field_named(std::string_view name) {
    if (name == "site") return Field::site;
    if (name == "asset") return Field::asset;
    if (name == "metric") return Field::metric;
    if (name == "device") return Field::device;
    if (name == "unit") return Field::unit;
    return std::nullopt;
}

std::vector<std::string_view> split_levels(std::string_view topic) {
    std::vector<std::string_view> levels;
    for (;;) {
        const std::size_t slash = topic.find('/');
        levels.push_back(topic.substr(0, slash));
        if (slash == std::string_view::npos) return levels;
        topic.remove_prefix(slash + 1);
    }
}

// The element at a dotted path ("data.temp") in an object, or an error.
simdjson::simdjson_result<simdjson::dom::element> at_path(simdjson::dom::element element, std::string_view path) {
    for (;;) {
        const std::size_t dot = path.find('.');
        auto object = element.get_object();
        if (object.error()) return simdjson::INCORRECT_TYPE;
        auto next = object.value().at_key(path.substr(0, dot));
        if (next.error() || dot == std::string_view::npos) return next;
        element = next.value();
        path.remove_prefix(dot + 1);
    }
}

std::optional<double> number_of(simdjson::dom::element element) {
    double value = 0;
    switch (element.type()) {
        case simdjson::dom::element_type::DOUBLE: value = element.get_double().value_unsafe(); break;
        case simdjson::dom::element_type::INT64: value = static_cast<double>(element.get_int64().value_unsafe()); break;
        case simdjson::dom::element_type::UINT64:
            value = static_cast<double>(element.get_uint64().value_unsafe());
            break;
        default: return std::nullopt;
    }
    if (!std::isfinite(value)) return std::nullopt;
    return value;
}

// Epoch numbers below this are seconds (up to the year 5138), above it milliseconds.
constexpr double seconds_limit = 1e11;

}  // namespace

TopicMap parse_topic_map(std::string_view option, std::string_view text) {
    const std::string opt(option);
    const auto bad = [&](const std::string& why) {
        return track::UsageError(fmt::format("{}: '{}': {}", opt, text, why));
    };
    TopicMap map;
    map.text = std::string(text);
    bool seen[6] = {};
    for (const std::string_view level : split_levels(text)) {
        if (level.empty()) throw bad("an empty topic level");
        if (level == "#") throw bad("'#' cannot be mapped: a template has a fixed number of levels (use + per level)");
        TopicMap::Level entry;
        if (level.starts_with('{') && level.ends_with('}')) {
            const std::string_view name = level.substr(1, level.size() - 2);
            const auto field = field_named(name);
            if (!field)
                throw bad(fmt::format(
                    "unknown field {{{}}} (fields: {{site}} {{asset}} {{metric}} {{device}} {{unit}})", name));
            if (seen[static_cast<int>(*field)]) throw bad(fmt::format("{{{}}} is given twice", name));
            seen[static_cast<int>(*field)] = true;
            entry.field = *field;
        } else {
            if (level.find_first_of("{}") != std::string_view::npos)
                throw bad(fmt::format("'{}': a field is a whole topic level, like plant/{{asset}}/{{metric}}", level));
            if (level.find('+') != std::string_view::npos && level != "+")
                throw bad(fmt::format("'{}': + stands for a whole level", level));
            entry.literal = std::string(level);
        }
        map.levels.push_back(std::move(entry));
    }
    if (!seen[static_cast<int>(Field::metric)]) throw bad("no {metric} level (each reading needs its metric)");
    if (!seen[static_cast<int>(Field::asset)] && !seen[static_cast<int>(Field::device)])
        throw bad("no {asset} or {device} level (each reading needs what it is about)");
    return map;
}

std::optional<TopicFields> match_topic(const TopicMap& map, std::string_view topic) {
    const std::vector<std::string_view> levels = split_levels(topic);
    if (levels.size() != map.levels.size()) return std::nullopt;
    TopicFields fields;
    for (std::size_t i = 0; i < levels.size(); ++i) {
        const TopicMap::Level& level = map.levels[i];
        switch (level.field) {
            case Field::none:
                if (level.literal != "+" && level.literal != levels[i]) return std::nullopt;
                continue;
            case Field::site: fields.site = levels[i]; break;
            case Field::asset: fields.asset = levels[i]; break;
            case Field::metric: fields.metric = levels[i]; break;
            case Field::device: fields.device = levels[i]; break;
            case Field::unit: fields.unit = levels[i]; break;
        }
        if (levels[i].empty()) return std::nullopt;
    }
    return fields;
}

PayloadDecoder::PayloadDecoder(PayloadOptions options, std::string broker)
    : options_(std::move(options)), broker_(std::move(broker)), json_(track::bounded_json_parser()) {}

void PayloadDecoder::decode(std::string_view topic, std::string_view payload, track::Millis arrived,
                            track::ProblemSink& problems, const std::function<void(std::string_view)>& emit) {
    const std::string src = broker_ + "/" + std::string(topic);
    const track::Location where{src};
    if (payload.size() > options_.max_payload) {
        problems.skipped(where, "payload too large",
                         fmt::format("{} bytes (--max-payload {})", payload.size(), options_.max_payload));
        return;
    }
    // The whole spBv1.0/ namespace: the decoder also knows what to ignore (host applications'
    // STATE, commands) and what is malformed there.
    if (topic.starts_with(sparkplug::topic_prefix)) {
        sparkplug_.decode(topic, payload, arrived, src, where, problems, [&](track::Reading& reading) {
            line_.clear();
            track::append_json(line_, reading);
            std::string_view line(line_.data(), line_.size());
            if (line.ends_with('\n')) line.remove_suffix(1);
            emit(line);
        });
        return;
    }
    decode_json(topic, payload, arrived, where, src, problems, emit);
}

void PayloadDecoder::decode_json(std::string_view topic, std::string_view payload, track::Millis arrived,
                                 const track::Location& where, const std::string& src, track::ProblemSink& problems,
                                 const std::function<void(std::string_view)>& emit) {
    // Brokers refuse topics that are not UTF-8; a reading's asset and metric come from it.
    if (!simdjson::validate_utf8(topic.data(), topic.size())) {
        problems.skipped(where, "topic not UTF-8", {});
        return;
    }
    if (!simdjson::validate_utf8(payload.data(), payload.size())) {
        problems.skipped(where, "not UTF-8", fmt::format("{} bytes", payload.size()));
        return;
    }
    // trk's own records: one line (a trailing newline allowed), written back as received.
    std::string_view line = payload;
    if (line.ends_with('\n')) line.remove_suffix(1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    const bool one_line = line.find('\n') == std::string_view::npos;
    if (one_line && line.find("\"type\"") != std::string_view::npos) {
        try {
            track::Record record = records_.parse(line, {});
            if (!std::holds_alternative<track::OpaqueRecord>(record)) {
                if (const std::string why = track::validate(record); !why.empty()) {
                    problems.skipped(where, "invalid record", why);
                    return;
                }
                emit(line);
                return;
            }
        } catch (const track::InputError&) {
            // Not a record: perhaps a gateway's JSON with a "type" of its own; the map decides.
        }
    }
    if (!options_.topic_map) {
        problems.skipped(where, "not a trk record", "other JSON needs --topic-map");
        return;
    }
    const auto fields = match_topic(*options_.topic_map, topic);
    if (!fields) {
        problems.skipped(where, "topic does not match --topic-map", options_.topic_map->text);
        return;
    }
    simdjson::dom::element root;
    if (const auto error = json_.parse(payload.data(), payload.size()).get(root); error) {
        problems.skipped(where, "not JSON", track::json_error_reason(error, payload));
        return;
    }
    track::Reading reading;
    reading.time = arrived;
    if (auto number = number_of(root)) {
        reading.value = *number;
    } else if (root.is_object()) {
        const auto value = at_path(root, options_.value_field);
        if (value.error()) {
            problems.skipped(where, "no value", fmt::format("no \"{}\" in the object", options_.value_field));
            return;
        }
        const auto number_value = number_of(value.value_unsafe());
        if (!number_value) {
            problems.skipped(where, "no value", fmt::format("\"{}\" is not a number", options_.value_field));
            return;
        }
        reading.value = *number_value;
        if (const auto time = at_path(root, options_.time_field); !time.error()) {
            const simdjson::dom::element t = time.value_unsafe();
            std::optional<track::Millis> when;
            if (t.is_string()) {
                when = track::parse_rfc3339(t.get_string().value_unsafe());
            } else if (const auto epoch = number_of(t)) {
                const double ms = *epoch < seconds_limit ? *epoch * 1000.0 : *epoch;
                if (ms >= 0 && ms < 253402300800000.0) when = static_cast<track::Millis>(std::llround(ms));
            }
            if (!when) {
                problems.skipped(
                    where, "bad time",
                    fmt::format("\"{}\" is neither RFC 3339 nor epoch seconds or milliseconds", options_.time_field));
                return;
            }
            reading.time = *when;
        }
        if (const auto unit = at_path(root, options_.unit_field); !unit.error() && unit.value_unsafe().is_string())
            reading.unit = std::string(unit.value_unsafe().get_string().value_unsafe());
    } else {
        problems.skipped(where, "no value", "neither a JSON object nor a number");
        return;
    }
    if (reading.unit.empty()) reading.unit = fields->unit;
    reading.asset = fields->asset;
    reading.device = fields->device;
    reading.metric = fields->metric;
    reading.src = src;
    if (!fields->site.empty()) {
        fmt::memory_buffer extra;
        fmt::format_to(std::back_inserter(extra), ",\"site\":");
        track::append_json_string(extra, fields->site);
        reading.extra.assign(extra.data(), extra.size());
    }
    track::Record record = std::move(reading);
    if (const std::string why = track::validate(record); !why.empty()) {
        problems.skipped(where, "invalid reading", why);
        return;
    }
    line_.clear();
    track::append_json(line_, record);
    std::string_view text(line_.data(), line_.size());
    if (text.ends_with('\n')) text.remove_suffix(1);
    emit(text);
}

}  // namespace adapters::mqtt
