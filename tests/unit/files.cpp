// Unit tests of cli/support/files.hpp: a file replaced whole or not at all, and a file's bytes mapped.
#include "files.hpp"

#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include <doctest/doctest.h>

#include "support.hpp"
#include "track/error.hpp"

namespace {

std::string contents(const std::string& path) { return cli::read_file(path, 1 << 20, "test file"); }

}  // namespace

TEST_CASE("read_file: the whole file, up to its limit") {
    test::TempDir dir;
    const std::string path = dir.file("rules");
    cli::write_file_atomically(path, std::string(100, 'x'));
    CHECK(cli::read_file(path, 100, "rules file").size() == 100);
    CHECK_THROWS_WITH_AS(cli::read_file(path, 99, "rules file"),
                         (path + ": the rules file is larger than 99 bytes, more than trk reads").c_str(),
                         track::InputError);
    CHECK_THROWS_AS(cli::read_file(dir.file("none"), 100, "rules file"), track::MissingInputError);
}

TEST_CASE("ReplacementFile: the old file until commit, the new one, whole and private, after") {
    test::TempDir dir;
    const std::string path = dir.file("export.csv");
    cli::write_file_atomically(path, "old\n");
    {
        cli::ReplacementFile file(path, 0600);
        file.write("new ");
        file.write("document\n");
        CHECK(contents(path) == "old\n");
        const cli::MappedFile written(file.fd(), path);
        CHECK(written.bytes() == "new document\n");
        file.commit();
    }
    CHECK(contents(path) == "new document\n");
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path), {}) == 1);  // no temporary left
    ::chmod(path.c_str(), 0640);  // opened up by its owner: a replacement keeps that
    cli::write_file_atomically(path, "new document\n");
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);
    {
        cli::ReplacementFile abandoned(path, 0600);
        abandoned.write("half of a");
    }
    CHECK(contents(path) == "new document\n");
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path), {}) == 1);
    {
        cli::ReplacementFile empty(dir.file("empty"), 0600);
        CHECK(cli::MappedFile(empty.fd(), "empty").bytes().empty());
    }
    CHECK_THROWS_AS(cli::ReplacementFile(dir.file("none/x"), 0600), track::IoError);
}
