// trk publish's topic templates (see adapters/topic_template.hpp).
#include "adapters/topic_template.hpp"

#include <algorithm>
#include <array>
#include <variant>

#include <fmt/format.h>

#include "track/error.hpp"

namespace adapters::mqtt {

namespace {

constexpr std::array<std::string_view, 6> field_names = {"site", "type", "asset", "event", "metric", "device"};

std::string known_fields(const std::vector<TopicTemplate::Field>& allowed) {
    std::string out;
    for (std::size_t i = 0; i < field_names.size(); ++i) {
        const auto field = static_cast<TopicTemplate::Field>(i);
        if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), field) == allowed.end()) continue;
        if (!out.empty()) out += ' ';
        out += fmt::format("{{{}}}", field_names[i]);
    }
    return out;
}

// The value of `field` in `record` (empty: it has none).
std::string_view value_of(const track::Record& record, TopicTemplate::Field field, std::string_view site) {
    using Field = TopicTemplate::Field;
    if (field == Field::site) return site;
    return std::visit(
        [field]<typename R>(const R& r) -> std::string_view {
            if constexpr (std::is_same_v<R, track::OpaqueRecord>) {
                return {};
            } else {
                if (field == Field::asset) return r.asset;
                if constexpr (std::is_same_v<R, track::Fix>) {
                    if (field == Field::type) return "fix";
                    if (field == Field::device) return r.device;
                } else if constexpr (std::is_same_v<R, track::Read>) {
                    if (field == Field::type) return "read";
                    if (field == Field::device) return r.reader;
                } else if constexpr (std::is_same_v<R, track::Reading>) {
                    if (field == Field::type) return "reading";
                    if (field == Field::device) return r.device;
                    if (field == Field::metric) return r.metric;
                } else if constexpr (std::is_same_v<R, track::Event>) {
                    if (field == Field::type) return "event";
                    if (field == Field::event) return r.event;
                }
                return {};
            }
        },
        record);
}

}  // namespace

void append_topic_level(std::string& out, std::string_view value) {
    if (value.empty()) {
        out += '-';
        return;
    }
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '/' || c == '+' || c == '#' || c == '%' || byte < 0x20 || byte == 0x7F) {
            constexpr std::string_view hex = "0123456789ABCDEF";
            out += '%';
            out += hex[byte >> 4];
            out += hex[byte & 0xF];
        } else {
            out += c;
        }
    }
}

TopicTemplate::TopicTemplate(std::string_view option, std::string_view text, std::vector<Field> allowed) {
    if (text.empty()) throw track::UsageError(fmt::format("{}: the topic template is empty", option));
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t open = text.find('{', at);
        const std::string_view literal = text.substr(at, open == std::string_view::npos ? open : open - at);
        if (!literal.empty()) {
            if (literal.find_first_of("+#") != std::string_view::npos || literal.find('\0') != std::string_view::npos) {
                throw track::UsageError(fmt::format(
                    "{}: '{}' holds a wildcard (+ or #) or U+0000, which no published topic may hold", option, text));
            }
            if (literal.find('}') != std::string_view::npos) {
                throw track::UsageError(fmt::format("{}: '{}' has a '}}' that closes no field", option, text));
            }
            pieces_.push_back({false, Field::site, std::string(literal)});
        }
        if (open == std::string_view::npos) break;
        const std::size_t close = text.find('}', open);
        if (close == std::string_view::npos) {
            throw track::UsageError(fmt::format("{}: '{}' has a '{{' that is not closed", option, text));
        }
        const std::string_view name = text.substr(open + 1, close - open - 1);
        const auto known = std::find(field_names.begin(), field_names.end(), name);
        const auto field = static_cast<Field>(known - field_names.begin());
        if (known == field_names.end() ||
            (!allowed.empty() && std::find(allowed.begin(), allowed.end(), field) == allowed.end())) {
            throw track::UsageError(fmt::format("{}: unknown field {{{}}} in '{}' (the fields: {})", option, name, text,
                                                known_fields(allowed)));
        }
        pieces_.push_back({true, field, {}});
        at = close + 1;
    }
}

void TopicTemplate::topic_into(std::string& out, const track::Record& record, std::string_view site) const {
    out.clear();
    for (const Piece& p : pieces_) {
        if (p.is_field) append_topic_level(out, value_of(record, p.field, site));
        else out += p.literal;
    }
}

std::string TopicTemplate::topic(const track::Record& record, std::string_view site) const {
    std::string out;
    topic_into(out, record, site);
    return out;
}

bool TopicTemplate::uses(Field field) const {
    return std::any_of(pieces_.begin(), pieces_.end(),
                       [field](const Piece& p) { return p.is_field && p.field == field; });
}

}  // namespace adapters::mqtt
