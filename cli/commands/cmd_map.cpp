// `trk map`: records and/or the ledger as one self-contained offline HTML page or SVG of the yard.
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "adapters/map.hpp"
#include "audit_zone.hpp"
#include "command.hpp"
#include "diagnostics.hpp"
#include "files.hpp"
#include "ledger_access.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "record_input.hpp"
#include "track/error.hpp"
#include "track/number.hpp"

namespace cli {

namespace {

struct MapOptions {
    std::vector<std::string> files;
    std::string output, format, fences, audit, now, tolerance, tiles, title = "trk map", size;
    bool strict = false;
    LedgerAccess ledger;
    bool ledger_named = false;  ///< --ledger or $TRK_LEDGER: the ledger must open
    bool svg = false;           ///< checked by setup
    adapters::map::SceneOptions scene;
    adapters::map::RenderOptions render;
};

// "1200x800": the SVG's size in pixels.
void parse_pixels(const std::string& text, adapters::map::RenderOptions& render) {
    const auto x = text.find('x');
    const auto number = [](std::string_view digits) -> std::optional<int> {
        if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string_view::npos) {
            return std::nullopt;
        }
        const int n = std::stoi(std::string(digits));
        return n >= 16 && n <= 20000 ? std::optional(n) : std::nullopt;
    };
    const auto w = x == std::string::npos ? std::nullopt : number(std::string_view(text).substr(0, x));
    const auto h = x == std::string::npos ? std::nullopt : number(std::string_view(text).substr(x + 1));
    if (!w || !h) {
        throw track::UsageError(
            fmt::format("--size: '{}' is not a size; give WIDTHxHEIGHT in pixels, 16 to 20000 each (1200x800)", text));
    }
    render.width = *w;
    render.height = *h;
}

void check(MapOptions& o) {
    if (o.format.empty()) {
        o.svg = o.output.size() > 4 && o.output.compare(o.output.size() - 4, 4, ".svg") == 0;
    } else {
        o.svg = parse_choice("--format", o.format, "a map format", {"html", "svg"}) == 1;
    }
    if (!o.size.empty()) {
        if (!o.svg) throw track::UsageError("--size: applies to --format svg only (the page fills the window)");
        parse_pixels(o.size, o.render);
    }
    if (!o.tiles.empty()) {
        if (o.svg) throw track::UsageError("--tiles: applies to --format html only");
        (void)adapters::map::tile_origin(o.tiles);  // the page's rule, checked before anything is read
        o.render.tiles = o.tiles;
    }
    if (!o.tolerance.empty()) o.scene.tolerance_m = parse_distance("--tolerance", o.tolerance);
    o.scene.now = parse_now(o.now).value_or(now_ms());
    o.scene.title = o.title;
    const char* env = std::getenv("TRK_LEDGER");
    o.ledger_named = !o.ledger.path.empty() || (env != nullptr && *env != '\0');
    o.ledger.check();
    if (o.output.empty() && ::isatty(STDOUT_FILENO) != 0) {
        throw track::UsageError(fmt::format(
            "standard output is a terminal: write the map to a file with -o FILE (trk map ... -o yard.{0}) or "
            "redirect it (> yard.{0})",
            o.svg ? "svg" : "html"));
    }
    // No file named and nobody typing: the ledger's picture alone.
    if (o.files.empty() && ::isatty(STDIN_FILENO) == 0) o.files.emplace_back("-");
}

// "1 track", "12,345 fixes".
std::string counted(std::uint64_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", track::grouped(n), n == 1 ? one : many);
}

// What was drawn, for standard error.
std::string summary(const adapters::map::Scene& s, std::size_t events_read) {
    std::string text = counted(s.fences.size(), "fence", "fences");
    if (s.fixes > 0) {
        text +=
            fmt::format(", {} ({} kept of {} read, tolerance {:.3g} m)", counted(s.tracks.size(), "track", "tracks"),
                        counted(s.points, "point", "points"), counted(s.fixes, "fix", "fixes"), s.tolerance_m);
    }
    text += fmt::format(", {}, {}", counted(s.latest.size(), "asset", "assets"),
                        counted(s.readers.size(), "reader", "readers"));
    if (events_read > 0) text += ", " + counted(s.events.size(), "event", "events");
    if (!s.audit.empty()) text += ", " + counted(s.audit.size(), "audit finding", "audit findings");
    if (!s.not_drawn.empty()) text += fmt::format("; {} not drawn", track::grouped(s.not_drawn.size()));
    return text;
}

int run(const MapOptions& o) {
    Diagnostics diagnostics("map", o.strict);
    const auto sources = open_inputs(o.files);
    adapters::map::SceneBuilder builder(o.scene);
    const bool use_ledger = o.ledger_named || !o.audit.empty() || std::filesystem::exists(o.ledger.path);
    const auto ledger = use_ledger ? o.ledger.open() : nullptr;
    if (!o.fences.empty()) {
        builder.fences(track::load_fences(o.fences, [&diagnostics](std::string_view text) { diagnostics.note(text); }));
    } else if (ledger) {
        builder.fences(stored_fences(*ledger, o.ledger.path, diagnostics));
    }
    if (ledger) {
        builder.readers(ledger->readers());
        for (const track::Position& p : ledger->where({})) builder.position(p);
        if (!o.audit.empty()) {
            // As `trk audit --zone ZONE --no-store` does: the day before --now.
            const AuditFindings findings =
                audit_zone(*ledger, o.audit, {}, o.scene.now - track::ms_per_day, o.scene.now, diagnostics);
            for (const track::AuditLine& line : findings.lines) builder.audit_line(o.audit, line);
        }
    }
    std::size_t events = 0;
    {
        Progress progress("map");
        std::uint64_t records = 0;
        for (const auto& source : sources) {
            read_records(*source, diagnostics, [&](track::Record& record, const track::Location&) {
                if (std::holds_alternative<track::Event>(record)) ++events;
                builder.record(record);
                progress.update(++records, source->bytes_read(), source->size());
            });
        }
    }
    const adapters::map::Scene scene = builder.finish();
    std::optional<ReplacementFile> file;
    if (!o.output.empty()) file.emplace(o.output, 0600);
    Output out(file ? file->fd() : 1, file ? o.output : std::string());
    if (o.svg) {
        adapters::map::write_svg(scene, o.render, out.buffer());
    } else {
        adapters::map::write_html(scene, o.render, out.buffer());
    }
    out.flush();
    if (file) file->commit();
    diagnostics.note(summary(scene, events));
    for (const std::string& note : scene.notes) diagnostics.note(note);
    constexpr std::size_t shown = 10;
    for (std::size_t i = 0; i < scene.not_drawn.size() && i < shown; ++i) {
        diagnostics.note(fmt::format("not drawn: {}: {}", scene.not_drawn[i].what, scene.not_drawn[i].why));
    }
    if (scene.not_drawn.size() > shown) {
        diagnostics.note(fmt::format("not drawn: {} more (listed beside the map)", scene.not_drawn.size() - shown));
    }
    diagnostics.summary();
    return 0;
}

}  // namespace

