// Reading records (JSON Lines) into a command: open every input first, parse and check
// each line, report the bad ones; and the loop of the stages that pass records on.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "adapters/byte_source.hpp"
#include "diagnostics.hpp"
#include "output.hpp"
#include "track/json.hpp"
#include "track/problems.hpp"

namespace cli {

/// Opens every file ('-': standard input), so that a missing one stops the run before any
/// output (MissingInputError). Reads stop early on SIGINT, SIGTERM or SIGHUP.
std::vector<std::unique_ptr<adapters::FileSource>> open_inputs(const std::vector<std::string>& files);

/// Reads the records of `source`: each line that parses (RecordParser) and passes
/// track::validate goes to `on_record`; blank lines are skipped; the others are reported to
/// `problems` as "bad record" or "invalid record". `before_wait` as for LineReader.
void read_records(adapters::FileSource& source, track::ProblemSink& problems,
                  const std::function<void(track::Record&, const track::Location&)>& on_record,
                  std::function<void()> before_wait = {});

/// What a stage does with each record: act on it (write events to the output before it),
/// and say whether it goes on to the output.
using RecordAction = std::function<bool(track::Record&)>;

/// The loop of every stage: reads the records of each source in turn (read_records), passes
/// each to `act`, writes those it keeps to `out`, and flushes `out` whenever the input goes
/// quiet (a pipe or a port), so that a pipeline downstream sees records as they come. The
/// caller flushes at the end.
///
/// Reading and parsing run on a thread of their own, a few thousand records ahead of the
/// actions (the memory stays bounded); problems with the input reach `diagnostics` in input
/// order among the actions, from the calling thread, so output and messages are the same as
/// one thread would give. An error while reading is thrown after the records before it.
/// When the process may use one processor only, all of it runs on the calling thread.
void pass_records(const std::vector<std::unique_ptr<adapters::FileSource>>& sources, Diagnostics& diagnostics,
                  Output& out, const RecordAction& act);

namespace detail {
/// Records in flight between the reading thread and the stage, each with a slot (a number
/// below this) for what was prepared for it.
constexpr std::size_t records_in_flight = 8192;
using SlotPreparation = std::function<void(const track::Record&, std::size_t slot, bool stage_behind)>;
using SlotAction = std::function<bool(track::Record&, std::size_t slot)>;
/// pass_prepared_records, with the slots that name the prepared data.
void pass_records_in_slots(const std::vector<std::unique_ptr<adapters::FileSource>>& sources, Diagnostics& diagnostics,
                           Output& out, const SlotAction& act, const SlotPreparation& prepare);
}  // namespace detail

/// pass_records, with work done for each record ahead of its action (the fences holding a
/// fix), on the reading thread: `prepare(const track::Record&, Ahead& ahead, bool
/// stage_behind)`, then `act(track::Record&, Ahead& ahead) -> bool` (as for pass_records).
/// `ahead` is what the pipeline keeps for that record from its preparation until its action
/// returns (then it serves a later record: the preparation sets all that it fills). The
/// preparation runs concurrently with the actions on earlier records: it must only read
/// what they do not change. `stage_behind`: records wait for the actions, so work that an
/// action would do otherwise is best done here; the two threads share the work that way.
template <typename Ahead, typename Prepare, typename Act>
void pass_prepared_records(const std::vector<std::unique_ptr<adapters::FileSource>>& sources, Diagnostics& diagnostics,
                           Output& out, const Prepare& prepare, const Act& act) {
    std::vector<Ahead> ahead(detail::records_in_flight);
    detail::pass_records_in_slots(
        sources, diagnostics, out, [&](track::Record& record, std::size_t slot) { return act(record, ahead[slot]); },
        [&](const track::Record& record, std::size_t slot, bool stage_behind) {
            prepare(record, ahead[slot], stage_behind);
        });
}

}  // namespace cli
