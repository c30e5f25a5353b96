// Unit tests of track/signing.hpp: Ed25519 on RFC 8032's vectors, PEM key files as OpenSSL writes them.
#include "track/signing.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>

#include <doctest/doctest.h>

#include "support.hpp"
#include "track/error.hpp"
#include "track/sha256.hpp"

namespace {

namespace fs = std::filesystem;

template <std::size_t N>
std::array<std::uint8_t, N> from_hex(std::string_view hex) {
    const std::string raw = test::bytes(hex);
    REQUIRE(raw.size() == N);
    std::array<std::uint8_t, N> out{};
    std::copy(raw.begin(), raw.end(), out.begin());
    return out;
}

// RFC 8032, section 7.1: tests 1 to 3 (secret key = seed, public key, message, signature).
struct Vector {
    const char* seed;
    const char* public_key;
    const char* message;
    const char* signature;
};
const Vector rfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24"
     "655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb"
     "0"
     "0d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc"
     "0"
     "27beceea1ec40a"},
};

track::PrivateKey rfc8032_key() { return track::PrivateKey::from_seed(from_hex<32>(rfc8032[0].seed)); }

// The PEM files of RFC 8032's first key, as `openssl pkey` writes them.
const char* private_pem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";
const char* public_pem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n";

// What parsing `text` as a private (or public) key throws: "CODE message".
template <typename Parse>
std::string parse_error(Parse parse, const std::string& text) {
    try {
        parse(text, "k");
    } catch (const track::Error& e) {
        return std::to_string(static_cast<int>(e.code())) + " " + e.what();
    }
    return "no error";
}

std::string private_error(const std::string& text) { return parse_error(track::parse_private_key_pem, text); }
std::string public_error(const std::string& text) { return parse_error(track::parse_public_key_pem, text); }

std::string pem(const char* label, const std::string& body) {
    return fmt::format("-----BEGIN {0}-----\n{1}\n-----END {0}-----\n", label, body);
}

// What loading `path` throws: "CODE message".
template <typename Load>
std::string load_error(Load load, const std::string& path) {
    try {
        load(path);
    } catch (const track::Error& e) {
        return std::to_string(static_cast<int>(e.code())) + " " + e.what();
    }
    return "no error";
}

void write(const std::string& path, const std::string& text, fs::perms mode) {
    std::ofstream(path) << text;
    fs::permissions(path, mode);
}

unsigned mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("Ed25519: RFC 8032's test vectors, and what fails") {
    for (const Vector& v : rfc8032) {
        CAPTURE(v.seed);
        const track::PrivateKey key = track::PrivateKey::from_seed(from_hex<32>(v.seed));
        CHECK(track::to_hex(key.public_key()) == v.public_key);
        const std::string message = test::bytes(v.message);
        const track::Signature signature = key.sign(message);
        CHECK(track::to_hex(signature) == v.signature);
        CHECK(track::signature_valid(key.public_key(), message, signature));
        CHECK_FALSE(track::signature_valid(key.public_key(), message + "x", signature));
        track::Signature changed = signature;
        changed[10] ^= 1;
        CHECK_FALSE(track::signature_valid(key.public_key(), message, changed));
    }
    const track::PrivateKey other = track::PrivateKey::from_seed(from_hex<32>(rfc8032[1].seed));
    CHECK_FALSE(track::signature_valid(other.public_key(), "", rfc8032_key().sign("")));
}

TEST_CASE("Ed25519: generated keys differ, and a moved key still signs") {
    const track::PrivateKey a = track::PrivateKey::generate();
    track::PrivateKey b = track::PrivateKey::generate();
    CHECK(a.public_key() != b.public_key());
    const track::PublicKey b_public = b.public_key();
    const track::PrivateKey moved = std::move(b);
    CHECK(track::signature_valid(b_public, "records", moved.sign("records")));
}

TEST_CASE("key files: the PEM OpenSSL writes, both ways") {
    const track::PrivateKey key = rfc8032_key();
    CHECK(track::private_key_pem(key) == private_pem);
    CHECK(track::public_key_pem(key.public_key()) == public_pem);
    CHECK(track::parse_private_key_pem(private_pem, "k").public_key() == key.public_key());
    CHECK(track::parse_public_key_pem(public_pem, "k") == key.public_key());
    // CR LF line ends, base64 wrapped on two lines, blank lines after the block: the same key.
    CHECK(track::parse_private_key_pem("-----BEGIN PRIVATE KEY-----\r\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/Vpg\r\n"
                                       "uoRK9JLsLMREScVpezJpGXA7rAMcrn9g\r\n-----END PRIVATE KEY-----\r\n\r\n",
                                       "k")
              .public_key() == key.public_key());
}

