// Unit tests of track/epc.hpp: TDS 1.13 vectors, round trips over every partition, raw EPCs, encode errors.
#include "track/epc.hpp"

#include <cstdint>
#include <string>

#include <doctest/doctest.h>

using track::epc::Identity;

namespace {

Identity decoded(std::string_view hex) {
    Identity id;
    REQUIRE(track::epc::decode(hex, id));
    return id;
}

std::string raw(std::string_view hex_upper) {
    return "urn:epc:raw:" + std::to_string(4 * hex_upper.size()) + ".x" + std::string(hex_upper);
}

// The message encode() throws for `uri`; empty when it does not throw.
std::string encode_error(std::string_view uri) {
    try {
        track::epc::encode(uri);
    } catch (const track::epc::EncodeError& e) {
        return e.what();
    }
    return {};
}

}  // namespace

// TDS 1.13 Appendix E (company prefix 0614141, filter 3). The 96-bit hex is as printed there. The
// appendix prints the longer schemes' hex truncated to odd lengths (198 bits as 50 digits, 195 as
// 49, 170 as 43, 202 as 51); those strings are taken as the GS1 Tag Data Translation test suites
// transcribe them (they also note the appendix's errata: "8" for "7" in the sgtin-198 pure URI, an
// extra zero in the GIAI-202 element string). Every one was recomputed bit by bit with an
// independent script, which also gives the word-padded hex that encode() writes.
TEST_CASE("epc: decode and encode the TDS Appendix E examples") {
    struct Row {
        const char* hex;      // as printed in Appendix E
        const char* encoded;  // what encode() writes: padded to whole 16-bit words
        const char* scheme;
        const char* tag;
        const char* pure;
    };
    const Row rows[] = {
        {"3074257BF7194E4000001A85", "3074257BF7194E4000001A85", "sgtin-96",
         "urn:epc:tag:sgtin-96:3.0614141.812345.6789", "urn:epc:id:sgtin:0614141.812345.6789"},
        {"3174257BF4499602D2000000", "3174257BF4499602D2000000", "sscc-96", "urn:epc:tag:sscc-96:3.0614141.1234567890",
         "urn:epc:id:sscc:0614141.1234567890"},
        {"3274257BF46072000000162E", "3274257BF46072000000162E", "sgln-96", "urn:epc:tag:sgln-96:3.0614141.12345.5678",
         "urn:epc:id:sgln:0614141.12345.5678"},
        {"3374257BF40C0E400000162E", "3374257BF40C0E400000162E", "grai-96", "urn:epc:tag:grai-96:3.0614141.12345.5678",
         "urn:epc:id:grai:0614141.12345.5678"},
        {"3474257BF40000000000162E", "3474257BF40000000000162E", "giai-96", "urn:epc:tag:giai-96:3.0614141.5678",
         "urn:epc:id:giai:0614141.5678"},
        {"3674257BF6B7A659B2C2BF1000000000000000000000000000", "3674257BF6B7A659B2C2BF100000000000000000000000000000",
         "sgtin-198", "urn:epc:tag:sgtin-198:3.0614141.712345.32a%2Fb", "urn:epc:id:sgtin:0614141.712345.32a%2Fb"},
        {"3974257BF46072CD9615F8800000000000000000000000000", "3974257BF46072CD9615F8800000000000000000000000000000",
         "sgln-195", "urn:epc:tag:sgln-195:3.0614141.12345.32a%2Fb", "urn:epc:id:sgln:0614141.12345.32a%2Fb"},
        {"3774257BF40C0E59B2C2BF100000000000000000000", "3774257BF40C0E59B2C2BF1000000000000000000000", "grai-170",
         "urn:epc:tag:grai-170:3.0614141.12345.32a%2Fb", "urn:epc:id:grai:0614141.12345.32a%2Fb"},
        {"3874257BF59B2C2BF1000000000000000000000000000000000", "3874257BF59B2C2BF10000000000000000000000000000000000",
         "giai-202", "urn:epc:tag:giai-202:3.0614141.32a%2Fb", "urn:epc:id:giai:0614141.32a%2Fb"},
    };
    for (const Row& row : rows) {
        const std::string shown = row.tag;  // doctest shows a char* as a pointer
        CAPTURE(shown);
        for (const char* hex : {row.hex, row.encoded}) {
            const Identity id = decoded(hex);
            CHECK(id.scheme == row.scheme);
            CHECK(id.filter == 3);
            CHECK(id.tag_uri == row.tag);
            CHECK(id.pure_uri == row.pure);
            CHECK_FALSE(id.is_raw());
        }
        CHECK(track::epc::encode(row.tag) == row.encoded);
    }
}

