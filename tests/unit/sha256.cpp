// Unit tests of track/sha256.hpp: FIPS 180-4 vectors, incremental against one-shot, portable against SHA-NI.
#include "track/sha256.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace {

// `size` bytes that take every value, so that no byte position is always zero.
std::string patterned(std::size_t size) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 31 + 7) & 0xFF);
    return bytes;
}

std::string hex_of_bytewise(std::string_view message) {
    track::Sha256 hash;
    for (const char c : message) hash.update(std::string_view(&c, 1));
    return track::to_hex(hash.finish());
}

}  // namespace

// FIPS 180-4 examples as NIST publishes them (csrc.nist.gov "Examples with intermediate values",
// SHA256.pdf and SHA2_Additional), cross-checked against Python's hashlib.
TEST_CASE("sha256: the NIST example vectors, by every path") {
    struct Row {
        const char* name;
        std::string message;
        const char* digest;
    };
    const Row rows[] = {
        {"abc (one block)", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"448 bits (padding needs a second block)", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"896 bits",
         "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopq"
         "rstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
        {"one million 'a'", std::string(1'000'000, 'a'),
         "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
    };
    for (const Row& row : rows) {
        CAPTURE(row.name);
        CHECK(track::to_hex(track::sha256(row.message)) == row.digest);
        CHECK(track::to_hex(track::detail::sha256_portable(row.message)) == row.digest);
        if (track::detail::sha256_accelerated_available()) {
            CHECK(track::to_hex(track::detail::sha256_accelerated(row.message)) == row.digest);
        }
        // Incrementally, in pieces of 1000 bytes (many whole blocks per call, straddling block edges).
        track::Sha256 hash;
        for (std::size_t at = 0; at < row.message.size(); at += 1000) {
            hash.update(std::string_view(row.message).substr(at, 1000));
        }
        CHECK(track::to_hex(hash.finish()) == row.digest);
    }
}

TEST_CASE("sha256: every length 0..200, in one update and byte by byte") {
    // hashlib: SHA-256 of the concatenated digests of patterned(0) .. patterned(200).
    const char* const digest_of_digests = "2596dc78bf91fcc2d7cdba569d85e7c20f5d24bdc74fb082da12c7272515aa28";
    track::Sha256 chain;
    for (std::size_t size = 0; size <= 200; ++size) {
        CAPTURE(size);
        const std::string message = patterned(size);
        track::Sha256 hash;
        hash.update(message);
        const track::Digest whole = hash.finish();
        CHECK(track::to_hex(whole) == hex_of_bytewise(message));
        CHECK(whole == track::sha256(message));
        chain.update(whole.data(), whole.size());
    }
    CHECK(track::to_hex(chain.finish()) == digest_of_digests);
}

TEST_CASE("sha256: finish() leaves the object ready for a new message") {
    track::Sha256 hash;
    hash.update("not this");
    (void)hash.finish();
    hash.update("a");
    hash.update("");
    hash.update(nullptr, 0);
    hash.update("bc");
    CHECK(track::to_hex(hash.finish()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(track::to_hex(hash.finish()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("sha256: the portable and SHA-NI paths agree on random inputs") {
    if (!track::detail::sha256_accelerated_available()) {
        MESSAGE("this CPU has no SHA extensions: only the portable path is tested");
        return;
    }
    std::mt19937_64 random(20240601);
    std::vector<std::size_t> sizes;
    for (std::size_t size = 0; size <= 1100; ++size) sizes.push_back(size);
    for (const std::size_t size : {4095, 4096, 4097, 65'536 + 55, 1'000'003}) sizes.push_back(size);
    std::string buffer;
    for (const std::size_t size : sizes) {
        CAPTURE(size);
        // Starting 0..3 bytes into the buffer, so that the blocks are read unaligned too.
        const std::size_t offset = size % 4;
        buffer.resize(offset + size);
        for (char& c : buffer) c = static_cast<char>(random() & 0xFF);
        const std::string_view message = std::string_view(buffer).substr(offset);
        REQUIRE(track::detail::sha256_accelerated(message) == track::detail::sha256_portable(message));
    }
}

TEST_CASE("sha256: to_hex writes 64 lower-case digits, most significant byte first") {
    track::Digest digest{};
    digest[0] = 0x01;
    digest[1] = 0xAB;
    digest[31] = 0xF0;
    CHECK(track::to_hex(digest) == "01ab0000000000000000000000000000000000000000000000000000000000f0");
}
