// `trk fence`: zones and debounced zone events for every fix; the ledger's fences (add, list, rm).
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adapters/export.hpp"
#include "command.hpp"
#include "diagnostics.hpp"
#include "fence.hpp"
#include "ledger_access.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "record_input.hpp"
#include "report.hpp"
#include "stage_state.hpp"
#include "track/fence.hpp"
#include "track/fence_stage.hpp"
#include "track/json.hpp"
#include "track/json_writer.hpp"
#include "track/number.hpp"

namespace cli {

namespace {

// The fences of the GeoJSON file `path`, or, when it is empty, those kept in the ledger.
std::vector<track::Fence> fences_of(const std::string& path, const LedgerAccess& ledger,
                                    const Diagnostics& diagnostics) {
    if (!path.empty()) {
        return track::load_fences(path, [&diagnostics](std::string_view text) { diagnostics.note(text); });
    }
    std::vector<track::Fence> fences = stored_fences(*ledger.open(), ledger.path, diagnostics);
    if (fences.empty()) {
        throw track::MissingInputError(fmt::format(
            "{}: the ledger keeps no fences; add them with 'trk fence add FILE', or name a file with --fences",
            ledger.path));
    }
    return fences;
}

struct StageOptions {
    LedgerAccess ledger;  ///< where fences come from when --fences is not given
    std::vector<std::string> files;
    std::string fences, margin = "0", min_dwell = "0", dwell, detect = "enter,exit,cross,dwell";
    StateOptions state;
    bool strict = false;
    track::FenceStageOptions parsed;  ///< checked by setup
};

void check(StageOptions& o) {
    if (o.fences.empty() || !o.state.ledger_name.empty()) o.ledger.check();
    o.parsed.margin_m = parse_distance("--margin", o.margin);
    o.parsed.min_dwell = parse_duration("--min-dwell", o.min_dwell);
    if (!o.dwell.empty()) o.parsed.dwell = parse_duration("--dwell", o.dwell);
    track::FenceEvents events{false, false, false, false, false, false};
    bool track::FenceEvents::*const flags[] = {&track::FenceEvents::enter,  &track::FenceEvents::exit,
                                               &track::FenceEvents::cross,  &track::FenceEvents::dwell,
                                               &track::FenceEvents::inside, &track::FenceEvents::outside};
    for (const std::size_t i : parse_choice_list("--detect", o.detect, "an event",
                                                 {"enter", "exit", "cross", "dwell", "inside", "outside"})) {
        events.*flags[i] = true;
    }
    o.parsed.events = events;
    if (o.files.empty()) o.files.emplace_back("-");
}

int run_stage(const StageOptions& o) {
    Diagnostics diagnostics("fence", o.strict);
    const track::FenceIndex index(fences_of(o.fences, o.ledger, diagnostics));
    const auto sources = open_inputs(o.files);
    Output out;
    track::FenceStage stage(index, o.parsed, [&out](const track::Event& e) { track::append_json(out.buffer(), e); });
    StageStateStore state("fence", o.state, o.ledger);
    const auto note = [&diagnostics](std::string_view text) { diagnostics.note(text); };
    if (const auto saved = state.load(false, note)) stage.load_state(*saved, state.where());
    // The index lookups run on the reading thread, ahead of the stage (FenceScout); the
    // crossings too while the stage is behind.
    track::FenceScout scout(index, stage);
    pass_prepared_records<track::FenceLookup>(
        sources, diagnostics, out,
        [&](const track::Record& record, track::FenceLookup& lookup, bool stage_behind) {
            if (const auto* fix = std::get_if<track::Fix>(&record)) scout.look(*fix, lookup, stage_behind);
        },
        [&](track::Record& record, const track::FenceLookup& lookup) {
            if (auto* fix = std::get_if<track::Fix>(&record)) stage.fix(*fix, lookup);
            return true;
        });
    out.flush();
    if (state.wanted()) state.save(stage.save_state());
    const track::FenceStageCounts& c = stage.counts();
    if (c.out_of_order > 0) {
        diagnostics.note(fmt::format("{} fix{} older than {} asset's last one passed through without events",
                                     c.out_of_order, c.out_of_order == 1 ? "" : "es",
                                     c.out_of_order == 1 ? "its" : "their"));
    }
    diagnostics.summary();
    return 0;
}

struct StoreOptions {
    LedgerAccess ledger;
    std::string file, id, format;
};

int run_add(const StoreOptions& o) {
    Diagnostics diagnostics("fence add", false);
    // The ledger keeps the corrected rings: the note is said here, once, not on every load.
    const auto fences = track::load_fences(
        o.file, [&diagnostics](std::string_view note) { diagnostics.note(fmt::format("{} (and kept so)", note)); },
        true);
    std::vector<track::StoredFence> stored;
    stored.reserve(fences.size());
    const track::Millis now = now_ms();
    for (const track::Fence& f : fences) stored.push_back({f.id(), f.feature(), now});
    const std::uint64_t added = o.ledger.open()->put_fences(stored);
    diagnostics.note(fmt::format("{} fences kept ({} new, {} replaced)", stored.size(), added, stored.size() - added));
    return 0;
}

int run_list(const StoreOptions& o) {
    Diagnostics diagnostics("fence list", false);
    const auto ledger = o.ledger.open();
    const auto stored = ledger->fences();
    const ReportFormat format = report_format(o.format, true);
    if (format == ReportFormat::geojson) {  // the fences themselves, for a map (and trk fence add)
        Output out;
        adapters::FeatureCollectionWriter collection(out.buffer());
        adapters::add_fence_features(collection, stored);
        collection.finish();
        out.flush();
        return 0;
    }
    std::vector<Row> rows;
    if (!stored.empty()) {
        const auto fences = fences_of({}, o.ledger, diagnostics);
        for (std::size_t i = 0; i < fences.size(); ++i) {
            const track::Fence& f = fences[i];
            const char* kind = f.kind() == track::Fence::Kind::circle         ? "circle"
                               : f.kind() == track::Fence::Kind::multipolygon ? "multipolygon"
                                                                              : "polygon";
            rows.push_back({Field::string("id", f.id()), Field::string("kind", kind),
                            Field::raw("properties", f.properties(), f.properties()),
                            Field::time("added", stored[i].added)});
        }
    }
    Output out;
    write_report(out, format, {"id", "kind", "properties", "added"}, rows, "no fences kept");
    return 0;
}

void add_store_commands(CLI::App& fence, Invocation& chosen) {
    auto add_o = std::make_shared<StoreOptions>();
    auto* add = fence.add_subcommand("add", "Keep the fences of a GeoJSON file in the ledger (same ids are replaced)");
    add_ledger_options(add, add_o->ledger);
    add->add_option("FILE", add_o->file, "GeoJSON FeatureCollection of fences")->required();
    add->callback([add_o, &chosen] {
        add_o->ledger.check();
        chosen = {"fence add", [add_o] { return run_add(*add_o); }};
    });

    auto list_o = std::make_shared<StoreOptions>();
    auto* list = fence.add_subcommand("list", "List the fences kept in the ledger");
    add_ledger_options(list, list_o->ledger);
    add_report_format_option(list, list_o->format, true);
    list->callback([list_o, &chosen] {
        list_o->ledger.check();
        report_format(list_o->format, true);
        chosen = {"fence list", [list_o] { return run_list(*list_o); }};
    });

    auto rm_o = std::make_shared<StoreOptions>();
    auto* rm = fence.add_subcommand("rm", "Remove a fence from the ledger");
    add_ledger_options(rm, rm_o->ledger);
    rm->add_option("ID", rm_o->id, "The fence's id")->required();
    rm->callback([rm_o, &chosen] {
        rm_o->ledger.check();
        chosen = {"fence rm", [rm_o] {
                      rm_o->ledger.open()->remove_fence(rm_o->id);
                      return 0;
                  }};
    });
}

}  // namespace

void add_fence_command(CLI::App& trk, Invocation& chosen) {
    auto options = std::make_shared<StageOptions>();
    StageOptions& o = *options;
    auto* fence = trk.add_subcommand(
        "fence", "Zones of every fix and enter/exit/cross/dwell events, debounced, from GeoJSON geofences");
    fence->require_subcommand(0, 1);
    fence->add_option("FILE", o.files, "JSON Lines record files; '-' or none: standard input");
    fence->add_option("--fences", o.fences, "GeoJSON FeatureCollection of the fences (default: the ledger's)")
        ->type_name("FILE");
    add_ledger_options(fence, o.ledger);
    fence->add_option("--margin", o.margin, "How far inside a fence to enter it, outside to leave it (hysteresis)")
        ->type_name("DISTANCE")
        ->default_str("0");
    fence->add_option("--min-dwell", o.min_dwell, "How long a new state must hold before its event fires")
        ->type_name("DURATION")
        ->default_str("0");
    fence->add_option("--dwell", o.dwell, "Inside this long: one dwell event per visit (fence property dwell wins)")
        ->type_name("DURATION");
    fence->add_option("--detect", o.detect, "Events to write: enter, exit, cross, dwell, inside, outside")
        ->type_name("EVENT,...")
        ->default_str("enter,exit,cross,dwell");
    add_state_options(fence, o.state);
    fence->add_flag("--strict", o.strict, "Stop at the first bad record with exit status 65");
    add_fence_which_command(*fence, chosen);
    add_store_commands(*fence, chosen);
    fence->callback([fence, options, &chosen] {
        if (!fence->get_subcommands().empty()) return;  // `trk fence which` chose already
        check(*options);
        chosen = {"fence", [options] { return run_stage(*options); }};
    });
}

}  // namespace cli
