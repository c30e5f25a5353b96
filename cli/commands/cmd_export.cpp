// `trk export`: records (JSON Lines) to a GeoJSON, GPX, KML, CSV or EPCIS 2.0 document for maps, GIS,
// spreadsheets and supply-chain systems.
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "adapters/export.hpp"
#include "command.hpp"
#include "diagnostics.hpp"
#include "files.hpp"
#include "ledger_access.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "record_input.hpp"
#include "track/signing.hpp"

namespace cli {

namespace {

struct ExportOptions {
    std::vector<std::string> files;
    std::string format;
    std::string gap;  ///< empty: not given
    bool lines = false;
    bool strict = false;
    std::string now;                 ///< --now (epcis); empty: the time of the run
    LedgerAccess ledger;             ///< epcis: the readers' zones
    bool ledger_named = false;       ///< --ledger or $TRK_LEDGER given: the ledger must open
    std::string output;              ///< -o: the document's file; empty: standard output
    std::string sign;                ///< --sign: the private key whose signature goes to OUTPUT.sig
    adapters::ExportOptions parsed;  ///< filled by check()
};

void check(ExportOptions& o) {
    const auto format = adapters::export_format_from_string(o.format);
    if (!format)
        (void)parse_choice("--format", o.format, "an export format", {"geojson", "gpx", "kml", "csv", "epcis"});
    o.parsed.format = *format;
    // An option the format would ignore is a mistake worth saying, not a silent no-op.
    if (o.lines && *format != adapters::ExportFormat::geojson && *format != adapters::ExportFormat::kml) {
        throw track::UsageError("--lines: applies to --format geojson and kml only");
    }
    o.parsed.lines = o.lines;
    if (!o.gap.empty()) {
        if (*format != adapters::ExportFormat::gpx) throw track::UsageError("--gap: applies to --format gpx only");
        o.parsed.gap = parse_duration("--gap", o.gap);
    }
    const bool epcis = *format == adapters::ExportFormat::epcis;
    if (!o.now.empty()) {
        if (!epcis) throw track::UsageError("--now: applies to --format epcis only");
        o.parsed.creation = *parse_now(o.now);
    }
    const char* env = std::getenv("TRK_LEDGER");
    o.ledger_named = !o.ledger.path.empty() || (env != nullptr && *env != '\0');
    if (!o.ledger.path.empty() && !epcis) throw track::UsageError("--ledger: applies to --format epcis only");
    o.ledger.check();
    if (!o.sign.empty() && o.output.empty()) {
        throw track::UsageError("--sign: needs -o FILE, the document to sign (the signature goes to FILE.sig)");
    }
    if (o.files.empty()) o.files.emplace_back("-");
}

// epcis: the fixed readers of the ledger, when there is one (named, or the default file).
std::vector<track::Reader> ledger_readers(const ExportOptions& o) {
    if (o.parsed.format != adapters::ExportFormat::epcis) return {};
    if (!o.ledger_named && !std::filesystem::exists(o.ledger.path)) return {};
    return o.ledger.open()->readers();
}

// Signs the document written to `file` (exactly its bytes) and writes the signature to
// OUTPUT.sig, before the document replaces OUTPUT.
void sign_document(const ExportOptions& o, const track::PrivateKey& key, const ReplacementFile& file) {
    const MappedFile document(file.fd(), o.output);
    const track::Signature signature = key.sign(document.bytes());
    write_file_atomically(o.output + ".sig", std::string(signature.begin(), signature.end()), 0600);
}

// An input of objects none of which is a record: most likely a report's rows piped in (trk
// where, trk asset list), which an empty document would hide.
track::InputError nothing_to_export(std::uint64_t objects) {
    return track::InputError(
        "", fmt::format("nothing to export: {} of the input {} a trk record (no \"type\" of fix, read, reading or "
                        "event); reports write rows, not records: for the last positions on a map use 'trk where "
                        "--format geojson', for the fences 'trk fence list --format geojson'",
                        objects == 1 ? "the one object" : fmt::format("none of the {} objects", objects),
                        objects == 1 ? "is not" : "is"));
}

int run(const ExportOptions& o) {
    Diagnostics diagnostics("export", o.strict);
    const std::optional<track::PrivateKey> key =
        o.sign.empty() ? std::nullopt : std::optional(track::load_private_key(o.sign));
    const auto sources = open_inputs(o.files);
    adapters::ExportOptions options = o.parsed;
    options.readers = ledger_readers(o);
    if (options.format == adapters::ExportFormat::epcis && o.now.empty()) options.creation = now_ms();
    std::optional<ReplacementFile> file;
    if (!o.output.empty()) file.emplace(o.output, 0600);
    Output out(file ? file->fd() : 1, file ? o.output : std::string());
    const auto writer = adapters::make_export_writer(options, out.buffer(), [&out] { out.maybe_flush(); });
    std::uint64_t not_records = 0;  // objects without a record type: report rows, another program's JSON
    std::uint64_t records = 0;
    {
        Progress progress("export");
        for (const auto& source : sources) {
            read_records(
                *source, diagnostics,
                [&](track::Record& record, const track::Location&) {
                    if (std::holds_alternative<track::OpaqueRecord>(record)) ++not_records;
                    writer->record(record);
                    progress.update(++records, source->bytes_read(), source->size());
                },
                [&out] { out.flush(); });
        }
    }
    writer->finish();
    out.flush();
    if (not_records > 0 && writer->counts().exported == 0) throw nothing_to_export(not_records);
    if (file) {
        if (key) sign_document(o, *key, *file);
        file->commit();
    }
    if (not_records > 0) {
        diagnostics.note(fmt::format("{} {} not a trk record (no \"type\" of fix, read, reading or event) left out",
                                     not_records, not_records == 1 ? "object that is" : "objects that are"));
    }
    if (const std::uint64_t n = writer->counts().no_position; n > 0) {
        diagnostics.note(fmt::format("{} {} without a position (fix \"none\") left out", n, n == 1 ? "fix" : "fixes"));
    }
    // Records that the format has no place for (reads on a map) are left out quietly, but a
    // document left empty by them says so: an RFID-only history makes no map.
    if (const adapters::ExportCounts& c = writer->counts(); c.exported == 0 && c.other > not_records) {
        const std::uint64_t n = c.other - not_records;
        diagnostics.note(fmt::format("the document is empty: the {} {} of the input {} no place in {}{}", n,
                                     n == 1 ? "record" : "records", n == 1 ? "has" : "have", o.format,
                                     o.parsed.format == adapters::ExportFormat::epcis
                                         ? ""
                                         : " (only fixes with a position make one; csv keeps every record)"));
    }
    diagnostics.summary();
    return 0;
}

}  // namespace

void add_export_command(CLI::App& trk, Invocation& chosen) {
    auto options = std::make_shared<ExportOptions>();
    ExportOptions& o = *options;
    auto* exp = trk.add_subcommand("export", "Turn records into a GeoJSON, GPX, KML, CSV or EPCIS 2.0 document");
    exp->add_option("FILE", o.files, "JSON Lines record files; '-' or none: standard input");
    exp->add_option(
           "-f,--format", o.format,
           "geojson (a point per fix), gpx (a track per asset), kml, csv or epcis (an EPCIS 2.0 event per record)")
        ->type_name("FORMAT")
        ->required();
    exp->add_flag("--lines", o.lines, "geojson, kml: a line per asset (or device) instead of a point per fix");
    exp->add_option("--gap", o.gap, "gpx: start a new track segment where fixes are further apart (default 5m)")
        ->type_name("DURATION");
    add_now_option(exp, o.now, "epcis: the document's creationDate (default: the system clock)");
    exp->add_option("-o,--output", o.output,
                    "Write the document to FILE (mode 0600, replaced whole once complete) instead of standard output")
        ->type_name("FILE");
    exp->add_option("--sign", o.sign,
                    "Sign the document with this Ed25519 private key (trk ledger keygen): the raw 64-byte signature "
                    "goes to FILE.sig; needs -o")
        ->type_name("KEY");
    add_ledger_options(exp, o.ledger);
    exp->add_flag("--strict", o.strict, "Stop at the first bad record with exit status 65");
    exp->callback([options, &chosen] {
        check(*options);
        chosen = {"export", [options] { return run(*options); }};
    });
}

}  // namespace cli
