// Units (track/units.hpp): trk's aliases over UDUNITS-2, its database loaded once, conversions cached per pair.
#include "track/units.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <udunits2.h>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>
#include <simdjson.h>

#include "track/error.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define TRK_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TRK_ADDRESS_SANITIZER 1
#endif
#endif

#ifdef TRK_ADDRESS_SANITIZER
// UDUNITS-2 2.2.28's lexer leaks the name it copied (strdup in utlex) when a parse fails
// on a number followed by a name ("km/0sor") and the next parse resets the lexer: a few
// bytes per such spelling, inside the library (found by fuzz_rules; reproduced with
// ut_parse alone). trk parses each spelling once per pair of units up to the cache's size,
// so the loss is bounded in practice. LeakSanitizer is told to ignore leaks allocated from
// inside the library, matched by its module name rather than by "utlex": a machine without
// llvm-symbolizer (CI's) cannot name the function. Any other leak still fails the
// sanitizer builds and the fuzzers.
extern "C" const char* __lsan_default_suppressions() { return "leak:libudunits2.so\n"; }
#endif

namespace track {

namespace {

// Spellings that devices and UCUM use and UDUNITS-2 reads otherwise or not at all: it reads
// "g" as the gram and "mph" as the milliphot (of light), and knows neither "Cel" nor "kn".
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> aliases = {{
    {"Cel", "°C"},
    {"degC", "°C"},
    {"[degF]", "°F"},
    {"degF", "°F"},
    {"g", "standard_free_fall"},
    {"mph", "mile/hour"},
    {"kn", "knot"},
}};

std::string_view udunits_spelling(std::string_view unit) {
    for (const auto& [alias, spelling] : aliases) {
        if (unit == alias) return spelling;
    }
    return unit;
}

// Readings come from the input, so their unit spellings are unbounded: past this many pairs
// a conversion is worked out again on each call instead of remembered.
constexpr std::size_t max_cached_pairs = 4096;

struct UnitFree {
    void operator()(ut_unit* unit) const { ut_free(unit); }
};
using UnitPtr = std::unique_ptr<ut_unit, UnitFree>;

struct ConverterFree {
    void operator()(cv_converter* converter) const { cv_free(converter); }
};
using ConverterPtr = std::unique_ptr<cv_converter, ConverterFree>;

// (from, to) as one key; looked up by string_views without building strings.
using UnitPair = std::pair<std::string_view, std::string_view>;
struct PairKey {
    std::string from;
    std::string to;
};
struct PairHash {
    using is_transparent = void;
    std::size_t operator()(const UnitPair& pair) const noexcept {
        const std::hash<std::string_view> hash;
        return hash(pair.first) * 31 + hash(pair.second);
    }
    std::size_t operator()(const PairKey& key) const noexcept { return (*this)(UnitPair{key.from, key.to}); }
};
struct PairEqual {
    using is_transparent = void;
    static UnitPair view(const PairKey& key) { return {key.from, key.to}; }
    static UnitPair view(const UnitPair& pair) { return pair; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const noexcept {
        return view(a) == view(b);
    }
};

// The UDUNITS-2 unit system and the conversions worked out so far. UDUNITS-2 is not
// thread-safe, so every call into it holds `mutex`.
class Units {
public:
    static Units& instance() {
        static Units units;
        return units;
    }

    bool known(std::string_view unit) {
        const std::scoped_lock lock(mutex_);
        return parse(unit) != nullptr;
    }

    std::optional<UnitConversion> conversion(std::string_view from, std::string_view to) {
        const std::scoped_lock lock(mutex_);
        if (const auto cached = cache_.find(UnitPair{from, to}); cached != cache_.end()) return cached->second;
        std::optional<UnitConversion> result = convert(from, to);
        if (cache_.size() < max_cached_pairs) cache_.emplace(PairKey{std::string(from), std::string(to)}, result);
        return result;
    }

    Units(const Units&) = delete;
    Units& operator=(const Units&) = delete;

private:
    Units() = default;
    ~Units() {
        if (system_ != nullptr) ut_free_system(system_);
    }

    // The database, read on first use (milliseconds: only a rule or reading with a unit pays).
    ut_system* system() {
        if (system_ != nullptr) return system_;
        ut_set_error_message_handler(ut_ignore);
        system_ = ut_read_xml(nullptr);
        if (system_ == nullptr) {
            ut_status status = UT_SUCCESS;
            const char* found = ut_get_path_xml(nullptr, &status);
            const std::string path = found != nullptr ? found : "(no path)";
            throw Error(ExitCode::software,
                        status == UT_OPEN_ENV
                            ? fmt::format("cannot load the UDUNITS-2 units database {} named by UDUNITS2_XML_PATH: set "
                                          "it to the udunits2.xml of Debian's libudunits2-data, or unset it",
                                          path)
                            : fmt::format("cannot load the UDUNITS-2 units database {}: install Debian's "
                                          "libudunits2-data",
                                          path));
        }
        return system_;
    }

    // nullptr when UDUNITS-2 does not read the spelling. Empty is no unit, whatever UDUNITS-2 makes of it.
    // UDUNITS-2 reads a C string and skips bytes that are not UTF-8 ("m/s\x86" is m/s): a spelling
    // with a control byte or invalid UTF-8 is no unit, so that a unit always reads back as written.
    UnitPtr parse(std::string_view unit) {
        const auto control = [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; };
        if (unit.empty() || std::ranges::any_of(unit, control) || !simdjson::validate_utf8(unit.data(), unit.size())) {
            return nullptr;
        }
        const std::string spelling(udunits_spelling(unit));
        return UnitPtr(ut_parse(system(), spelling.c_str(), UT_UTF8));
    }

    std::optional<UnitConversion> convert(std::string_view from, std::string_view to) {
        const UnitPtr from_unit = parse(from);
        const UnitPtr to_unit = from_unit ? parse(to) : nullptr;
        if (!to_unit) return std::nullopt;
        const ConverterPtr converter(ut_get_converter(from_unit.get(), to_unit.get()));
        if (!converter) return std::nullopt;
        const double offset = cv_convert_double(converter.get(), 0);
        const UnitConversion affine{.scale = cv_convert_double(converter.get(), 1) - offset, .offset = offset};
        // Logarithmic units (decibels) convert, but not by a line: trk does not compare across them.
        const double probe = 100;
        const double line = affine.apply(probe);
        const double got = cv_convert_double(converter.get(), probe);
        if (!std::isfinite(affine.scale) || !std::isfinite(affine.offset) || affine.scale == 0 || !std::isfinite(got) ||
            std::abs(got - line) > 1e-9 * std::max(std::abs(got), 1.0)) {
            return std::nullopt;
        }
        return affine;
    }

    std::mutex mutex_;
    ut_system* system_ = nullptr;
    std::unordered_map<PairKey, std::optional<UnitConversion>, PairHash, PairEqual> cache_;
};

}  // namespace

bool known_unit(std::string_view unit) { return Units::instance().known(unit); }

std::optional<UnitConversion> unit_conversion(std::string_view from, std::string_view to) {
    if (from == to) return UnitConversion{};
    return Units::instance().conversion(from, to);
}

}  // namespace track
