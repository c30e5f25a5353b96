// Small whole files: reading one, and replacing one so that a crash never leaves half of it.
#include "files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

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

void write_file_atomically(const std::string& path, const std::string& text) {
    const std::string temporary = path + ".tmp";
    const auto failed = [&](int error) {
        ::unlink(temporary.c_str());  // no half-written file left beside the old one
        return track::IoError(fmt::format("{}: cannot write: {} (the file was left as it was)", path,
                                          error == ENOSPC ? "disk full" : std::strerror(error)));
    };
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw failed(errno);
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int error = errno;
            ::close(fd);
            throw failed(error);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        const int error = errno;
        ::close(fd);
        throw failed(error);
    }
    if (::close(fd) != 0 || std::rename(temporary.c_str(), path.c_str()) != 0 || !sync_folder(path)) {
        throw failed(errno);
    }
}

}  // namespace cli
