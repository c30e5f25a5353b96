// `trk fence which`: the ids of the fences holding a point, or a "zones" list added to every fix.
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "diagnostics.hpp"
#include "fence.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "record_input.hpp"
#include "track/fence.hpp"

namespace cli {

namespace {

struct WhichOptions {
    std::string fences;
    std::string lat;  ///< empty: not given
    std::string lon;  ///< empty: not given
    std::vector<std::string> files;
    bool strict = false;
    std::optional<double> point_lat;  ///< filled by check() when --lat/--lon are given
    std::optional<double> point_lon;
};

void check(WhichOptions& o) {
    if (o.lat.empty() != o.lon.empty()) throw track::UsageError("--lat and --lon go together");
    if (!o.lat.empty()) {
        if (!o.files.empty()) throw track::UsageError("FILE: not read with --lat and --lon; give one or the other");
        o.point_lat = parse_degrees("--lat", o.lat, 90);
        o.point_lon = parse_degrees("--lon", o.lon, 180);
    } else if (o.files.empty()) {
        o.files.emplace_back("-");
    }
}

// The ids of the fences at `positions`.
std::vector<std::string> ids(const track::FenceIndex& index, const std::vector<std::size_t>& positions) {
    std::vector<std::string> out;
    out.reserve(positions.size());
    for (const std::size_t i : positions) out.push_back(index.fences()[i].id());
    return out;
}

int run_which(const WhichOptions& o) {
    Diagnostics diagnostics("fence which", o.strict);
    const track::FenceIndex index(
        track::load_fences(o.fences, [&diagnostics](std::string_view note) { diagnostics.note(note); }));
    std::vector<std::size_t> inside;
    if (o.point_lat) {
        index.containing(*o.point_lat, *o.point_lon, inside);
        Output out;
        for (const std::size_t i : inside)
            fmt::format_to(std::back_inserter(out.buffer()), "{}\n", index.fences()[i].id());
        out.flush();
        return inside.empty() ? static_cast<int>(track::ExitCode::found) : 0;
    }
    const auto sources = open_inputs(o.files);
    Output out;
    // The fences holding each fix are found on the reading thread, ahead of the output.
    const auto with_position = [](const track::Record& record) {
        const auto* fix = std::get_if<track::Fix>(&record);
        return fix != nullptr && fix->mode != track::FixMode::none ? fix : nullptr;
    };
    pass_prepared_records<std::vector<std::size_t>>(
        sources, diagnostics, out,
        [&](const track::Record& record, std::vector<std::size_t>& held, bool) {
            if (const track::Fix* fix = with_position(record)) index.containing(fix->lat, fix->lon, held);
        },
        [&](track::Record& record, const std::vector<std::size_t>& held) {
            if (with_position(record) != nullptr) std::get<track::Fix>(record).zones = ids(index, held);
            return true;
        });
    out.flush();
    diagnostics.summary();
    return 0;
}

}  // namespace

void add_fence_which_command(CLI::App& fence, Invocation& chosen) {
    auto options = std::make_shared<WhichOptions>();
    WhichOptions& o = *options;
    auto* which = fence.add_subcommand("which",
                                       "Print the ids of the fences holding a point (--lat/--lon; exit 1 when none), "
                                       "or add a \"zones\" list to every fix");
    which->add_option("--fences", o.fences, "GeoJSON FeatureCollection of the fences")->type_name("FILE")->required();
    which->add_option("--lat", o.lat, "Latitude of the point, WGS84 degrees (with --lon)")->type_name("DEGREES");
    which->add_option("--lon", o.lon, "Longitude of the point, WGS84 degrees (with --lat)")->type_name("DEGREES");
    which->add_option("FILE", o.files, "JSON Lines record files; '-' or none: standard input");
    which->add_flag("--strict", o.strict, "Stop at the first bad record with exit status 65");
    which->callback([options, &chosen] {
        check(*options);
        chosen = {"fence which", [options] { return run_which(*options); }};
    });
}

}  // namespace cli
