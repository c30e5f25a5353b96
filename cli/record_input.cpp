// Opening inputs and reading checked records from them (see record_input.hpp).
#include "record_input.hpp"

#include "signals.hpp"
#include "track/error.hpp"
#include "track/validate.hpp"

namespace cli {

namespace {
// A record line is longer than a sentence, but no record needs this much.
constexpr std::size_t max_record_line = 1 << 20;
}  // namespace

std::vector<std::unique_ptr<adapters::FileSource>> open_inputs(const std::vector<std::string>& files) {
    const std::atomic<bool>& stop = stop_on_signals();
    std::vector<std::unique_ptr<adapters::FileSource>> sources;
    for (const std::string& path : files) sources.push_back(std::make_unique<adapters::FileSource>(path, &stop));
    return sources;
}

void read_records(adapters::FileSource& source, Diagnostics& diagnostics,
                  const std::function<void(track::Record&, const track::Location&)>& on_record,
                  std::function<void()> before_wait) {
    track::RecordParser parser;
    adapters::for_each_line(
        source, max_record_line, diagnostics,
        [&](std::string_view text, const track::Location& where) {
            if (adapters::trim_blanks(text).empty()) return;
            // The record is parsed straight into place (a default-constructed record that
            // the parsed one was moved into showed in profiles); `bad` says it was skipped.
            bool bad = false;
            track::Record record = [&]() -> track::Record {
                try {
                    // No place for the parser to name: the skip reports `where` itself and
                    // uses only the reason (a "file:line" string per line showed in profiles).
                    return parser.parse(text, {});
                } catch (const track::InputError& e) {
                    diagnostics.skipped(where, "bad record", e.reason());
                    bad = true;
                    return track::OpaqueRecord{};
                }
            }();
            if (bad) return;
            if (const std::string why = track::validate(record); !why.empty()) {
                diagnostics.skipped(where, "invalid record", why);
                return;
            }
            on_record(record, where);
        },
        std::move(before_wait));
}

void pass_records(const std::vector<std::unique_ptr<adapters::FileSource>>& sources, Diagnostics& diagnostics,
                  Output& out, const RecordAction& act) {
    for (const auto& source : sources) {
        read_records(
            *source, diagnostics,
            [&](track::Record& record, const track::Location&) {
                if (!act(record)) return;
                track::append_json(out.buffer(), record);
                out.maybe_flush();
            },
            [&out] { out.flush(); });
    }
}

}  // namespace cli
