// SHA-256 (FIPS 180-4) for the ledger's hash chain: incremental, one-shot, hex; libsodium's
// crypto_hash_sha256 underneath.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace track {

/// A SHA-256 digest.
using Digest = std::array<std::uint8_t, 32>;

/// Incremental SHA-256 (FIPS 180-4).
class Sha256 {
public:
    /// Ready for a new message. Throws Error (70) when libsodium cannot be initialised.
    Sha256();
    /// Appends bytes to the message; any number of calls, of any sizes (0 included).
    void update(std::string_view bytes);
    /// Appends `size` bytes at `data` (may be null when `size` is 0).
    void update(const std::uint8_t* data, std::size_t size);
    /// The digest of everything appended since construction or the last finish(); the
    /// object is then reset for a new message.
    Digest finish();

private:
    /// libsodium's crypto_hash_sha256_state (104 bytes in 1.0.18), kept opaque so that
    /// sodium.h stays out of this header; sha256.cpp checks that it fits.
    alignas(8) std::array<unsigned char, 128> state_;
};

/// The SHA-256 digest of `bytes`.
Digest sha256(std::string_view bytes);

/// Lower-case hex of bytes (a digest: 64 characters).
std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace track
