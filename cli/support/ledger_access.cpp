// --ledger, --site and --busy-timeout for the ledger commands (see ledger_access.hpp).
#include "ledger_access.hpp"

#include <fmt/format.h>

#include "track/error.hpp"
#include "track/json_writer.hpp"

namespace cli {

void LedgerAccess::check(bool site_names_file) {
    timeout = std::chrono::milliseconds(parse_duration("--busy-timeout", busy));
    const std::string given = path.empty() ? "TRK_LEDGER" : "--ledger";
    path = track::default_ledger_path(path);
    if (!site.empty()) {
        if (const std::string why = track::id_problem(site); !why.empty()) {
            throw track::UsageError(fmt::format("--site: the name {}", why));
        }
    }
    if (track::is_central_url(path)) {
        const std::string problem = track::central_url_problem(path);
        if (problem.empty()) return;
        // A password typed in a command line (or an environment) is seen by every user of
        // the machine; libpq reads it from the password file instead.
        const bool password = problem.starts_with("holds a password");
        throw track::UsageError(
            fmt::format("{}: the URL {}{}", given, problem, password ? "; put it in ~/.pgpass or PGPASSFILE" : ""));
    }
    if (!site.empty() && !site_names_file) {
        throw track::UsageError("--site narrows a central ledger; this is a site's file");
    }
}

std::unique_ptr<track::Ledger> LedgerAccess::open(bool create, int mode) const {
    return track::open_ledger({path, timeout, create, mode, site});
}

void add_ledger_options(CLI::App* command, LedgerAccess& access) {
    command
        ->add_option("--ledger", access.path,
                     "The ledger file (default: $TRK_LEDGER, else ${XDG_DATA_HOME:-~/.local/share}/trk/ledger.db), "
                     "or a central ledger's postgresql:// URL")
        ->type_name("PATH|URL");
    command
        ->add_option("--site", access.site,
                     "Central ledger: only this site's records; a site's file (ledger init, push): the site's name")
        ->type_name("NAME");
    command->add_option("--busy-timeout", access.busy, "How long to wait for another trk writing to the ledger")
        ->type_name("DURATION")
        ->default_str("5s");
}

std::vector<track::Fence> stored_fences(track::Ledger& ledger, const std::string& name,
                                        const Diagnostics& diagnostics) {
    const auto stored = ledger.fences();
    if (stored.empty()) return {};
    // 'trk fence add' keeps fences corrected; one kept by an older trk is noted on every load.
    const auto note = [&diagnostics](std::string_view text) {
        diagnostics.note(fmt::format("{}; 'trk fence add' the file again to keep them corrected", text));
    };
    fmt::memory_buffer collection;
    track::JsonWriter w(collection);
    w.begin_object().key("type").string("FeatureCollection").key("features").begin_array();
    for (const auto& fence : stored) w.raw(fence.feature);
    w.end_array().end_object();
    return track::parse_fences(fmt::to_string(collection), name + " (fences)", note);
}

}  // namespace cli
