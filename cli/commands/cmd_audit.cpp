// `trk audit`: is everything that should be in a zone there? Expected versus seen, for cron.
#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adapters/export.hpp"
#include "adapters/manifest.hpp"
#include "command.hpp"
#include "diagnostics.hpp"
#include "files.hpp"
#include "ledger_access.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "report.hpp"
#include "track/audit.hpp"
#include "track/epc.hpp"
#include "track/error.hpp"
#include "track/json.hpp"
#include "track/json_writer.hpp"
#include "track/ledger_links.hpp"

namespace cli {

namespace {

// A manifest of a million tags is about 30 MB: room for any yard.
constexpr std::size_t max_manifest = std::size_t{64} << 20;

struct AuditOptions {
    LedgerAccess ledger;
    std::string zone, expected, since, from, to, now, format;
    bool no_store = false;
    track::Millis at = 0, window_from = 0, window_to = 0;  ///< checked by setup
};

void check_options(AuditOptions& o) {
    o.ledger.check();
    if (o.zone.empty()) throw track::UsageError("--zone: say which zone to audit");
    o.at = parse_now(o.now).value_or(now_ms());
    if (!o.since.empty() && (!o.from.empty() || !o.to.empty())) {
        throw track::UsageError("--since: give either --since or --from/--to");
    }
    if (!o.since.empty() || o.from.empty()) {
        o.window_from = o.at - (o.since.empty() ? track::ms_per_day : parse_duration("--since", o.since));
        o.window_to = o.at;
    } else {
        o.window_from = parse_time("--from", o.from, o.at);
        o.window_to = o.to.empty() ? o.at : parse_time("--to", o.to, o.at);
    }
    if (o.window_from > o.window_to) throw track::UsageError("--from: the window ends before it starts");
    // Besides the report formats, epcis: an EPCIS 2.0 document (trk export's writer).
    if (!o.format.empty())
        (void)parse_choice("--format", o.format, "a report format", {"table", "jsonl", "csv", "epcis"});
}

bool is_hex_epc(std::string_view text) {
    return text.size() >= 8 && text.size() % 2 == 0 &&
           std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

int run_audit(const AuditOptions& o) {
    Diagnostics diagnostics("audit", false);
    const auto ledger = o.ledger.open();
    std::set<std::string> registered;
    std::vector<std::string> expected;
    for (const track::Asset& a : ledger->assets("", false)) {
        registered.insert(a.id);
        if (o.expected.empty() && a.home == o.zone) expected.push_back(a.id);
    }
    const std::vector<track::Link> links = ledger->all_links();
    track::LinkResolver resolver(links);  // the ledger importer's rule (see track/ledger_links.hpp)
    if (!o.expected.empty()) {
        for (const std::string& value :
             adapters::read_manifest(read_file(o.expected, max_manifest, "manifest"), o.expected, diagnostics)) {
            std::string upper = value;
            std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
            if (is_hex_epc(value) && !registered.count(value)) {
                const std::string& asset = resolver.epc_asset(upper);
                expected.push_back(!asset.empty() ? asset : "epc:" + upper);
            } else if (value.rfind("urn:epc:", 0) == 0) {
                const std::string& asset = resolver.identity_asset(value);
                if (asset.empty()) {
                    diagnostics.note(fmt::format("{}: {} is linked to no asset; left out", o.expected, value));
                    continue;
                }
                expected.push_back(asset);
            } else {
                expected.push_back(value);
            }
        }
        if (expected.empty()) {
            throw track::InputError(o.expected, "no asset ids or EPCs in the manifest");
        }
    }
    track::require_known(*ledger, track::NameKind::zone, o.zone);  // a typo must not audit an empty zone
    track::Audit audit(o.zone, expected, registered);
    track::epc::Identity identity;
    for (const track::Link& l : links) {
        if (l.kind == track::LinkKind::epc) {
            audit.identity(l.asset, l.value, track::epc::decode(l.value, identity) ? identity.pure_uri : "");
        }
        if (l.kind == track::LinkKind::uri) audit.identity(l.asset, "", l.value);
    }
    ledger->sightings(o.window_from, o.window_to, [&](const track::Sighting& s) {
        // A read whose tag was linked after it was stored: link() adopts such records; this
        // covers any it did not.
        const bool unresolved_read = s.asset.empty() && s.type == "read";
        audit.sighting(s, unresolved_read ? resolver.tag_asset(s.epc, s.uri) : s.asset);
    });
    // A central ledger answering for every site: the site of each asset's last position, named
    // where a line's sighting is that position (a sighting carries no site).
    std::map<std::string, const track::Position*> last;
    const std::vector<track::Position> positions = ledger->where({});
    for (const track::Position& p : positions) {
        audit.last_seen(p.asset, p.time, p.zone);
        const track::Position*& kept = last[p.asset];
        if (kept == nullptr || kept->time < p.time) kept = &p;
    }
    const auto seen_site = [&](const track::AuditLine& l) {
        const auto it = ledger->multi_site() ? last.find(l.asset) : last.end();
        return it != last.end() && l.seen == it->second->time ? it->second->site : std::string();
    };
    const std::optional<track::StoredAudit> previous = ledger->last_audit(o.zone);
    const std::vector<track::AuditLine> lines = audit.finish(previous);
    const track::AuditCounts counts = track::count(lines);
    if (!o.no_store) {
        track::StoredAudit kept{o.zone, o.at, o.window_from, o.window_to, {}, {}};
        for (const track::AuditLine& l : lines) kept.statuses.emplace(l.key, std::string(track::to_string(l.status)));
        ledger->add_audit(kept);
    }

    const std::string id = fmt::format("{}/{}", o.zone, track::format_rfc3339(o.at));
    const std::string summary =
        fmt::format("{}: {} present, {} missing, {} misplaced, {} unexpected, {} unknown (seen {} to {}{})", o.zone,
                    counts.present, counts.missing, counts.misplaced, counts.unexpected, counts.unknown,
                    track::format_rfc3339(o.window_from), track::format_rfc3339(o.window_to),
                    previous ? fmt::format("; last audit {}", track::format_rfc3339(previous->time)) : std::string());
    Output out;
    const bool epcis = o.format == "epcis";
    const ReportFormat format = epcis ? ReportFormat::jsonl : report_format(o.format);
    std::unique_ptr<adapters::ExportWriter> document;
    if (epcis) {
        adapters::ExportOptions options;
        options.format = adapters::ExportFormat::epcis;
        options.creation = o.at;
        document = adapters::make_export_writer(options, out.buffer(), [&out] { out.maybe_flush(); });
    }
    if (format == ReportFormat::jsonl) {
        // Event records, so that the audit pipes into trk export and trk ledger import.
        for (const track::AuditLine& l : lines) {
            track::Event e;
            e.time = o.at;
            e.asset = l.asset;
            e.event = "audit";
            fmt::memory_buffer m;
            track::JsonWriter members = track::JsonWriter::extra_members(m);
            const auto member = [&members](std::string_view key, std::string_view value) {
                if (!value.empty()) members.key(key).string(value);
            };
            member("zone", o.zone);
            member("status", track::to_string(l.status));
            member("audit", id);
            member("epc", l.epc);
            member("uri", l.uri);
            if (l.seen) members.key("seen").time(*l.seen);
            member("seen_zone", l.seen_zone);
            member("seen_site", seen_site(l));
            member("change", l.change);
            e.extra.assign(m.data(), m.size());
            if (document) {
                document->record(track::Record(e));
            } else {
                track::append_json(out.buffer(), e);
            }
        }
        if (document) document->finish();
        diagnostics.note(summary);
    } else {
        std::vector<Row> rows;
        rows.reserve(lines.size());
        for (const track::AuditLine& l : lines) {
            rows.push_back({Field::string("asset", l.asset), Field::string("status", track::to_string(l.status)),
                            Field::time("seen", l.seen), Field::string("site", seen_site(l)),
                            Field::string("where", l.seen_zone), Field::string("epc", l.epc),
                            Field::string("change", l.change)});
        }
        std::vector<std::string> columns{"asset", "status", "seen", "where", "epc", "change"};
        if (ledger->multi_site()) columns.insert(columns.begin() + 3, "site");
        write_report(out, format, columns, rows, "nothing expected and nothing seen");
        if (format == ReportFormat::table) {
            fmt::format_to(std::back_inserter(out.buffer()), "\n{}\n", summary);
        } else {
            diagnostics.note(summary);
        }
    }
    out.flush();
    const bool discrepancies = counts.missing > 0 || counts.misplaced > 0 || counts.unknown > 0;
    return discrepancies ? static_cast<int>(track::ExitCode::found) : 0;
}

}  // namespace

void add_audit_command(CLI::App& trk, Invocation& chosen) {
    auto options = std::make_shared<AuditOptions>();
    AuditOptions& o = *options;
    auto* audit = trk.add_subcommand(
        "audit", "Is everything that should be in a zone there? Present, missing, misplaced, unexpected, unknown");
    audit->add_option("--zone", o.zone, "The zone to audit (its assets: those whose home it is)")->type_name("ZONE");
    audit->add_option("--expected", o.expected, "A manifest of asset ids or EPCs (CSV or JSON Lines) instead")
        ->type_name("FILE");
    audit->add_option("--since", o.since, "Sightings of this long before --now count (default 24h)")
        ->type_name("DURATION");
    audit->add_option("--from", o.from, "Sightings from this time (a duration ago counts back from --now)")
        ->type_name("TIME");
    audit->add_option("--to", o.to, "Sightings up to this time (default: --now)")->type_name("TIME");
    add_now_option(audit, o.now, "the audit's time (default: the system clock)");
    audit->add_flag("--no-store", o.no_store, "Do not keep this audit in the ledger (a look, not a count)");
    audit
        ->add_option("--format", o.format,
                     "table, jsonl, csv, or epcis (EPCIS 2.0 cycle counting; default: table on a terminal)")
        ->type_name("FORMAT");
    add_ledger_options(audit, o.ledger);
    audit->callback([options, &chosen] {
        check_options(*options);
        chosen = {"audit", [options] { return run_audit(*options); }};
    });
}

}  // namespace cli
