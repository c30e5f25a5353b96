// The streaming JSON writer (see track/json_writer.hpp).
#include "track/json_writer.hpp"

#include <cassert>
#include <cmath>

#include <fmt/compile.h>

#include "track/json.hpp"
#include "track/number.hpp"

namespace track {

JsonWriter JsonWriter::extra_members(fmt::memory_buffer& out) {
    JsonWriter writer(out);
    writer.depth_ = 1;  // inside an object that holds members already: every key gets its comma
    writer.not_empty_ = 1;
    return writer;
}

void JsonWriter::separate() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (depth_ == 0) return;
    const std::uint64_t bit = std::uint64_t{1} << (depth_ - 1);
    if ((not_empty_ & bit) != 0) out_.push_back(',');
    not_empty_ |= bit;
}

void JsonWriter::open(char bracket, bool array) {
    separate();
    assert(depth_ < max_depth);
    out_.push_back(bracket);
    const std::uint64_t bit = std::uint64_t{1} << depth_;
    ++depth_;
    not_empty_ &= ~bit;
    if (array) {
        arrays_ |= bit;
    } else {
        arrays_ &= ~bit;
    }
}

void JsonWriter::close(char bracket, [[maybe_unused]] bool array) {
    assert(depth_ > 0 && !after_key_);
    assert(((arrays_ >> (depth_ - 1)) & 1u) == static_cast<std::uint64_t>(array));
    --depth_;
    out_.push_back(bracket);
}

JsonWriter& JsonWriter::begin_object() {
    open('{', false);
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    close('}', false);
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    open('[', true);
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    close(']', true);
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
    assert(depth_ > 0 && ((arrays_ >> (depth_ - 1)) & 1u) == 0 && !after_key_);
    separate();
    append_json_string(out_, name);
    out_.push_back(':');
    after_key_ = true;
    return *this;
}

JsonWriter& JsonWriter::string(std::string_view value) {
    separate();
    append_json_string(out_, value);
    return *this;
}

JsonWriter& JsonWriter::time(Millis value) {
    separate();
    out_.push_back('"');
    append_rfc3339(out_, value);
    out_.push_back('"');
    return *this;
}

JsonWriter& JsonWriter::boolean(bool value) { return raw(value ? "true" : "false"); }

JsonWriter& JsonWriter::null() { return raw("null"); }

JsonWriter& JsonWriter::number(double value) {
    if (!std::isfinite(value)) return null();
    separate();
    fmt::format_to(std::back_inserter(out_), FMT_COMPILE("{}"), value);
    return *this;
}

JsonWriter& JsonWriter::fixed(double value, int decimals) {
    if (!std::isfinite(value)) return null();
    char digits[32];
    return raw(std::string_view(digits, static_cast<std::size_t>(write_fixed(digits, value, decimals) - digits)));
}

JsonWriter& JsonWriter::rounded(double value, int decimals) {
    if (!std::isfinite(value)) return null();
    char digits[32];
    return raw(std::string_view(digits, static_cast<std::size_t>(write_rounded(digits, value, decimals) - digits)));
}

JsonWriter& JsonWriter::raw(std::string_view json) {
    separate();
    out_.append(json);
    return *this;
}

JsonWriter& JsonWriter::members(std::string_view extra) {
    assert(depth_ > 0 && ((arrays_ >> (depth_ - 1)) & 1u) == 0 && !after_key_);
    assert(extra.empty() || extra.front() == ',');
    if (extra.empty()) return *this;
    const std::uint64_t bit = std::uint64_t{1} << (depth_ - 1);
    if ((not_empty_ & bit) == 0) extra.remove_prefix(1);
    not_empty_ |= bit;
    out_.append(extra);
    return *this;
}

JsonWriter& JsonWriter::newline() {
    assert(depth_ == 0 && !after_key_);
    out_.push_back('\n');
    return *this;
}

}  // namespace track
