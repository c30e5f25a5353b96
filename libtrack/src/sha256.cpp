// SHA-256 (see track/sha256.hpp) on libsodium's crypto_hash_sha256.
#include "track/sha256.hpp"

#include <new>
#include <sodium.h>

#include "sodium_ready.hpp"

namespace track {

namespace {

static_assert(sizeof(crypto_hash_sha256_state) <= sizeof(std::array<unsigned char, 128>) &&
                  alignof(crypto_hash_sha256_state) <= 8,
              "libsodium's SHA-256 state does not fit Sha256::state_");

crypto_hash_sha256_state* as_state(unsigned char* storage) {
    return std::launder(reinterpret_cast<crypto_hash_sha256_state*>(storage));
}

}  // namespace

Sha256::Sha256() : state_{} {
    sodium_ready();
    crypto_hash_sha256_init(::new (state_.data()) crypto_hash_sha256_state);
}

void Sha256::update(std::string_view bytes) {
    update(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

void Sha256::update(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return;  // data may be null
    crypto_hash_sha256_update(as_state(state_.data()), data, size);
}

Digest Sha256::finish() {
    Digest digest;
    crypto_hash_sha256_final(as_state(state_.data()), digest.data());
    crypto_hash_sha256_init(as_state(state_.data()));
    return digest;
}

Digest sha256(std::string_view bytes) {
    sodium_ready();
    Digest digest;
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    return digest;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char hex_digits[] = "0123456789abcdef";
    std::string text(2 * bytes.size(), '0');
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        text[2 * i] = hex_digits[bytes[i] >> 4];
        text[2 * i + 1] = hex_digits[bytes[i] & 0x0F];
    }
    return text;
}

}  // namespace track
