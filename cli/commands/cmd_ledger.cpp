// `trk ledger init|import|info`: the ledger (a file, or a central ledger) and storing records in it
// (keygen|sign|verify: ledger_signing.cpp).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

#include "command.hpp"
#include "diagnostics.hpp"
#include "ledger_access.hpp"
#include "ledger_pull.hpp"
#include "ledger_push.hpp"
#include "ledger_signing.hpp"
#include "output.hpp"
#include "record_input.hpp"
#include "signals.hpp"
#include "track/error.hpp"
#include "track/json.hpp"
#include "track/json_writer.hpp"
#include "track/number.hpp"

namespace cli {

namespace {

struct InitOptions {
    LedgerAccess ledger;
    std::string mode = "0600";
    int parsed_mode = 0600;
    bool central = false;  ///< --central: create the central ledger's schema at the URL
};

struct ImportOptions {
    LedgerAccess ledger;
    std::vector<std::string> files;
    bool pass = false;
    bool strict = false;
    int batch = 100000;
};

struct InfoOptions {
    LedgerAccess ledger;
    std::string format;  ///< text (default) or json
};

// A value of info(), or "?" when the ledger does not give it.
std::string info_value(const std::map<std::string, std::string>& info, const std::string& key) {
    const auto it = info.find(key);
    return it != info.end() ? it->second : "?";
}

// What an administrator does after `trk ledger init --central`: the site roles, the
// reporting role, the password files and the sites' side (trk-ledger(1), CENTRAL LEDGER).
std::string central_steps(const std::string& url) {
    const track::CentralUrlParts parts = track::central_url_parts(url);
    const std::string database = parts.database.empty() ? "DATABASE" : parts.database;
    const std::string server = parts.host.empty() || parts.host.starts_with("/") ? "HOST" : parts.host;
    return fmt::format(
        "next, as a superuser of the database (psql -d {0}), step by step:\n"
        "  1. a login role per site, which may only insert its own site's records, and the site it pushes for:\n"
        "       CREATE ROLE site_yard LOGIN PASSWORD 'a long random password' IN ROLE trk_site;\n"
        "       INSERT INTO trk.sites (name, role) VALUES ('yard', 'site_yard');\n"
        "  2. a read-only login role for reports (trk where, history, ledger verify --ledger URL):\n"
        "       CREATE ROLE report LOGIN PASSWORD 'another long random password' IN ROLE trk_report;\n"
        "  3. at each site, the password in ~/.pgpass (mode 0600) of the user that runs trk, never in the URL:\n"
        "       *:*:{0}:site_yard:a long random password\n"
        "  4. at each site, its name in its ledger, then a cron line that pushes:\n"
        "       trk ledger init --site yard\n"
        "       */5 * * * * trk ledger push --to 'postgresql://site_yard@{1}/{0}?sslmode=verify-full'",
        database, server);
}

int run_init(const InitOptions& o) {
    Diagnostics diagnostics("ledger init", false);
    if (o.central) {
        const auto ledger = o.ledger.open(true);
        const auto info = ledger->info();
        diagnostics.note(fmt::format("{}: central ledger ready (schema version {}, {} sites)", o.ledger.path,
                                     info_value(info, "schema_version"), ledger->sites().size()));
        diagnostics.note(central_steps(o.ledger.path));
        return 0;
    }
    const bool existed = ::access(o.ledger.path.c_str(), F_OK) == 0;
    const auto ledger = o.ledger.open(true, o.parsed_mode);
    const auto info = ledger->info();
    const std::optional<std::string> site = ledger->setting("site");
    diagnostics.note(fmt::format("{} {} (schema version {}, {} records{})", o.ledger.path,
                                 existed ? "exists already" : "created", info.at("schema_version"), info.at("records"),
                                 site ? ", site " + *site : std::string()));
    return 0;
}

// Stores records from the inputs in batches; with --pass, writes each batch's records to
// standard output once it is committed (so what flows on is stored).
class ImportRun {
public:
    explicit ImportRun(const ImportOptions& o)
        : o_(o), diagnostics_("ledger import", o.strict), ledger_(o.ledger.open()), importer_(ledger_->importer()) {}

    int run() {
        const auto sources = open_inputs(o_.files);
        try {
            import(sources);
        } catch (const track::IoError& e) {
            // The batch in progress is rolled back when the importer goes; say what is kept.
            throw track::IoError(fmt::format("{} (nothing of this batch was stored; {} records stored before it)",
                                             e.what(), importer_->counts().stored));
        }
        const track::ImportCounts& c = importer_->counts();
        diagnostics_.summary();
        diagnostics_.note(fmt::format("{} new, {} duplicate, {} rejected; {} stored without an asset", c.stored,
                                      c.duplicates, diagnostics_.skipped_count(), c.unresolved));
        return 0;
    }

private:
    void import(const std::vector<std::unique_ptr<adapters::FileSource>>& sources) {
        for (const auto& source : sources) {
            if (stop_on_signals().load()) break;
            source_ = source.get();
            // A live pipe is committed whenever it goes quiet; a file only per batch, since
            // each commit waits for the disk.
            const bool live = !source->is_regular_file();
            read_records(
                *source, diagnostics_,
                [this](track::Record& record, const track::Location& where) { add(record, where); },
                [this, live] {
                    if (live) commit();
                });
        }
        commit();
    }

