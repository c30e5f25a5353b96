// `trk ledger push --to URL`: ships the site's ledger to the central one (track/central.hpp).
#include "ledger_push.hpp"

#include <memory>
#include <string>

#include <fmt/format.h>

#include "diagnostics.hpp"
#include "ledger_access.hpp"
#include "signals.hpp"
#include "track/central.hpp"
#include "track/error.hpp"

namespace cli {

namespace {

struct PushCommandOptions {
    LedgerAccess ledger;
    std::string to;  ///< --to: the central ledger's URL
    std::uint64_t batch = 500000;
};

std::string plural(std::uint64_t n, std::string_view what) {
    return fmt::format("{} {}{}", n, what, n == 1 ? "" : "s");
}

int run_push(const PushCommandOptions& o) {
    const auto ledger = o.ledger.open();
    track::PushOptions options;
    options.url = o.to;
    options.site = o.ledger.site;  // --site here names this site
    options.busy_timeout = o.ledger.timeout;
    options.batch = o.batch;
    options.stop = &stop_on_signals();
    Progress progress("ledger push");
    options.progress = [&progress](const track::PushProgress& p) { progress.step(p.sent, p.total); };
    const track::PushResult r = track::push(*ledger, options);
    const std::string where = fmt::format("{} as site {}", r.central, r.site);
    Diagnostics diagnostics("ledger push", false);
    if (r.records == 0 && r.audits == 0 && r.checkpoints == 0) {
        diagnostics.note(fmt::format("nothing new for {}; central head seq {}", where, r.head));
        return 0;
    }
    diagnostics.note(fmt::format("{}, {}, {} pushed to {}; central head seq {}{}", plural(r.records, "record"),
                                 plural(r.audits, "audit"), plural(r.checkpoints, "checkpoint"), where, r.head,
                                 r.stopped ? " (stopped by a signal: push again for the rest)" : ""));
    return 0;
}

}  // namespace

void add_ledger_push_command(CLI::App* ledger, Invocation& chosen) {
    auto options = std::make_shared<PushCommandOptions>();
    auto* push = ledger->add_subcommand(
        "push",
        "Ship what the central ledger (PostgreSQL) lacks of this site's records, positions, audits and "
        "checkpoints; safe to interrupt and to repeat");
    push->add_option("--to", options->to, "The central ledger: postgresql://USER@HOST/DB (no password: ~/.pgpass)")
        ->type_name("URL")
        ->required();
    push->add_option("--batch", options->batch, "Records per central transaction")
        ->default_str("500000")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{10'000'000}));
    add_ledger_options(push, options->ledger);
    // --site (added with the ledger options) names this site here, rather than narrowing.
    push->get_option("--site")->description("This site's name (default: the one kept by trk ledger init --site)");
    push->callback([options, &chosen] {
        PushCommandOptions& o = *options;
        o.ledger.check(true);
        if (o.ledger.central()) {
            throw track::UsageError("--ledger: push ships a site's ledger file; the central ledger is --to");
        }
        if (!track::is_central_url(o.to)) {
            throw track::UsageError(fmt::format("--to: '{}' is not a central ledger's URL (postgresql://...)", o.to));
        }
        // A password in the URL is refused by push() before anything connects.
        chosen = {"ledger push", [options] { return run_push(*options); }};
    });
}

}  // namespace cli
