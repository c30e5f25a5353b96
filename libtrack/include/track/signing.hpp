// Ed25519 keys and signatures (libsodium), and their key files: PEM that OpenSSL reads.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace track {

/// An Ed25519 public key (RFC 8032): 32 bytes.
using PublicKey = std::array<std::uint8_t, 32>;

/// An Ed25519 signature (RFC 8032): 64 bytes, what `openssl pkeyutl -rawin -sigfile` reads.
using Signature = std::array<std::uint8_t, 64>;

/// An Ed25519 private key. Its secret bytes are wiped when it is destroyed; it can be moved
/// (the source is wiped) but not copied, so that no stray copy outlives its use.
class PrivateKey {
public:
    /// A new key from the operating system's random source. Throws Error (70) when
    /// libsodium cannot be initialised.
    static PrivateKey generate();
    /// The key whose RFC 8032 seed (the 32 secret bytes a PKCS#8 file holds) is `seed`.
    static PrivateKey from_seed(const std::array<std::uint8_t, 32>& seed);

    ~PrivateKey();
    PrivateKey(PrivateKey&& other) noexcept;
    PrivateKey& operator=(PrivateKey&& other) noexcept;
    PrivateKey(const PrivateKey&) = delete;
    PrivateKey& operator=(const PrivateKey&) = delete;

    /// The public half.
    [[nodiscard]] const PublicKey& public_key() const noexcept { return public_; }
    /// The Ed25519 signature of `message` (pure Ed25519, no pre-hash: deterministic).
    [[nodiscard]] Signature sign(std::string_view message) const;

private:
    friend std::string private_key_pem(const PrivateKey& key);
    PrivateKey() = default;
    std::array<std::uint8_t, 64> secret_{};  ///< libsodium's secret key: the seed, then the public key
    PublicKey public_{};
};

/// Whether `signature` is `key`'s Ed25519 signature of `message`.
bool signature_valid(const PublicKey& key, std::string_view message, const Signature& signature);

/// The private key as PEM, PKCS#8 (RFC 8410): "-----BEGIN PRIVATE KEY-----", the DER
/// 302e020100300506032b657004220420 then the seed, in base64. Secret: wipe it after use.
std::string private_key_pem(const PrivateKey& key);

/// The public key as PEM, SubjectPublicKeyInfo (RFC 8410): "-----BEGIN PUBLIC KEY-----",
/// the DER 302a300506032b6570032100 then the key, in base64.
std::string public_key_pem(const PublicKey& key);

/// Parses a private key file's text, strictly: one PEM block (lines may end in CR LF, the
/// base64 may be wrapped), the exact PKCS#8 Ed25519 prefix, 32 bytes of seed. Throws
/// InputError (65) naming `where` (the file) and what is wrong.
PrivateKey parse_private_key_pem(std::string_view text, const std::string& where);

/// Parses a public key file's text, as strictly; the key must be a valid Ed25519 point.
/// Throws InputError (65) naming `where`.
PublicKey parse_public_key_pem(std::string_view text, const std::string& where);

/// Reads the private key file at `path`. Throws MissingInputError (66) when it cannot be
/// opened, InputError (65) when group or others have any permission on it (the message
/// gives the mode and the chmod that fixes it: the check is on the mode bits, so it holds
/// for root too) or its text is not a key.
PrivateKey load_private_key(const std::string& path);

/// Reads the public key file at `path`. MissingInputError (66), InputError (65).
PublicKey load_public_key(const std::string& path);

/// Writes `key` to `path` (mode 0600) and its public key to `path`.pub (0644), each
/// created anew: when either exists already, UsageError (64) and nothing is written. The
/// files are flushed to disk. IoError (74) when they cannot be written (then neither is
/// left behind).
void write_key_files(const std::string& path, const PrivateKey& key);

}  // namespace track
