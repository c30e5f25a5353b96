// Small whole files: reading one, and replacing one so that a crash never leaves half of it.
#include "files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

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

void write_file_atomically(const std::string& path, const std::string& text) {
    // A fresh name beside the file (mkstemp: O_EXCL, mode 0600), never a fixed "path.tmp"
    // that another user could have planted as a symlink in a shared directory.
    std::string temporary = path + ".XXXXXX";
    const int fd = ::mkstemp(temporary.data());
    if (fd < 0) throw track::IoError(fmt::format("{}: cannot write: {}", path, std::strerror(errno)));
    const auto fail = [&](int error) {
        ::close(fd);
        ::unlink(temporary.c_str());
        return track::IoError(fmt::format("{}: cannot write: {}", path, std::strerror(error)));
    };
    // A file being replaced keeps its permissions; a new one is private to its owner.
    struct stat existing {};
    if (::stat(path.c_str(), &existing) == 0 && ::fchmod(fd, existing.st_mode & 07777) != 0) throw fail(errno);
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw fail(errno);
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) throw fail(errno);
    if (::close(fd) != 0) {
        const int error = errno;
        ::unlink(temporary.c_str());
        throw track::IoError(fmt::format("{}: cannot write: {}", path, std::strerror(error)));
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        const int error = errno;
        ::unlink(temporary.c_str());
        throw track::IoError(fmt::format("{}: cannot write: {}", path, std::strerror(error)));
    }
}

}  // namespace cli
