// PLACEHOLDER until the pg-queries branch lands (ledger_pg_queries.cpp, ledger_pg_chain.cpp):
// PgLedger's report queries and chain, refused, so that the class links. Delete this file
// when merging those two files.
#include <fmt/format.h>

#include "ledger_pg.hpp"
#include "track/error.hpp"

namespace track::pg {

namespace {

[[noreturn]] void not_yet(std::string_view what) {
    throw Error(ExitCode::software, fmt::format("the central ledger cannot answer {} yet", what));
}

}  // namespace

void PgLedger::sightings(Millis, Millis, const std::function<void(const Sighting&)>&) { not_yet("sightings"); }
std::vector<Position> PgLedger::where(const WhereQuery&) { not_yet("where"); }
void PgLedger::history(const HistoryQuery&, const std::function<void(std::string_view)>&) { not_yet("history"); }
std::vector<UnknownTag> PgLedger::unknown_tags() { not_yet("unknown tags"); }
Verification PgLedger::verify(const std::function<void(std::uint64_t)>&) { not_yet("verify"); }
std::optional<ChainLink> PgLedger::head() { not_yet("head"); }
std::optional<Digest> PgLedger::record_hash(std::int64_t) { not_yet("record_hash"); }
std::uint64_t PgLedger::records_after(std::int64_t) { not_yet("records_after"); }
void PgLedger::add_checkpoint(const Checkpoint&) { not_yet("checkpoints"); }
std::vector<Checkpoint> PgLedger::checkpoints() { not_yet("checkpoints"); }

}  // namespace track::pg
