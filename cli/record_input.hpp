// Reading records (JSON Lines) into a command: open every input first, parse and check
// each line, report the bad ones. What read jsonl, export and ledger import share.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "adapters/byte_source.hpp"
#include "diagnostics.hpp"
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

}  // namespace cli
