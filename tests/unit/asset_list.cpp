// Unit tests of adapters/asset_list.hpp: asset lists (trk asset import) and EPC link values.
#include "adapters/asset_list.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "support.hpp"
#include "track/error.hpp"

namespace {

struct Result {
    std::vector<std::string> assets;  ///< "id kind home"
    std::vector<std::string> links;   ///< "asset kind value"
    std::vector<std::string> problems;
};

Result read_list(const std::string& csv) {
    test::Problems problems;
    test::SlowSource source(csv, 5, "list.csv");
    const adapters::AssetList list = adapters::read_asset_list(source, problems, 1000);
    Result result;
    for (const track::Asset& a : list.assets) result.assets.push_back(fmt::format("{} {} {}", a.id, a.kind, a.home));
    for (const track::Link& l : list.links) {
        CHECK(l.since == 1000);
        result.links.push_back(fmt::format("{} {} {}", l.asset, track::to_string(l.kind), l.value));
    }
    result.problems = problems.seen;
    return result;
}

}  // namespace

TEST_CASE("epc_link: tag URIs are encoded, identity URIs kept, hex upper-cased, anything else refused") {
    CHECK(adapters::epc_link("urn:epc:tag:grai-96:3.0614141.12345.5678").value == "3374257BF40C0E400000162E");
    CHECK(adapters::epc_link("urn:epc:id:grai:0614141.12345.5678").kind == track::LinkKind::uri);
    CHECK(adapters::epc_link("3374257bf40c0e400000162e").value == "3374257BF40C0E400000162E");
    CHECK_THROWS_WITH_AS(adapters::epc_link("33742"),
                         "'33742' is neither an EPC in hex (whole 16-bit words) nor an urn:epc:tag: or urn:epc:id: URI",
                         track::InputError);
    CHECK_THROWS_AS(adapters::epc_link("urn:epc:tag:grai-96:9.0614141.12345.5678"), track::InputError);
}

TEST_CASE("read_asset_list: columns, attributes, links and the rows it skips") {
    const Result r = read_list(
        "# fleet\nid,kind,home,epc,device,owner\nFL-07,forklift,yard-a,,/dev/ttyUSB0,ops\n"
        "PAL-1,pallet,, 3074257bf7194e4000001a85 ,,\nPAL-2,\"pallet\",,,,\nPAL-3,pallet,,nope,,\n");
    CHECK(r.assets ==
          std::vector<std::string>{"FL-07 forklift yard-a", "PAL-1 pallet ", "PAL-2 pallet ", "PAL-3 pallet "});
    CHECK(r.links == std::vector<std::string>{"FL-07 device /dev/ttyUSB0", "PAL-1 epc 3074257BF7194E4000001A85"});
    CHECK(r.problems == std::vector<std::string>{"list.csv:6: bad epc (nope)"});
    CHECK_THROWS_WITH_AS(read_list("name,kind\nx,y\n"),
                         "list.csv:1: no column \"id\" in the header; the columns are \"name\", \"kind\"",
                         track::InputError);
}

TEST_CASE("read_asset_list: the tags and devices of a row without an id are linked to no asset") {
    // Found by fuzzing (fuzz_asset_csv): they were linked to the next row's asset.
    const Result r = read_list("id,kind,epc,device\n,pallet,3074257BF7194E4000001A85,gps-9\nPAL-2,pallet,,\n");
    CHECK(r.assets == std::vector<std::string>{"PAL-2 pallet "});
    CHECK(r.links.empty());
    CHECK(r.problems == std::vector<std::string>{"list.csv:2: no id"});
}

TEST_CASE("read_asset_list: an Excel list: byte-order mark, semicolons, quoted cells, CRLF, names in any case") {
    test::Problems problems;
    test::SlowSource source(
        "\xEF\xBB\xBFID;Name;Kind;Owner\r\n"
        "FL-07;\"Forklift 7; the blue one\";forklift;\"Ops \"\"North\"\"\"\r\n"
        "PAL-1;\"two\r\nlines\";pallet;\r\n",
        4, "list.csv");
    const adapters::AssetList list = adapters::read_asset_list(source, problems, 1000);
    REQUIRE(list.assets.size() == 2);
    CHECK(list.assets[0].id == "FL-07");
    CHECK(list.assets[0].name == "Forklift 7; the blue one");
    CHECK(list.assets[0].kind == "forklift");
    CHECK(list.assets[0].attrs == std::map<std::string, std::string>{{"Owner", "Ops \"North\""}});
    CHECK(list.assets[1].name == "two\nlines");
    CHECK(list.records == 3);
    CHECK(problems.seen.empty());
}
