// The state files of stages (trk check, trk fence): one header, one versioning rule, one
// way to refuse a file, for every stage that keeps a state between runs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <simdjson.h>

#include "track/json_writer.hpp"

namespace track {

/// Writes a stage's state file: one JSON object whose first member is the header
/// `"trk_KIND_state":VERSION`, then what the stage writes through json(), then a newline:
///
///     {"trk_fence_state":1,"assets":{...}}
///
/// The versioning rule: VERSION is raised whenever a reader of the old layout would misread
/// a file of the new one; a reader reads the versions up to its own and refuses newer ones
/// (StateFileReader), so an older trk never guesses at a newer trk's state.
class StateFileWriter {
public:
    /// `kind` is the stage ("check", "fence"), `version` the layout it writes.
    StateFileWriter(std::string_view kind, int version);
    StateFileWriter(const StateFileWriter&) = delete;
    StateFileWriter& operator=(const StateFileWriter&) = delete;

    /// The writer inside the state's top-level object, the header written.
    JsonWriter& json() { return writer_; }
    /// Closes the object and returns the file's text.
    [[nodiscard]] std::string finish();

private:
    fmt::memory_buffer out_;
    JsonWriter writer_;
};

/// Reads a state file that StateFileWriter wrote, and refuses, with InputError naming the
/// file, one that is not one: "state.json: not a trk fence state file (no version 1 marker)".
/// A state file is input too: the stage checks what it holds through fail() and check_time().
class StateFileReader {
public:
    /// Reads files of stage `kind` of versions 1..`version` (the stage's own). `where` names
    /// the file in messages.
    StateFileReader(std::string_view kind, int version, std::string where);

    /// Parses `text` and checks its header: JSON (nested at most 64 levels), an object, a
    /// `"trk_KIND_state"` member holding a version this reader reads. Returns the top-level
    /// object, valid until the next read() or the reader's end. A file of another stage, or
    /// none, has no marker; a newer version is refused with the version it has.
    simdjson::dom::object read(std::string_view text);
    /// The version of the file read: what the stage reads it as.
    [[nodiscard]] int version() const { return file_version_; }

    /// Refuses the file: throws InputError "WHERE: not a trk KIND state file (WHY)".
    [[noreturn]] void fail(std::string_view why) const;
    /// Refuses the file unless `t` is a time trk writes (years 0000..9999), naming it:
    /// "... (WHAT T of asset ASSET is out of range (years 0000..9999))".
    void check_time(std::int64_t t, std::string_view what, std::string_view asset) const;

private:
    std::string kind_;
    int version_;
    std::string where_;
    int file_version_ = 0;
    simdjson::dom::parser parser_;
};

}  // namespace track