// Exact hex for the corners of the partition tables, computed by an independent bit-string
// script (not from this code): smallest and largest company prefixes, K = 0 (two adjacent dots),
// the largest values each field holds, every escaped character.
TEST_CASE("epc: exact encodings at the corners of the partition tables") {
    struct Row {
        const char* tag;
        const char* hex;
    };
    const Row rows[] = {
        {"urn:epc:tag:sgtin-96:0.000000.0000000.0", "301800000000000000000000"},
        {"urn:epc:tag:sgtin-96:7.999999999999.9.274877906943", "30E3A352943FFE7FFFFFFFFF"},
        {"urn:epc:tag:sgln-96:1.012345678901..0", "32200B7F7070D40000000000"},
        {"urn:epc:tag:grai-96:2.999999999999..274877906943", "3343A352943FFC3FFFFFFFFF"},
        {"urn:epc:tag:sscc-96:0.999999.99999999999", "311BD08FD74876E7FF000000"},
        {"urn:epc:tag:giai-96:3.123456.4611686018427387903", "347878903FFFFFFFFFFFFFFF"},
        {"urn:epc:tag:giai-96:4.999999999999.4398046511103", "3483A352943FFFFFFFFFFFFF"},
        {"urn:epc:tag:sgln-96:3.0614141.12345.2199023255551", "3274257BF46073FFFFFFFFFF"},
        {"urn:epc:tag:giai-202:3.123456789012.ABCDEFGHIJKLMNOPQR",
         "386072FA6468520C287122C68F224CA97326CE9F428D20000000"},
        {"urn:epc:tag:grai-170:0.123456789012..%22%25%26%2F%3C%3E%3F!'()*+,-.",
         "370072FA64685011254CBDE3E7E853A852A95AC5AB80"},
        {"urn:epc:tag:sgln-195:6.012345678901..:;=_zZ09", "39C00B7F7070D4E9DBDBFEAD3072000000000000000000000000"},
        {"urn:epc:tag:sgtin-198:3.0614141.712345.a", "3674257BF6B7A670800000000000000000000000000000000000"},
    };
    for (const Row& row : rows) {
        const std::string shown = row.tag;
        CAPTURE(shown);
        CHECK(track::epc::encode(row.tag) == row.hex);
        CHECK(decoded(row.hex).tag_uri == row.tag);
    }
}

