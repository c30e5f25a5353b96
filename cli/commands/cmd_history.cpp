// `trk history`: an asset's stored records in time order, as JSON Lines, for replay into later stages.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "command.hpp"
#include "ledger_access.hpp"
#include "option_types.hpp"
#include "output.hpp"

namespace cli {

namespace {

struct HistoryOptions {
    LedgerAccess ledger;
    std::string asset, since, until;
    std::vector<std::string> types;
    track::HistoryQuery query;  ///< checked by setup
};

int run_history(const HistoryOptions& o) {
    Output out;
    std::uint64_t records = 0;
    const auto ledger = o.ledger.open();
    track::require_known(*ledger, track::NameKind::asset, o.query.asset);
    ledger->history(o.query, [&](std::string_view json) {
        out.buffer().append(json.data(), json.data() + json.size());
        out.buffer().push_back('\n');
        out.maybe_flush();
        ++records;
    });
    out.flush();
    return 0;
}

}  // namespace

void add_history_command(CLI::App& trk, Invocation& chosen) {
    auto options = std::make_shared<HistoryOptions>();
    HistoryOptions& o = *options;
    auto* history = trk.add_subcommand("history", "An asset's stored records in time order, as JSON Lines");
    add_ledger_options(history, o.ledger);
    history->add_option("ASSET", o.asset, "The asset")->required();
    history->add_option("--since", o.since, "From this time (2026-11-30, or a duration ago: 24h, 7d)")
        ->type_name("TIME");
    history->add_option("--until", o.until, "Up to this time")->type_name("TIME");
    history->add_option("--type", o.types, "Only these record types (fix, read, reading, event); comma-separated")
        ->type_name("TYPE,...")
        ->delimiter(',')
        ->allow_extra_args(false);
    history->callback([options, &chosen] {
        HistoryOptions& h = *options;
        h.ledger.check();
        const track::Millis now = now_ms();
        h.query = {h.asset, parse_optional_time("--since", h.since, now), parse_optional_time("--until", h.until, now),
                   h.types};
        for (const std::string& t : h.types)
            parse_choice("--type", t, "a record type", {"fix", "read", "reading", "event"});
        if (h.query.since && h.query.until && *h.query.since > *h.query.until) {
            throw track::UsageError("--since is after --until");
        }
        chosen = {"history", [options] { return run_history(*options); }};
    });
}

}  // namespace cli
