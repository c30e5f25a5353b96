// `trk help COMMAND`: the man page compiled into the binary, through man(1) on a terminal.
#include <cerrno>
#include <csignal>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "command.hpp"
#include "man_pages.hpp"
#include "output.hpp"

namespace cli {

namespace {

// Runs `man -l PATH` without a shell (no command line is ever built from text); false when
// man is not installed or fails, and the caller prints the plain text instead.
bool run_man(const char* path) {
    char man[] = "man";
    char local[] = "-l";
    char* const argv[] = {man, local, const_cast<char*>(path), nullptr};
    // man and its pager expect the usual SIGPIPE (trk ignores it, see main.cpp).
    posix_spawnattr_t attributes;
    sigset_t default_signals;
    ::posix_spawnattr_init(&attributes);
    ::sigemptyset(&default_signals);
    ::sigaddset(&default_signals, SIGPIPE);
    ::posix_spawnattr_setsigdefault(&attributes, &default_signals);
    ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);
    pid_t pid = 0;
    const int spawned = ::posix_spawnp(&pid, "man", nullptr, &attributes, argv, environ);
    ::posix_spawnattr_destroy(&attributes);
    if (spawned != 0) return false;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return false;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

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
    if (!found->roff.empty() && ::isatty(STDOUT_FILENO)) {
        char path[] = "/tmp/trk-man-XXXXXX";
        const int fd = ::mkstemp(path);
        if (fd >= 0) {
            const bool written =
                ::write(fd, found->roff.data(), found->roff.size()) == static_cast<ssize_t>(found->roff.size());
            ::close(fd);
            const bool shown = written && run_man(path);
            ::unlink(path);
            if (shown) return 0;
        }
    }
    Output out;
    out.buffer().append(found->text.data(), found->text.data() + found->text.size());
    out.flush();
    return 0;
}

}  // namespace cli
