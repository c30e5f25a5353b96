// SHA-256 after FIPS 180-4: a portable compression function and an x86 SHA extensions one, chosen once at run time.
#include "track/sha256.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define TRK_SHA256_X86 1
#endif

namespace track {

namespace {

using Chain = std::array<std::uint32_t, 8>;

/// Folds `count` consecutive 64-byte blocks at `blocks` into `chain`.
using Compress = void (*)(Chain& chain, const std::uint8_t* blocks, std::size_t count) noexcept;

// FIPS 180-4 4.2.2: the first 32 bits of the fractional parts of the cube roots of the
// first 64 primes.
alignas(16) constexpr std::array<std::uint32_t, 64> round_constants = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

// FIPS 180-4 5.3.3: the first 32 bits of the fractional parts of the square roots of the
// first 8 primes.
constexpr Chain initial_chain = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

constexpr detail::Sha256State fresh_state() noexcept { return {initial_chain, {}, 0}; }

std::uint32_t load_big_endian32(const std::uint8_t* p) noexcept {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]};
}

void store_big_endian32(std::uint8_t* p, std::uint32_t value) noexcept {
    for (int i = 3; i >= 0; --i, value >>= 8) p[i] = static_cast<std::uint8_t>(value);
}

void store_big_endian64(std::uint8_t* p, std::uint64_t value) noexcept {
    for (int i = 7; i >= 0; --i, value >>= 8) p[i] = static_cast<std::uint8_t>(value);
}

// The compression function as FIPS 180-4 6.2.2 writes it. The round loop is unrolled so
// that the rotation of a..h costs no moves.
void compress_portable(Chain& chain, const std::uint8_t* blocks, std::size_t count) noexcept {
    for (; count != 0; --count, blocks += 64) {
        std::array<std::uint32_t, 64> schedule;
        for (std::size_t t = 0; t < 16; ++t) schedule[t] = load_big_endian32(blocks + 4 * t);
        for (std::size_t t = 16; t < 64; ++t) {
            const std::uint32_t w15 = schedule[t - 15];
            const std::uint32_t w2 = schedule[t - 2];
            const std::uint32_t sigma0 = std::rotr(w15, 7) ^ std::rotr(w15, 18) ^ (w15 >> 3);
            const std::uint32_t sigma1 = std::rotr(w2, 17) ^ std::rotr(w2, 19) ^ (w2 >> 10);
            schedule[t] = sigma1 + schedule[t - 7] + sigma0 + schedule[t - 16];
        }
        std::uint32_t a = chain[0], b = chain[1], c = chain[2], d = chain[3];
        std::uint32_t e = chain[4], f = chain[5], g = chain[6], h = chain[7];
#pragma GCC unroll 64
        for (std::size_t t = 0; t < 64; ++t) {
            const std::uint32_t big_sigma1 = std::rotr(e, 6) ^ std::rotr(e, 11) ^ std::rotr(e, 25);
            const std::uint32_t choice = (e & f) ^ (~e & g);
            const std::uint32_t t1 = h + big_sigma1 + choice + round_constants[t] + schedule[t];
            const std::uint32_t big_sigma0 = std::rotr(a, 2) ^ std::rotr(a, 13) ^ std::rotr(a, 22);
            const std::uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
            const std::uint32_t t2 = big_sigma0 + majority;
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        chain[0] += a;
        chain[1] += b;
        chain[2] += c;
        chain[3] += d;
        chain[4] += e;
        chain[5] += f;
        chain[6] += g;
        chain[7] += h;
    }
}

#ifdef TRK_SHA256_X86

// The SHA extensions (Intel's "SHA Extensions" description): sha256rnds2 does two rounds on
// a state split as ABEF and CDGH (A in the highest lane), taking W[t] + K[t] for both rounds
// in the low two lanes of its third operand; sha256msg1 and sha256msg2 do the sigma0 and
// sigma1 halves of the message schedule, four words at a time.
#define TRK_SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

// Four rounds: `schedule` is W[t..t+3] (W[t] in the lowest lane), `group` is t / 4.
TRK_SHA_TARGET __attribute__((always_inline)) inline void four_rounds_sha_ni(__m128i& abef, __m128i& cdgh,
                                                                             __m128i schedule,
                                                                             std::size_t group) noexcept {
    const __m128i constants = _mm_load_si128(reinterpret_cast<const __m128i*>(round_constants.data() + 4 * group));
    const __m128i summed = _mm_add_epi32(schedule, constants);
    // After two rounds the old A,B,E,F are the new C,D,G,H: the two registers swap roles.
    cdgh = _mm_sha256rnds2_epu32(cdgh, abef, summed);
    abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(summed, 0x0E));
}

TRK_SHA_TARGET void compress_sha_ni(Chain& chain, const std::uint8_t* blocks, std::size_t count) noexcept {
    // Message words are big-endian: reverse the bytes of each 32-bit lane.
    const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);

    // chain[] holds A..H from the lowest lane up; the instructions want ABEF and CDGH.
    const __m128i dcba = _mm_loadu_si128(reinterpret_cast<const __m128i*>(chain.data()));
    const __m128i hgfe = _mm_loadu_si128(reinterpret_cast<const __m128i*>(chain.data() + 4));
    const __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
    const __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);

    for (; count != 0; --count, blocks += 64) {
        const __m128i abef_before = abef;
        const __m128i cdgh_before = cdgh;
        // W[t..t+3] lives in words[t / 4 % 4]: computing it overwrites W[t-16..t-13], the
        // oldest words, which no later round needs.
        __m128i words[4];
        for (std::size_t i = 0; i < 4; ++i) {
            const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blocks + 16 * i));
            words[i] = _mm_shuffle_epi8(raw, byte_swap);
        }
