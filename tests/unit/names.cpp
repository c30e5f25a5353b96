// "Did you mean": the closest known names to one that trk does not know.
#include "track/names.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

TEST_CASE("closest_names finds typos and leaves out what is far") {
    std::vector<std::string> zones{"yard-a", "yard-b", "dock", "gate-north"};
    CHECK(track::closest_names("yard-aa", zones) == std::vector<std::string>{"yard-a"});
    CHECK(track::closest_names("yard-c", zones) == std::vector<std::string>{"yard-a", "yard-b"});
    CHECK(track::closest_names("YARD-A", zones) == std::vector<std::string>{"yard-a"});
    CHECK(track::closest_names("dokc", zones) == std::vector<std::string>{"dock"});         // a transposition
    CHECK(track::closest_names("north", zones) == std::vector<std::string>{"gate-north"});  // contained
    CHECK(track::closest_names("warehouse", zones).empty());
    CHECK(track::closest_names("x", std::vector<std::string>{}).empty());
}

TEST_CASE("not_found_message names what was asked and what is close") {
    std::vector<std::string> zones{"yard-a", "dock"};
    CHECK(track::not_found_message("zone", "yard-aa", zones) == R"(no zone "yard-aa" (did you mean "yard-a"?))");
    CHECK(track::not_found_message("zone", "warehouse", zones) == R"(no zone "warehouse" (known: dock, yard-a))");
    CHECK(track::not_found_message("zone", "a", std::vector<std::string>{}) == R"(no zone "a" (none is known))");
    std::vector<std::string> many{"a1", "b2", "c3", "d4", "e5", "f6"};
    CHECK(track::not_found_message("asset", "zzzzzz", many) == R"(no asset "zzzzzz")");
    CHECK(track::not_found_message("asset", "a11", many) == R"(no asset "a11" (did you mean "a1"?))");
}

TEST_CASE("names: same_name ignores the case of ASCII letters only") {
    CHECK(track::same_name("Holding", "holding"));
    CHECK(track::same_name("FLOAT32", "float32"));
    CHECK_FALSE(track::same_name("holding", "holdings"));
    CHECK_FALSE(track::same_name("", "a"));
    CHECK(track::same_name("", ""));
    CHECK_FALSE(track::same_name("\xC3\x89t\xC3\xA9", "\xC3\xA9t\xC3\xA9"));  // É and é: not ASCII
}
