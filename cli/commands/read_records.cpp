// `trk read csv` (data-logger exports to reading records) and `trk read jsonl` (other
// tools' records, checked and brought to canonical form).
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adapters/byte_source.hpp"
#include "adapters/sensor_csv.hpp"
#include "diagnostics.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "read.hpp"
#include "record_input.hpp"
#include "track/json.hpp"

namespace cli {

namespace {

struct CsvOptions {
    std::vector<std::string> files;
    std::vector<std::string> map;
    std::vector<std::string> units;
    std::string asset;
    std::string device;
    std::string utc_offset;
    std::string tz;
    std::string ambiguous;
    bool strict = false;
    adapters::SensorCsvOptions parsed;  ///< filled by check()
};

struct JsonlOptions {
    std::vector<std::string> files;
    bool strict = false;
};

void check(CsvOptions& o) {
    const auto pairs = [](std::string_view example) {
        return KeyValueRules{.comma_separated = true, .value_required = true, .example = example};
    };
    for (auto& [name, column] : parse_key_values("--map", o.map, pairs("time=Timestamp")))
        o.parsed.columns[name] = column;
    for (auto& [metric, unit] : parse_key_values("--unit", o.units, pairs("temperature=Cel")))
        o.parsed.units[metric] = unit;
    o.parsed.asset = o.asset;
    o.parsed.device = o.device;
    if (!o.utc_offset.empty()) o.parsed.utc_offset = parse_utc_offset("--utc-offset", o.utc_offset);
    if (!o.tz.empty()) o.parsed.zone = parse_time_zone("--tz", o.tz);
    if (!o.ambiguous.empty()) {
        o.parsed.ambiguous = parse_choice("--ambiguous", o.ambiguous, "a choice", {"earlier", "later"}) == 0
                                 ? track::AmbiguousTime::earlier
                                 : track::AmbiguousTime::later;
    }
    if (o.files.empty()) o.files.emplace_back("-");
}

int run_csv(const CsvOptions& o) {
    Diagnostics diagnostics("read csv", o.strict);
    Output out;
    NothingRead nothing_read;
    adapters::SensorCsvReader reader(o.parsed, diagnostics, [&out](const track::Reading& reading) {
        track::append_json(out.buffer(), reading);
        out.maybe_flush();
    });
    for (const auto& source : open_inputs(o.files)) {
        const std::uint64_t skipped = diagnostics.skipped_count();
        const adapters::SensorCsvRun run = reader.run(*source);
        if (run.device_from_source && run.readings > 0) {
            diagnostics.note(
                fmt::format("{0}: no --asset and no asset column: the readings name device \"{0}\" "
                            "(trk asset link ASSET --device {0} gives them to an asset)",
                            source->name()));
        }
        nothing_read.check(source->name(), run.readings, diagnostics.skipped_count() - skipped,
                           [] { return std::string("no row gave a reading"); });
    }
    out.flush();
    diagnostics.summary();
    nothing_read.throw_if_any();
    return 0;
}

int run_jsonl(const JsonlOptions& o) {
    Diagnostics diagnostics("read jsonl", o.strict);
    Output out;
    std::uint64_t records = 0;
    pass_records(open_inputs(o.files), diagnostics, out, [&records](track::Record&) {
        ++records;
        return true;
    });
    out.flush();
    diagnostics.summary();
    NothingRead nothing_read;
    const std::string& only = o.files.front();
    nothing_read.check(o.files.size() > 1 ? ""
                       : only == "-"      ? "stdin"
                                          : only,
                       records, diagnostics.skipped_count(), [] { return std::string("no line was a record"); });
    nothing_read.throw_if_any();
    return 0;
}

}  // namespace

void add_read_record_commands(CLI::App& read, Invocation& chosen) {
    auto csv_options = std::make_shared<CsvOptions>();
    CsvOptions& c = *csv_options;
    auto* csv = read.add_subcommand("csv", "Read data-logger CSV exports; write one reading record per measurement");
    csv->add_option("FILE", c.files, "CSV files with a header line; '-' or none: standard input");
    csv->add_option("--map", c.map,
                    "Which column holds what: time=COL, asset=COL, device=COL, metric=COL, value=COL, unit=COL, "
                    "or METRIC=COL for a column per metric (comma-separated or repeated)")
        ->type_name("NAME=COLUMN,...")
        ->allow_extra_args(false);
    csv->add_option("--unit", c.units, "Unit of a metric, over the built-in ones (temperature=Cel, humidity=%, ...)")
        ->type_name("METRIC=UNIT,...")
        ->allow_extra_args(false);
    csv->add_option("--asset", c.asset, "Asset of every reading, when no column names it")->type_name("ID");
    csv->add_option("--device", c.device, "Device of every reading, when no column names it")->type_name("ID");
    auto* offset =
        csv->add_option("--utc-offset", c.utc_offset, "Offset of times written without a zone (default: they are UTC)")
            ->type_name("+HH:MM");
    auto* tz = csv->add_option("--tz", c.tz,
                               "Time zone of times written without a zone, across daylight-saving changes "
                               "(IANA name: Europe/Berlin)")
                   ->type_name("ZONE")
                   ->excludes(offset);
    csv->add_option("--ambiguous", c.ambiguous,
                    "A local time of the hour that clocks repeat is the earlier or the later instant (default: the "
                    "row is refused)")
        ->type_name("earlier|later")
        ->needs(tz);
    csv->add_flag("--strict", c.strict, "Stop at the first bad row with exit status 65");
    csv->callback([csv_options, &chosen] {
        check(*csv_options);
        chosen = {"read csv", [csv_options] { return run_csv(*csv_options); }};
    });

    auto jsonl_options = std::make_shared<JsonlOptions>();
    JsonlOptions& j = *jsonl_options;
    auto* jsonl = read.add_subcommand(
        "jsonl", "Read records other tools wrote (JSON Lines); check them and write them in canonical form");
    jsonl->add_option("FILE", j.files, "JSON Lines files; '-' or none: standard input");
    jsonl->add_flag("--strict", j.strict, "Stop at the first bad record with exit status 65");
    jsonl->callback([jsonl_options, &chosen] {
        if (jsonl_options->files.empty()) jsonl_options->files.emplace_back("-");
        chosen = {"read jsonl", [jsonl_options] { return run_jsonl(*jsonl_options); }};
    });
}

}  // namespace cli
