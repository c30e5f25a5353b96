// Loading and saving a stage's state in a file or in the ledger (see stage_state.hpp).
#include "stage_state.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "files.hpp"
#include "track/error.hpp"
#include "track/names.hpp"

namespace cli {

namespace {
// A state holds a few hundred bytes per asset and rule: this is room for 100,000s of assets.
constexpr std::size_t max_state_file = std::size_t{64} << 20;
}  // namespace

void add_state_options(CLI::App* command, StateOptions& options) {
    auto* file =
        command->add_option("--state", options.file, "Load the state from FILE at the start and save it at the end")
            ->type_name("FILE");
    command
        ->add_option("--ledger-state", options.ledger_name, "As --state, kept in the ledger under NAME (one per job)")
        ->type_name("NAME")
        ->excludes(file);
}

StageStateStore::StageStateStore(std::string stage, const StateOptions& options, const LedgerAccess& ledger)
    : stage_(std::move(stage)), options_(options), ledger_(ledger) {}

std::string StageStateStore::where() const {
    if (!options_.file.empty()) return options_.file;
    return fmt::format("{} ({} state {})", ledger_.path, stage_, options_.ledger_name);
}

std::optional<std::string> StageStateStore::load(bool required, const std::function<void(std::string_view)>& note) {
    if (!options_.file.empty()) {
        if (::access(options_.file.c_str(), F_OK) != 0) {
            if (required) throw track::MissingInputError(fmt::format("{}: no such state file", options_.file));
            return std::nullopt;
        }
        return read_file(options_.file, max_state_file, "state file");
    }
    if (options_.ledger_name.empty()) return std::nullopt;
    const auto ledger = ledger_.open();
    const auto kept = ledger->stage_state(stage_, options_.ledger_name);
    if (!kept) {
        const std::vector<std::string> known = ledger->stage_state_names(stage_);
        const std::string what = fmt::format("{} state", stage_);
        if (required) {
            throw track::NotFoundError(
                fmt::format("{}: {}", ledger_.path, track::not_found_message(what, options_.ledger_name, known)));
        }
        if (!track::closest_names(options_.ledger_name, known).empty()) {
            note(fmt::format("{}: {}; starting it afresh", ledger_.path,
                             track::not_found_message(what, options_.ledger_name, known)));
        }
        return std::nullopt;
    }
    generation_ = kept->generation;
    return kept->state;
}

void StageStateStore::save(const std::string& state) {
    if (!options_.file.empty()) {
        write_file_atomically(options_.file, state);
        return;
    }
    if (options_.ledger_name.empty()) return;
    if (!ledger_.open()->save_stage_state(stage_, options_.ledger_name, state, generation_, now_ms())) {
        throw track::BusyError(
            fmt::format("{}: another run saved this state after this one loaded it; not "
                        "overwritten (runs sharing a state must not overlap: see flock(1))",
                        where()));
    }
}

}  // namespace cli
