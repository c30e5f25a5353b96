// --ledger, --busy-timeout and instants for the ledger commands (see ledger_access.hpp).
#include "ledger_access.hpp"

#include <fmt/format.h>

#include "track/error.hpp"

namespace cli {

void LedgerAccess::check() {
    const auto ms = track::parse_duration(busy);
    if (!ms) throw track::UsageError(fmt::format("--busy-timeout: '{}' is not a duration like 5s or 500ms", busy));
    timeout = std::chrono::milliseconds(*ms);
    path = track::default_ledger_path(path);
}

std::unique_ptr<track::Ledger> LedgerAccess::open(bool create, int mode) const {
    return track::open_ledger({path, timeout, create, mode});
}

void add_ledger_options(CLI::App* command, LedgerAccess& access) {
    command
        ->add_option("--ledger", access.path,
                     "The ledger file (default: $TRK_LEDGER, else ${XDG_DATA_HOME:-~/.local/share}/trk/ledger.db)")
        ->type_name("PATH");
    command->add_option("--busy-timeout", access.busy, "How long to wait for another trk writing to the ledger")
        ->type_name("DURATION")
        ->default_str("5s");
}

track::Millis now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::optional<track::Millis> parse_instant(const std::string& text, std::string_view option, track::Millis now) {
    if (text.empty()) return std::nullopt;
    if (const auto t = track::parse_rfc3339(text)) return t;
    if (const auto ago = track::parse_duration(text)) return now - *ago;
    throw track::UsageError(
        fmt::format("{}: '{}' is neither a time like 2026-11-24T14:03:07Z nor a duration like 24h", option, text));
}

}  // namespace cli
