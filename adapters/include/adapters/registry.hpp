// Self-registration of plug-in pieces (reader formats, sources): each piece is one file
// that registers itself, in the manner of libosmium's I/O formats.
//
// How a piece registers: at namespace scope of its own .cpp file, outside any namespace,
//
//     TRK_REGISTER_RFID_FORMAT(llrp_csv, {.name = "llrp-csv", ...});
//
// (each kind defines its TRK_REGISTER_KIND macro from TRK_REGISTER below) defines the
// registrar `adapters::registered::rfid_format_llrp_csv`, a constant whose initialisation
// adds the entry to the registry before main() runs.
//
// Why the registrars are not lost: the pieces are compiled into the static library
// `adapters`, and a linker takes an object out of a static library only when something
// already linked refers to one of its symbols; nothing refers to a format file (the
// registry finds it at run time), so a plain registrar would be dropped with its file.
// Linking the whole archive (--whole-archive) would fix that for trk but must be repeated
// for every program that links adapters (unit tests, fuzz harnesses) and pulls in
// everything else too. Instead CMakeLists.txt scans adapters/src/*.cpp for the
// `TRK_REGISTER_KIND(id,` lines and generates `registrations.cpp`, an explicit list of every
// registrar's address; Registry::entries() calls into that file, so a program that uses
// any registry keeps every registered piece. Adding a piece is still adding one file.
#pragma once

#include <algorithm>
#include <array>
#include <deque>
#include <string_view>
#include <vector>

namespace adapters {

namespace registered {
/// Defined in the generated registrations.cpp; refers to every registrar, so that the
/// linker keeps their objects. Returns how many there are.
std::size_t registrar_count() noexcept;
}  // namespace registered

/// The entries of one kind of piece. `Entry` has `name` (what the user types), `aliases`
/// (other names it answers to; empty strings are unused slots) and `listed` (position in
/// listings: lower first, then by name).
template <typename Entry>
class Registry {
public:
    /// Adds `entry` (a registrar's initialiser calls it). Returns true.
    bool add(const Entry& entry) {
        entries_.push_back(entry);
        return true;
    }

    /// The entry called `name` or one of its aliases; nullptr when there is none.
    [[nodiscard]] const Entry* find(std::string_view name) const {
        for (const Entry& entry : entries()) {
            if (entry.name == name) return &entry;
            if (std::find(entry.aliases.begin(), entry.aliases.end(), name) != entry.aliases.end() && !name.empty())
                return &entry;
        }
        return nullptr;
    }

    /// Every entry, in listing order.
    [[nodiscard]] std::vector<const Entry*> all() const {
        std::vector<const Entry*> sorted;
        for (const Entry& entry : entries()) sorted.push_back(&entry);
        std::sort(sorted.begin(), sorted.end(), [](const Entry* a, const Entry* b) {
            return a->listed != b->listed ? a->listed < b->listed : a->name < b->name;
        });
        return sorted;
    }

private:
    [[nodiscard]] const std::deque<Entry>& entries() const {
        static const std::size_t linked = registered::registrar_count();  // keeps the registrars linked
        (void)linked;
        return entries_;
    }

    std::deque<Entry> entries_;  ///< a deque: adding never moves an entry that find() gave out
};

}  // namespace adapters

/// Registers `entry` (an initialiser of the registry's Entry) in `registry` as the
/// registrar registered::KIND_ID. A kind wraps it as `TRK_REGISTER_KIND(id, entry)`, and
/// a piece uses that once, outside any namespace, at the start of a line: CMakeLists.txt
/// finds it there by the pattern `^TRK_REGISTER_([A-Z_]+)\(([a-z0-9_]+)` and lowercases KIND.
#define TRK_REGISTER(kind, id, registry, ...)             \
    namespace adapters::registered {                      \
    extern const bool kind##_##id;                        \
    const bool kind##_##id = (registry).add(__VA_ARGS__); \
    }
