// Small whole files: reading one, and replacing one so that a crash never leaves half of it.
#include "files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

#include "track/error.hpp"

namespace cli {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw track::MissingInputError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

ReplacementFile::ReplacementFile(std::string path, mode_t mode)
    : path_(std::move(path)), temporary_(path_ + ".XXXXXX") {
    fd_ = ::mkostemp(temporary_.data(), O_CLOEXEC);
    if (fd_ < 0) fail(path_);
    struct stat existing {};
    if (::stat(path_.c_str(), &existing) == 0) mode = existing.st_mode & 07777;
    if (::fchmod(fd_, mode) != 0) fail(temporary_);  // exactly that mode, whatever the umask
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
        if (n < 0) fail(temporary_);
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

void ReplacementFile::commit() {
    if (::fsync(fd_) != 0) fail(temporary_);
    const int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0 || std::rename(temporary_.c_str(), path_.c_str()) != 0) {
        const int error = errno;
        ::unlink(temporary_.c_str());
        errno = error;
        fail(path_);
    }
}

void ReplacementFile::fail(const std::string& what) const {
    throw track::IoError(fmt::format("{}: cannot write: {}", what, std::strerror(errno)));
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
