// `trk completion bash|zsh|fish`: a shell completion script generated from trk's own CLI11
// command tree (commands, options, which options take a value, choices where the tree
// knows them), so that it cannot drift from the commands.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "command.hpp"
#include "output.hpp"

namespace cli {

namespace {

/// One option of a command as a completer needs it.
struct OptionSpec {
    std::vector<std::string> names;    ///< "--zone", "-z"
    std::string description;           ///< for shells that show one (fish, zsh)
    bool takes_value = false;          ///< the next word is its value
    bool files = false;                ///< the value is a file name (type FILE, KEY, DIR, PATH, DEV)
    std::vector<std::string> choices;  ///< the values a CLI::IsMember check allows
};

/// One command ("trk ledger verify") with what may follow it.
struct CommandSpec {
    std::string path;                                           ///< "trk ledger verify"
    std::vector<std::pair<std::string, std::string>> commands;  ///< subcommand, description
    std::vector<OptionSpec> options;                            ///< its own, then trk's (fallthrough)
    std::vector<std::string> argument_choices;                  ///< a positional's IsMember choices
};

// The choices of a CLI::IsMember check: its description "{bash,zsh,fish}" is part of the
// option's full type name ("TEXT:{bash,zsh,fish}").
std::vector<std::string> choices_of(const CLI::Option& option) {
    const std::string type = option.get_type_name();
    const auto open = type.find('{');
    const auto close = type.find('}', open);
    std::vector<std::string> choices;
    if (open == std::string::npos || close == std::string::npos) return choices;
    std::string_view list(type.data() + open + 1, close - open - 1);
    while (!list.empty()) {
        const auto comma = list.find(',');
        choices.emplace_back(list.substr(0, comma));
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return choices;
}

OptionSpec option_spec(const CLI::Option& option) {
    OptionSpec spec;
    for (const std::string& name : option.get_lnames()) spec.names.push_back("--" + name);
    for (const std::string& name : option.get_snames()) spec.names.push_back("-" + name);
    spec.description = option.get_description();
    spec.takes_value = option.get_items_expected_max() > 0 && option.get_expected_max() > 0;  // 0: a flag
    const std::string type = option.get_type_name();
    for (const char* kind : {"FILE", "KEY", "DIR", "PATH", "DEV"}) {
        if (type.rfind(kind, 0) == 0) spec.files = true;
    }
    spec.choices = choices_of(option);
    return spec;
}

void collect(const CLI::App& app, const std::string& path, const std::vector<OptionSpec>& global,
             std::vector<CommandSpec>& out) {
    CommandSpec spec;
    spec.path = path;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        spec.commands.emplace_back(sub->get_name(), sub->get_description());
    }
    for (const CLI::Option* option : app.get_options()) {
        if (option->get_positional()) {
            const auto choices = choices_of(*option);
            spec.argument_choices.insert(spec.argument_choices.end(), choices.begin(), choices.end());
        } else {
            spec.options.push_back(option_spec(*option));
        }
    }
    if (app.get_parent() != nullptr) {
        spec.options.insert(spec.options.end(), global.begin(), global.end());
    }
    out.push_back(spec);
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        collect(*sub, path + " " + sub->get_name(), global, out);
    }
}

// trk's own options that every command accepts (--quiet: fallthrough), not --help or --version.
std::vector<OptionSpec> global_options(const CLI::App& trk) {
    std::vector<OptionSpec> global;
    for (const CLI::Option* option : trk.get_options()) {
        if (option == trk.get_help_ptr() || option->get_lnames() == std::vector<std::string>{"version"}) continue;
        if (!option->get_positional()) global.push_back(option_spec(*option));
    }
    return global;
}

// A word in single quotes for fish: 'it\'s'.
std::string fish_quoted(std::string_view text) {
    std::string out = "'";
    for (const char c : text) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c == '\n' ? ' ' : c;
    }
    return out + "'";
}

std::string words(const std::vector<std::string>& list) { return fmt::format("{}", fmt::join(list, " ")); }

// The case labels of every command path, for the loop that finds the command being typed.
std::string path_labels(const std::vector<CommandSpec>& specs) {
    std::vector<std::string> labels;
    for (const CommandSpec& s : specs) {
        if (s.path != "trk") labels.push_back(fmt::format("\"{}\"", s.path));
    }
    return fmt::format("{}", fmt::join(labels, "|"));
}

// What each command offers, as shell assignments: commands, options, value_options,
// file_options, arguments; choices per option in a nested case on the previous word.
std::string sh_cases(const std::vector<CommandSpec>& specs, std::string_view array_open, std::string_view array_close) {
    std::string out;
    for (const CommandSpec& s : specs) {
        std::vector<std::string> commands, options, values, files, arguments = s.argument_choices;
        std::string choices;
        for (const auto& [name, description] : s.commands) commands.push_back(name);
        for (const OptionSpec& o : s.options) {
            for (const std::string& n : o.names) {
                options.push_back(n);
                if (o.takes_value) values.push_back(n);
                if (o.files) files.push_back(n);
            }
            if (!o.choices.empty()) {
                choices += fmt::format("                {}) choices={}{}{} ;;\n", fmt::join(o.names, "|"), array_open,
                                       words(o.choices), array_close);
            }
        }
        out += fmt::format("        \"{}\")\n", s.path);
        out += fmt::format("            commands={}{}{}\n", array_open, words(commands), array_close);
        out += fmt::format("            options={}{}{}\n", array_open, words(options), array_close);
        out += fmt::format("            value_options=\" {} \"\n", words(values));
        out += fmt::format("            file_options=\" {} \"\n", words(files));
        out += fmt::format("            arguments={}{}{}\n", array_open, words(arguments), array_close);
        if (!choices.empty()) out += fmt::format("            case $prev in\n{}            esac\n", choices);
        out += "            ;;\n";
    }
    return out;
}

