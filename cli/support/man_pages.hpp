// The man pages compiled into trk, for `trk help COMMAND`.
#pragma once

#include <string_view>
#include <vector>

namespace cli {

/// One page: its name ("trk-read"), roff (empty when pandoc was not there at build
/// time) and a plain-text rendering (the markdown itself without pandoc).
struct ManPage {
    std::string_view name;
    std::string_view roff;
    std::string_view text;
};

/// Every page, trk(1) first.
const std::vector<ManPage>& man_pages();

}  // namespace cli
