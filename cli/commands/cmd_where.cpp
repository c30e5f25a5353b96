// `trk where`: the last known position of each asset, from its latest fix or read.
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adapters/export.hpp"
#include "command.hpp"
#include "ledger_access.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "report.hpp"
#include "track/json_writer.hpp"

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

// The report's row of a position. Its age is seconds for machines (age_s, an integer) and
// text for people (age, the table's only). The site, first, only from a central ledger
// answering for every site (`sites`).
Row position_row(const track::Position& p, track::Millis now, bool sites) {
    const track::Millis age = now - p.time;
    Row row{Field::string("asset", p.asset),      Field::time("time", p.time),     Field::raw("age", age_text(age), {}),
            Field::integer("age_s", age / 1000),  Field::string("source", p.type), Field::string("zone", p.zone),
            Field::number("lat", p.lat, 7),       Field::number("lon", p.lon, 7),  Field::string("reader", p.reader),
            Field::integer("antenna", p.antenna), Field::string("src", p.src)};
    if (sites) row.insert(row.begin(), Field::string("site", p.site));
    return row;
}

// The row of an asset in the registry that no record has placed yet.
Row never_seen_row(const std::string& asset) {
    return {Field::string("asset", asset), Field::raw("age", "never seen", {}),
            Field::raw("never_seen", "true", "true")};
}

// The assets of the registry without any position, with --stale (those asked for, when any)
// or when asked for by name: an answer, where nothing would look like a typo. With --zone
// none, as a never seen asset is in no zone.
std::vector<std::string> never_seen(track::Ledger& ledger, const WhereOptions& o) {
    if ((!o.stale_ms && o.assets.empty()) || !o.zone.empty()) return {};
    std::set<std::string> placed;
    for (const track::Position& p : ledger.where({o.assets, {}, std::nullopt})) placed.insert(p.asset);
    const std::set<std::string> asked(o.assets.begin(), o.assets.end());
    std::vector<std::string> assets;
    for (const track::Asset& a : ledger.assets({}, false)) {
        if (!placed.contains(a.id) && (asked.empty() || asked.contains(a.id))) assets.push_back(a.id);
    }
    return assets;
}

// Where a row's asset is, for the map: its lat and lon, when known.
struct Place {
    std::optional<double> lat, lon;
};

// The rows as a GeoJSON FeatureCollection: a Point per row at its place (null for an asset
// without one), the row's other fields as properties.
void write_geojson(Output& out, const std::vector<Row>& rows, const std::vector<Place>& places) {
    adapters::FeatureCollectionWriter collection(out.buffer());
    fmt::memory_buffer properties;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        properties.clear();
        track::JsonWriter w(properties);
        w.begin_object();
        for (const Field& f : rows[i]) {
            if (!f.json.empty() && f.name != "lat" && f.name != "lon") w.key(f.name).raw(f.json);
        }
        w.end_object();
        collection.point(places[i].lat, places[i].lon, std::string_view(properties.data(), properties.size()));
        out.maybe_flush();
    }
    collection.finish();
    out.flush();
}

int run_where(const WhereOptions& o) {
    track::WhereQuery q{o.assets, o.zone, std::nullopt};
    if (o.stale_ms) q.older_than = o.now_ms - *o.stale_ms;
    const auto ledger = o.ledger.open();
    std::vector<Row> rows;
    for (const std::string& asset : o.assets) track::require_known(*ledger, track::NameKind::asset, asset);
    if (!o.zone.empty()) track::require_known(*ledger, track::NameKind::zone, o.zone);
    std::vector<Place> places;
    for (const track::Position& p : ledger->where(q)) {
        rows.push_back(position_row(p, o.now_ms, ledger->multi_site()));
        places.push_back({p.lat, p.lon});
    }
    for (const std::string& asset : never_seen(*ledger, o)) {
        rows.push_back(never_seen_row(asset));
        places.emplace_back();
    }
    Output out;
    const ReportFormat format = report_format(o.format, true);
    if (format == ReportFormat::geojson) {
        write_geojson(out, rows, places);
        return 0;
    }
    std::vector<std::string> columns =
        format == ReportFormat::table
            ? std::vector<std::string>{"asset", "time", "age", "source", "zone", "lat", "lon", "reader", "antenna"}
            : std::vector<std::string>{"asset", "time", "age_s",  "source",  "zone",
                                       "lat",   "lon",  "reader", "antenna", "never_seen"};
    if (ledger->multi_site()) columns.insert(columns.begin(), "site");
    write_report(out, format, columns, rows, "no positions known");
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
    where
        ->add_option("--stale", o.stale,
                     "Only assets not seen for this long (24h, 7d), and the registry's assets never seen at all")
        ->type_name("DURATION");
    add_now_option(where, o.now, "ages and --stale are measured from it (default: the system clock)");
    add_report_format_option(where, o.format, true);
    where->callback([options, &chosen] {
        WhereOptions& w = *options;
        w.ledger.check();
        report_format(w.format, true);
        w.now_ms = parse_now(w.now).value_or(now_ms());
        if (!w.stale.empty()) w.stale_ms = parse_duration("--stale", w.stale);
        chosen = {"where", [options] { return run_where(*options); }};
    });
}

}  // namespace cli