TEST_CASE("epc: decode(encode(uri)) == uri for every scheme at every partition") {
    struct Family {
        const char* scheme;
        const char* pure;
        int digits;      // company prefix + second field (characters for giai-202)
        char second;     // 'd': exactly K digits, 'i': integer below 2^bits, 's': 7-bit string
        int total_bits;  // company prefix + second field
        const char* tails[2];
    };
    const Family families[] = {
        {"sgtin-96", "sgtin", 13, 'd', 44, {"0", "274877906943"}},
        {"sscc-96", "sscc", 17, 'd', 58, {nullptr, nullptr}},
        {"sgln-96", "sgln", 12, 'd', 41, {"0", "2199023255551"}},
        {"grai-96", "grai", 12, 'd', 44, {"1", "274877906943"}},
        {"giai-96", "giai", 25, 'i', 82, {nullptr, nullptr}},
        {"sgtin-198", "sgtin", 13, 'd', 44, {"%22%25%26%2F%3C%3E%3F!'()*+,-.:;=_", "0"}},
        {"sgln-195", "sgln", 12, 'd', 41, {"ABCDEFGHIJKLMNOPQRST", "UVWXYZabcdefghijklmn"}},
        {"grai-170", "grai", 12, 'd', 44, {"opqrstuvwxyz0123", "456789.%25.."}},
        {"giai-202", "giai", 30, 's', 188, {nullptr, nullptr}},
    };
    constexpr int prefix_bits[7] = {40, 37, 34, 30, 27, 24, 20};
    for (const Family& family : families) {
        for (int partition = 0; partition <= 6; ++partition) {
            const int prefix_digits = 12 - partition;
            const int k = family.digits - prefix_digits;
            const int second_bits = family.total_bits - prefix_bits[partition];
            for (int variant = 0; variant < 2; ++variant) {
                std::string prefix = std::string("061414112345").substr(0, prefix_digits);
                std::string second;
                if (family.second == 'd') {
                    second.assign(k, variant == 0 ? '0' : '9');
                } else if (family.second == 'i') {
                    second = variant == 0 ? "0" : std::to_string((std::uint64_t{1} << second_bits) - 1);
                } else {
                    second = variant == 0 ? "%2F" : std::string(k - 1, 'z') + "%3F";
                }
                if (variant == 1) prefix.assign(prefix_digits, '9');
                std::string fields = prefix + "." + second;
                if (family.tails[variant] != nullptr) fields += std::string(".") + family.tails[variant];
                const std::string tag =
                    std::string("urn:epc:tag:") + family.scheme + ":" + std::to_string(partition) + "." + fields;
                CAPTURE(tag);
                Identity id;
                REQUIRE(track::epc::decode(track::epc::encode(tag), id));
                CHECK(id.tag_uri == tag);
                CHECK(id.pure_uri == std::string("urn:epc:id:") + family.pure + ":" + fields);
                CHECK(id.scheme == family.scheme);
                CHECK(id.filter == partition);
            }
        }
    }
}

TEST_CASE("epc: every Table A-1 character survives a round trip, escaped where TDS says") {
    const char* serials[] = {
        "%22%25%26%2F%3C%3E%3F!'()*+,-.:;=_",
        "ABCDEFGHIJKLMNOPQRST",
        "UVWXYZabcdefghijklmn",
        "opqrstuvwxyz01234567",
        "89",
        "0",
        "...",
        "007",
    };
    for (const char* serial : serials) {
        const std::string tag = std::string("urn:epc:tag:sgtin-198:1.0614141.712345.") + serial;
        CAPTURE(tag);
        CHECK(decoded(track::epc::encode(tag)).tag_uri == tag);
    }
    // Escapes may use lower-case hex digits on the way in; decode writes the upper-case form.
    CHECK(track::epc::encode("urn:epc:tag:sgtin-198:3.0614141.712345.32a%2fb") ==
          "3674257BF6B7A659B2C2BF100000000000000000000000000000");
}

TEST_CASE("epc: lower-case hex decodes like upper-case") {
    CHECK(decoded("3074257bf7194e4000001a85") == decoded("3074257BF7194E4000001A85"));
    CHECK(decoded("e2801160600002054c5a4f3b").tag_uri == raw("E2801160600002054C5A4F3B"));
    CHECK(decoded("3674257bf6b7a659b2c2bf1000000000000000000000000000").tag_uri ==
          "urn:epc:tag:sgtin-198:3.0614141.712345.32a%2Fb");
}

