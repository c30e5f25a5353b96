// `trk audit`: is everything that should be in a zone there? Expected versus seen, for cron.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adapters/export.hpp"
#include "audit_zone.hpp"
#include "command.hpp"
#include "diagnostics.hpp"
#include "ledger_access.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "report.hpp"
#include "track/audit.hpp"
#include "track/error.hpp"
#include "track/json.hpp"
#include "track/json_writer.hpp"

namespace cli {

namespace {

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

int run_audit(const AuditOptions& o) {
    Diagnostics diagnostics("audit", false);
    const auto ledger = o.ledger.open();
    const AuditFindings findings = audit_zone(*ledger, o.zone, o.expected, o.window_from, o.window_to, diagnostics);
    const std::vector<track::AuditLine>& lines = findings.lines;
    const std::optional<track::StoredAudit>& previous = findings.previous;
    const auto seen_site = [&findings](const track::AuditLine& l) { return findings.seen_site(l); };
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
