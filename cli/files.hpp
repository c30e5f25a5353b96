// Small whole files: reading one, and replacing one so that a crash never leaves half of it.
#pragma once

#include <string>

namespace cli {

/// The whole contents of the file at `path`. MissingInputError (66) when it cannot be read.
std::string read_file(const std::string& path);

/// Replaces the file at `path` with `text`: written to a new file beside it (`path`.XXXXXX),
/// flushed to disk, then renamed over, so that a crash leaves the old file or the new one.
/// A new file is private (0600); a replaced one keeps its mode. IoError (74) on failure,
/// the temporary file removed.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace cli