TEST_CASE("epc: what does not decode as a GS1 scheme gives the raw URI") {
    struct Row {
        const char* hex;
        const char* why;
    };
    const Row rows[] = {
        {"E2801160600002054C5A4F3B", "not a GS1 header (a TID-like EPC)"},
        {"000000000000000000000000", "header 00"},
        {"3000", "a 16-bit EPC: shorter than sgtin-96"},
        {"3074257BF7194E4000001A", "88 bits of an sgtin-96"},
        {"350007AB70425D4000000586", "gid-96: valid, but not a scheme trk decodes"},
        {"307C257BF7194E4000001A85", "sgtin-96 with partition 7"},
        {"3077FFFFFF194E4000001A85", "company prefix 16777215 has more than 7 digits"},
        {"3074257BF7FFFFC000001A85", "item reference 1048575 has more than 6 digits"},
        {"32600B7F7070D60000000000", "sgln-96, K = 0, but the location reference bit is set"},
        {"3174257BF4499602D2000001", "sscc-96 with a non-zero unallocated bit"},
        {"3674257BF6B7A670FEC400000000000000000000000000000000", "sgtin-198 serial a~b: '~' is not in Table A-1"},
        {"3674257BF6B7A67080C400000000000000000000000000000000", "sgtin-198 serial a, NUL, b"},
        {"3674257BF6B7A640000000000000000000000000000000000000", "sgtin-198 with an empty serial"},
        {"386072FA6468520C183060C183060C183060C183060C18200000", "giai-202 with 19 characters after 12 digits"},
        {"3074257BF7194E4000001A850001", "sgtin-96 followed by non-zero bits"},
        {"3074257BF7194E4000001A85000000000000000000000000000000000000000000000000000000000000000000000001",
         "sgtin-96 with a non-zero bit past the 256th"},
    };
    for (const Row& row : rows) {
        const std::string shown = row.why;
        CAPTURE(shown);
        const Identity id = decoded(row.hex);
        CHECK(id.is_raw());
        CHECK(id.scheme.empty());
        CHECK(id.filter == -1);
        CHECK(id.tag_uri == raw(row.hex));
        CHECK(id.pure_uri == id.tag_uri);
    }
    CHECK(decoded("e2").tag_uri == "urn:epc:raw:8.xE2");
}

TEST_CASE("epc: zero bits after the scheme are EPC bank padding") {
    const char* sgtin = "urn:epc:tag:sgtin-96:3.0614141.812345.6789";
    CHECK(decoded("3074257BF7194E4000001A850000").tag_uri == sgtin);
    CHECK(decoded("3074257BF7194E4000001A8500000000").tag_uri == sgtin);
    CHECK(decoded(std::string("3074257BF7194E4000001A85") + std::string(200, '0')).tag_uri == sgtin);
    CHECK(decoded("3874257BF59B2C2BF10000000000000000000000000000000000").scheme == "giai-202");
    CHECK(decoded("386072FA6468520C183060C183060C183060C183060C10000000").tag_uri ==
          "urn:epc:tag:giai-202:3.123456789012.AAAAAAAAAAAAAAAAAA");
}

TEST_CASE("epc: decode refuses only empty or non-hex text, and then leaves the output alone") {
    Identity id;
    REQUIRE(track::epc::decode("3074257BF7194E4000001A85", id));
    const Identity before = id;
    for (const char* bad : {"", "30 74", "0x3074", "3G", "3074257BF7194E4000001A8-", "\n"}) {
        const std::string shown = bad;
        CAPTURE(shown);
        CHECK_FALSE(track::epc::decode(bad, id));
        CHECK(id == before);
    }
}

TEST_CASE("epc: decode reuses the output's strings across schemes") {
    Identity id;
    REQUIRE(track::epc::decode("3674257BF6B7A659B2C2BF100000000000000000000000000000", id));
    REQUIRE(track::epc::decode("E2801160600002054C5A4F3B", id));
    CHECK(id.tag_uri == "urn:epc:raw:96.xE2801160600002054C5A4F3B");
    REQUIRE(track::epc::decode("3474257BF40000000000162E", id));
    CHECK(id == Identity{"giai-96", 3, "urn:epc:tag:giai-96:3.0614141.5678", "urn:epc:id:giai:0614141.5678"});
}

