// Unit tests of track/number.hpp: strict parsing, fixed-point writing.
#include "track/number.hpp"

#include <string>

#include <doctest/doctest.h>

namespace {

std::string fixed(double v, int d) {
    char text[32];
    return {text, track::write_fixed(text, v, d)};
}
std::string rounded(double v, int d) {
    char text[32];
    return {text, track::write_rounded(text, v, d)};
}

}  // namespace

TEST_CASE("parse_uint takes digits only") {
    CHECK(track::parse_uint("0") == 0);
    CHECK(track::parse_uint("0042") == 42);
    CHECK(track::parse_uint("999999999") == 999999999);
    for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1.0", "0x1", "1234567890"}) {
        CAPTURE(bad);
        CHECK_FALSE(track::parse_uint(bad).has_value());
    }
}

TEST_CASE("parse_decimal is strict: the whole text, no exponent, no inf/nan") {
    CHECK(track::parse_decimal("12") == 12.0);
    CHECK(track::parse_decimal("-0.5") == -0.5);
    CHECK(track::parse_decimal("+3.25") == 3.25);
    CHECK(track::parse_decimal(".5") == 0.5);
    CHECK(track::parse_decimal("5.") == 5.0);
    CHECK(track::parse_decimal("00016") == 16.0);
    CHECK(track::parse_decimal("0.1") == 0.1);  // correctly rounded, as from_chars would
    CHECK(track::parse_decimal("545.4") == 545.4);
    for (const char* bad :
         {"", "-", ".", "+", "1e5", "inf", "nan", "1.2.3", " 1", "1 ", "--1", "0x10", "1234567890123456"}) {
        CAPTURE(bad);
        CHECK_FALSE(track::parse_decimal(bad).has_value());
    }
}

TEST_CASE("parse_fixed_point keeps the written precision") {
    const auto n = track::parse_fixed_point("5157.26123");
    REQUIRE(n.has_value());
    CHECK(n->mantissa == 515726123);
    CHECK(n->decimals == 5);
}

TEST_CASE("parse_fixed_point refuses more than 15 digits before it could overflow") {
    // Found by fuzzing: the digits were multiplied into the int64 before the limit was checked.
    CHECK(track::parse_fixed_point("123456789012345")->mantissa == 123456789012345);
    CHECK(track::parse_fixed_point("-12345678901234.5")->mantissa == -123456789012345);
    CHECK(track::parse_fixed_point("0.00000000000001")->decimals == 14);
    for (const char* bad : {"4807.0381111111111111111111111", "99999999999999999999", "11111111111111111111",
                            "1234567890123456", "123456789012345.6", ".1234567890123456", "-9223372036854775808"}) {
        CAPTURE(bad);
        CHECK_FALSE(track::parse_fixed_point(bad).has_value());
    }
}

TEST_CASE("write_fixed writes exactly the decimals asked for") {
    CHECK(fixed(20.628798333, 7) == "20.6287983");
    CHECK(fixed(-87.06808, 7) == "-87.0680800");
    CHECK(fixed(0, 7) == "0.0000000");
    CHECK(fixed(-0.00000001, 7) == "0.0000000");  // no "-0"
    CHECK(fixed(179.99999996, 7) == "180.0000000");
    CHECK(fixed(12.5, 0) == "13");
    CHECK(fixed(-12.5, 0) == "-13");     // half away from zero
    CHECK(fixed(1e300, 2) == "1e+300");  // no measurement is this large: shortest form
}

TEST_CASE("write_rounded drops trailing zeros") {
    CHECK(rounded(0.051444, 3) == "0.051");
    CHECK(rounded(14.6304, 3) == "14.63");
    CHECK(rounded(3.0, 3) == "3");
    CHECK(rounded(-30.4, 3) == "-30.4");
    CHECK(rounded(7176.5 / 1000.0, 3) == "7.177");  // a tie goes away from zero
    CHECK(rounded(0.0004, 3) == "0");
    CHECK(rounded(359.999, 2) == "360");
}

TEST_CASE("parse_uint64: all of 64 bits, nothing more") {
    CHECK(track::parse_uint64("0") == 0u);
    CHECK(track::parse_uint64("1795418100250000") == 1'795'418'100'250'000u);
    CHECK(track::parse_uint64("18446744073709551615") == UINT64_MAX);
    for (const char* bad : {"", "18446744073709551616", "99999999999999999999", "-1", "+1", "1 ", "0x10"}) {
        CAPTURE(bad);
        CHECK_FALSE(track::parse_uint64(bad).has_value());
    }
}

TEST_CASE("grouped counts for people") {
    CHECK(track::grouped(0) == "0");
    CHECK(track::grouped(999) == "999");
    CHECK(track::grouped(1000) == "1,000");
    CHECK(track::grouped(12345) == "12,345");
    CHECK(track::grouped(1234567) == "1,234,567");
}
