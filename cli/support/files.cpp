// Small whole files: reading one, and replacing one so that a crash never leaves half of it.
#include "files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

#include "adapters/byte_source.hpp"
#include "track/error.hpp"

namespace cli {

std::string read_file(const std::string& path, std::size_t limit, std::string_view what) {
    adapters::FileSource source(path);
    std::string text;
    char chunk[1 << 16];
    while (const std::size_t n = source.read(chunk, sizeof chunk)) {
        if (text.size() + n > limit) {
            throw track::InputError(path, fmt::format("the {} is larger than {} bytes, more than trk reads", what,
                                                      limit));
        }
        text.append(chunk, n);
    }
    return text;
}

namespace {

// Flushes the folder holding `path` to disk, so that a rename in it survives power loss.
bool sync_folder(const std::string& path) {
    const std::size_t slash = path.rfind('/');
    const std::string folder = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    return synced;
}

}  // namespace

ReplacementFile::ReplacementFile(std::string path, mode_t mode)
    : path_(std::move(path)), temporary_(path_ + ".XXXXXX") {
    fd_ = ::mkostemp(temporary_.data(), O_CLOEXEC);
    if (fd_ < 0) fail();
    struct stat existing {};
    if (::stat(path_.c_str(), &existing) == 0) mode = existing.st_mode & 07777;
    if (::fchmod(fd_, mode) != 0) fail();  // exactly that mode, whatever the umask
}

ReplacementFile::~ReplacementFile() {
    if (fd_ < 0) return;
    ::close(fd_);
    ::unlink(temporary_.c_str());
}

void ReplacementFile::write(std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd_, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail();
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

void ReplacementFile::commit() {
    if (::fsync(fd_) != 0) fail();
    const int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0 || std::rename(temporary_.c_str(), path_.c_str()) != 0) {
        const int error = errno;
        ::unlink(temporary_.c_str());
        errno = error;
        fail();
    }
    if (!sync_folder(path_)) {
        throw track::IoError(fmt::format("{}: written, but its folder could not be flushed to disk: {}", path_,
                                         std::strerror(errno)));
    }
}

void ReplacementFile::fail() const {
    const int error = errno;
    throw track::IoError(fmt::format("{}: cannot write: {} (the file was left as it was)", path_,
                                     error == ENOSPC ? "disk full" : std::strerror(error)));
}

void write_file_atomically(const std::string& path, const std::string& text, mode_t mode) {
    ReplacementFile file(path, mode);
    file.write(text);
    file.commit();
}

MappedFile::MappedFile(int fd, const std::string& name) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw track::IoError(fmt::format("{}: cannot read: {}", name, std::strerror(errno)));
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ == 0) return;  // mmap refuses a length of 0; an empty file is an empty view
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) throw track::IoError(fmt::format("{}: cannot read: {}", name, std::strerror(errno)));
    data_ = static_cast<const char*>(p);
}

MappedFile::~MappedFile() {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
}

}  // namespace cli
