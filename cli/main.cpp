// trk: the entry point. Parses the command line, runs the chosen command, and is the one
// place where errors become a message on standard error and an exit status.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <system_error>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"

namespace {

// "trk read nmea" for the deepest subcommand the user named, for hints.
std::string invoked_path(const CLI::App& app) {
    std::string path = "trk";
    const CLI::App* at = &app;
    for (;;) {
        const auto subs = at->get_subcommands();
        if (subs.empty()) break;
        at = subs.front();
        path += " " + at->get_name();
    }
    return path;
}

// When the words before the first option name a command that does not exist ("trk fly",
// "trk read fly"), a message saying so; CLI11 would only say a subcommand is required.
std::optional<std::string> unknown_command(const CLI::App& app, int argc, char** argv) {
    const CLI::App* at = &app;
    std::string path = "trk";
    for (int i = 1; i < argc; ++i) {
        const std::string word = argv[i];
        if (word.empty() || word.front() == '-') return std::nullopt;
        const auto subs = at->get_subcommands([](const CLI::App*) { return true; });
        if (subs.empty()) return std::nullopt;
        // A command that works without a subcommand (trk fence) takes the word as an argument.
        if (at != &app && at->get_require_subcommand_min() == 0) return std::nullopt;
        const CLI::App* next = nullptr;
        std::string names;
        for (const CLI::App* sub : subs) {
            if (sub->check_name(word)) next = sub;
            names += (names.empty() ? "" : ", ") + sub->get_name();
        }
        if (next == nullptr) {
            return fmt::format("{}: '{}' is not a command; commands: {}\nRun '{} --help' for usage.", path, word, names,
                               path);
        }
        at = next;
        path += " " + word;
    }
    return std::nullopt;
}

// One message on standard error. Never throws: standard error may be a closed pipe too
// (`trk ... 2>&1 | head -1`), and there is nowhere left to report that. Messages quote
// input (a rule's line, a file name, a field): control bytes other than newline and tab
// become '?', so that a hostile file cannot drive the terminal reading them.
void say(std::string message) noexcept {
    for (char& c : message) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7F) c = '?';
    }
    message += '\n';
    (void)std::fwrite(message.data(), 1, message.size(), stderr);
}

constexpr int closed_output = static_cast<int>(track::ExitCode::closed_output);

}  // namespace

int main(int argc, char** argv) try {
    // A write to a closed pipe or socket fails with EPIPE instead of killing trk without a
    // word: standard output's reader gone ends the command quietly (ClosedOutputError, 141),
    // a dead gpsd is a lost connection to report and reconnect.
    (void)std::signal(SIGPIPE, SIG_IGN);  // cannot fail for a valid signal number

    CLI::App app{
        "trk: track industrial assets from GPS fixes and RFID tag reads.\n"
        "Commands read records (JSON Lines) from files or standard input and write them to "
        "standard output, so they compose with pipes. 'trk help COMMAND' shows a manual page.",
        "trk"};
    app.set_version_flag("--version", std::string("trk ") + TRK_VERSION);
    app.require_subcommand(1);
    app.footer(
        "Exit status: 0 ok, 1 found something, 64 usage, 65 bad data, 66 no input, "
        "69 device unavailable, 70 internal error, 74 I/O error, 75 busy, retry, "
        "141 standard output closed (| head).");

    cli::Invocation chosen;
#define TRK_COMMAND(id, name) cli::add_##id##_command(app, chosen);
#include "commands.inc"
#undef TRK_COMMAND

    std::string topic;
    auto* help = app.add_subcommand("help", "Show the manual page of trk or of one command");
    help->add_option("command", topic, "Command whose page to show (read, ports, ...)");
    help->callback([&] {
        chosen = {"help", [&topic] { return cli::show_man_page(topic.empty() ? "trk" : "trk-" + topic); }};
    });

    if (const auto message = unknown_command(app, argc, argv)) {
        say(*message);
        return static_cast<int>(track::ExitCode::usage);
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);  // --help, --version: printed on standard output, status 0
    } catch (const CLI::ParseError& e) {
        const std::string path = invoked_path(app);
        say(fmt::format("{}: {}\nRun '{} --help' for usage.", path, e.what(), path));
        return static_cast<int>(track::ExitCode::usage);
    } catch (const track::Error& e) {
        say(fmt::format("{}: {}", invoked_path(app), e.what()));
        return static_cast<int>(e.code());
    }

    const std::string prefix = "trk " + chosen.name;
    try {
        return chosen.action();
    } catch (const track::ClosedOutputError&) {
        return closed_output;  // the reader downstream has what it wanted: no word
    } catch (const track::Error& e) {
        (void)std::fflush(stdout);  // whatever stdout holds goes first; its failure is moot here
        say(fmt::format("{}: {}", prefix, e.what()));
        return static_cast<int>(e.code());
    } catch (const std::bad_alloc&) {
        say(fmt::format("{}: out of memory", prefix));
        return static_cast<int>(track::ExitCode::software);
    } catch (const std::system_error& e) {
        // fmt::print to a standard error whose reader has gone, as for standard output.
        if (e.code() == std::errc::broken_pipe) return closed_output;
        say(fmt::format("{}: internal error: {}", prefix, e.what()));
        return static_cast<int>(track::ExitCode::software);
    } catch (const std::exception& e) {
        say(fmt::format("{}: internal error: {}", prefix, e.what()));
        return static_cast<int>(track::ExitCode::software);
    }
} catch (...) {
    // Setting up the commands, or a message above, failed (out of memory): nothing that
    // allocates is safe here.
    (void)std::fputs("trk: internal error\n", stderr);
    return static_cast<int>(track::ExitCode::software);
}
