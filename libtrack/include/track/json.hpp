// The JSON writer and the JSON Lines reader of trk's records (everything else trk writes
// as JSON goes through JsonWriter, track/json_writer.hpp, over the same string and numbers).
#pragma once

#include <memory>
#include <string_view>

#include <fmt/format.h>

#include "track/record.hpp"

namespace track {

/// Writes `text` as a JSON string literal at `out` (room: 2 + 6 bytes per input byte);
/// returns the end. Escapes as append_json_string.
char* write_json_string(char* out, std::string_view text) noexcept;

/// Appends `text` as a JSON string literal: quotes, escapes, and U+FFFD for bytes that
/// are not valid UTF-8 (file names and device output are not always UTF-8).
void append_json_string(fmt::memory_buffer& out, std::string_view text);

/// Appends the record as one JSON object and a newline. Field order is fixed (type, time,
/// identity, values, src, then unknown input fields), numbers are rounded to what the
/// data can carry (lat/lon 7 decimals, metres and m/s 3, degrees 2, DOPs 2).
void append_json(fmt::memory_buffer& out, const Fix& fix);
void append_json(fmt::memory_buffer& out, const Read& read);
void append_json(fmt::memory_buffer& out, const Reading& reading);
void append_json(fmt::memory_buffer& out, const Event& event);
void append_json(fmt::memory_buffer& out, const OpaqueRecord& record);
void append_json(fmt::memory_buffer& out, const Record& record);

/// Turns JSON Lines into records. One parser is reused line after line (it keeps its
/// buffers), so a stage reads at simdjson's speed without per-line allocation.
class RecordParser {
public:
    RecordParser();
    ~RecordParser();
    RecordParser(const RecordParser&) = delete;
    RecordParser& operator=(const RecordParser&) = delete;

    /// Parses one line (a JSON object; trailing "\r" allowed). Objects with "type" fix,
    /// read, reading or event become typed records, their unknown members kept in
    /// `extra`; other objects become OpaqueRecord. Throws InputError naming `where`
    /// ("file:line", or empty when the caller reports the place itself) when the line is
    /// not a JSON object or a known field has the wrong type or value.
    Record parse(std::string_view line, std::string_view where);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace track
