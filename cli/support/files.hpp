// Small whole files: reading one, and replacing one so that a crash never leaves half of it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace cli {

/// The whole contents of the file at `path`, the `what` of a message ("rules file").
/// MissingInputError (66) when it cannot be opened, IoError (74) when reading fails,
/// InputError (65) when it is larger than `limit` bytes (read no further).
std::string read_file(const std::string& path, std::size_t limit, std::string_view what);

/// A file written in place of `path`: the bytes go to a new file beside it (`path`.XXXXXX,
/// made by mkstemp: never a fixed name that another user could have planted as a symlink
/// in a shared directory), and commit() flushes them to disk and renames that over `path`,
/// so that a crash or a failure (a full disk) leaves the old file (or none), never half of
/// a new one; the folder is flushed too, so that the rename survives power loss. The file
/// gets the mode of the one it replaces, or `mode` when there is none. Destroyed without
/// commit(), the temporary file is removed. Failures are IoError (74) naming `path`.
class ReplacementFile {
public:
    ReplacementFile(std::string path, mode_t mode);
    ~ReplacementFile();
    ReplacementFile(const ReplacementFile&) = delete;
    ReplacementFile& operator=(const ReplacementFile&) = delete;

    /// The temporary file, open for reading and writing.
    [[nodiscard]] int fd() const noexcept { return fd_; }
    /// Appends `text` to the temporary file.
    void write(std::string_view text);
    /// Flushes the temporary file to disk and renames it over the path.
    void commit();

private:
    [[noreturn]] void fail() const;  ///< IoError naming the path, with errno's reason
    std::string path_;
    std::string temporary_;
    int fd_ = -1;
};

/// Replaces the file at `path` with `text` (a ReplacementFile; private, 0600, when new).
/// IoError (74).
void write_file_atomically(const std::string& path, const std::string& text, mode_t mode = 0600);

/// The bytes of an open file, mapped read-only for as long as the object lives (a file of
/// any size, without reading it into memory). IoError (74) naming `name`.
class MappedFile {
public:
    MappedFile(int fd, const std::string& name);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    [[nodiscard]] std::string_view bytes() const noexcept { return {data_, size_}; }

private:
    const char* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace cli
