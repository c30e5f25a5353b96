// Writing buffered records to standard output.
#include "output.hpp"

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <unistd.h>

#include "track/error.hpp"

namespace cli {

namespace {

// What the output is, for a message: "standard output (/tmp/x/out.csv)" when it is a file.
std::string output_name(int fd) {
    std::string name = fd == STDOUT_FILENO ? "standard output" : fmt::format("file descriptor {}", fd);
    char target[PATH_MAX];
    const ssize_t n = ::readlink(fmt::format("/proc/self/fd/{}", fd).c_str(), target, sizeof target - 1);
    if (n <= 0 || target[0] != '/') return name;  // a pipe or a socket has no path
    return fmt::format("{} ({})", name, std::string_view(target, static_cast<std::size_t>(n)));
}

}  // namespace

Output::~Output() {
    try {
        flush();
    } catch (const track::Error&) {
        // Destructors cannot report; main() already flushed explicitly on the normal path.
    }
}

void Output::flush() {
    const char* data = buffer_.data();
    std::size_t left = buffer_.size();
    while (left > 0) {
        const ssize_t n = ::write(fd_, data, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int error = errno;
            buffer_.clear();
            // The reader downstream has gone (`| head -1`): not a failure to report.
            if (error == EPIPE) throw track::ClosedOutputError();
            throw track::IoError(fmt::format("cannot write {}: {}", name_.empty() ? output_name(fd_) : name_,
                                             error == ENOSPC ? "disk full" : std::strerror(error)));
        }
        data += n;
        left -= static_cast<std::size_t>(n);
    }
    buffer_.clear();
}

}  // namespace cli
