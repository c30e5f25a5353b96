// Reading records (JSON Lines) into a command: open every input first, parse and check
// each line, report the bad ones; and the loop of the stages that pass records on.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "adapters/byte_source.hpp"
#include "diagnostics.hpp"
#include "output.hpp"
#include "track/json.hpp"

namespace cli {

/// Opens every file ('-': standard input), so that a missing one stops the run before any
/// output (MissingInputError). Reads stop early on SIGINT/SIGTERM.
std::vector<std::unique_ptr<adapters::FileSource>> open_inputs(const std::vector<std::string>& files);

/// Reads the records of `source`: each line that parses (RecordParser) and passes
/// track::validate goes to `on_record`; blank lines are skipped; the others are reported to
/// `diagnostics` as "bad record" or "invalid record". `before_wait` as for LineReader.
void read_records(adapters::FileSource& source, Diagnostics& diagnostics,
                  const std::function<void(track::Record&, const track::Location&)>& on_record,
                  std::function<void()> before_wait = {});

/// What a stage does with each record: act on it (write events to the output before it),
/// and say whether it goes on to the output.
using RecordAction = std::function<bool(track::Record&)>;

/// The loop of every stage: reads the records of each source in turn (read_records), passes
/// each to `act`, writes those it keeps to `out`, and flushes `out` whenever the input goes
/// quiet (a pipe or a port), so that a pipeline downstream sees records as they come. The
/// caller flushes at the end.
void pass_records(const std::vector<std::unique_ptr<adapters::FileSource>>& sources, Diagnostics& diagnostics,
                  Output& out, const RecordAction& act);

}  // namespace cli
