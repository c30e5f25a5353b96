// --ledger and --busy-timeout for the ledger commands (see ledger_access.hpp).
#include "ledger_access.hpp"

#include <fmt/format.h>

#include "track/error.hpp"

namespace cli {

void LedgerAccess::check() {
    timeout = std::chrono::milliseconds(parse_duration("--busy-timeout", busy));
    path = track::default_ledger_path(path);
}

std::unique_ptr<track::Ledger> LedgerAccess::open(bool create, int mode) const {
    return track::open_ledger({path, timeout, create, mode, site});
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

}  // namespace cli
