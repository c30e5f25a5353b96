// `trk where`: the last known position of each asset, from its latest fix or read.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "command.hpp"
#include "ledger_access.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "report.hpp"

namespace cli {

namespace {

struct WhereOptions {
    LedgerAccess ledger;
    std::vector<std::string> assets;
    std::string zone, stale, format, now;
    track::Millis now_ms = 0;               ///< checked by setup
    std::optional<track::Millis> stale_ms;  ///< checked by setup
};

// "3d 4h", "2h 05m", "4m 10s", "12s": an age a person reads at a glance.
std::string age_text(track::Millis ms) {
    const std::int64_t s = std::max<std::int64_t>(ms, 0) / 1000;
    if (s >= 86400) return fmt::format("{}d {}h", s / 86400, s % 86400 / 3600);
    if (s >= 3600) return fmt::format("{}h {:02}m", s / 3600, s % 3600 / 60);
    if (s >= 60) return fmt::format("{}m {:02}s", s / 60, s % 60);
    return fmt::format("{}s", s);
}

int run_where(const WhereOptions& o) {
    track::WhereQuery q{o.assets, o.zone, std::nullopt};
    if (o.stale_ms) q.older_than = o.now_ms - *o.stale_ms;
    std::vector<Row> rows;
    const auto ledger = o.ledger.open();
    for (const std::string& asset : o.assets) track::require_known(*ledger, track::NameKind::asset, asset);
    if (!o.zone.empty()) track::require_known(*ledger, track::NameKind::zone, o.zone);
    for (const track::Position& p : ledger->where(q)) {
        const track::Millis age = o.now_ms - p.time;
        rows.push_back({Field::string("asset", p.asset), Field::time("time", p.time),
                        Field::raw("age", age_text(age), fmt::format("{:.3f}", static_cast<double>(age) / 1000.0)),
                        Field::string("source", p.type), Field::string("zone", p.zone), Field::number("lat", p.lat, 7),
                        Field::number("lon", p.lon, 7), Field::string("reader", p.reader),
                        Field::integer("antenna", p.antenna), Field::string("src", p.src)});
    }
    Output out;
    write_report(out, report_format(o.format),
                 {"asset", "time", "age", "source", "zone", "lat", "lon", "reader", "antenna"}, rows,
                 "no positions known");
    return 0;
}

}  // namespace

void add_where_command(CLI::App& trk, Invocation& chosen) {
    auto options = std::make_shared<WhereOptions>();
    WhereOptions& o = *options;
    auto* where =
        trk.add_subcommand("where", "Where each asset was last seen: its latest fix, or the reader of its latest read");
    add_ledger_options(where, o.ledger);
    where->add_option("ASSET", o.assets, "Assets to show; none: every asset with a known position");
    where->add_option("--zone", o.zone, "Only assets last seen in this zone")->type_name("ZONE");
    where->add_option("--stale", o.stale, "Only assets not seen for this long (24h, 7d)")->type_name("DURATION");
    add_now_option(where, o.now, "ages and --stale are measured from it (default: the system clock)");
    add_report_format_option(where, o.format);
    where->callback([options, &chosen] {
        WhereOptions& w = *options;
        w.ledger.check();
        report_format(w.format);
        w.now_ms = parse_now(w.now).value_or(now_ms());
        if (!w.stale.empty()) w.stale_ms = parse_duration("--stale", w.stale);
        chosen = {"where", [options] { return run_where(*options); }};
    });
}

}  // namespace cli
