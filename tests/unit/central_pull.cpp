// Unit tests of track::pull (central.hpp): two SQLite ledgers stand in for a site's and the
// central one, since pull sees only the Ledger interface.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "support.hpp"
#include "track/central.hpp"

namespace {

using test::TempDir;

std::unique_ptr<track::Ledger> create(const std::string& path) {
    return track::open_ledger({path, std::chrono::milliseconds(200), true, 0600, {}});
}

// Each change as "kind id action: detail" (": detail" only when there is one).
std::vector<std::string> changes(const track::PullResult& r) {
    std::vector<std::string> out;
    for (const track::PullChange& c : r.changes) {
        out.push_back(fmt::format("{} {} {}{}{}", c.kind, c.id, c.action, c.detail.empty() ? "" : ": ", c.detail));
    }
    return out;
}

// The whole registry of a ledger in one text, to compare two ledgers or one before and after.
std::string registry(track::Ledger& l) {
    std::string out;
    for (const bool retired : {false, true}) {
        for (const track::Asset& a : l.assets("", retired)) {
            out += fmt::format("asset {} {} {} {} {} created {} retired {}\n", a.id, a.name, a.kind, a.home,
                               a.attrs.size(), a.created, a.retired.value_or(-1));
            for (const auto& [key, value] : a.attrs) out += fmt::format("  {}={}\n", key, value);
        }
    }
    for (const track::Link& k : l.all_links()) {
        out += fmt::format("link {}:{} {}\n", track::to_string(k.kind), k.value, k.asset);
    }
    for (const track::Reader& r : l.readers()) {
        out += fmt::format("reader {} {} {} {}\n", r.id, r.zone, r.lat.value_or(-1), r.lon.value_or(-1));
        for (const auto& [antenna, zone] : r.antenna_zones) out += fmt::format("  antenna {} {}\n", antenna, zone);
    }
    for (const track::StoredFence& f : l.fences()) out += fmt::format("fence {} {}\n", f.id, f.feature);
    return out;
}

std::string fence_feature(const std::string& id, double lon) {
    return fmt::format(R"({{"type":"Feature","id":"{}","properties":{{"radius":25}},"geometry":{{"type":"Point",)"
                       R"("coordinates":[{},59.3]}}}})",
                       id, lon);
}

// The central registry of the tests: two assets (one retired), two links, a reader with
// an antenna zone, two fences.
void fill_central(track::Ledger& c) {
    c.add_asset({"FL-07", "Forklift 7", "forklift", "yard", {{"colour", "yellow"}}, 1000, std::nullopt});
    c.add_asset({"TR-01", "Trailer 1", "trailer", "dock", {}, 1000, std::nullopt});
    c.add_asset({"OLD-1", "", "pallet", "", {}, 500, std::nullopt});
    c.retire("OLD-1", 2000);
    c.link({track::LinkKind::device, "gps-7", "FL-07", 1000});
    c.link({track::LinkKind::epc, "3034257BF400B7800004CB2F", "TR-01", 1000});
    c.put_reader({"gate-1", "gate", 59.3, 18.1, {{2, "dock"}}});
    c.put_fences({{"yard", fence_feature("yard", 18.0), 100}, {"dock", fence_feature("dock", 18.1), 200}});
}

struct Ledgers {
    TempDir dir;
    std::string site_path = dir.file("site.db");
    std::unique_ptr<track::Ledger> site = create(site_path);
    std::unique_ptr<track::Ledger> central = create(dir.file("central.db"));
};

}  // namespace

TEST_CASE("pull into an empty site ledger adds the whole central registry") {
    Ledgers l;
    fill_central(*l.central);
    const track::PullResult r = track::pull(*l.site, *l.central, false);
    CHECK(changes(r) == std::vector<std::string>{
                            "asset FL-07 added",
                            "asset OLD-1 added",
                            "asset TR-01 added",
                            "link device:gps-7 added",
                            "link epc:3034257BF400B7800004CB2F added",
                            "reader gate-1 added",
                            "fence dock added",
                            "fence yard added",
                        });
    CHECK(r.unchanged == 0);
    CHECK(registry(*l.site) == registry(*l.central));
    // In central's order: fences are matched in the order added.
    CHECK(l.site->fences().front().id == "yard");
    CHECK(l.site->asset("OLD-1")->retired == 2000);

    SUBCASE("a second pull finds everything unchanged") {
        const track::PullResult again = track::pull(*l.site, *l.central, false);
        CHECK(again.changes.empty());
        CHECK(again.unchanged == 8);
    }
}

