// `trk ledger keygen|sign|verify`: Ed25519 checkpoints of the ledger's hash chain, and checking them.
#include "ledger_signing.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "diagnostics.hpp"
#include "files.hpp"
#include "ledger_access.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "track/checkpoint.hpp"
#include "track/json_writer.hpp"
#include "track/signing.hpp"

namespace cli {

namespace {

// Checkpoint copies grow by one line (about 300 bytes) per signing: 256 MiB is decades of
// signing every five minutes.
constexpr std::size_t max_checkpoint_file = std::size_t{256} << 20;

struct KeygenOptions {
    std::string file;  ///< the private key; the public key goes to FILE.pub
};

struct SignOptions {
    LedgerAccess ledger;
    std::string key;       ///< --key: the private key file
    std::string now;       ///< --now: the checkpoint's time; empty: the time of the run
    track::Millis at = 0;  ///< the checkpoint's time, settled by the setup step
};

struct VerifyOptions {
    LedgerAccess ledger;
    std::string pubkey;                    ///< --pubkey: check the checkpoints against this key
    std::vector<std::string> checkpoints;  ///< --checkpoint: copies kept outside the ledger
    std::string format;                    ///< --format: text (default) or json
};

// What verify found, written as text or as one JSON object.
struct VerifyReport {
    track::Verification chain;
    std::size_t kept = 0;                           ///< checkpoints kept in the ledger
    std::optional<track::CheckpointCheck> checked;  ///< with --pubkey
    bool sites = false;                             ///< a central ledger of every site: each site's chain listed
    [[nodiscard]] bool ok() const {
        return chain.integrity == "ok" && !chain.first_broken && !(checked && checked->failure);
    }
};

std::string records(std::uint64_t n) { return fmt::format("{} record{}", n, n == 1 ? "" : "s"); }

int run_keygen(const KeygenOptions& o) {
    track::write_key_files(o.file, track::PrivateKey::generate());
    Diagnostics("ledger keygen", false)
        .note(fmt::format("private key in {} (mode 0600), public key in {}.pub; keep the private key "
                          "readable by the signing user only, ideally not on the ledger's disk",
                          o.file, o.file));
    return 0;
}

int run_sign(const SignOptions& o) {
    const track::PrivateKey key = track::load_private_key(o.key);
    const auto ledger = o.ledger.open();
    const std::optional<track::ChainLink> head = ledger->head();
    if (!head) throw track::InputError(o.ledger.path, "holds no record yet: nothing to sign (import records first)");
    const std::vector<track::Checkpoint> kept = ledger->checkpoints();
    const auto signed_already = std::find_if(kept.begin(), kept.end(), [&](const track::Checkpoint& c) {
        return c.seq == head->seq && c.hash == head->hash && c.key == key.public_key();
    });
    if (signed_already != kept.end()) {
        Diagnostics("ledger sign", false)
            .note(fmt::format("record {}, the chain's head, is signed by this key already (at {}); nothing to do",
                              head->seq, track::format_rfc3339(signed_already->time)));
        return 0;
    }
    const track::Checkpoint checkpoint = track::sign_checkpoint(key, *head, o.at);
    ledger->add_checkpoint(checkpoint);
    Output out;
    track::append_json(out.buffer(), checkpoint);
    out.flush();
    Diagnostics("ledger sign", false)
        .note(fmt::format("signed record {}, the chain's head, at {}", head->seq, track::format_rfc3339(o.at)));
    return 0;
}

void write_verify_text(fmt::memory_buffer& b, const VerifyReport& r) {
    const track::Verification& v = r.chain;
    fmt::format_to(std::back_inserter(b), "integrity: {}\n", v.integrity);
    if (v.first_broken) {
        fmt::format_to(std::back_inserter(b), "chain: broken at record {}{} (after {} good records): {}\n",
                       *v.first_broken, r.sites ? " of site " + v.broken_site : "", v.records - 1, v.broken_record);
    } else {
        fmt::format_to(std::back_inserter(b), "chain: {} records, unbroken\n", v.records);
    }
    // A central ledger of every site: each site's chain (narrowed by --site, it answers as the
    // site's file does).
    for (const auto& [site, checked] : r.sites ? v.sites : decltype(v.sites)()) {
        if (v.first_broken && site == v.broken_site) {
            fmt::format_to(std::back_inserter(b), "site {}: chain broken at record {}\n", site, *v.first_broken);
        } else {
            fmt::format_to(std::back_inserter(b), "site {}: {}, chain intact\n", site, records(checked));
        }
    }
    if (!r.checked) {
        if (r.kept > 0) {
            fmt::format_to(std::back_inserter(b),
                           "checkpoints: {} kept, not checked (check them with --pubkey FILE.pub)\n", r.kept);
        }
        return;
    }
    const track::CheckpointCheck& check = *r.checked;
    if (check.failure) {
        fmt::format_to(std::back_inserter(b), "checkpoints: {}\n", *check.failure);
        return;
    }
    fmt::format_to(std::back_inserter(b),
                   "checkpoints: {} checked: signed by the key, and the chain passes through each\n", check.checked);
    if (check.unsigned_records == 0) {
        fmt::format_to(std::back_inserter(b), "unsigned: none, the last checkpoint is the chain's head\n");
    } else {
        fmt::format_to(std::back_inserter(b),
                       "unsigned: {} after the last checkpoint (record {}), protected by the hash chain "
                       "alone until signed\n",
                       records(check.unsigned_records), *check.last_seq);
    }
}

// The fields of trk-ledger(1): ok, integrity, records, first_broken and broken_record (when
// broken; broken_site on a central ledger), sites (a central ledger's chains), checkpoints_kept, and with --pubkey
// checkpoints_checked, unsigned_records and last_signed, or checkpoint_failure.
void write_verify_json(fmt::memory_buffer& b, const VerifyReport& r) {
    track::JsonWriter w(b);
    const track::Verification& v = r.chain;
    w.begin_object().key("ok").boolean(r.ok()).key("integrity").string(v.integrity);
    w.key("records").integer(v.records);
    if (v.first_broken) w.key("first_broken").integer(*v.first_broken).key("broken_record").string(v.broken_record);
    if (r.sites && v.first_broken) w.key("broken_site").string(v.broken_site);
    if (r.sites) {
        w.key("sites").begin_array();
        for (const auto& [site, checked] : v.sites) {
            w.begin_object().key("site").string(site).key("records").integer(checked);
            w.key("intact").boolean(!(v.first_broken && site == v.broken_site)).end_object();
        }
        w.end_array();
    }
    w.key("checkpoints_kept").integer(r.kept);
    if (r.checked && r.checked->failure) {
        w.key("checkpoint_failure").string(*r.checked->failure);
    } else if (r.checked) {
        w.key("checkpoints_checked").integer(r.checked->checked);
        w.key("unsigned_records").integer(r.checked->unsigned_records);
        if (r.checked->last_seq) w.key("last_signed").integer(*r.checked->last_seq);
    }
    w.end_object().newline();
}

int run_verify(const VerifyOptions& o) {
    // Key and copies first: a bad file is reported before the ledger is walked.
    std::optional<track::PublicKey> key;
    if (!o.pubkey.empty()) key = track::load_public_key(o.pubkey);
    std::vector<track::KeptCheckpoint> copies;
    for (const std::string& file : o.checkpoints) {
        for (track::KeptCheckpoint& c :
             track::parse_checkpoints(read_file(file, max_checkpoint_file, "checkpoint file"), file)) {
            copies.push_back(std::move(c));
        }
    }
    const auto ledger = o.ledger.open();
    const track::Verification v = [&ledger] {
        Progress progress("ledger verify");
        // Every site's chain has a head of its own (head() wants --site): no total to show.
        const auto head = ledger->multi_site() ? std::nullopt : ledger->head();
        return ledger->verify([&](std::uint64_t checked) { progress.update_of(checked, head ? head->seq : 0); });
    }();
    VerifyReport report{v, ledger->checkpoints().size(), std::nullopt, ledger->multi_site()};
    if (key) report.checked = track::check_checkpoints(*ledger, *key, copies);
    Output out;
    if (o.format == "json") {
        write_verify_json(out.buffer(), report);
    } else {
        write_verify_text(out.buffer(), report);
    }
    out.flush();
    return report.ok() ? 0 : 1;
}

}  // namespace

void add_ledger_format_option(CLI::App* command, std::string& format) {
    command->add_option("--format", format, "text (default) or json (one JSON object)")->type_name("FORMAT");
}

void check_ledger_format(const std::string& format) {
    if (!format.empty()) (void)parse_choice("--format", format, "a format", {"text", "json"});
}

void add_ledger_signing_commands(CLI::App* ledger, Invocation& chosen) {
    auto keygen_options = std::make_shared<KeygenOptions>();
    auto* keygen = ledger->add_subcommand(
        "keygen", "Make an Ed25519 key pair: the private key in FILE (mode 0600), the public key in FILE.pub");
    keygen->add_option("FILE", keygen_options->file, "The private key file to create (never overwritten)")->required();
    keygen->callback([keygen_options, &chosen] {
        chosen = {"ledger keygen", [keygen_options] { return run_keygen(*keygen_options); }};
    });

    auto sign_options = std::make_shared<SignOptions>();
    auto* sign = ledger->add_subcommand(
        "sign",
        "Sign the chain's head (last record, its hash, the time) and keep the checkpoint in the ledger; "
        "print it as a JSON line to keep elsewhere too");
    add_ledger_options(sign, sign_options->ledger);
    sign->add_option("--key", sign_options->key, "The private key file (from keygen; mode 0600 or stricter)")
        ->type_name("FILE")
        ->required();
    add_now_option(sign, sign_options->now, "the checkpoint's time (default: the system clock)");
    sign->callback([sign_options, &chosen] {
        SignOptions& o = *sign_options;
        o.ledger.check();
        o.at = parse_now(o.now).value_or(now_ms());
        chosen = {"ledger sign", [sign_options] { return run_sign(*sign_options); }};
    });

    auto verify_options = std::make_shared<VerifyOptions>();
    auto* verify = ledger->add_subcommand(
        "verify",
        "Check the file (SQLite integrity_check), the hash chain of every record and, with --pubkey, every signed "
        "checkpoint; exit 1 when anything fails");
    add_ledger_options(verify, verify_options->ledger);
    verify
        ->add_option("--pubkey", verify_options->pubkey,
                     "Check that every checkpoint is signed by this public key and that the chain passes through it")
        ->type_name("FILE.pub");
    verify
        ->add_option("--checkpoint", verify_options->checkpoints,
                     "Checkpoints 'trk ledger sign' printed, kept outside the ledger: check them too, and that "
                     "none was deleted from the ledger (repeatable)")
        ->type_name("FILE")
        ->allow_extra_args(false);
    add_ledger_format_option(verify, verify_options->format);
    verify->callback([verify_options, &chosen] {
        VerifyOptions& o = *verify_options;
        o.ledger.check();
        check_ledger_format(o.format);
        if (!o.checkpoints.empty() && o.pubkey.empty()) {
            throw track::UsageError("--checkpoint: needs --pubkey, the key to check the checkpoints against");
        }
        // Each site signs its own chain with its own key: checkpoints are checked one site at a time.
        if (!o.pubkey.empty() && o.ledger.central() && o.ledger.site.empty()) {
            throw track::UsageError(
                "--pubkey: a central ledger holds one chain per site, each signed by its site's key: say which "
                "site with --site");
        }
        chosen = {"ledger verify", [verify_options] { return run_verify(*verify_options); }};
    });
}

}  // namespace cli
