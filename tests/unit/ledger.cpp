// Unit tests of track/ledger.hpp on the SQLite ledger: files, registry, import, queries, verify.
#include "track/ledger.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sqlite3.h>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>

#include "support.hpp"
#include "track/error.hpp"
#include "track/json.hpp"

namespace {

namespace fs = std::filesystem;

using test::TempDir;

std::unique_ptr<track::Ledger> create(const std::string& path) {
    return track::open_ledger({path, std::chrono::milliseconds(200), true, 0600, {}});
}

std::unique_ptr<track::Ledger> open(const std::string& path) {
    return track::open_ledger({path, std::chrono::milliseconds(200), false, 0600, {}});
}

std::string contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Runs SQL of the test's own on the file, behind the ledger's back.
void sql(const std::string& path, const std::string& statement) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
}

track::Record parse(const std::string& line) {
    track::RecordParser parser;
    return parser.parse(line, "test:1");
}

// What opening `path` throws: "CODE message".
std::string open_error(const std::string& path) {
    try {
        open(path);
    } catch (const track::Error& e) {
        return std::to_string(static_cast<int>(e.code())) + " " + e.what();
    }
    return "no error";
}

const char* fix1 = R"({"type":"fix","time":"2026-11-23T07:00:00Z","device":"gps-7","lat":53.5,"lon":9.93,"src":"a:1"})";
const char* fix2 = R"({"type":"fix","time":"2026-11-23T07:00:01Z","device":"gps-7","lat":53.6,"lon":9.94})";
const char* read1 =
    R"({"type":"read","time":"2026-11-23T07:05:00Z","epc":"3374257BF40C0E400000162E","reader":"gate-2","antenna":1})";
const char* read_unknown =
    R"({"type":"read","time":"2026-11-23T07:06:00Z","epc":"E2801160600002054C5A4F3B","reader":"gate-2"})";

}  // namespace