void add_map_command(CLI::App& trk, Invocation& chosen) {
    auto options = std::make_shared<MapOptions>();
    MapOptions& o = *options;
    auto* map = trk.add_subcommand(
        "map", "Draw the yard offline: fences, tracks, latest positions, readers, events and audit findings");
    map->add_option("FILE", o.files,
                    "JSON Lines record files; '-' or none: standard input (none on a terminal: the ledger alone)");
    map->add_option("-o,--output", o.output,
                    "Write the map to FILE (mode 0600, replaced whole once complete) instead of standard output")
        ->type_name("FILE");
    map->add_option("--format", o.format,
                    "html (one self-contained page) or svg (default: svg for -o *.svg, else html)")
        ->type_name("FORMAT");
    map->add_option("--fences", o.fences, "The fences to draw, a GeoJSON file (default: the ledger's)")
        ->type_name("FILE");
    map->add_option("--audit", o.audit,
                    "Audit this zone as 'trk audit --zone ZONE --no-store' does and mark its findings")
        ->type_name("ZONE");
    add_now_option(map, o.now, "ages and --audit's day are counted from it (default: the system clock)");
    map->add_option("--tolerance", o.tolerance,
                    "Thin tracks to within this distance of every fix (default: a quarter pixel of the whole map)")
        ->type_name("DISTANCE");
    map->add_option("--tiles", o.tiles,
                    "html: a base map from this http(s) tile server ({z}/{x}/{y}); the page then fetches tiles "
                    "(trk-map(1), TILES)")
        ->type_name("URL");
    map->add_option("--title", o.title, "The map's title (default: trk map)")->type_name("TEXT");
    map->add_option("--size", o.size, "svg: the picture's size in pixels (default 1200x800)")->type_name("WxH");
    add_ledger_options(map, o.ledger);
    map->add_flag("--strict", o.strict, "Stop at the first bad record with exit status 65");
    map->callback([options, &chosen] {
        check(*options);
        chosen = {"map", [options] { return run(*options); }};
    });
}

}  // namespace cli
