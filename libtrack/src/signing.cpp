// Ed25519 keys, signatures and key files (see track/signing.hpp), on libsodium.
#include "track/signing.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sodium.h>
#include <span>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "track/error.hpp"
#include "track/lines.hpp"

namespace track {

namespace {

// RFC 8410: the DER of an Ed25519 PKCS#8 private key and of a SubjectPublicKeyInfo, up to
// the 32 key bytes that end each.
constexpr std::array<std::uint8_t, 16> pkcs8_prefix = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                                       0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
constexpr std::array<std::uint8_t, 12> spki_prefix = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                                      0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
constexpr std::string_view private_label = "PRIVATE KEY";
constexpr std::string_view public_label = "PUBLIC KEY";
// A key file is a few lines; anything much larger is not one.
constexpr std::size_t max_key_file = std::size_t{16} * 1024;

void ready() {
    static const int status = sodium_init();
    if (status < 0) throw Error(ExitCode::software, "libsodium cannot be initialised");
}

// Wipes a secret held in a string or an array when it goes out of scope.
template <typename Bytes>
class Wipe {
public:
    explicit Wipe(Bytes& bytes) : bytes_(bytes) {}
    ~Wipe() { sodium_memzero(bytes_.data(), bytes_.size()); }
    Wipe(const Wipe&) = delete;
    Wipe& operator=(const Wipe&) = delete;

private:
    Bytes& bytes_;
};

// PEM (RFC 7468) of `der`: the label lines around its base64, 64 characters a line. The
// string is sized once, so that no reallocation leaves a copy of a secret behind.
std::string pem(std::string_view label, const std::uint8_t* der, std::size_t size) {
    std::vector<char> base64(sodium_base64_encoded_len(size, sodium_base64_VARIANT_ORIGINAL));
    sodium_bin2base64(base64.data(), base64.size(), der, size, sodium_base64_VARIANT_ORIGINAL);
    const std::size_t length = base64.size() - 1;  // the terminating NUL
    const std::string begin = fmt::format("-----BEGIN {}-----\n", label);
    const std::string end = fmt::format("-----END {}-----\n", label);
    std::string text;
    text.reserve(begin.size() + length + length / 64 + 1 + end.size());
    text += begin;
    for (std::size_t at = 0; at < length; at += 64) {
        text.append(base64.data() + at, std::min<std::size_t>(64, length - at));
        text += '\n';
    }
    text += end;
    sodium_memzero(base64.data(), base64.size());
    return text;
}

// The DER inside the one PEM block of `text` labelled `label`, decoded into `der`; returns
// its length. `kind` ("private", "public") is for messages. Throws InputError naming `where`.
std::size_t pem_der(std::string_view text, std::string_view label, std::span<std::uint8_t> der,
                    const std::string& where, std::string_view kind) {
    const std::vector<std::string_view> lines = split_lines(text);
    const std::string begin = fmt::format("-----BEGIN {}-----", label);
    const std::string end = fmt::format("-----END {}-----", label);
    if (lines.empty() || lines.front() != begin) {
        const std::string_view first = lines.empty() ? std::string_view() : lines.front();
        if (first.starts_with("-----BEGIN ") && first.ends_with("-----")) {
            const std::string_view found = first.substr(11, first.size() - 16);
            throw InputError(where, fmt::format("a PEM '{}', not the {} key this needs ('{}'){}", found, kind, label,
                                                found == public_label    ? "; give the private key, without .pub"
                                                : found == private_label ? "; give the public key, FILE.pub"
                                                                         : ""));
        }
        throw InputError(where, fmt::format("not a PEM key file (it does not start with '{}')", begin));
    }
    std::string base64;
    base64.reserve(text.size());  // no reallocation leaves a copy of a secret behind
    const Wipe wipe_base64(base64);
    std::size_t i = 1;
    for (; i < lines.size() && lines[i] != end; ++i) base64 += lines[i];
    if (i == lines.size()) throw InputError(where, fmt::format("the PEM block has no '{}' line", end));
    for (++i; i < lines.size(); ++i) {
        if (!lines[i].empty()) throw InputError(where, fmt::format("text after the '{}' line", end));
    }
    std::size_t size = 0;
    const char* end_of_base64 = nullptr;
    errno = 0;
    const int status = sodium_base642bin(der.data(), der.size(), base64.data(), base64.size(), nullptr, &size,
                                         &end_of_base64, sodium_base64_VARIANT_ORIGINAL);
    if (status != 0 && errno == ERANGE) throw InputError(where, fmt::format("too long for an Ed25519 {} key", kind));
    if (status != 0 || end_of_base64 != base64.data() + base64.size()) {
        throw InputError(where, "the PEM body is not valid base64");
    }
    return size;
}

// Checks that `der` (`size` bytes) is `prefix` and 32 key bytes.
template <std::size_t N>
void check_der(std::span<const std::uint8_t> der, const std::array<std::uint8_t, N>& prefix, const std::string& where,
               std::string_view kind, std::string_view form) {
    if (der.size() != N + 32) {
        throw InputError(where, fmt::format("not an Ed25519 {} key ({} of {} bytes expected, found {})", kind, form,
                                            N + 32, der.size()));
    }
    if (std::memcmp(der.data(), prefix.data(), N) != 0) {
        throw InputError(
            where, fmt::format("not an Ed25519 {} key (its {} header names another algorithm or form)", kind, form));
    }
}

// A key file's text (at most max_key_file bytes) and its permission bits.
struct KeyFile {
    std::string text;
    mode_t mode = 0;
};

KeyFile read_key_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw MissingInputError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw IoError(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
    if (!S_ISREG(st.st_mode)) throw InputError(path, "not a regular file, so not a key file");
    if (st.st_size > static_cast<off_t>(max_key_file)) throw InputError(path, "too large for a key file");
    KeyFile file{std::string(max_key_file + 1, '\0'), st.st_mode & 07777};
    std::string& text = file.text;
    std::size_t size = 0;
    for (;;) {
        const ssize_t n = ::read(fd, text.data() + size, text.size() - size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            sodium_memzero(text.data(), text.size());
            throw IoError(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
        }
        if (n == 0) break;
        size += static_cast<std::size_t>(n);
        if (size == text.size()) {
            sodium_memzero(text.data(), text.size());
            throw InputError(path, "too large for a key file");
        }
    }
    text.resize(size);  // shrinking: no reallocation, no copy
    return file;
}

// Writes all of `text` to a file created anew at `path` with `mode`; fd and file are
// closed (and the file removed) on failure.
class NewFile {
public:
    NewFile(std::string path, mode_t mode) : path_(std::move(path)) {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd_ < 0 && errno == EEXIST) {
            throw UsageError(fmt::format(
                "{}: exists already; trk never overwrites a key file (remove it, or choose another name)", path_));
        }
        if (fd_ < 0) throw IoError(fmt::format("{}: cannot create: {}", path_, std::strerror(errno)));
        ::fchmod(fd_, mode);  // exactly the mode asked, whatever the umask
    }
    ~NewFile() {
        if (fd_ >= 0) ::close(fd_);
        if (!kept_) ::unlink(path_.c_str());
    }
    NewFile(const NewFile&) = delete;
    NewFile& operator=(const NewFile&) = delete;

    void write(std::string_view text) {
        while (!text.empty()) {
            const ssize_t n = ::write(fd_, text.data(), text.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail();
            text.remove_prefix(static_cast<std::size_t>(n));
        }
        if (::fsync(fd_) != 0) fail();
        const int fd = std::exchange(fd_, -1);
        if (::close(fd) != 0) fail();
    }
    void keep() { kept_ = true; }

private:
    [[noreturn]] void fail() const { throw IoError(fmt::format("{}: cannot write: {}", path_, std::strerror(errno))); }
    std::string path_;
    int fd_ = -1;
    bool kept_ = false;
};

}  // namespace

PrivateKey PrivateKey::generate() {
    ready();
    std::array<std::uint8_t, 32> seed{};
    const Wipe wipe(seed);
    randombytes_buf(seed.data(), seed.size());
    return from_seed(seed);
}

PrivateKey PrivateKey::from_seed(const std::array<std::uint8_t, 32>& seed) {
    ready();
    PrivateKey key;
    crypto_sign_seed_keypair(key.public_.data(), key.secret_.data(), seed.data());
    return key;
}

PrivateKey::~PrivateKey() { sodium_memzero(secret_.data(), secret_.size()); }

PrivateKey::PrivateKey(PrivateKey&& other) noexcept : secret_(other.secret_), public_(other.public_) {
    sodium_memzero(other.secret_.data(), other.secret_.size());
}

PrivateKey& PrivateKey::operator=(PrivateKey&& other) noexcept {
    if (this != &other) {
        secret_ = other.secret_;
        public_ = other.public_;
        sodium_memzero(other.secret_.data(), other.secret_.size());
    }
    return *this;
}

Signature PrivateKey::sign(std::string_view message) const {
    Signature signature{};
    crypto_sign_detached(signature.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                         message.size(), secret_.data());
    return signature;
}

bool signature_valid(const PublicKey& key, std::string_view message, const Signature& signature) {
    ready();
    return crypto_sign_verify_detached(signature.data(), reinterpret_cast<const unsigned char*>(message.data()),
                                       message.size(), key.data()) == 0;
}

std::string private_key_pem(const PrivateKey& key) {
    std::array<std::uint8_t, pkcs8_prefix.size() + 32> der{};
    const Wipe wipe(der);
    std::memcpy(der.data(), pkcs8_prefix.data(), pkcs8_prefix.size());
    std::memcpy(der.data() + pkcs8_prefix.size(), key.secret_.data(), 32);  // the seed
    return pem(private_label, der.data(), der.size());
}

std::string public_key_pem(const PublicKey& key) {
    std::array<std::uint8_t, spki_prefix.size() + 32> der{};
    std::memcpy(der.data(), spki_prefix.data(), spki_prefix.size());
    std::memcpy(der.data() + spki_prefix.size(), key.data(), key.size());
    return pem(public_label, der.data(), der.size());
}

PrivateKey parse_private_key_pem(std::string_view text, const std::string& where) {
    std::array<std::uint8_t, 96> der{};
    const Wipe wipe(der);
    const std::size_t size = pem_der(text, private_label, der, where, "private");
    check_der(std::span<const std::uint8_t>(der.data(), size), pkcs8_prefix, where, "private", "PKCS#8");
    std::array<std::uint8_t, 32> seed{};
    const Wipe wipe_seed(seed);
    std::memcpy(seed.data(), der.data() + pkcs8_prefix.size(), seed.size());
    return PrivateKey::from_seed(seed);
}

PublicKey parse_public_key_pem(std::string_view text, const std::string& where) {
    ready();
    std::array<std::uint8_t, 96> der{};
    const std::size_t size = pem_der(text, public_label, der, where, "public");
    check_der(std::span<const std::uint8_t>(der.data(), size), spki_prefix, where, "public", "SubjectPublicKeyInfo");
    PublicKey key{};
    std::memcpy(key.data(), der.data() + spki_prefix.size(), key.size());
    if (crypto_core_ed25519_is_valid_point(key.data()) != 1) {
        throw InputError(where, "not a valid Ed25519 public key (not a point of the curve, or one of small order)");
    }
    return key;
}

PrivateKey load_private_key(const std::string& path) {
    KeyFile file = read_key_file(path);
    const Wipe wipe(file.text);
    PrivateKey key = parse_private_key_pem(file.text, path);
    // Parsed first, so that a file that is no private key at all is named as such.
    if ((file.mode & 077) != 0) {
        throw InputError(path, fmt::format("the private key is open to others (mode {:04o}); make it private with "
                                           "'chmod 600 {}'",
                                           file.mode, path));
    }
    return key;
}

PublicKey load_public_key(const std::string& path) { return parse_public_key_pem(read_key_file(path).text, path); }

void write_key_files(const std::string& path, const PrivateKey& key) {
    NewFile secret(path, 0600);
    NewFile shared(path + ".pub", 0644);
    std::string text = private_key_pem(key);
    {
        const Wipe wipe(text);
        secret.write(text);
    }
    shared.write(public_key_pem(key.public_key()));
    secret.keep();
    shared.keep();
}

}  // namespace track
