// `trk help COMMAND`: the man page compiled into the binary, through man(1) on a terminal.
#include <csignal>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include <fmt/format.h>

#include "command.hpp"
#include "man_pages.hpp"
#include "output.hpp"

namespace cli {

namespace {

bool man_available() { return std::system("command -v man >/dev/null 2>&1") == 0; }

}  // namespace

int show_man_page(const std::string& page) {
    const ManPage* found = nullptr;
    std::string names;
    for (const ManPage& p : man_pages()) {
        if (p.name == page) found = &p;
        if (p.name != "trk") names += fmt::format("{}{}", names.empty() ? "" : ", ", p.name.substr(4));
    }
    if (found == nullptr) {
        throw track::UsageError(fmt::format("no manual page for '{}'; commands: {}", page.substr(4), names));
    }
    if (!found->roff.empty() && ::isatty(STDOUT_FILENO) && man_available()) {
        char path[] = "/tmp/trk-man-XXXXXX";
        const int fd = ::mkstemp(path);
        if (fd >= 0) {
            const bool written =
                ::write(fd, found->roff.data(), found->roff.size()) == static_cast<ssize_t>(found->roff.size());
            ::close(fd);
            int status = 1;
            // man and its pager expect the usual SIGPIPE (trk ignores it, see main.cpp).
            std::signal(SIGPIPE, SIG_DFL);
            if (written) status = std::system(fmt::format("man -l '{}'", path).c_str());
            ::unlink(path);
            if (status == 0) return 0;
        }
    }
    Output out;
    out.buffer().append(found->text.data(), found->text.data() + found->text.size());
    out.flush();
    return 0;
}

}  // namespace cli
