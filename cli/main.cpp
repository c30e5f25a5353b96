// trk: the entry point. Parses the command line, runs the chosen command, and is the one
// place where errors become a message on standard error and an exit status.
#include <cstdio>
#include <exception>
#include <new>
#include <optional>
#include <string>

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

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "trk: track industrial assets from GPS fixes and RFID tag reads.\n"
        "Commands read records (JSON Lines) from files or standard input and write them to "
        "standard output, so they compose with pipes. 'trk help COMMAND' shows a manual page.",
        "trk"};
    app.set_version_flag("--version", std::string("trk ") + TRK_VERSION);
    app.require_subcommand(1);
    app.footer(
        "Exit status: 0 ok, 1 found something, 64 usage, 65 bad data, 66 no input, "
        "69 device unavailable, 70 internal error, 74 I/O error, 75 busy, retry.");

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
        fmt::print(stderr, "{}\n", *message);
        return static_cast<int>(track::ExitCode::usage);
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);  // --help, --version: printed on standard output, status 0
    } catch (const CLI::ParseError& e) {
        const std::string path = invoked_path(app);
        fmt::print(stderr, "{}: {}\nRun '{} --help' for usage.\n", path, e.what(), path);
        return static_cast<int>(track::ExitCode::usage);
    } catch (const track::Error& e) {
        fmt::print(stderr, "{}: {}\n", invoked_path(app), e.what());
        return static_cast<int>(e.code());
    }

    const std::string prefix = "trk " + chosen.name;
    try {
        return chosen.action();
    } catch (const track::Error& e) {
        (void)std::fflush(stdout);  // whatever stdout holds goes first; its failure is moot here
        fmt::print(stderr, "{}: {}\n", prefix, e.what());
        return static_cast<int>(e.code());
    } catch (const std::bad_alloc&) {
        fmt::print(stderr, "{}: out of memory\n", prefix);
        return static_cast<int>(track::ExitCode::software);
    } catch (const std::exception& e) {
        fmt::print(stderr, "{}: internal error: {}\n", prefix, e.what());
        return static_cast<int>(track::ExitCode::software);
    }
}