    void add(track::Record& record, const track::Location& where) {
        progress_.update(++records_, source_->bytes_read(), source_->size());
        if (const std::string why = importer_->add(record); !why.empty()) {
            diagnostics_.skipped(where, "not stored", why);
            return;
        }
        if (o_.pass) track::append_json(passed_, record);
        if (importer_->pending() >= static_cast<std::uint64_t>(o_.batch)) commit();
    }

    void commit() {
        importer_->commit();
        if (passed_.size() == 0) return;
        out_.buffer().append(passed_.data(), passed_.data() + passed_.size());
        passed_.clear();
        out_.flush();
    }

    const ImportOptions& o_;
    Diagnostics diagnostics_;
    std::unique_ptr<track::Ledger> ledger_;
    std::unique_ptr<track::Importer> importer_;
    fmt::memory_buffer passed_;
    Output out_;
    Progress progress_{"ledger import"};
    const adapters::FileSource* source_ = nullptr;  ///< the one being read
    std::uint64_t records_ = 0;                     ///< read so far, for progress
};

// Whether an info() value is a count or a version (a JSON number), not a path or a URL.
bool is_count(const std::string& value) {
    return !value.empty() && value.find_first_not_of("0123456789") == std::string::npos;
}

int run_info(const InfoOptions& o) {
    const auto ledger = o.ledger.open();
    std::map<std::string, std::string> info = ledger->info();
    if (o.ledger.central() && !info.contains("sites")) info.emplace("sites", std::to_string(ledger->sites().size()));
    Output out;
    if (o.format == "json") {
        // Counts and versions are JSON numbers; the path (a central ledger's URL) a string.
        track::JsonWriter w(out.buffer());
        w.begin_object();
        for (const auto& [key, value] : info) {
            w.key(key);
            if (is_count(value)) w.raw(value);
            else w.string(value);
        }
        w.end_object().newline();
    } else {
        for (const auto& [key, value] : info) fmt::format_to(std::back_inserter(out.buffer()), "{}: {}\n", key, value);
    }
    out.flush();
    return 0;
}

}  // namespace

void add_ledger_command(CLI::App& trk, Invocation& chosen) {
    auto* ledger = trk.add_subcommand("ledger",
                                      "The asset ledger, a site's SQLite file or the central PostgreSQL one: create "
                                      "it, store records, sign and verify, push and pull");
    ledger->require_subcommand(1);

    auto init_options = std::make_shared<InitOptions>();
    auto* init = ledger->add_subcommand("init", "Create the ledger file (or upgrade an older one)");
    add_ledger_options(init, init_options->ledger);
    init->add_option("--mode", init_options->mode, "Permissions of a new ledger file, octal")->default_str("0600");
    init->add_flag("--central", init_options->central,
                   "Create a central ledger's schema at the postgresql:// URL of --ledger, and print how to add "
                   "its site roles");
    init->callback([init_options, &chosen] {
        InitOptions& o = *init_options;
        o.ledger.check(true);
        if (o.ledger.central() && !o.central) {
            throw track::UsageError(
                "--ledger: a postgresql:// URL is a central ledger; to create its schema say so with --central");
        }
        if (o.central && !o.ledger.central()) {
            throw track::UsageError(
                "--central: creates a central ledger on PostgreSQL; --ledger must be its postgresql:// URL, not a "
                "file");
        }
        if (o.central && !o.ledger.site.empty()) {
            throw track::UsageError(
                "--site: a central ledger holds every site's records; give --site to each site's `trk ledger init`");
        }
        const auto mode =
            o.mode.find_first_not_of("01234567") == std::string::npos && !o.mode.empty() && o.mode.size() <= 4
                ? std::optional<int>(std::stoi(o.mode, nullptr, 8))
                : std::nullopt;
        if (!mode || (*mode & 0600) != 0600) {
            throw track::UsageError(
                fmt::format("--mode: '{}' is not an octal mode that lets its owner read and write, like 0600", o.mode));
        }
        o.parsed_mode = *mode;
        chosen = {"ledger init", [init_options] { return run_init(*init_options); }};
    });

    auto import_options = std::make_shared<ImportOptions>();
    auto* import =
        ledger->add_subcommand("import", "Store fix, read, reading and event records; importing twice stores once");
    add_ledger_options(import, import_options->ledger);
    import->add_option("FILE", import_options->files, "JSON Lines of records; '-' or none: standard input");
    import->add_flag("--pass", import_options->pass,
                     "Also write every stored record to standard output, once committed");
    import
        ->add_option("--batch", import_options->batch,
                     "Records per transaction (a live pipe is also committed whenever it goes quiet)")
        ->default_str("100000")
        ->check(CLI::Range(1, 1'000'000));
    import->add_flag("--strict", import_options->strict, "Stop at the first bad record with exit status 65");
    import->callback([import_options, &chosen] {
        import_options->ledger.check();
    if (import_options->files.empty()) import_options->files.emplace_back("-");
    chosen = {"ledger import", [import_options] { return ImportRun(*import_options).run(); }};
});

add_ledger_signing_commands(ledger, chosen);
add_ledger_push_command(ledger, chosen);
add_ledger_pull_command(ledger, chosen);

auto info_options = std::make_shared<InfoOptions>();
auto* info = ledger->add_subcommand("info", "Where the ledger is, its schema version, and what it holds");
add_ledger_options(info, info_options->ledger);
add_ledger_format_option(info, info_options->format);
info->callback([info_options, &chosen] {
    info_options->ledger.check();
    check_ledger_format(info_options->format);
    chosen = {"ledger info", [info_options] { return run_info(*info_options); }};
});
}  // namespace cli

}  // namespace cli