std::string bash_script(const std::vector<CommandSpec>& specs) {
    return fmt::format(R"(# bash completion for trk. Generated by `trk completion bash` from trk's command tree:
# do not edit, regenerate.
_trk() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}
    local command=trk i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "$command ${{COMP_WORDS[i]}}" in
            {labels}) command="$command ${{COMP_WORDS[i]}}" ;;
        esac
    done
    local commands="" options="" value_options="" file_options="" arguments="" choices=""
    case $command in
{cases}    esac
    COMPREPLY=()
    if [[ -n $choices ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$choices" -- "$cur")
    elif [[ $file_options == *" $prev "* ]]; then
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    elif [[ $value_options == *" $prev "* ]]; then
        return 0
    elif [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
    elif [[ -n $commands ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
    elif [[ -n $arguments ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$arguments" -- "$cur")
    else
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
}}
complete -o filenames -F _trk trk
)",
                       fmt::arg("labels", path_labels(specs)), fmt::arg("cases", sh_cases(specs, "\"", "\"")));
}

std::string zsh_script(const std::vector<CommandSpec>& specs) {
    return fmt::format(R"(#compdef trk
# zsh completion for trk. Generated by `trk completion zsh` from trk's command tree:
# do not edit, regenerate.
_trk() {{
    local cur=${{words[CURRENT]}} prev=${{words[CURRENT-1]}}
    local command=trk i
    for ((i = 2; i < CURRENT; i++)); do
        case "$command ${{words[i]}}" in
            ({labels}) command="$command ${{words[i]}}" ;;
        esac
    done
    local value_options="" file_options=""
    local -a commands options arguments choices
    case $command in
{cases}    esac
    if (( ${{#choices}} )); then
        compadd -- $choices
    elif [[ $file_options == *" $prev "* ]]; then
        _files
    elif [[ $value_options == *" $prev "* ]]; then
        return 0
    elif [[ $cur == -* ]]; then
        compadd -- $options
    elif (( ${{#commands}} )); then
        compadd -- $commands
    elif (( ${{#arguments}} )); then
        compadd -- $arguments
    else
        _files
    fi
}}
_trk "$@"
)",
                       fmt::arg("labels", path_labels(specs)), fmt::arg("cases", sh_cases(specs, "(", ")")));
}

std::string fish_script(const std::vector<CommandSpec>& specs) {
    std::string out = R"(# fish completion for trk. Generated by `trk completion fish` from trk's command tree:
# do not edit, regenerate.
function __trk_command --description 'The trk command being typed: "trk ledger verify"'
    set -l command trk
    for word in (commandline -opc)[2..-1]
        switch "$command $word"
            case )";
    std::vector<std::string> labels;
    for (const CommandSpec& s : specs) {
        if (s.path != "trk") labels.push_back(fish_quoted(s.path));
    }
    out += fmt::format("{}\n", fmt::join(labels, " "));
    out += R"(                set command "$command $word"
        end
    end
    echo $command
end
complete -c trk -f
)";
    for (const CommandSpec& s : specs) {
        const std::string when = fmt::format("-n {}", fish_quoted(fmt::format("test (__trk_command) = '{}'", s.path)));
        for (const auto& [name, description] : s.commands) {
            out += fmt::format("complete -c trk {} -a {} -d {}\n", when, fish_quoted(name), fish_quoted(description));
        }
        if (!s.argument_choices.empty()) {
            out += fmt::format("complete -c trk {} -a {}\n", when, fish_quoted(words(s.argument_choices)));
        } else if (s.commands.empty()) {
            out += fmt::format("complete -c trk {} -F\n", when);
        }
        for (const OptionSpec& o : s.options) {
            std::string line = fmt::format("complete -c trk {}", when);
            for (const std::string& n : o.names) {
                line += n.rfind("--", 0) == 0 ? fmt::format(" -l {}", n.substr(2)) : fmt::format(" -s {}", n.substr(1));
            }
            if (o.takes_value) line += " -r";
            if (o.files) line += " -F";
            if (!o.choices.empty()) line += fmt::format(" -x -a {}", fish_quoted(words(o.choices)));
            out += fmt::format("{} -d {}\n", line, fish_quoted(o.description));
        }
    }
    return out;
}

}  // namespace

void add_completion_command(CLI::App& trk, Invocation& chosen) {
    auto shell = std::make_shared<std::string>();
    auto* completion = trk.add_subcommand(
        "completion", "Print a completion script for bash, zsh or fish, generated from trk's commands and options");
    completion->add_option("SHELL", *shell, "bash, zsh or fish")
        ->required()
        ->check(CLI::IsMember({"bash", "zsh", "fish"}));
    completion->callback([shell, &trk, &chosen] {
        chosen = {"completion", [shell, &trk] {
                      std::vector<CommandSpec> specs;
                      collect(trk, "trk", global_options(trk), specs);
                      const std::string script = *shell == "bash"  ? bash_script(specs)
                                                 : *shell == "zsh" ? zsh_script(specs)
                                                                   : fish_script(specs);
                      Output out;
                      out.buffer().append(script.data(), script.data() + script.size());
                      out.flush();
                      return 0;
                  }};
    });
}

}  // namespace cli
