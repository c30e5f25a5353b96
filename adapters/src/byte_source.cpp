// Files and standard input as byte sources, and the capped line splitter over any source.
#include "adapters/byte_source.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "track/error.hpp"
#include "track/lines.hpp"

namespace adapters {

FileSource::FileSource(const std::string& path, const std::atomic<bool>* stop) : name_(path), stop_(stop) {
    if (path == "-") {
        fd_ = STDIN_FILENO;
        name_ = "stdin";
        return;
    }
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
        throw track::MissingInputError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    }
    owned_ = true;
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd_);
        throw track::MissingInputError(fmt::format("{}: is a directory", path));
    }
}

FileSource::~FileSource() {
    if (owned_) ::close(fd_);
}

bool FileSource::is_regular_file() const {
    struct stat st {};
    return ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode);
}

std::uint64_t FileSource::size() const {
    struct stat st {};
    return ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) ? static_cast<std::uint64_t>(st.st_size) : 0;
}

std::size_t FileSource::stopped() {
    ++breaks_;  // what was read of a line so far will not be finished
    return 0;
}

std::size_t FileSource::read(char* buffer, std::size_t size) {
    std::size_t n = read_some(buffer, size);
    if (!at_start_) return n;
    // A pipe may deliver the mark a byte at a time: read on while what came may be its start.
    const auto so_far = [&] { return std::string_view(buffer, n); };
    while (n > 0 && n < track::utf8_bom.size() && size >= track::utf8_bom.size() &&
           track::utf8_bom.starts_with(so_far())) {
        const std::size_t more = read_some(buffer + n, size - n);
        if (more == 0) break;
        n += more;
    }
    at_start_ = false;
    if (!so_far().starts_with(track::utf8_bom)) return n;
    n -= track::utf8_bom.size();
    std::memmove(buffer, buffer + track::utf8_bom.size(), n);
    return n > 0 ? n : read(buffer, size);  // 0 would say the input ended
}

std::size_t FileSource::read_some(char* buffer, std::size_t size) {
    for (;;) {
        // A signal that came while no read was waiting (input flowing) is seen here.
        if (stop_ != nullptr && stop_->load()) return stopped();
        if (on_idle_) {
            // A pipe may be quiet for long: wake up every 200 ms to let the reader act on time.
            pollfd p{fd_, POLLIN, 0};
            const int ready = ::poll(&p, 1, 200);
            if (ready == 0) {
                on_idle_();
                continue;
            }
            if (ready < 0 && errno == EINTR) {
                if (stop_ != nullptr && stop_->load()) return stopped();
                continue;
            }
        }
        const ssize_t n = ::read(fd_, buffer, size);
        if (n >= 0) {
            bytes_read_.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
            return static_cast<std::size_t>(n);
        }
        if (errno == EINTR) {
            if (stop_ != nullptr && stop_->load()) return stopped();
            continue;
        }
        throw track::IoError(fmt::format("{}: read failed: {}", name_, std::strerror(errno)));
    }
}

std::size_t TextSource::read(char* buffer, std::size_t size) {
    const std::size_t n = std::min(size, text_.size());
    std::memcpy(buffer, text_.data(), n);
    text_.remove_prefix(n);
    return n;
}

namespace {
constexpr std::size_t chunk_size = 1 << 18;
constexpr std::size_t npos = static_cast<std::size_t>(-1);
}  // namespace

LineReader::LineReader(ByteSource& source, std::size_t max_line, std::function<void()> before_wait)
    : source_(source), max_line_(max_line), before_wait_(std::move(before_wait)), buffer_(chunk_size + max_line + 1) {}

bool LineReader::refill() {
    if (eof_) return false;
    // Keep the partial line; it is at most max_line_ bytes long (next() sees to that).
    if (begin_ > 0) {
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (before_wait_) before_wait_();
    const std::size_t n = source_.read(buffer_.data() + end_, buffer_.size() - end_);
    if (const std::uint64_t breaks = source_.breaks(); breaks != breaks_) {
        breaks_ = breaks;
        if (end_ > begin_) cut_at_ = end_;  // the partial line ends here, whatever follows
    }
    if (n == 0) {
        eof_ = true;
        return false;
    }
    end_ += n;
    return true;
}

bool LineReader::next(Line& line) {
    bool overlong = false;
    std::size_t scanned = begin_;
    for (;;) {
        const std::size_t limit = cut_at_ != npos ? cut_at_ : end_;
        const void* nl = std::memchr(buffer_.data() + scanned, '\n', limit - scanned);
        if (nl != nullptr) {
            const auto at = static_cast<std::size_t>(static_cast<const char*>(nl) - buffer_.data());
            std::size_t len = at - begin_;
            if (len > max_line_) {
                len = max_line_;
                overlong = true;
            }
            if (!overlong && len > 0 && buffer_[begin_ + len - 1] == '\r') --len;
            line = Line{std::string_view(buffer_.data() + begin_, len), ++number_, overlong, false};
            begin_ = at + 1;
            return true;
        }
        if (cut_at_ != npos) {
            // The stream broke after these bytes: a fragment, whatever comes after the break.
            line = Line{std::string_view(buffer_.data() + begin_, cut_at_ - begin_), ++number_, overlong, true};
            begin_ = cut_at_;
            cut_at_ = npos;
            return true;
        }
        if (end_ - begin_ > max_line_) {
            // Too long already: keep its first max_line_ bytes for the message, drop the rest
            // as it arrives, until its newline.
            overlong = true;
            end_ = begin_ + max_line_;
        }
        scanned = end_;
        const std::size_t kept = scanned - begin_;
        if (!refill()) {
            if (end_ == begin_) return false;
            std::size_t len = end_ - begin_;
            const bool cut = cut_at_ != npos;  // a stop, not the end of the input, ended it
            cut_at_ = npos;
            if (!overlong && !cut && buffer_[begin_ + len - 1] == '\r') --len;
            line = Line{std::string_view(buffer_.data() + begin_, len), ++number_, overlong, cut};
            begin_ = end_;
            return true;
        }
        scanned = begin_ + kept;
    }
}

}  // namespace adapters
