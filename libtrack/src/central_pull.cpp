// trk ledger pull: the central registry (assets, links, readers, fences) brought into a site's
// ledger, central winning, through the Ledger interface alone (see track/central.hpp).
//
// The registry is small (thousands of entries), so both sides are read whole and compared in
// memory; then the local ledger is changed entry by entry. The Ledger interface has no
// transaction spanning calls: a pull cut short leaves part of the registry pulled, and the
// next pull finishes it (each step is idempotent).
#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "track/central.hpp"
#include "track/error.hpp"
#include "track/fence.hpp"
#include "track/json_writer.hpp"
#include "track/time.hpp"

namespace track {

namespace {

// The kinds of registry entry, in the order pull applies them and reports them: assets
// first, since links name them.
constexpr const char* kinds[] = {"asset", "link", "reader", "fence"};

// A fence's feature longer than this is shortened in a change's detail.
constexpr std::size_t detail_feature_length = 60;

// One field of a local entry in a change's detail: `name value`, "(none)" for an empty value.
std::string field(std::string_view name, std::string_view value) {
    return fmt::format("{} {}", name, value.empty() ? "(none)" : value);
}

std::string attrs_text(const std::map<std::string, std::string>& attrs) {
    return json_text([&attrs](JsonWriter& w) {
        w.begin_object();
        for (const auto& member : attrs) w.key(member.first).string(member.second);
        w.end_object();
    });
}

std::string joined(const std::vector<std::string>& parts) { return fmt::format("{}", fmt::join(parts, ", ")); }

// Maps entries by id.
template <typename Entry, typename Id>
std::map<std::string, Entry> by_id(std::vector<Entry> entries, Id id) {
    std::map<std::string, Entry> out;
    for (Entry& e : entries) {
        std::string key = id(e);
        out.emplace(std::move(key), std::move(e));
    }
    return out;
}

// Compares the central and local entries of one kind. `differences(local, central)` says
// in short what the local version is where it differs (empty: the same); `adopt(central,
// local)` makes the local ledger hold the central version (local: nullptr when absent).
// Reports every entry not unchanged; `adopt` is not called on a dry run.
template <typename Entry, typename Differences, typename Adopt>
void reconcile(const char* kind, const std::map<std::string, Entry>& central, const std::map<std::string, Entry>& local,
               bool dry_run, PullResult& result, Differences differences, Adopt adopt) {
    for (const auto& [id, entry] : central) {
        const auto here = local.find(id);
        if (here == local.end()) {
            result.changes.push_back({kind, id, "added", ""});
            if (!dry_run) adopt(entry, nullptr);
            continue;
        }
        std::string detail = differences(here->second, entry);
        if (detail.empty()) {
            ++result.unchanged;
            continue;
        }
        result.changes.push_back({kind, id, "replaced", std::move(detail)});
        if (!dry_run) adopt(entry, &here->second);
    }
    for (const auto& entry : local) {
        if (!central.contains(entry.first)) result.changes.push_back({kind, entry.first, "kept", ""});
    }
}

std::vector<Asset> every_asset(Ledger& ledger) {
    std::vector<Asset> out = ledger.assets("", false);
    std::vector<Asset> retired = ledger.assets("", true);
    out.insert(out.end(), std::make_move_iterator(retired.begin()), std::make_move_iterator(retired.end()));
    return out;
}

// Assets: name, kind, home and attrs, and retirement. The interface retires but never
// returns an asset to service, and keeps the first retirement's time: an asset retired here
// stays retired (said in the detail), whatever central says.
void pull_assets(Ledger& local, Ledger& central, bool dry_run, PullResult& result) {
    const auto id = [](const Asset& a) { return a.id; };
    const auto central_assets = by_id(every_asset(central), id);
    const auto local_assets = by_id(every_asset(local), id);
    std::vector<Asset> upserts;
    std::vector<std::pair<std::string, Millis>> retirements;
    const auto differences = [](const Asset& here, const Asset& there) {
        std::vector<std::string> parts;
        if (here.name != there.name) parts.push_back(field("name", here.name));
        if (here.kind != there.kind) parts.push_back(field("kind", here.kind));
        if (here.home != there.home) parts.push_back(field("home", here.home));
        if (here.attrs != there.attrs) parts.push_back(field("attrs", attrs_text(here.attrs)));
        if (there.retired && !here.retired) parts.emplace_back("in service");
        if (here.retired && !there.retired && !parts.empty()) {
            parts.push_back(fmt::format("retired {} (stays retired)", format_rfc3339(*here.retired)));
        }
        return joined(parts);
    };
    reconcile("asset", central_assets, local_assets, dry_run, result, differences,
              [&](const Asset& there, const Asset* here) {
                  upserts.push_back(there);
                  if (there.retired && !(here != nullptr && here->retired)) {
                      retirements.emplace_back(there.id, *there.retired);
                  }
              });
    // Retired here, in service centrally, and otherwise the same: nothing can be replaced;
    // reported as kept so that the difference is seen.
    for (const auto& [asset_id, here] : local_assets) {
        const auto there = central_assets.find(asset_id);
        if (there == central_assets.end() || !here.retired || there->second.retired) continue;
        if (!differences(here, there->second).empty()) continue;
        --result.unchanged;
        result.changes.push_back({"asset", asset_id, "kept",
                                  fmt::format("retired {}, in service centrally (a retirement is not undone)",
                                              format_rfc3339(*here.retired))});
    }
    if (!upserts.empty()) local.upsert_assets(upserts);
    for (const auto& [asset_id, when] : retirements) local.retire(asset_id, when);
}

// Links: a value linked to another asset here is unlinked from it and linked to central's.
void pull_links(Ledger& local, Ledger& central, bool dry_run, PullResult& result) {
    const auto id = [](const Link& l) { return fmt::format("{}:{}", to_string(l.kind), l.value); };
    reconcile(
        "link", by_id(central.all_links(), id), by_id(local.all_links(), id), dry_run, result,
        [](const Link& here, const Link& there) {
            return here.asset == there.asset ? std::string() : "linked to asset " + here.asset;
        },
        [&local](const Link& there, const Link* here) {
            if (here != nullptr) local.unlink(*here);
            local.link(there);
        });
}

std::string antennas_text(const std::map<int, std::string>& zones) {
    std::vector<std::string> parts;
    parts.reserve(zones.size());
    for (const auto& antenna : zones) parts.push_back(fmt::format("{} {}", antenna.first, antenna.second));
    return parts.empty() ? "(none)" : fmt::format("{}", fmt::join(parts, "; "));
}

std::string place_text(const Reader& r) {
    if (!r.lat || !r.lon) return "(none)";
    return fmt::format("{},{}", *r.lat, *r.lon);
}

void pull_readers(Ledger& local, Ledger& central, bool dry_run, PullResult& result) {
    const auto id = [](const Reader& r) { return r.id; };
    reconcile(
        "reader", by_id(central.readers(), id), by_id(local.readers(), id), dry_run, result,
        [](const Reader& here, const Reader& there) {
            std::vector<std::string> parts;
            if (here.zone != there.zone) parts.push_back(field("zone", here.zone));
            if (here.lat != there.lat || here.lon != there.lon) parts.push_back("at " + place_text(here));
            if (here.antenna_zones != there.antenna_zones) {
                parts.push_back("antennas " + antennas_text(here.antenna_zones));
            }
            return joined(parts);
        },
        [&local](const Reader& there, const Reader*) { local.put_reader(there); });
}

// Fences: the feature (shape and properties) is compared; when it was added is not.
void pull_fences(Ledger& local, Ledger& central, bool dry_run, PullResult& result) {
    const auto id = [](const StoredFence& f) { return f.id; };
    const std::vector<StoredFence> central_fences = central.fences();
    std::set<std::string> adopted;
    reconcile(
        "fence", by_id(central_fences, id), by_id(local.fences(), id), dry_run, result,
        [](const StoredFence& here, const StoredFence& there) {
            if (here.feature == there.feature) return std::string();
            const bool shortened = here.feature.size() > detail_feature_length;
            return fmt::format("feature {}{}", here.feature.substr(0, detail_feature_length), shortened ? "..." : "");
        },
        [&adopted](const StoredFence& there, const StoredFence*) { adopted.insert(there.id); });
    // In central's order (the order added), as fences() lists them.
    std::vector<StoredFence> puts;
    std::copy_if(central_fences.begin(), central_fences.end(), std::back_inserter(puts),
                 [&adopted](const StoredFence& f) { return adopted.contains(f.id); });
    if (!puts.empty()) local.put_fences(puts);
}

// What the central server sends is input like any other: an id a site's command would
// refuse, or a fence the fence reader refuses, stops the pull before anything changes
// (InputError, 65), so that no site stores what it could not have been given locally.
void check_registry(Ledger& central) {
    const auto refuse = [](const std::string& what, const std::string& why) {
        throw InputError("central ledger", fmt::format("{}: {}; nothing was pulled", what, why));
    };
    const auto check_id = [&refuse](std::string_view kind, const std::string& id) {
        if (const std::string why = id_problem(id); !why.empty()) refuse(fmt::format("{} id '{}'", kind, id), why);
    };
    for (const bool retired : {false, true}) {
        for (const Asset& a : central.assets("", retired)) check_id("asset", a.id);
    }
    for (const Link& l : central.all_links()) {
        check_id("asset", l.asset);
        if (l.kind == LinkKind::device) check_id("device", l.value);
    }
    for (const Reader& r : central.readers()) check_id("reader", r.id);
    for (const StoredFence& f : central.fences()) {
        std::vector<Fence> parsed;
        try {
            parsed = parse_fences(R"({"type":"FeatureCollection","features":[)" + f.feature + "]}", "fence");
        } catch (const InputError& e) {
            refuse(fmt::format("fence '{}'", f.id), e.reason());
        }
        if (parsed.size() != 1 || parsed.front().id() != f.id) {
            refuse(fmt::format("fence '{}'", f.id), "its feature does not carry its id");
        }
    }
}

}  // namespace

PullResult pull(Ledger& local, Ledger& central, bool dry_run) {
    check_registry(central);
    PullResult result;
    pull_assets(local, central, dry_run, result);
    pull_links(local, central, dry_run, result);
    pull_readers(local, central, dry_run, result);
    pull_fences(local, central, dry_run, result);
    // Each kind's changes were found in two passes (central's entries, then local ones):
    // in kind order, then by id.
    const auto rank = [](const std::string& kind) { return std::find(std::begin(kinds), std::end(kinds), kind); };
    std::stable_sort(result.changes.begin(), result.changes.end(), [&rank](const PullChange& a, const PullChange& b) {
        return std::pair(rank(a.kind), a.id) < std::pair(rank(b.kind), b.id);
    });
    return result;
}

}  // namespace track
