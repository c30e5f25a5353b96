// Stages' state files: the header, the versioning rule, the refusal (see track/json_state.hpp).
#include "track/json_state.hpp"

#include "track/error.hpp"
#include "track/json_limits.hpp"
#include "track/lines.hpp"

namespace track {

namespace {

std::string header_key(std::string_view kind) { return fmt::format("trk_{}_state", kind); }

}  // namespace

StateFileWriter::StateFileWriter(std::string_view kind, int version) : writer_(out_) {
    writer_.begin_object();
    writer_.key(header_key(kind)).integer(version);
}

std::string StateFileWriter::finish() {
    writer_.end_object().newline();
    return fmt::to_string(out_);
}

StateFileReader::StateFileReader(std::string_view kind, int version, std::string where)
    : kind_(kind),
      version_(version),
      where_(std::move(where)),
      parser_(std::make_unique<simdjson::dom::parser>(bounded_json_parser())) {}

StateFileReader::~StateFileReader() = default;

simdjson::dom::object StateFileReader::read(std::string_view text) {
    text = without_bom(text);
    simdjson::dom::element doc;
    if (const auto error = parser_->parse(text.data(), text.size()).get(doc); error) {
        fail(error == simdjson::DEPTH_ERROR ? json_error_reason(error, text) : "not JSON");
    }
    std::int64_t version = 0;
    simdjson::dom::object object;
    if (doc.get_object().get(object) != simdjson::SUCCESS ||
        object[header_key(kind_)].get_int64().get(version) != simdjson::SUCCESS || version < 1) {
        fail(fmt::format("no version {} marker", version_));
    }
    if (version > version_) {
        throw InputError(where_, fmt::format("a trk {} state file of version {}, written by a newer trk: this one "
                                             "reads up to version {}",
                                             kind_, version, version_));
    }
    file_version_ = static_cast<int>(version);
    return object;
}

void StateFileReader::fail(std::string_view why) const {
    throw InputError(where_, fmt::format("not a trk {} state file ({})", kind_, why));
}

void StateFileReader::check_time(std::int64_t t, std::string_view what, std::string_view asset) const {
    if (!is_rfc3339_time(t)) fail(fmt::format("{} {} of asset {} is out of range (years 0000..9999)", what, t, asset));
}

}  // namespace track
