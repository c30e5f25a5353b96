// Writing buffered records to standard output.
#include "output.hpp"

#include <cerrno>
#include <cstring>
#include <unistd.h>

#include "track/error.hpp"

namespace cli {

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
            buffer_.clear();
            throw track::IoError(fmt::format("cannot write {}: {}", name_, std::strerror(errno)));
        }
        data += n;
        left -= static_cast<std::size_t>(n);
    }
    buffer_.clear();
}

}  // namespace cli
