// Small whole files: reading one, and replacing one so that a crash never leaves half of it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cli {

/// The whole contents of the file at `path`, the `what` of a message ("rules file").
/// MissingInputError (66) when it cannot be opened, IoError (74) when reading fails,
/// InputError (65) when it is larger than `limit` bytes (read no further).
std::string read_file(const std::string& path, std::size_t limit, std::string_view what);

/// Replaces the file at `path` with `text`: written to `path`.tmp, flushed to disk, then
/// renamed over (and the folder flushed), so that a crash or a full disk leaves the old
/// file or the new one, never half of one. IoError (74) naming `path` on failure, after
/// removing the temporary file.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace cli