TEST_CASE("epc: encode names the offending part") {
    const std::string allowed = "(allowed: A-Z a-z 0-9 ! \" % & ' ( ) * + , - . / : ; < = > ? _)";
    struct Row {
        const char* uri;
        std::string message;
    };
    const Row rows[] = {
        {"urn:epc:id:sgtin:0614141.812345.6789",
         "urn:epc:id:sgtin:0614141.812345.6789 is not an EPC tag URI (urn:epc:tag:SCHEME:FILTER.FIELDS)"},
        {"urn:epc:tag:sgtin-97:3.0614141.812345.6789",
         "unknown scheme sgtin-97 (known: sgtin-96 sscc-96 sgln-96 grai-96 giai-96 sgtin-198 grai-170 giai-202 "
         "sgln-195)"},
        {"urn:epc:tag:sgtin-96", "sgtin-96 takes filter.company prefix.item reference.serial, got nothing"},
        {"urn:epc:tag:sgtin-96:3.0614141.812345",
         "sgtin-96 takes filter.company prefix.item reference.serial, got 3.0614141.812345"},
        {"urn:epc:tag:sscc-96:", "sscc-96 takes filter.company prefix.serial reference, got nothing"},
        {"urn:epc:tag:sgtin-96:8.0614141.812345.6789", "filter 8 is out of range 0-7"},
        {"urn:epc:tag:sgtin-96:03.0614141.812345.6789", "filter 03 must be one digit 0-7"},
        {"urn:epc:tag:sgtin-96:.0614141.812345.6789", "filter (empty) must be one digit 0-7"},
        {"urn:epc:tag:sgtin-96:3.06141.8123456.6789", "company prefix 06141 has 5 digits; sgtin-96 takes 6 to 12"},
        {"urn:epc:tag:sgtin-96:3.0614141234567.8.6789",
         "company prefix 0614141234567 has 13 digits; sgtin-96 takes 6 to 12"},
        {"urn:epc:tag:sgtin-96:3.06a4141.812345.6789", "company prefix 06a4141 is not all digits"},
        {"urn:epc:tag:sgtin-96:3..812345.6789", "company prefix is empty"},
        {"urn:epc:tag:sgtin-96:3.0614141.12345.6789",
         "item reference 12345 has 5 digits; with a 7-digit company prefix sgtin-96 takes 6"},
        {"urn:epc:tag:sgtin-96:3.0614141..6789",
         "item reference (empty) has 0 digits; with a 7-digit company prefix sgtin-96 takes 6"},
        {"urn:epc:tag:sgtin-96:3.0614141.8123a5.6789", "item reference 8123a5 is not all digits"},
        {"urn:epc:tag:sgln-96:3.061414112345.1.0",
         "location reference 1 has 1 digit; with a 12-digit company prefix sgln-96 takes 0"},
        {"urn:epc:tag:grai-96:3.0614141.123456.5678",
         "asset type 123456 has 6 digits; with a 7-digit company prefix grai-96 takes 5"},
        {"urn:epc:tag:sscc-96:3.0614141.123456789",
         "serial reference 123456789 has 9 digits; with a 7-digit company prefix sscc-96 takes 10"},
        {"urn:epc:tag:sgtin-96:3.0614141.812345.0123", "serial 0123 has a leading zero, which sgtin-96 forbids"},
        {"urn:epc:tag:sgtin-96:3.0614141.812345.274877906944", "serial 274877906944 does not fit in 38 bits"},
        {"urn:epc:tag:sgtin-96:3.0614141.812345.12a", "serial 12a is not a decimal number"},
        {"urn:epc:tag:sgtin-96:3.0614141.812345.", "serial is empty"},
        {"urn:epc:tag:sgtin-96:3.0614141.812345.67.89", "serial 67.89 is not a decimal number"},
        {"urn:epc:tag:grai-96:3.0614141.12345.99999999999999999999999",
         "serial 99999999999999999999999 does not fit in 38 bits"},
        {"urn:epc:tag:sgln-96:3.0614141.12345.2199023255552", "extension 2199023255552 does not fit in 41 bits"},
        {"urn:epc:tag:giai-96:3.0614141.05678",
         "individual asset reference 05678 has a leading zero, which giai-96 forbids"},
        {"urn:epc:tag:giai-96:3.0614141.288230376151711744",
         "individual asset reference 288230376151711744 does not fit in 58 bits"},
        {"urn:epc:tag:sgtin-198:3.0614141.712345.a~b",
         "character '~' in serial a~b is not allowed in a GS1 string " + allowed},
        {"urn:epc:tag:sgtin-198:3.0614141.712345.a#b",
         "character '#' in serial a#b is not allowed in a GS1 string " + allowed},
        {"urn:epc:tag:sgtin-198:3.0614141.712345.a b",
         "byte 0x20 in serial a b is not allowed in a GS1 string " + allowed},
        {"urn:epc:tag:sgtin-198:3.0614141.712345.32a/b", "character '/' in serial 32a/b must be written %2F in a URI"},
        {"urn:epc:tag:sgln-195:3.0614141.12345.a?b", "character '?' in extension a?b must be written %3F in a URI"},
        {"urn:epc:tag:grai-170:3.0614141.12345.\"", "character '\"' in serial \" must be written %22 in a URI"},
        {"urn:epc:tag:sgtin-198:3.0614141.712345.a%41",
         "escape %41 in serial a%41 is not allowed (allowed: %22 %25 %26 %2F %3C %3E %3F)"},
        {"urn:epc:tag:sgtin-198:3.0614141.712345.a%2",
         "escape %2 in serial a%2 is not allowed (allowed: %22 %25 %26 %2F %3C %3E %3F)"},
        {"urn:epc:tag:sgtin-198:3.0614141.712345.%zz",
         "escape %zz in serial %zz is not allowed (allowed: %22 %25 %26 %2F %3C %3E %3F)"},
        {"urn:epc:tag:sgtin-198:3.0614141.712345.", "serial is empty"},
        {"urn:epc:tag:sgtin-198:3.0614141.712345.ABCDEFGHIJKLMNOPQRSTU",
         "serial ABCDEFGHIJKLMNOPQRSTU has 21 characters; sgtin-198 takes at most 20"},
        {"urn:epc:tag:grai-170:3.0614141.12345.%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F",
         "serial %2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F has 17 characters; grai-170 takes at most 16"},
        {"urn:epc:tag:giai-202:3.123456789012.AAAAAAAAAAAAAAAAAAA",
         "individual asset reference AAAAAAAAAAAAAAAAAAA has 19 characters; with a 12-digit company prefix giai-202 "
         "takes at most 18"},
        {"urn:epc:tag:giai-202:3.0614141.", "individual asset reference is empty"},
    };
    for (const Row& row : rows) {
        const std::string shown = row.uri;
        CAPTURE(shown);
        CHECK(encode_error(row.uri) == row.message);
    }
}

TEST_CASE("epc: encode accepts the largest values and the longest strings") {
    CHECK(encode_error("urn:epc:tag:sgtin-96:3.0614141.812345.274877906943").empty());
    CHECK(
        encode_error("urn:epc:tag:grai-170:3.0614141.12345.%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F").empty());
    CHECK(encode_error("urn:epc:tag:sgtin-198:3.0614141.712345.ABCDEFGHIJKLMNOPQRST").empty());
}

TEST_CASE("epc: encode errors write control bytes of the URI as \\xNN, so the reason is never cut short") {
    // Found by fuzzing (fuzz_epc_encode): a NUL at the start of a line gave an empty what(),
    // and `trk epc encode` said "cannot encode" without a reason.
    using namespace std::string_view_literals;
    CHECK(encode_error("\0\0@"sv) == "\\x00\\x00@ is not an EPC tag URI (urn:epc:tag:SCHEME:FILTER.FIELDS)");
    CHECK(encode_error("urn:epc:tag:sgtin-96:3.0614141.81\x1b" "2345.6789"sv) ==
          "item reference 81\\x1B2345 is not all digits");
}
