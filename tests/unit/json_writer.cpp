// Unit tests of track/json_writer.hpp and track/json_state.hpp: commas, escapes, numbers,
// the state files' header and versioning rule.
#include "track/json_writer.hpp"

#include <cmath>
#include <limits>
#include <string>

#include <doctest/doctest.h>

#include "track/error.hpp"
#include "track/json_state.hpp"

namespace {

std::string state_error(std::string_view kind, int version, std::string_view text) {
    track::StateFileReader reader(kind, version, "state.json");
    try {
        reader.read(text);
    } catch (const track::InputError& e) {
        CHECK(e.code() == track::ExitCode::data);
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("json writer: commas between members and elements, none after a key or at the top") {
    CHECK(track::json_text([](track::JsonWriter& w) { w.begin_object().end_object(); }) == "{}");
    CHECK(track::json_text([](track::JsonWriter& w) { w.begin_array().end_array(); }) == "[]");
    CHECK(track::json_text([](track::JsonWriter& w) {
              w.begin_object();
              w.key("a").integer(1);
              w.key("b").begin_array().integer(2).begin_object().end_object().begin_array().end_array().end_array();
              w.key("c").begin_object().key("d").null().key("e").boolean(true).end_object();
              w.key("f").boolean(false);
              w.end_object();
          }) == R"({"a":1,"b":[2,{},[]],"c":{"d":null,"e":true},"f":false})");
    // JSON Lines: values one after another at the top level, no comma.
    CHECK(track::json_text([](track::JsonWriter& w) {
              w.begin_object().key("n").integer(1).end_object().newline();
              w.begin_object().key("n").integer(2).end_object().newline();
          }) == "{\"n\":1}\n{\"n\":2}\n");
    // Inside a container a line starts with a value: after its comma, or before the bracket.
    CHECK(track::json_text([](track::JsonWriter& w) {
              w.begin_object().key("features").begin_array();
              for (int i = 0; i < 2; ++i) w.newline().begin_object().key("n").integer(i).end_object();
              w.newline().end_array().end_object().newline();
          }) == "{\"features\":[\n{\"n\":0},\n{\"n\":1}\n]}\n");
    CHECK(track::json_text([](track::JsonWriter& w) { w.begin_array().newline().end_array(); }) == "[\n]");
}

TEST_CASE("json writer: 64 levels of nesting, as many as the readers take") {
    const std::string text = track::json_text([](track::JsonWriter& w) {
        for (int i = 0; i < 64; ++i) w.begin_array().integer(i);
        for (int i = 0; i < 64; ++i) w.end_array();
    });
    CHECK(text.starts_with("[0,[1,[2,"));
    CHECK(text.ends_with("[63]" + std::string(63, ']')));
}

TEST_CASE("json writer: strings and keys are escaped as the record writer escapes them") {
    struct Case {
        std::string_view text;
        std::string_view json;
    };
    const Case cases[] = {
        {"", R"("")"},
        {"FL-07", R"("FL-07")"},
        {"say \"hi\"\\", R"("say \"hi\"\\")"},
        {"\b\f\n\r\t", R"("\b\f\n\r\t")"},
        {std::string_view("\x00\x01\x1f\x7f", 4), "\"\\u0000\\u0001\\u001f\x7f\""},
        {"Straße 5 °C", "\"Straße 5 °C\""},
        {"bad \xff byte", "\"bad \xEF\xBF\xBD byte\""},
    };
    for (const Case& c : cases) {
        CAPTURE(c.text);
        CHECK(track::json_text([&](track::JsonWriter& w) { w.string(c.text); }) == c.json);
        CHECK(track::json_text([&](track::JsonWriter& w) { w.begin_object().key(c.text).integer(0).end_object(); }) ==
              "{" + std::string(c.json) + ":0}");
    }
}

TEST_CASE("json writer: integers, shortest doubles, fixed and rounded decimals, times") {
    CHECK(track::json_text([](track::JsonWriter& w) {
              w.begin_array();
              w.integer(0).integer(-7).integer(std::numeric_limits<std::int64_t>::min());
              w.integer(std::numeric_limits<std::uint64_t>::max()).integer(std::size_t{42});
              w.end_array();
          }) == "[0,-7,-9223372036854775808,18446744073709551615,42]");
    CHECK(track::json_text([](track::JsonWriter& w) {
              w.begin_array().number(0.1).number(14.25).number(-3).number(1e20).number(5e-324).end_array();
          }) == "[0.1,14.25,-3,1e+20,5e-324]");
    CHECK(track::json_text([](track::JsonWriter& w) {
              w.begin_array().fixed(53.500018, 7).fixed(-0.00000005, 7).fixed(2.5, 0).fixed(-2.5, 0).end_array();
          }) == "[53.5000180,-0.0000001,3,-3]");
    CHECK(track::json_text([](track::JsonWriter& w) {
              w.begin_array().rounded(0.0514, 3).rounded(14.60, 2).rounded(3.0004, 3).rounded(-0.0004, 3).end_array();
          }) == "[0.051,14.6,3,0]");
    // Not a JSON number: null, never "nan" or "inf".
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    CHECK(track::json_text([&](track::JsonWriter& w) {
              w.begin_array().number(nan).fixed(inf, 3).rounded(-inf, 2).end_array();
          }) == "[null,null,null]");
    CHECK(track::json_text([](track::JsonWriter& w) {
              w.begin_object().key("time").time(1795418105250).end_object();
          }) == R"({"time":"2026-11-23T07:15:05.250Z"})");
}

TEST_CASE("json writer: raw values and passed-on members") {
    CHECK(track::json_text([](track::JsonWriter& w) { w.begin_array().raw(R"({"a":[1]})").raw("2").end_array(); }) ==
          R"([{"a":[1]},2])");
    // RecordBase::extra members: the leading comma goes when they come first.
    CHECK(track::json_text([](track::JsonWriter& w) {
              w.begin_object().members(R"(,"x":1,"y":"z")").key("k").integer(2).end_object();
          }) == R"({"x":1,"y":"z","k":2})");
    CHECK(track::json_text([](track::JsonWriter& w) {
              w.begin_object().key("k").integer(2).members(R"(,"x":1)").members("").key("m").null().end_object();
          }) == R"({"k":2,"x":1,"m":null})");
    CHECK(track::json_text([](track::JsonWriter& w) { w.begin_object().members("").end_object(); }) == "{}");
    // Writing members for an event's extra: each with its comma.
    fmt::memory_buffer extra;
    track::JsonWriter::extra_members(extra).key("visit").string("bay-1/FL-07").key("dwell_s").rounded(12.5, 3);
    CHECK(fmt::to_string(extra) == R"(,"visit":"bay-1/FL-07","dwell_s":12.5)");
}

TEST_CASE("state files: the header first, the stage's members, a newline; read back with the header checked") {
    track::StateFileWriter state("fence", 1);
    state.json().key("assets").begin_object().key("FL-07").integer(1).end_object();
    const std::string text = state.finish();
    CHECK(text == "{\"trk_fence_state\":1,\"assets\":{\"FL-07\":1}}\n");

    track::StateFileReader reader("fence", 1, "state.json");
    simdjson::dom::object root = reader.read(text);
    CHECK(reader.version() == 1);
    std::int64_t n = 0;
    CHECK(root["assets"]["FL-07"].get_int64().get(n) == simdjson::SUCCESS);
    CHECK(n == 1);
    // A reader reads the versions up to its own.
    track::StateFileReader newer("fence", 3, "state.json");
    newer.read(text);
    CHECK(newer.version() == 1);
}

TEST_CASE("state files: another stage's, none, or a newer version is refused with the file named") {
    CHECK(state_error("check", 1, R"({"trk_fence_state":1,"assets":{}})") ==
          "state.json: not a trk check state file (no version 1 marker)");
    CHECK(state_error("fence", 1, R"({"assets":{}})") ==
          "state.json: not a trk fence state file (no version 1 marker)");
    CHECK(state_error("fence", 1, R"({"trk_fence_state":"1"})") ==
          "state.json: not a trk fence state file (no version 1 marker)");
    CHECK(state_error("fence", 1, R"({"trk_fence_state":0})") ==
          "state.json: not a trk fence state file (no version 1 marker)");
    CHECK(state_error("fence", 1, "[1]") == "state.json: not a trk fence state file (no version 1 marker)");
    CHECK(state_error("fence", 1, R"({"trk_fence_state":2,"assets":{}})") ==
          "state.json: a trk fence state file of version 2, written by a newer trk: this one reads up to "
          "version 1");
    CHECK(state_error("fence", 1, "{\"trk_fence_state\":1") == "state.json: not a trk fence state file (not JSON)");
    CHECK(state_error("fence", 1, std::string(65, '[') + std::string(65, ']')) ==
          "state.json: not a trk fence state file (nested more than 64 levels deep)");
}

TEST_CASE("state files: a stage refuses what it could not have saved, through the reader") {
    const track::StateFileReader reader("check", 1, "s.json");
    CHECK_NOTHROW(reader.check_time(1795418105000, "seen", "A"));
    CHECK_THROWS_WITH_AS(reader.check_time(9223372036854775807, "seen", "A"),
                         "s.json: not a trk check state file (seen 9223372036854775807 of asset A is out of range "
                         "(years 0000..9999))",
                         track::InputError);
    CHECK_THROWS_WITH_AS(reader.fail("an asset without a name"),
                         "s.json: not a trk check state file (an asset without a name)", track::InputError);
}