TEST_CASE("ledger files: missing, created with its mode, not a ledger, from a newer trk") {
    TempDir dir;
    const std::string path = dir.file("sub/ledger.db");
    CHECK(open_error(path) == "66 " + path +
                                  ": no ledger here; create one with 'trk ledger init' (or name another with --ledger "
                                  "or $TRK_LEDGER)");
    create(path);
    CHECK((fs::status(path).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(open(path)->info().at("schema_version") == std::to_string(track::ledger_migrations().back().version));

    const std::string text = dir.file("notes.txt");
    std::ofstream(text) << "not a database at all, but long enough to have a header of sorts\n";
    CHECK(open_error(text).starts_with("65 " + text + ": not a trk ledger, or a damaged one"));
    CHECK(contents(text) == "not a database at all, but long enough to have a header of sorts\n");

    const std::string other = dir.file("other.db");
    sql(other, "CREATE TABLE stock (item TEXT)");
    const std::string before = contents(other);
    CHECK(open_error(other) == "65 " + other + ": an SQLite database, but not a trk ledger; the file was not changed");
    CHECK(contents(other) == before);

    const std::string newer = dir.file("newer.db");
    create(newer);
    sql(newer, "PRAGMA user_version = 99");
    const std::string newer_before = contents(newer);
    CHECK(open_error(newer) == "65 " + newer + ": ledger schema version 99 is newer than this trk knows (" +
                                   std::to_string(track::ledger_migrations().back().version) +
                                   "); use a newer trk, the file was not changed");
    CHECK(contents(newer) == newer_before);
}

TEST_CASE("ledger files: an older ledger is brought up to date, its records kept") {
    TempDir dir;
    const std::string path = dir.file("old.db");
    {
        auto ledger = create(path);
        auto importer = ledger->importer();
        track::Record r = parse(fix1);
        importer->add(r);
        importer->commit();
    }
    // As a trk of schema version 1 left it: no fences, stage_state, audits, checkpoints or settings tables.
    sql(path,
        "DROP TABLE fences; DROP TABLE stage_state; DROP TABLE audits; DROP TABLE checkpoints; DROP TABLE settings; "
        "PRAGMA user_version = 1");
    auto ledger = open(path);
    CHECK(ledger->info().at("schema_version") == std::to_string(track::ledger_migrations().back().version));
    CHECK(ledger->info().at("records") == "1");
    CHECK(ledger->put_fences({{"bay-1", R"({"type":"Feature"})", 5}}) == 1);
    CHECK(ledger->fences().size() == 1);
    ledger->remove_fence("bay-1");
    CHECK(ledger->fences().empty());
    CHECK_THROWS_WITH_AS(ledger->remove_fence("bay-1"), "no fence \"bay-1\" (none is known)", track::NotFoundError);
}

TEST_CASE("ledger: a stage's state, saved only over the generation it loaded") {
    TempDir dir;
    const std::string path = dir.file("ledger.db");
    auto ledger = track::open_ledger({path, std::chrono::milliseconds(200), true, 0600, {}});
    CHECK(!ledger->stage_state("fence", "yard"));
    CHECK(ledger->save_stage_state("fence", "yard", "{\"a\":1}", 0, 10));
    CHECK_FALSE(ledger->save_stage_state("fence", "yard", "{\"b\":1}", 0, 11));  // another first save
    const auto kept = ledger->stage_state("fence", "yard");
    REQUIRE(kept);
    CHECK(kept->state == "{\"a\":1}");
    CHECK(kept->generation == 1);
    CHECK(kept->saved == 10);
    CHECK(ledger->save_stage_state("fence", "yard", "{\"c\":1}", 1, 12));
    CHECK_FALSE(ledger->save_stage_state("fence", "yard", "{\"d\":1}", 1, 13));  // saved since generation 1
    CHECK(ledger->stage_state("fence", "yard")->state == "{\"c\":1}");
    CHECK(ledger->stage_state("fence", "yard")->generation == 2);
    CHECK(!ledger->stage_state("fence", "gate"));  // names and stages are apart
    CHECK(!ledger->stage_state("check", "yard"));
}

TEST_CASE("ledger import: idempotent, assets resolved through links, positions, history") {
    TempDir dir;
    const std::string path = dir.file("ledger.db");
    auto ledger = create(path);
    ledger->add_asset({"FL-07", "Forklift 7", "forklift", "yard-a", {{"owner", "ops"}}, 1, std::nullopt});
    ledger->add_asset({"PAL-1", "", "pallet", "yard-a", {}, 1, std::nullopt});
    ledger->link({track::LinkKind::device, "gps-7", "FL-07", 2});
    ledger->link({track::LinkKind::uri, "urn:epc:id:grai:0614141.12345.5678", "PAL-1", 2});
    ledger->put_reader({"gate-2", "gate", 53.49, 9.92, {{1, "gate-in"}}});
    CHECK_THROWS_AS(ledger->add_asset({"FL-07", "", "", "", {}, 1, std::nullopt}), track::UsageError);
    CHECK_THROWS_WITH(ledger->link({track::LinkKind::device, "gps-7", "PAL-1", 2}),
                      "device gps-7 is linked to asset FL-07 already");

    for (int run = 0; run < 2; ++run) {
        auto importer = ledger->importer();
        for (const char* line : {fix1, fix2, read1, read_unknown, R"({"type":"mystery"})"}) {
            track::Record r = parse(line);
            const std::string why = importer->add(r);
            CHECK(why == (std::string_view(line).find("mystery") != std::string_view::npos
                              ? "not a fix, read, reading or event"
                              : ""));
        }
        importer->commit();
        const track::ImportCounts& c = importer->counts();
        CHECK(c.stored == (run == 0 ? 4u : 0u));
        CHECK(c.duplicates == (run == 0 ? 0u : 4u));
        CHECK(c.unresolved == (run == 0 ? 1u : 0u));
    }
    CHECK(ledger->info().at("records") == "4");

    const auto positions = ledger->where({});
    REQUIRE(positions.size() == 2);
    CHECK(positions[0].asset == "FL-07");
    CHECK(positions[0].type == "fix");
    CHECK(positions[0].lat == 53.6);
    CHECK(positions[1].asset == "PAL-1");
    CHECK(positions[1].type == "read");
    CHECK(positions[1].zone == "gate-in");  // antenna 1's zone, not the reader's
    CHECK(positions[1].lat == 53.49);       // the reader's place
    CHECK(ledger->where({{}, "gate", {}}).empty());
    CHECK(ledger->where({{"PAL-1"}, "gate-in", {}}).size() == 1);

    std::vector<std::string> history;
    ledger->history({"FL-07", {}, {}, {}}, [&](std::string_view json) { history.emplace_back(json); });
    CHECK(
        history ==
        std::vector<std::string>{
            R"({"type":"fix","time":"2026-11-23T07:00:00.000Z","asset":"FL-07","device":"gps-7","lat":53.5000000,"lon":9.9300000,"fix":"2d","src":"a:1"})",
            R"({"type":"fix","time":"2026-11-23T07:00:01.000Z","asset":"FL-07","device":"gps-7","lat":53.6000000,"lon":9.9400000,"fix":"2d"})"});
    history.clear();
    ledger->history({"FL-07", track::parse_rfc3339("2026-11-23T07:00:00.500Z"), {}, {"fix"}},
                    [&](std::string_view json) { history.emplace_back(json); });
    CHECK(history.size() == 1);

    const auto unknown = ledger->unknown_tags();
    REQUIRE(unknown.size() == 1);
    CHECK(unknown[0].epc == "E2801160600002054C5A4F3B");
    CHECK(unknown[0].reader == "gate-2");

    // Linking the tag later gives its stored reads to the asset.
    ledger->link({track::LinkKind::epc, "E2801160600002054C5A4F3B", "PAL-1", 3});
    CHECK(ledger->unknown_tags().empty());
    CHECK(ledger->info().at("unresolved_records") == "0");
}

TEST_CASE("ledger verify: the hash chain names the first record changed behind its back") {
    TempDir dir;
    const std::string path = dir.file("ledger.db");
    {
        auto ledger = create(path);
        auto importer = ledger->importer();
        for (const char* line : {fix1, fix2, read1}) {
            track::Record r = parse(line);
            importer->add(r);
        }
        importer->commit();
        const track::Verification v = ledger->verify();
        CHECK(v.integrity == "ok");
        CHECK(v.records == 3);
        CHECK_FALSE(v.first_broken.has_value());
    }
    sql(path, "UPDATE records SET json = replace(json, '53.6000000', '43.6000000') WHERE seq = 2");
    const track::Verification v = open(path)->verify();
    CHECK(v.integrity == "ok");
    REQUIRE(v.first_broken.has_value());
    CHECK(*v.first_broken == 2);
    CHECK(v.broken_record.find("43.6000000") != std::string::npos);
}

TEST_CASE("ledger: a writer that holds the lock past the timeout is BusyError (exit 75)") {
    TempDir dir;
    const std::string path = dir.file("ledger.db");
    auto ledger = create(path);
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    auto importer = ledger->importer();
    track::Record r = parse(fix1);
    try {
        importer->add(r);
        FAIL("no BusyError");
    } catch (const track::BusyError& e) {
        CHECK(e.code() == track::ExitCode::temp_fail);
        CHECK(std::string(e.what()).find("the ledger is busy") != std::string::npos);
    }
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    // Readers never block: a query works while another connection writes.
    CHECK(ledger->where({}).empty());
}

TEST_CASE("ledger files: empty, another program's database, a ledger of a trk before the mark") {
    TempDir dir;
    const std::string empty = dir.file("empty.db");
    std::ofstream(empty).close();
    CHECK(open_error(empty).starts_with("65 " + empty + ": the file is empty (0 bytes), not a trk ledger"));
    CHECK_THROWS_AS(create(empty), track::InputError);  // not even trk ledger init makes it one
    CHECK(fs::file_size(empty) == 0);

    // A GeoPackage: its user_version is no schema version of trk's.
    const std::string gpkg = dir.file("yard.gpkg");
    sql(gpkg, "PRAGMA application_id = 1196444487; PRAGMA user_version = 10200; CREATE TABLE gpkg_contents (t TEXT)");
    const std::string before = contents(gpkg);
    CHECK(open_error(gpkg) == "65 " + gpkg +
                                  ": an SQLite database, but not a trk ledger (its application_id is 0x47504B47 "
                                  "'GPKG': another program's file); the file was not changed");
    CHECK(contents(gpkg) == before);

    // trk's tables without the mark: a ledger of an older trk, marked when opened to write.
    const std::string old = dir.file("old.db");
    create(old)->add_asset({"FL-07", "", "", "", {}, 1, std::nullopt});
    sql(old, "PRAGMA application_id = 0");
    CHECK(open(old)->asset("FL-07"));
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(old.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "PRAGMA application_id", -1, &s, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(s) == SQLITE_ROW);
    CHECK(sqlite3_column_int(s, 0) == track::ledger_application_id);
    sqlite3_finalize(s);
    sqlite3_close(db);

    // Tables that are not trk's, with a user_version and no mark: not a ledger.
    const std::string stock = dir.file("stock.db");
    sql(stock, "PRAGMA user_version = 3; CREATE TABLE stock (item TEXT)");
    CHECK(open_error(stock) == "65 " + stock + ": an SQLite database, but not a trk ledger; the file was not changed");
}

TEST_CASE("id_problem: empty ids, control characters and bytes that are not UTF-8 are refused") {
    CHECK(track::id_problem("FL-07").empty());
    CHECK(track::id_problem("Gabelstapler-Ü1").empty());
    CHECK(track::id_problem("PAL 1").empty());  // a space is printable
    CHECK(track::id_problem("") == "is empty");
    CHECK(track::id_problem("FL-07\t") == "holds a control character: U+0009 at byte 6");
    CHECK(track::id_problem(std::string("FL\0", 3)) == "holds a control character: U+0000 at byte 3");
    CHECK(track::id_problem("FL\x7F") == "holds a control character: U+007F at byte 3");
    CHECK(track::id_problem("FL\xC2\x85") == "holds a control character: U+0085 at byte 3");
    CHECK(track::id_problem("FL\xFF") == "is not valid UTF-8");
    CHECK(track::id_problem("FL\xC3") == "is not valid UTF-8");  // cut short
}

TEST_CASE("ledger names: what is known of each kind, and the errors of names not known") {
    TempDir dir;
    auto ledger = create(dir.file("ledger.db"));
    ledger->add_asset({"PAL-1", "", "pallet", "yard-a", {}, 1, std::nullopt});
    ledger->put_reader({"dock-1", "dock", std::nullopt, std::nullopt, {{2, "yard-b"}}});
    ledger->put_fences({{"bay-1", R"({"type":"Feature"})", 5}});
    ledger->add_audit({"yard-c", 10, 0, 10, {}, {}});
    {
        auto importer = ledger->importer();
        for (const char* line :
             {R"({"type":"fix","time":"2026-11-20T07:00:00Z","asset":"FL-07","lat":53.5,"lon":9.9,"zones":["wash"]})",
              R"({"type":"fix","time":"2026-11-23T07:00:00Z","asset":"FL-07","lat":53.5,"lon":9.9,"zones":["gate"]})",
              R"({"type":"reading","time":"2026-11-23T07:00:00Z","asset":"RF-12","metric":"t","value":4.5})"}) {
            track::Record r = parse(line);
            CHECK(importer->add(r).empty());
        }
        importer->commit();
    }
    using K = track::NameKind;
    CHECK(ledger->names(K::asset) == std::vector<std::string>{"FL-07", "PAL-1", "RF-12"});
    CHECK(ledger->names(K::reader) == std::vector<std::string>{"dock-1"});
    CHECK(ledger->names(K::fence) == std::vector<std::string>{"bay-1"});
    // The zone of FL-07's earlier fix ("wash") is known, though names() lists only the last one's.
    CHECK(ledger->names(K::zone) == std::vector<std::string>{"bay-1", "dock", "gate", "yard-a", "yard-b", "yard-c"});
    for (const char* zone : {"yard-a", "yard-b", "yard-c", "dock", "bay-1", "gate", "wash"})
        CHECK_MESSAGE(ledger->knows(K::zone, zone), zone);
    CHECK_FALSE(ledger->knows(K::zone, "yard-aa"));
    CHECK_FALSE(ledger->knows(K::zone, "Yard-A"));  // names are as typed: case counts
    CHECK(ledger->knows(K::asset, "RF-12"));        // named only by a record
    CHECK_FALSE(ledger->knows(K::asset, "PAL-2"));
    CHECK(ledger->knows(K::reader, "dock-1"));
    CHECK_FALSE(ledger->knows(K::fence, "bay-2"));

    CHECK_THROWS_WITH_AS(track::require_known(*ledger, K::zone, "yard-aa"),
                         R"(no zone "yard-aa" (did you mean "yard-a"?))", track::NotFoundError);
    CHECK_THROWS_WITH_AS(ledger->retire("PAL-2", 5), R"(no asset "PAL-2" (did you mean "PAL-1"?))",
                         track::NotFoundError);
    CHECK_THROWS_WITH_AS(ledger->remove_reader("dock-2"), R"(no reader "dock-2" (did you mean "dock-1"?))",
                         track::NotFoundError);
    CHECK_THROWS_AS(ledger->add_asset({"", "", "", "", {}, 1, std::nullopt}), track::UsageError);
    CHECK_THROWS_AS(ledger->put_reader({"r\n1", "dock", std::nullopt, std::nullopt, {}}), track::UsageError);

    // unlink takes back one link; the records stored through it stay the asset's.
    ledger->link({track::LinkKind::device, "gps-7", "PAL-1", 2});
    CHECK_THROWS_WITH_AS(ledger->unlink({track::LinkKind::device, "gps-8", "PAL-1", 0}),
                         R"(no device link of asset PAL-1 "gps-8" (did you mean "gps-7"?))", track::NotFoundError);
    ledger->unlink({track::LinkKind::device, "gps-7", "PAL-1", 0});
    CHECK(ledger->links("PAL-1").empty());
    ledger->remove_reader("dock-1");
    CHECK(ledger->readers().empty());
    CHECK(ledger->names(K::zone) == std::vector<std::string>{"bay-1", "gate", "yard-a", "yard-c"});

    CHECK(ledger->save_stage_state("check", "night", "{}", 0, 1));
    CHECK(ledger->save_stage_state("fence", "yard", "{}", 0, 1));
    CHECK(ledger->stage_state_names("check") == std::vector<std::string>{"night"});
    CHECK(ledger->stage_state_names("audit").empty());
}