#pragma GCC unroll 16
        for (std::size_t group = 0; group < 16; ++group) {
            __m128i& current = words[group % 4];
            if (group >= 4) {
                const __m128i& older = words[(group + 1) % 4];   // W[t-12..t-9]
                const __m128i& recent = words[(group + 2) % 4];  // W[t-8..t-5]
                const __m128i& latest = words[(group + 3) % 4];  // W[t-4..t-1]
                // W[t-16] + sigma0(W[t-15]) + W[t-7], then + sigma1(W[t-2]) lane by lane.
                const __m128i partial =
                    _mm_add_epi32(_mm_sha256msg1_epu32(current, older), _mm_alignr_epi8(latest, recent, 4));
                current = _mm_sha256msg2_epu32(partial, latest);
            }
            four_rounds_sha_ni(abef, cdgh, current, group);
        }
        abef = _mm_add_epi32(abef, abef_before);
        cdgh = _mm_add_epi32(cdgh, cdgh_before);
    }

    const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(chain.data()), _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(chain.data() + 4), _mm_alignr_epi8(dchg, feba, 8));
}

#undef TRK_SHA_TARGET

#endif  // TRK_SHA256_X86

bool cpu_has_sha_extensions() noexcept {
#ifdef TRK_SHA256_X86
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("sse4.1") || !__builtin_cpu_supports("ssse3")) return false;
#if defined(__clang__)
    // clang (14 at least) does not know the feature name "sha": CPUID leaf 7, EBX bit 29.
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    return __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) != 0 && (ebx >> 29 & 1) != 0;
#else
    return __builtin_cpu_supports("sha");
#endif
#else
    return false;
#endif
}

Compress accelerated_or_portable() noexcept {
#ifdef TRK_SHA256_X86
    if (cpu_has_sha_extensions()) return compress_sha_ni;
#endif
    return compress_portable;
}

// The compression function for this process, chosen on first use (a function-local static,
// so a hash taken during another file's static initialisation still gets one).
Compress chosen_compress() noexcept {
    static const Compress chosen = accelerated_or_portable();
    return chosen;
}

void absorb(detail::Sha256State& state, Compress compress, const std::uint8_t* data, std::size_t size) noexcept {
    if (size == 0) return;  // data may be null
    std::size_t held = state.length % 64;
    state.length += size;
    if (held != 0) {
        const std::size_t taken = std::min(size, 64 - held);
        std::memcpy(state.partial.data() + held, data, taken);
        data += taken;
        size -= taken;
        held += taken;
        if (held < 64) return;
        compress(state.chain, state.partial.data(), 1);
    }
    const std::size_t whole_blocks = size / 64;
    if (whole_blocks != 0) compress(state.chain, data, whole_blocks);
    std::memcpy(state.partial.data(), data + 64 * whole_blocks, size % 64);
}

// FIPS 180-4 5.1.1: a 1 bit, zeros up to 56 mod 64 bytes, the length in bits (64, big-endian).
// Leaves `state` fresh for a new message.
Digest conclude(detail::Sha256State& state, Compress compress) noexcept {
    std::size_t held = state.length % 64;
    state.partial[held++] = 0x80;
    if (held > 56) {
        std::fill(state.partial.begin() + static_cast<std::ptrdiff_t>(held), state.partial.end(), 0);
        compress(state.chain, state.partial.data(), 1);
        held = 0;
    }
    std::fill(state.partial.begin() + static_cast<std::ptrdiff_t>(held), state.partial.begin() + 56, 0);
    store_big_endian64(state.partial.data() + 56, state.length * 8);
    compress(state.chain, state.partial.data(), 1);

    Digest digest;
    for (std::size_t i = 0; i < state.chain.size(); ++i) store_big_endian32(digest.data() + 4 * i, state.chain[i]);
    state = fresh_state();
    return digest;
}

Digest hash_with(Compress compress, std::string_view bytes) noexcept {
    detail::Sha256State state = fresh_state();
    absorb(state, compress, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    return conclude(state, compress);
}

}  // namespace

Sha256::Sha256() : state_(fresh_state()) {}

void Sha256::update(std::string_view bytes) {
    update(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

void Sha256::update(const std::uint8_t* data, std::size_t size) { absorb(state_, chosen_compress(), data, size); }

Digest Sha256::finish() { return conclude(state_, chosen_compress()); }

Digest sha256(std::string_view bytes) { return hash_with(chosen_compress(), bytes); }

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char hex_digits[] = "0123456789abcdef";
    std::string text(2 * bytes.size(), '0');
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        text[2 * i] = hex_digits[bytes[i] >> 4];
        text[2 * i + 1] = hex_digits[bytes[i] & 0x0F];
    }
    return text;
}

namespace detail {

Digest sha256_portable(std::string_view bytes) { return hash_with(compress_portable, bytes); }

bool sha256_accelerated_available() { return cpu_has_sha_extensions(); }

Digest sha256_accelerated(std::string_view bytes) { return hash_with(accelerated_or_portable(), bytes); }

}  // namespace detail

}  // namespace track
