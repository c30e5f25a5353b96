// Unit tests of adapters/manifest.hpp: audit manifests, CSV or JSON Lines.
#include "adapters/manifest.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "support.hpp"
#include "track/error.hpp"

namespace {

std::vector<std::string> manifest(const std::string& text, const std::string& name = "m.csv") {
    test::Problems problems;
    std::vector<std::string> entries = adapters::read_manifest(text, name, problems);
    CHECK(problems.seen.empty());
    return entries;
}

}  // namespace

TEST_CASE("manifest: CSV, the entry column found by its header, else the first") {
    CHECK(manifest("asset;note\nPAL-1;x\n\n# a comment\nPAL-2;y\n") == std::vector<std::string>{"PAL-1", "PAL-2"});
    CHECK(manifest("note,EPC\na,3074257BF7194E4000001A85\r\nb,\"3074257BF7194E4000001A86\"\n") ==
          std::vector<std::string>{"3074257BF7194E4000001A85", "3074257BF7194E4000001A86"});
    CHECK(manifest("PAL-1\nPAL-2\n") == std::vector<std::string>{"PAL-1", "PAL-2"});
    // Quoted cells hold the separator and line breaks; a byte-order mark is skipped.
    CHECK(manifest("\xEF\xBB\xBFnote;Asset\r\n\"first; the big one\";PAL-1\r\n\"two\r\nlines\";\"PAL-2\"\r\n;\r\n") ==
          std::vector<std::string>{"PAL-1", "PAL-2"});
    CHECK(manifest("asset\tnote\nPAL-1\t\"a\ttab\"\n") == std::vector<std::string>{"PAL-1"});
}

TEST_CASE("manifest: JSON Lines, told by its first entry") {
    CHECK(manifest("# delivery 4711\n{\"id\":\"PAL-1\"}\n{\"uri\":\"urn:epc:id:sgtin:0614141.812345.6789\",\"n\":1}\n",
                   "m.jsonl") == std::vector<std::string>{"PAL-1", "urn:epc:id:sgtin:0614141.812345.6789"});
    CHECK(manifest("\xEF\xBB\xBF{\"epc\":\"3074257BF7194E4000001A85\"}\r\n", "m.jsonl") ==
          std::vector<std::string>{"3074257BF7194E4000001A85"});
    test::Problems problems;
    CHECK_THROWS_WITH_AS(adapters::read_manifest("{\"id\":\"PAL-1\"}\n{\"name\":\"x\"}\n", "m.jsonl", problems),
                         "m.jsonl:2: expected a JSON object with an \"asset\", \"id\", \"epc\" or \"uri\" string",
                         track::InputError);
}

TEST_CASE("manifest: another encoding is refused by name") {
    test::Problems problems;
    CHECK_THROWS_WITH_AS(adapters::read_manifest(std::string("\xFF\xFE"
                                                             "a\0s\0",
                                                             6),
                                                 "m.csv", problems),
                         "m.csv: looks like UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8",
                         track::InputError);
}
