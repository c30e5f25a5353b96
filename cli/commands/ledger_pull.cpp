// `trk ledger pull`: the central registry (assets, links, readers, fences) brought into a
// site's ledger, central winning; what changed is written as a report.
#include "ledger_pull.hpp"

#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "diagnostics.hpp"
#include "ledger_access.hpp"
#include "report.hpp"
#include "track/central.hpp"

namespace cli {

namespace {

struct PullOptions {
    LedgerAccess ledger;  ///< the site's ledger, pulled into
    std::string from;     ///< --from: the central ledger's URL
    bool dry_run = false;
    std::string format;  ///< --format; empty: a table on a terminal, JSON Lines otherwise
};

int run_pull(const PullOptions& o) {
    const auto local = o.ledger.open();
    const auto central = track::open_ledger({o.from, o.ledger.timeout, false, 0600, {}});
    const track::PullResult result = track::pull(*local, *central, o.dry_run);
    std::vector<Row> rows;
    std::uint64_t added = 0, replaced = 0, kept = 0;
    for (const track::PullChange& c : result.changes) {
        rows.push_back({Field::string("kind", c.kind), Field::string("id", c.id), Field::string("action", c.action),
                        Field::string("detail", c.detail)});
        added += c.action == "added" ? 1 : 0;
        replaced += c.action == "replaced" ? 1 : 0;
        kept += c.action == "kept" ? 1 : 0;
    }
    Output out;
    write_report(out, report_format(o.format), {"kind", "id", "action", "detail"}, rows, "nothing differs");
    out.flush();
    Diagnostics("ledger pull", false)
        .note(fmt::format("{}{} added, {} replaced, {} kept here only, {} unchanged", o.dry_run ? "dry run: " : "",
                          added, replaced, kept, result.unchanged));
    return 0;
}

}  // namespace

void add_ledger_pull_command(CLI::App* ledger, Invocation& chosen) {
    auto options = std::make_shared<PullOptions>();
    auto* pull = ledger->add_subcommand(
        "pull",
        "Bring the central registry (assets, links, readers, fences) into this site's ledger: central wins, "
        "and every local entry it replaces or leaves alone is reported");
    add_ledger_options(pull, options->ledger);
    pull->add_option("--from", options->from, "The central ledger (postgresql://...; no password: use ~/.pgpass)")
        ->type_name("URL")
        ->required();
    pull->add_flag("--dry-run", options->dry_run, "Report what would change, and change nothing");
    add_report_format_option(pull, options->format);
    pull->callback([options, &chosen] {
        PullOptions& o = *options;
        o.ledger.check();
        report_format(o.format);  // checked now, not after connecting
        if (!track::is_central_url(o.from)) {
            throw track::UsageError(
                fmt::format("--from: '{}' is not a central ledger's URL (postgresql://...)", o.from));
        }
        if (const std::string problem = track::central_url_problem(o.from); !problem.empty()) {
            throw track::UsageError(
                fmt::format("--from: the URL {}; put the password in ~/.pgpass or PGPASSFILE", problem));
        }
        if (track::is_central_url(o.ledger.path)) {
            throw track::UsageError("--ledger: pull brings the registry into a site's ledger file, not a central one");
        }
        chosen = {"ledger pull", [options] { return run_pull(*options); }};
    });
}

}  // namespace cli
