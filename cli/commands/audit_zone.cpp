// An audit of one zone against the ledger (audit_zone.hpp): expected versus seen.
#include "audit_zone.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include <fmt/format.h>

#include "adapters/manifest.hpp"
#include "files.hpp"
#include "track/epc.hpp"
#include "track/error.hpp"
#include "track/ledger_links.hpp"

namespace cli {

namespace {

// A manifest of a million tags is about 30 MB: room for any yard.
constexpr std::size_t max_manifest = std::size_t{64} << 20;

bool is_hex_epc(std::string_view text) {
    return text.size() >= 8 && text.size() % 2 == 0 &&
           std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

}  // namespace

std::string AuditFindings::seen_site(const track::AuditLine& line) const {
    const auto it = multi_site ? last.find(line.asset) : last.end();
    return it != last.end() && line.seen == it->second.time ? it->second.site : std::string();
}

AuditFindings audit_zone(track::Ledger& ledger, const std::string& zone, const std::string& expected_file,
                         track::Millis from, track::Millis to, Diagnostics& diagnostics) {
    std::set<std::string> registered;
    std::vector<std::string> expected;
    for (const track::Asset& a : ledger.assets("", false)) {
        registered.insert(a.id);
        if (expected_file.empty() && a.home == zone) expected.push_back(a.id);
    }
    const std::vector<track::Link> links = ledger.all_links();
    track::LinkResolver resolver(links);  // the ledger importer's rule (see track/ledger_links.hpp)
    if (!expected_file.empty()) {
        for (const std::string& value :
             adapters::read_manifest(read_file(expected_file, max_manifest, "manifest"), expected_file, diagnostics)) {
            std::string upper = value;
            std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
            if (is_hex_epc(value) && !registered.count(value)) {
                const std::string& asset = resolver.epc_asset(upper);
                expected.push_back(!asset.empty() ? asset : "epc:" + upper);
            } else if (value.rfind("urn:epc:", 0) == 0) {
                const std::string& asset = resolver.identity_asset(value);
                if (asset.empty()) {
                    diagnostics.note(fmt::format("{}: {} is linked to no asset; left out", expected_file, value));
                    continue;
                }
                expected.push_back(asset);
            } else {
                expected.push_back(value);
            }
        }
        if (expected.empty()) {
            throw track::InputError(expected_file, "no asset ids or EPCs in the manifest");
        }
    }
    track::require_known(ledger, track::NameKind::zone, zone);  // a typo must not audit an empty zone
    track::Audit audit(zone, expected, registered);
    track::epc::Identity identity;
    for (const track::Link& l : links) {
        if (l.kind == track::LinkKind::epc) {
            audit.identity(l.asset, l.value, track::epc::decode(l.value, identity) ? identity.pure_uri : "");
        }
        if (l.kind == track::LinkKind::uri) audit.identity(l.asset, "", l.value);
    }
    ledger.sightings(from, to, [&](const track::Sighting& s) {
        // A read whose tag was linked after it was stored: link() adopts such records; this
        // covers any it did not.
        const bool unresolved_read = s.asset.empty() && s.type == "read";
        audit.sighting(s, unresolved_read ? resolver.tag_asset(s.epc, s.uri) : s.asset);
    });
    AuditFindings findings;
    findings.multi_site = ledger.multi_site();
    for (track::Position& p : ledger.where({})) {
        audit.last_seen(p.asset, p.time, p.zone);
        const auto it = findings.last.find(p.asset);
        if (it == findings.last.end()) {
            findings.last.emplace(p.asset, std::move(p));
        } else if (it->second.time < p.time) {
            it->second = std::move(p);
        }
    }
    findings.previous = ledger.last_audit(zone);
    findings.lines = audit.finish(findings.previous);
    return findings;
}

}  // namespace cli