TEST_CASE("key files: parsed strictly, each fault named") {
    const std::string k = "65 k: ";
    struct Row {
        std::string text;
        std::string private_error;
    };
    const Row rows[] = {
        {"", k + "not a PEM key file (it does not start with '-----BEGIN PRIVATE KEY-----')"},
        {std::string("\n") + private_pem,
         k + "not a PEM key file (it does not start with '-----BEGIN PRIVATE KEY-----')"},
        {public_pem, k + "a PEM 'PUBLIC KEY', not the private key this needs ('PRIVATE KEY'); give the private key, "
                         "without .pub"},
        {pem("OPENSSH PRIVATE KEY", "AAAA"),
         k + "a PEM 'OPENSSH PRIVATE KEY', not the private key this needs ('PRIVATE KEY')"},
        {"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n",
         k + "the PEM block has no '-----END PRIVATE KEY-----' line"},
        {std::string(private_pem) + "more\n", k + "text after the '-----END PRIVATE KEY-----' line"},
        {pem("PRIVATE KEY", "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/Vpgu*RK9JLsLMREScVpezJpGXA7rAMcrn9g"),
         k + "the PEM body is not valid base64"},
        {pem("PRIVATE KEY", "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9"),
         k + "the PEM body is not valid base64"},  // padding missing
        {pem("PRIVATE KEY", "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMc"),
         k + "not an Ed25519 private key (PKCS#8 of 48 bytes expected, found 45)"},
        {pem("PRIVATE KEY", std::string(200, 'A')), k + "too long for an Ed25519 private key"},
        // X25519's OID (1.3.101.110) where Ed25519's (1.3.101.112) belongs.
        {pem("PRIVATE KEY", "MC4CAQAwBQYDK2VuBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g"),
         k + "not an Ed25519 private key (its PKCS#8 header names another algorithm or form)"},
    };
    for (const Row& row : rows) {
        CAPTURE(row.text);
        CHECK(private_error(row.text) == row.private_error);
    }
    CHECK(public_error(private_pem) == k + "a PEM 'PRIVATE KEY', not the public key this needs ('PUBLIC KEY'); give "
                                           "the public key, FILE.pub");
    CHECK(public_error(pem("PUBLIC KEY", "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcH")) ==
          k + "not an Ed25519 public key (SubjectPublicKeyInfo of 44 bytes expected, found 42)");
    // The identity point, of small order: no signature should ever pass for it.
    CHECK(public_error(pem("PUBLIC KEY", "MCowBQYDK2VwAyEAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")) ==
          k + "not a valid Ed25519 public key (not a point of the curve, or one of small order)");
}

TEST_CASE("key files: written private and never over another, read back, refused when open to others") {
    test::TempDir dir;
    const std::string path = dir.file("signing");
    const track::PrivateKey key = track::PrivateKey::generate();
    track::write_key_files(path, key);
    CHECK(mode_of(path) == 0600);
    CHECK(mode_of(path + ".pub") == 0644);
    CHECK(track::load_private_key(path).public_key() == key.public_key());
    CHECK(track::load_public_key(path + ".pub") == key.public_key());

    // Never overwritten: neither the key nor, when only the .pub is there, anything at all.
    const auto write_error = [](const std::string& p) {
        return load_error([](const std::string& q) { track::write_key_files(q, track::PrivateKey::generate()); }, p);
    };
    CHECK(write_error(path) ==
          "64 " + path + ": exists already; trk never overwrites a key file (remove it, or choose another name)");
    CHECK(track::load_private_key(path).public_key() == key.public_key());
    const std::string other = dir.file("other");
    write(other + ".pub", "mine\n", fs::perms::owner_read | fs::perms::owner_write);
    CHECK(write_error(other) ==
          "64 " + other + ".pub: exists already; trk never overwrites a key file (remove it, or choose another name)");
    CHECK_FALSE(fs::exists(other));
    CHECK(write_error(dir.file("no/such/folder/key"))
              .starts_with("74 " + dir.file("no/such/folder/key") + ": cannot create: "));

    // Any permission for group or others refuses the key (the mode bits, so root is refused too).
    fs::permissions(path, fs::perms::owner_read | fs::perms::group_read);
    CHECK(load_error(track::load_private_key, path) == "65 " + path +
                                                           ": the private key is open to others (mode 0440); make it "
                                                           "private with 'chmod 600 " +
                                                           path + "'");
    fs::permissions(path, fs::perms::owner_read);
    CHECK(track::load_private_key(path).public_key() == key.public_key());
    // A public key file is public: any mode will do.
    CHECK(track::load_public_key(path + ".pub") == key.public_key());

    CHECK(load_error(track::load_private_key, dir.file("none")) ==
          "66 " + dir.file("none") + ": cannot open: No such file or directory");
    CHECK(load_error(track::load_public_key, dir.path.string()) ==
          "65 " + dir.path.string() + ": not a regular file, so not a key file");
    const std::string big = dir.file("big");
    write(big, std::string(20000, 'A'), fs::perms::owner_read);
    CHECK(load_error(track::load_private_key, big) == "65 " + big + ": too large for a key file");
}
