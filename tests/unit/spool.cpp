// Unit tests of track/spool.hpp: append, read in order, remove through a seq, the counts, the
// lock against a second publisher, and files that are no spool of this trk.
#include "track/spool.hpp"

#include <sqlite3.h>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "support.hpp"
#include "track/error.hpp"

namespace {

std::vector<track::SpoolEntry> entries(const std::vector<std::string>& payloads) {
    std::vector<track::SpoolEntry> out;
    for (const std::string& p : payloads) out.push_back({"trk/yard/fix/FL-07", p, 1, false});
    return out;
}

std::vector<std::string> payloads_after(track::Spool& spool, std::int64_t seq, std::size_t limit) {
    std::vector<track::SpooledMessage> read;
    spool.read_after(seq, limit, read);
    std::vector<std::string> out;
    for (const auto& m : read) out.push_back(m.payload);
    return out;
}

// What opening `path` as a spool throws: "CODE message".
std::string open_error(const std::string& path) {
    try {
        track::Spool spool(path);
    } catch (const track::Error& e) {
        return std::to_string(static_cast<int>(e.code())) + " " + e.what();
    }
    return "no error";
}

void run_sql(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
}

}  // namespace

TEST_CASE("spool: appended messages come back in order, with their topic, qos and retain") {
    const test::TempDir dir;
    track::Spool spool(dir.file("a/b/publish.spool"));
    const std::vector<track::SpoolEntry> batch = {
        {"trk/yard/fix/FL-07", "{\"type\":\"fix\"}", 1, true},
        {"trk/yard/event/FL-07", std::string_view("bin\0ary", 7), 2, false},
    };
    spool.append(batch);
    std::vector<track::SpooledMessage> read;
    spool.read_after(0, 10, read);
    REQUIRE(read.size() == 2);
    CHECK(read[0].topic == "trk/yard/fix/FL-07");
    CHECK(read[0].payload == "{\"type\":\"fix\"}");
    CHECK(read[0].qos == 1);
    CHECK(read[0].retain);
    CHECK(read[1].payload == std::string("bin\0ary", 7));
    CHECK(read[1].qos == 2);
    CHECK_FALSE(read[1].retain);
    CHECK(read[0].seq < read[1].seq);
    CHECK(spool.pending().messages == 2);
    CHECK(spool.pending().bytes == 14 + 7);
    // Private: the file and the folder made for it.
    struct stat st {};
    REQUIRE(::stat(dir.file("a/b/publish.spool").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat(dir.file("a/b").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
}

TEST_CASE("spool: reads are bounded batches after a seq; removal through a seq keeps the rest") {
    const test::TempDir dir;
    track::Spool spool(dir.file("s"));
    spool.append(entries({"1", "2", "3", "4", "5"}));
    std::vector<track::SpooledMessage> read;
    spool.read_after(0, 2, read);
    REQUIRE(read.size() == 2);
    CHECK(payloads_after(spool, read[1].seq, 2) == std::vector<std::string>{"3", "4"});
    CHECK(spool.remove_through(read[1].seq) == 2);
    CHECK(spool.pending().messages == 3);
    CHECK(spool.pending().bytes == 3);
    CHECK(payloads_after(spool, 0, 100) == std::vector<std::string>{"3", "4", "5"});
    CHECK(spool.remove_through(read[1].seq) == 0);  // acknowledged twice: nothing more goes
}

TEST_CASE("spool: a seq is never reused once the spool was emptied, and counts survive reopening") {
    const test::TempDir dir;
    std::int64_t last = 0;
    {
        track::Spool spool(dir.file("s"));
        spool.append(entries({"a", "b"}));
        std::vector<track::SpooledMessage> read;
        spool.read_after(0, 10, read);
        last = read.back().seq;
        spool.remove_through(last);
        CHECK(spool.pending().messages == 0);
        spool.append(entries({"c", "dd"}));
    }
    track::Spool spool(dir.file("s"));
    CHECK(spool.pending().messages == 2);
    CHECK(spool.pending().bytes == 3);
    CHECK(payloads_after(spool, last, 10) == std::vector<std::string>{"c", "dd"});
}

TEST_CASE("spool: drop_oldest frees at least the bytes asked, oldest first") {
    const test::TempDir dir;
    track::Spool spool(dir.file("s"));
    spool.append(entries({"aaaa", "bbbb", "cccc"}));
    CHECK(spool.drop_oldest(5) == 2);
    CHECK(payloads_after(spool, 0, 10) == std::vector<std::string>{"cccc"});
    CHECK(spool.drop_oldest(100) == 1);
    CHECK(spool.drop_oldest(100) == 0);
    CHECK(spool.pending().bytes == 0);
}

TEST_CASE("spool: one publisher at a time") {
    const test::TempDir dir;
    const track::Spool first(dir.file("s"));
    CHECK(open_error(dir.file("s")) == "75 " + dir.file("s") +
                                           ": the spool is in use by another trk publish (one spool, one publisher: "
                                           "give each its own --spool)");
}

TEST_CASE("spool: the file of another program or of a newer trk is refused and left as it is") {
    const test::TempDir dir;
    run_sql(dir.file("other.db"), "CREATE TABLE t (x)");
    CHECK(open_error(dir.file("other.db")) ==
          "65 " + dir.file("other.db") +
              ": an SQLite database, but not a spool of trk publish; the file was not changed");
    { const track::Spool spool(dir.file("newer")); }
    run_sql(dir.file("newer"), "PRAGMA user_version = 9");
    CHECK(open_error(dir.file("newer")) == "65 " + dir.file("newer") +
                                               ": spool schema version 9 is newer than this trk knows (1); use a newer "
                                               "trk, the file was not changed");
    {
        std::FILE* f = std::fopen(dir.file("text").c_str(), "w");
        REQUIRE(f != nullptr);
        std::fputs("this is no database, just some text that is long enough to be a header\n", f);
        std::fclose(f);
    }
    CHECK(open_error(dir.file("text")) ==
          "65 " + dir.file("text") + ": not a spool of trk publish, or a damaged one; the file was not changed");
}

TEST_CASE("spool: wait_until wakes when the spool changes") {
    const test::TempDir dir;
    track::Spool spool(dir.file("s"));
    spool.append(entries({"x"}));
    CHECK_FALSE(
        spool.wait_until([](const track::SpoolPending& p) { return p.messages == 0; }, std::chrono::milliseconds(10)));
    std::thread remover([&] { spool.remove_through(1000); });
    CHECK(spool.wait_until([](const track::SpoolPending& p) { return p.messages == 0; }, std::chrono::seconds(10)));
    remover.join();
}
