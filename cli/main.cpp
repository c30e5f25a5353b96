// trk: the entry point. Parses the command line, runs the chosen command, and is the one
// place where errors become a message on standard error and an exit status.
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "diagnostics.hpp"
#include "track/names.hpp"
#include "version.hpp"

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

// The names a command answers to, for "did you mean".
std::vector<std::string> command_names(const CLI::App& at) {
    std::vector<std::string> names;
    for (const CLI::App* sub : at.get_subcommands([](const CLI::App*) { return true; }))
        names.push_back(sub->get_name());
    return names;
}

// " (did you mean 'where'?)" when `asked` is close to one of `known`, else empty.
std::string did_you_mean(const std::string& asked, const std::vector<std::string>& known) {
    const auto close = track::closest_names(asked, known);
    if (close.empty()) return {};
    std::string list;
    for (std::size_t i = 0; i < close.size(); ++i)
        list += fmt::format("{}'{}'", i == 0 ? "" : i + 1 == close.size() ? " or " : ", ", close[i]);
    return fmt::format(" (did you mean {}?)", list);
}

// When the words before the first option name a command that does not exist ("trk fly",
// "trk read fly"), a message saying so; CLI11 would only say a subcommand is required.
std::optional<std::string> unknown_command(const CLI::App& app, const std::vector<std::string>& words) {
    const CLI::App* at = &app;
    std::string path = "trk";
    for (const std::string& word : words) {
        if (word.empty() || word.front() == '-') return std::nullopt;
        const auto names = command_names(*at);
        if (names.empty()) return std::nullopt;
        // A command that works without a subcommand (trk fence) takes the word as an argument.
        if (at != &app && at->get_require_subcommand_min() == 0) return std::nullopt;
        const CLI::App* next = nullptr;
        for (const CLI::App* sub : at->get_subcommands([](const CLI::App*) { return true; })) {
            if (sub->check_name(word)) next = sub;
        }
        if (next == nullptr) {
            const std::string close = did_you_mean(word, names);
            return fmt::format("{}: '{}' is not a command{}; commands: {}\nRun '{} --help' for usage.", path, word,
                               close, fmt::join(names, ", "), path);
        }
        at = next;
        path += " " + word;
    }
    return std::nullopt;
}

// The deepest command the user named.
const CLI::App& invoked(const CLI::App& app) {
    const CLI::App* at = &app;
    while (!at->get_subcommands().empty()) at = at->get_subcommands().front();
    return *at;
}

// An option that no command on the way knows ("trk where --bogus"): a message naming it,
// with the closest option names. CLI11 says "A subcommand is required" for "trk --bogus".
std::optional<std::string> unknown_option(const CLI::App& app) {
    std::vector<const CLI::App*> path_apps;
    for (const CLI::App* at = &app;;) {
        path_apps.push_back(at);
        if (at->get_subcommands().empty()) break;
        at = at->get_subcommands().front();
    }
    for (const CLI::App* at : path_apps) {
        for (const std::string& word : at->remaining()) {
            // A negative number is a value, not an option.
            if (word.size() < 2 || word.front() != '-' || word == "--" ||
                std::isdigit(static_cast<unsigned char>(word[1])))
                continue;
            const std::string option = word.substr(0, word.find('='));
            std::vector<std::string> known;
            for (const CLI::App* a : path_apps) {
                for (const CLI::Option* o : a->get_options()) {
                    for (const std::string& name : o->get_lnames()) known.push_back("--" + name);
                    for (const std::string& name : o->get_snames()) known.push_back("-" + name);
                }
            }
            const std::string path = invoked_path(app);
            return fmt::format("{}: unknown option '{}'{}\nRun '{} --help' for usage.", path, option,
                               did_you_mean(option, known), path);
        }
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
    app.set_version_flag("--version", fmt::format("trk {} (commit {})", TRK_VERSION, TRK_GIT_COMMIT));
    app.require_subcommand(1);
    // --quiet is trk's, before or after the command: options a command does not know are
    // tried on the commands around it (fallthrough, which the commands inherit).
    app.fallthrough();
    bool quiet = false;
    app.add_flag("-q,--quiet", quiet,
                 "Say nothing on standard error but errors (for cron): no warnings, summaries "
                 "or progress");
    app.footer(
        "Exit status: 0 ok, 1 found something, 64 usage, 65 bad data, 66 no input, 67 unknown name, "
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

    const std::vector<std::string> words(argv + 1, argv + argc);
    if (const auto message = unknown_command(app, words)) {
        say(*message);
        return static_cast<int>(track::ExitCode::usage);
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);  // --help, --version: printed on standard output, status 0
    } catch (const CLI::ParseError& e) {
        if (const auto message = unknown_option(app)) {
            say(*message);
            return static_cast<int>(track::ExitCode::usage);
        }
        const std::string path = invoked_path(app);
        const CLI::App& at = invoked(app);
        if (at.get_subcommands().empty() && !command_names(at).empty() && at.get_require_subcommand_min() > 0) {
            // "trk" or "trk ledger" alone: what there is to choose from, on standard error.
            say(fmt::format("{}: a command is needed\n{}", path, at.help()));
            return static_cast<int>(track::ExitCode::usage);
        }
        say(fmt::format("{}: {}\nRun '{} --help' for usage.", path, e.what(), path));
        return static_cast<int>(track::ExitCode::usage);
    } catch (const track::Error& e) {
        say(fmt::format("{}: {}", invoked_path(app), e.what()));
        return static_cast<int>(e.code());
    }

    cli::set_quiet(quiet);
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
