// Unit tests of cli/support/option_types.hpp: the one parser of each option value type, and the registry template.
#include "option_types.hpp"

#include <array>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "adapters/registry.hpp"
#include "track/error.hpp"

namespace {

constexpr track::Millis now = 1'795'502'400'000;  // 2026-11-24T06:40:00Z

// The message of the UsageError that `parse` throws; empty when it throws none.
template <typename Parse>
std::string refusal(Parse parse) {
    try {
        parse();
    } catch (const track::UsageError& e) {
        return e.what();
    }
    return {};
}

}  // namespace

TEST_CASE("a time is RFC 3339, a date, now, or a duration ago") {
    CHECK(cli::parse_time("--since", "2026-11-24T06:40:00Z", 0) == now);
    CHECK(cli::parse_time("--since", "2026-11-24T07:40:00+01:00", 0) == now);
    CHECK(cli::parse_time("--since", "2026-11-24", now) == now - (6 * 60 + 40) * 60'000);
    CHECK(cli::parse_time("--since", "now", now) == now);
    CHECK(cli::parse_time("--since", "24h", now) == now - 86'400'000);
    CHECK(cli::parse_time("--since", "0", now) == now);
    CHECK(cli::parse_optional_time("--since", "", now) == std::nullopt);
    for (const char* bad : {"yesterday", "2026-13-01", "2026-11-24T25:00:00Z", "24", "-1h", "NOW", " now"}) {
        CAPTURE(bad);
        CHECK(refusal([&] { cli::parse_time("--since", bad, now); }) ==
              fmt::format("--since: '{}' is not a time (examples: 2026-11-30T14:03:07Z, 2026-11-30, now, 24h)", bad));
    }
}

TEST_CASE("a duration needs a unit, except 0") {
    CHECK(cli::parse_duration("--gap", "90s") == 90'000);
    CHECK(cli::parse_duration("--gap", "1.5h") == 5'400'000);
    CHECK(cli::parse_duration("--gap", "500ms") == 500);
    CHECK(cli::parse_duration("--gap", "0") == 0);
    for (const char* bad : {"10", "soon", "5x", "-1s", "", "1e3s"}) {
        CAPTURE(bad);
        CHECK(refusal([&] { cli::parse_duration("--min-dwell", bad); }) ==
              fmt::format("--min-dwell: '{}' is not a duration (examples: 90s, 10m, 2h)", bad));
    }
}

TEST_CASE("a distance is metres, with m, km or no unit") {
    CHECK(cli::parse_distance("--margin", "25") == 25);
    CHECK(cli::parse_distance("--margin", "25m") == 25);
    CHECK(cli::parse_distance("--margin", "1.5km") == 1500);
    CHECK(cli::parse_distance("--margin", "0") == 0);
    for (const char* bad : {"-3", "3ft", "m", "km", "", "3 m", "3mm"}) {
        CAPTURE(bad);
        CHECK(refusal([&] { cli::parse_distance("--margin", bad); }) ==
              fmt::format("--margin: '{}' is not a distance (examples: 25m, 1.5km, 25)", bad));
    }
}

TEST_CASE("a size needs a unit: B, kB, MB, GB, TB or KiB, MiB, GiB, TiB") {
    CHECK(cli::parse_size("--spool-limit", "1GB") == 1'000'000'000);
    CHECK(cli::parse_size("--spool-limit", "1.5kB") == 1500);
    CHECK(cli::parse_size("--spool-limit", "64KiB") == 65536);
    CHECK(cli::parse_size("--spool-limit", "0B") == 0);
    CHECK(refusal([] { cli::parse_size("--spool-limit", "100"); }) ==
          "--spool-limit: '100' is not a size (examples: 500MB, 1GB, 64KiB)");
    CHECK(refusal([] { cli::parse_size("--spool-limit", "-1MB"); }) ==
          "--spool-limit: '-1MB' is not a size (examples: 500MB, 1GB, 64KiB)");
}

TEST_CASE("KEY=VALUE lists") {
    using Map = std::map<std::string, std::string>;
    CHECK(cli::parse_key_values("--attr", {"colour=red", "note=a,b", "empty="}, {.example = "colour=red"}) ==
          Map{{"colour", "red"}, {"note", "a,b"}, {"empty", ""}});
    const cli::KeyValueRules lists{.comma_separated = true, .value_required = true, .example = "time=ts"};
    CHECK(cli::parse_key_values("--map", {"time=ts,lat=y", "lat=latitude"}, lists) ==
          Map{{"time", "ts"}, {"lat", "latitude"}});
    CHECK(refusal([&] { cli::parse_key_values("--map", {"time=ts,lat"}, lists); }) ==
          "--map: 'lat' is not KEY=VALUE (example: time=ts)");
    CHECK(refusal([&] { cli::parse_key_values("--map", {"time="}, lists); }) ==
          "--map: 'time=' is not KEY=VALUE (example: time=ts)");
    CHECK(refusal([&] { cli::parse_key_values("--attr", {"=red"}, {.example = "colour=red"}); }) ==
          "--attr: '=red' is not KEY=VALUE (example: colour=red)");
}

TEST_CASE("names from a list") {
    CHECK(cli::parse_choice("--format", "csv", "a report format", {"table", "jsonl", "csv"}) == 2);
    CHECK(refusal([] {
              cli::parse_choice("--format", "xml", "a report format", {"table", "jsonl", "csv"});
          }) == "--format: 'xml' is not a report format; use table, jsonl or csv");
    CHECK(cli::parse_choice_list("--detect", "exit,enter", "an event", {"enter", "exit"}) ==
          std::vector<std::size_t>{1, 0});
    CHECK(refusal([] {
              cli::parse_choice_list("--detect", "enter,", "an event", {"enter", "exit"});
          }) == "--detect: '' is not an event; use enter or exit");
    CHECK(cli::join_choices({"a"}) == "a");
    CHECK(cli::join_choices({}).empty());
}

TEST_CASE("numbers and degrees") {
    CHECK(cli::parse_non_negative("--max-hdop", "2.5") == 2.5);
    CHECK(refusal([] { cli::parse_non_negative("--max-hdop", "1e3"); }) ==
          "--max-hdop: '1e3' is not a number >= 0 (examples: 0, 2.5, 40)");
    CHECK(cli::parse_degrees("--lon", "-180", 180) == -180);
    CHECK(refusal([] { cli::parse_degrees("--lat", "91", 90); }) ==
          "--lat: '91' is not a number of degrees from -90 to 90 (examples: 53.55, -9.99)");
}

namespace {

struct Piece {
    std::string_view name{};
    std::array<std::string_view, 3> aliases{};
    int listed = 0;
};

}  // namespace

TEST_CASE("Registry: names, aliases and listing order") {
    adapters::Registry<Piece> registry;
    registry.add({.name = "zeta", .listed = 1});
    registry.add({.name = "beta", .aliases = {"b", "bee"}, .listed = 2});
    registry.add({.name = "alpha", .listed = 2});
    CHECK(registry.find("bee")->name == "beta");
    CHECK(registry.find("beta")->name == "beta");
    CHECK(registry.find("") == nullptr);
    CHECK(registry.find("gamma") == nullptr);
    std::vector<std::string_view> order;
    for (const Piece* piece : registry.all()) order.push_back(piece->name);
    CHECK(order == std::vector<std::string_view>{"zeta", "alpha", "beta"});
}

TEST_CASE("offsets from UTC and time zones") {
    CHECK(cli::parse_utc_offset("--utc-offset", "+01:00") == 3'600'000);
    CHECK(cli::parse_utc_offset("--utc-offset", "-05:30") == -19'800'000);
    CHECK(refusal([] { cli::parse_utc_offset("--utc-offset", "CET"); }) ==
          "--utc-offset: 'CET' is not an offset from UTC (examples: +01:00, -05:30; a zone name goes to --tz)");
    CHECK(refusal([] { cli::parse_utc_offset("--utc-offset", "Z"); }) != "");
    CHECK(cli::parse_time_zone("--tz", "Europe/Berlin").name() == "Europe/Berlin");
    CHECK(refusal([] { cli::parse_time_zone("--tz", "Europe/Berln"); }) ==
          "--tz: no time zone \"Europe/Berln\" (did you mean \"Europe/Berlin\"?)");
}
