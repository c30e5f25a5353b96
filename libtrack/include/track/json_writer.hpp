// The one JSON writer of everything trk writes but records: events' members, state files,
// audit lines, reports, exports. (Records have their own cursor writer in json.cpp, built
// on the same string and number writers: they are written millions of times a second.)
#pragma once

#include <concepts>
#include <cstdint>
#include <string_view>

#include <fmt/format.h>

#include "track/time.hpp"

namespace track {

/// Writes JSON into a buffer, one token at a time, and puts the commas itself:
///
///     JsonWriter w(out);
///     w.begin_object();
///     w.key("asset").string("FL-07");
///     w.key("zones").begin_array().string("bay-1").string("gate").end_array();
///     w.key("lat").fixed(53.5000180, 7);
///     w.end_object();  // {"asset":"FL-07","zones":["bay-1","gate"],"lat":53.5000180}
///
/// Strings are escaped as append_json_string escapes them (bytes that are not UTF-8 become
/// U+FFFD); numbers are written as the record writers write them, and a number that is not
/// finite (which JSON cannot hold) as null. Values may follow each other at the top level
/// (no comma between them there): newline() ends a JSON Lines line. The caller keeps keys
/// and values paired and containers closed in order (checked by assert in debug builds);
/// nesting is limited to 64 levels, as the readers' is (json_limits.hpp).
class JsonWriter {
public:
    /// Writes at the end of `out`, which must outlive the writer.
    explicit JsonWriter(fmt::memory_buffer& out) : out_(out) {}
    /// A writer of members in RecordBase::extra's form (`,"k":v,...`: each with its leading
    /// comma, no braces): the members an event carries beyond the record's own. Write
    /// key-value pairs only; the object is never closed.
    static JsonWriter extra_members(fmt::memory_buffer& out);

    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();

    /// The name of the next member of the object being written; a value must follow.
    JsonWriter& key(std::string_view name);

    JsonWriter& string(std::string_view value);
    /// A time as an RFC 3339 UTC string with milliseconds: "2026-11-24T14:03:07.250Z".
    JsonWriter& time(Millis value);
    JsonWriter& boolean(bool value);
    JsonWriter& null();

    /// An integer, all its digits (any integer type but bool).
    template <std::integral T>
    requires(!std::same_as<T, bool>) JsonWriter& integer(T value) {
        const fmt::format_int digits(value);
        return raw(std::string_view(digits.data(), digits.size()));
    }
    /// The shortest form that reads back as the same double: 0.1, 14.25, 1e+20.
    JsonWriter& number(double value);
    /// Rounded half away from zero to exactly `decimals` places (0..9): 53.5000180.
    JsonWriter& fixed(double value, int decimals);
    /// Rounded to at most `decimals` places (0..9), trailing zeros dropped: 0.051, 14.6, 3.
    JsonWriter& rounded(double value, int decimals);

    /// One value that is JSON already (a member passed on unread, a nested document), as is.
    JsonWriter& raw(std::string_view json);
    /// Members that are JSON already, in the form of RecordBase::extra (`,"k":v,...`, each
    /// with its leading comma), added to the object being written; empty adds nothing.
    JsonWriter& members(std::string_view extra);

    /// Ends a line of JSON Lines: a newline, at the top level only.
    JsonWriter& newline();

private:
    static constexpr int max_depth = 64;

    // Puts the comma before a value or key when the container holds something already.
    void separate();
    void open(char bracket, bool array);
    void close(char bracket, bool array);

    fmt::memory_buffer& out_;
    int depth_ = 0;                ///< containers open
    std::uint64_t not_empty_ = 0;  ///< bit d-1: the container at depth d holds a value
    std::uint64_t arrays_ = 0;     ///< bit d-1: the container at depth d is an array
    bool after_key_ = false;       ///< a key was written; its value comes next, no comma
};

}  // namespace track
