// SHA-256 (FIPS 180-4) for the ledger's hash chain: incremental, one-shot, hex.
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

namespace detail {

/// The hashing state between calls: chaining value, a partial block and the message length.
struct Sha256State {
    std::array<std::uint32_t, 8> chain{};    ///< H0..H7 of FIPS 180-4
    std::array<std::uint8_t, 64> partial{};  ///< the first `length % 64` bytes of the next block
    std::uint64_t length = 0;                ///< bytes hashed so far
};

}  // namespace detail

/// Incremental SHA-256 (FIPS 180-4). Uses the CPU's SHA extensions when it has them (the
/// choice is made once per process); the digest is the same either way.
class Sha256 {
public:
    /// Ready for a new message.
    Sha256();
    /// Appends bytes to the message; any number of calls, of any sizes (0 included).
    void update(std::string_view bytes);
    /// Appends `size` bytes at `data` (may be null when `size` is 0).
    void update(const std::uint8_t* data, std::size_t size);
    /// The digest of everything appended since construction or the last finish(); the
    /// object is then reset for a new message.
    Digest finish();

private:
    detail::Sha256State state_;
};

/// The SHA-256 digest of `bytes`.
Digest sha256(std::string_view bytes);

/// Lower-case hex of bytes (a digest: 64 characters).
std::string to_hex(std::span<const std::uint8_t> bytes);

// Test hooks: each compression function on its own, so tests can hold them against each other.
namespace detail {

/// SHA-256 of `bytes` with the portable C++ compression function.
Digest sha256_portable(std::string_view bytes);
/// Whether this build and CPU have the x86 SHA extensions path.
bool sha256_accelerated_available();
/// SHA-256 of `bytes` with the SHA extensions; only when sha256_accelerated_available()
/// (otherwise it is the portable path).
Digest sha256_accelerated(std::string_view bytes);

}  // namespace detail

}  // namespace track