TEST_CASE("each kind of local difference is replaced and described") {
    Ledgers l;
    fill_central(*l.central);
    track::pull(*l.site, *l.central, false);
    l.site->upsert_assets({{"FL-07", "Forklift seven", "forklift", "shed", {{"colour", "red"}}, 1000, std::nullopt}});
    l.site->add_asset({"FL-09", "Forklift 9", "forklift", "yard", {}, 3000, std::nullopt});
    l.site->unlink({track::LinkKind::epc, "3034257BF400B7800004CB2F", "TR-01", 0});
    l.site->link({track::LinkKind::epc, "3034257BF400B7800004CB2F", "FL-09", 3000});
    l.site->link({track::LinkKind::uri, "urn:epc:id:sgtin:0614141.812345.6789", "FL-09", 3000});
    l.site->put_reader({"gate-1", "gate-east", 59.4, 18.1, {{2, "dock"}, {3, "shed"}}});
    l.site->put_reader({"gate-9", "shed", std::nullopt, std::nullopt, {}});
    l.site->put_fences({{"yard", fence_feature("yard", 17.5), 300}, {"shed", fence_feature("shed", 17.0), 400}});
    const std::string before = registry(*l.site);

    const std::vector<std::string> expected{
        R"(asset FL-07 replaced: name Forklift seven, home shed, attrs {"colour":"red"})",
        "asset FL-09 kept",
        "link epc:3034257BF400B7800004CB2F replaced: linked to asset FL-09",
        "link uri:urn:epc:id:sgtin:0614141.812345.6789 kept",
        "reader gate-1 replaced: zone gate-east, at 59.4,18.1, antennas 2 dock; 3 shed",
        "reader gate-9 kept",
        "fence shed kept",
        R"(fence yard replaced: feature {"type":"Feature","id":"yard","properties":{"radius":25},"ge...)",
    };

    SUBCASE("a dry run reports it all and changes nothing") {
        const track::PullResult r = track::pull(*l.site, *l.central, true);
        CHECK(changes(r) == expected);
        CHECK(r.unchanged == 4);  // OLD-1, TR-01, device:gps-7, fence dock
        CHECK(registry(*l.site) == before);
    }

    SUBCASE("a pull makes every entry central knows central's, and leaves the others") {
        const track::PullResult r = track::pull(*l.site, *l.central, false);
        CHECK(changes(r) == expected);
        const track::Asset fl07 = *l.site->asset("FL-07");
        CHECK(fl07.name == "Forklift 7");
        CHECK(fl07.home == "yard");
        CHECK(fl07.attrs == std::map<std::string, std::string>{{"colour", "yellow"}});
        CHECK(l.site->links("TR-01").size() == 1);
        CHECK(l.site->links("FL-09").size() == 1);  // the uri link, kept
        const std::vector<track::Reader> readers = l.site->readers();
        REQUIRE(readers.size() == 2);
        CHECK(readers[0].zone == "gate");
        CHECK(readers[0].lat == 59.3);
        CHECK(readers[0].antenna_zones == std::map<int, std::string>{{2, "dock"}});
        const std::vector<track::StoredFence> fences = l.site->fences();
        REQUIRE(fences.size() == 3);
        CHECK(fences[0].id == "yard");  // central's time added
        CHECK(fences[0].feature == fence_feature("yard", 18.0));
        CHECK(fences[2].id == "shed");

        const track::PullResult again = track::pull(*l.site, *l.central, false);
        CHECK(changes(again) == std::vector<std::string>{"asset FL-09 kept",
                                                         "link uri:urn:epc:id:sgtin:0614141.812345.6789 kept",
                                                         "reader gate-9 kept", "fence shed kept"});
        CHECK(again.unchanged == 8);
    }
}

TEST_CASE("retirement: central's is brought in; one made here is not undone") {
    Ledgers l;
    fill_central(*l.central);
    track::pull(*l.site, *l.central, false);
    l.central->retire("TR-01", 5000);
    l.site->retire("FL-07", 6000);

    SUBCASE("alone, a local retirement is reported kept") {
        const track::PullResult r = track::pull(*l.site, *l.central, false);
        CHECK(changes(r) ==
              std::vector<std::string>{
                  "asset FL-07 kept: retired 1970-01-01T00:00:06.000Z, in service centrally (a retirement "
                  "is not undone)",
                  "asset TR-01 replaced: in service",
              });
        CHECK(r.unchanged == 6);
        CHECK(l.site->asset("TR-01")->retired == 5000);
        CHECK(l.site->asset("FL-07")->retired == 6000);
    }

    SUBCASE("with other differences, they are replaced and the retirement is said to stay") {
        l.site->upsert_assets({{"FL-07", "Forklift 7", "forklift", "shed", {{"colour", "yellow"}}, 1000, 6000}});
        const track::PullResult r = track::pull(*l.site, *l.central, false);
        CHECK(changes(r).front() ==
              "asset FL-07 replaced: home shed, retired 1970-01-01T00:00:06.000Z (stays retired)");
        CHECK(l.site->asset("FL-07")->home == "yard");
        CHECK(l.site->asset("FL-07")->retired == 6000);
    }
}

TEST_CASE("a central link to an asset the site names differently moves the link with it") {
    Ledgers l;
    fill_central(*l.central);
    // The site linked central's device to an asset of its own before ever pulling.
    l.site->add_asset({"LOCAL-FL", "", "forklift", "", {}, 100, std::nullopt});
    l.site->link({track::LinkKind::device, "gps-7", "LOCAL-FL", 100});
    const track::PullResult r = track::pull(*l.site, *l.central, false);
    CHECK(changes(r)[1] == "asset LOCAL-FL kept");
    CHECK(changes(r)[4] == "link device:gps-7 replaced: linked to asset LOCAL-FL");
    CHECK(l.site->links("FL-07").size() == 1);
    CHECK(l.site->links("LOCAL-FL").empty());
}
