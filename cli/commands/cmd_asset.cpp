// `trk asset add|link|unlink|list|show|retire|import`: the registry of assets and what identifies them.
#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adapters/asset_list.hpp"
#include "adapters/byte_source.hpp"
#include "command.hpp"
#include "diagnostics.hpp"
#include "ledger_access.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "report.hpp"
#include "track/json_writer.hpp"
#include "track/names.hpp"

namespace cli {

namespace {

struct AddOptions {
    LedgerAccess ledger;
    std::string id, name, kind, home;
    std::vector<std::string> attrs;
    std::map<std::string, std::string> parsed_attrs;
};

struct LinkOptions {
    LedgerAccess ledger;
    std::string id, epc, device;
    track::Link link;  ///< checked by setup
};

struct ListOptions {
    LedgerAccess ledger;
    std::string kind, format;
    bool retired = false;
    bool unknown = false;
};

struct OneOptions {
    LedgerAccess ledger;
    std::string id, format, at;
};

struct ImportOptions {
    LedgerAccess ledger;
    std::string file;
};

// What --epc links, with the option named in the message.
track::Link epc_option_link(const std::string& value) {
    try {
        return adapters::epc_link(value);
    } catch (const track::InputError& e) {
        throw track::UsageError(fmt::format("--epc: {}", e.reason()));
    }
}

// Refuses an id typed on the command line that could not be typed back, printed or matched.
void check_id(std::string_view what, const std::string& id) {
    if (const std::string why = track::id_problem(id); !why.empty())
        throw track::UsageError(fmt::format("{}: the id {}", what, why));
}

// Adds ID, --epc and --device to `command` (link and unlink).
void add_link_options(CLI::App* command, LinkOptions& o) {
    add_ledger_options(command, o.ledger);
    command->add_option("ID", o.id, "The asset")->required();
    auto* epc = command->add_option("--epc", o.epc, "A tag: EPC in hex, or urn:epc:tag:... / urn:epc:id:...")
                    ->type_name("HEX|URI");
    auto* device = command->add_option("--device", o.device, "A GPS device, as fix records name it")->type_name("NAME");
    epc->excludes(device);
}

// Checks what add_link_options read.
void check_link_options(LinkOptions& o, std::string_view verb) {
    o.ledger.check();
    check_id("ID", o.id);
    if (o.epc.empty() && o.device.empty())
        throw track::UsageError(fmt::format("say what to {}: --epc HEX|URI or --device NAME", verb));
    if (o.epc.empty()) check_id("--device", o.device);
    o.link = o.epc.empty() ? track::Link{track::LinkKind::device, o.device, {}, 0} : epc_option_link(o.epc);
}

Row asset_row(const track::Asset& a) {
    std::string attrs_text;
    fmt::memory_buffer attrs_json;
    track::JsonWriter attrs(attrs_json);
    attrs.begin_object();
    for (const auto& [k, v] : a.attrs) {
        if (!attrs_text.empty()) attrs_text += ' ';
        attrs_text.append(k).append(1, '=').append(v);
        attrs.key(k).string(v);
    }
    attrs.end_object();
    return {Field::string("id", a.id),
            Field::string("name", a.name),
            Field::string("kind", a.kind),
            Field::string("home", a.home),
            Field::raw("attrs", attrs_text, a.attrs.empty() ? std::string() : fmt::to_string(attrs_json)),
            Field::time("created", a.created),
            Field::time("retired", a.retired)};
}

int run_add(const AddOptions& o) {
    o.ledger.open()->add_asset({o.id, o.name, o.kind, o.home, o.parsed_attrs, now_ms(), std::nullopt});
    return 0;
}

int run_link(const LinkOptions& o) {
    track::Link link = o.link;
    link.asset = o.id;
    link.since = now_ms();
    o.ledger.open()->link(link);
    return 0;
}

int run_unlink(const LinkOptions& o) {
    track::Link link = o.link;
    link.asset = o.id;
    o.ledger.open()->unlink(link);
    return 0;
}

int run_list(const ListOptions& o) {
    const auto ledger = o.ledger.open();
    const ReportFormat format = report_format(o.format);
    Output out;
    std::vector<Row> rows;
    if (o.unknown) {
        for (const track::UnknownTag& t : ledger->unknown_tags()) {
            rows.push_back({Field::string("epc", t.epc), Field::string("uri", t.uri),
                            Field::integer("reads", static_cast<std::int64_t>(t.reads)), Field::time("first", t.first),
                            Field::time("last", t.last), Field::string("reader", t.reader)});
        }
        write_report(out, format, {"epc", "uri", "reads", "first", "last", "reader"}, rows, "no unknown tags");
        return 0;
    }
    for (const track::Asset& a : ledger->assets(o.kind, o.retired)) rows.push_back(asset_row(a));
    if (rows.empty() && !o.kind.empty()) {
        // No asset of this kind: a kind no asset has, active or retired, is a typo.
        std::set<std::string> kinds;
        for (const bool retired : {false, true}) {
            for (const track::Asset& a : ledger->assets("", retired))
                if (!a.kind.empty()) kinds.insert(a.kind);
        }
        if (!kinds.count(o.kind)) {
            throw track::NotFoundError(
                track::not_found_message("kind", o.kind, std::vector<std::string>(kinds.begin(), kinds.end())));
        }
    }
    write_report(out, format, {"id", "name", "kind", "home", "attrs", "created", "retired"}, rows, "no assets");
    return 0;
}

int run_show(const OneOptions& o) {
    const auto ledger = o.ledger.open();
    const auto asset = ledger->asset(o.id);
    if (!asset)
        throw track::NotFoundError(track::not_found_message("asset", o.id, ledger->names(track::NameKind::asset)));
    Row row = asset_row(*asset);
    std::string links_text;
    fmt::memory_buffer links_json;
    track::JsonWriter links(links_json);
    links.begin_array();
    for (const track::Link& l : ledger->links(o.id)) {
        links_text += fmt::format("{}{} {}", links_text.empty() ? "" : ", ", track::to_string(l.kind), l.value);
        links.begin_object().key("kind").string(track::to_string(l.kind)).key("value").string(l.value).end_object();
    }
    links.end_array();
    row.push_back(Field::raw("links", links_text, links_text.empty() ? std::string() : fmt::to_string(links_json)));
    const auto positions = ledger->where({{o.id}, {}, {}});
    if (!positions.empty()) {
        // A central ledger may know a position at each site: the latest is where it was last seen.
        const track::Position& p =
            *std::max_element(positions.begin(), positions.end(),
                              [](const track::Position& a, const track::Position& b) { return a.time < b.time; });
        if (ledger->multi_site()) row.push_back(Field::string("site", p.site));
        row.push_back(Field::time("seen", p.time));
        row.push_back(Field::string("seen_by", p.type == "read" ? "read at " + p.reader : "fix"));
        row.push_back(Field::string("zone", p.zone));
        row.push_back(Field::number("lat", p.lat, 7));
        row.push_back(Field::number("lon", p.lon, 7));
    }
    Output out;
    if (report_format(o.format) == ReportFormat::jsonl) {
        write_report(out, ReportFormat::jsonl, {}, {row}, "");
        return 0;
    }
    for (const Field& f : row) {
        if (!f.text.empty()) fmt::format_to(std::back_inserter(out.buffer()), "{:<8} {}\n", f.name + ':', f.text);
    }
    out.flush();
    return 0;
}

int run_retire(const OneOptions& o) {
    const track::Millis now = now_ms();
    o.ledger.open()->retire(o.id, parse_optional_time("--at", o.at, now).value_or(now));
    return 0;
}

int run_import(const ImportOptions& o) {
    Diagnostics diagnostics("asset import", false);
    adapters::FileSource source(o.file);
    const adapters::AssetList list = adapters::read_asset_list(source, diagnostics, now_ms());
    if (list.assets.empty() && list.records > 0) {  // a list that gives nothing is no success for cron
        diagnostics.summary();
        throw track::InputError(o.file, list.records == 1 ? "nothing imported: the list has a header and no rows"
                                                          : fmt::format("nothing imported: none of its {} rows is an "
                                                                        "asset",
                                                                        list.records - 1));
    }
    const auto ledger = o.ledger.open();
    const std::uint64_t added = ledger->upsert_assets(list.assets);
    std::uint64_t linked = 0;
    for (const track::Link& l : list.links) {
        try {
            ledger->link(l);
            ++linked;
        } catch (const track::UsageError& e) {
            diagnostics.skipped({o.file, 0}, "not linked", e.what());
        }
    }
    diagnostics.summary();
    diagnostics.note(fmt::format("{} assets ({} new, {} updated), {} links", list.assets.size(), added,
                                 list.assets.size() - added, linked));
    return 0;
}

}  // namespace

void add_asset_command(CLI::App& trk, Invocation& chosen) {
    auto* asset = trk.add_subcommand("asset", "The registry of assets, and the tags and devices that identify them");
    asset->require_subcommand(1);

    auto add_o = std::make_shared<AddOptions>();
    auto* add = asset->add_subcommand("add", "Register an asset");
    add_ledger_options(add, add_o->ledger);
    add->add_option("ID", add_o->id, "The asset's id (FL-07, TRL-2231, ...)")->required();
    add->add_option("--name", add_o->name, "A name for people");
    add->add_option("--kind", add_o->kind, "forklift, trailer, reefer, pallet, tool, ...");
    add->add_option("--home", add_o->home, "The zone it belongs in (audits expect it there)")->type_name("ZONE");
    add->add_option("--attr", add_o->attrs, "An attribute; repeatable")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    add->callback([add_o, &chosen] {
        add_o->ledger.check();
        check_id("ID", add_o->id);
        add_o->parsed_attrs = parse_key_values("--attr", add_o->attrs, {.example = "colour=red"});
        chosen = {"asset add", [add_o] { return run_add(*add_o); }};
    });

    auto link_o = std::make_shared<LinkOptions>();
    auto* link = asset->add_subcommand("link", "Link a tag (EPC) or a GPS device to an asset, so records find it");
    add_link_options(link, *link_o);
    link->callback([link_o, &chosen] {
        check_link_options(*link_o, "link");
        chosen = {"asset link", [link_o] { return run_link(*link_o); }};
    });

    auto unlink_o = std::make_shared<LinkOptions>();
    auto* unlink =
        asset->add_subcommand("unlink", "Unlink a tag or a GPS device from an asset (stored records stay its)");
    add_link_options(unlink, *unlink_o);
    unlink->callback([unlink_o, &chosen] {
        check_link_options(*unlink_o, "unlink");
        chosen = {"asset unlink", [unlink_o] { return run_unlink(*unlink_o); }};
    });

    auto list_o = std::make_shared<ListOptions>();
    auto* list = asset->add_subcommand("list", "List assets (or, with --unknown, tags read but linked to none)");
    add_ledger_options(list, list_o->ledger);
    list->add_option("--kind", list_o->kind, "Only assets of this kind");
    list->add_flag("--retired", list_o->retired, "Retired assets instead of active ones");
    list->add_flag("--unknown", list_o->unknown, "Tags in stored reads that are linked to no asset");
    add_report_format_option(list, list_o->format);
    list->callback([list_o, &chosen] {
        list_o->ledger.check();
        report_format(list_o->format);  // checked now, not after opening the ledger
        chosen = {"asset list", [list_o] { return run_list(*list_o); }};
    });

    auto show_o = std::make_shared<OneOptions>();
    auto* show = asset->add_subcommand("show", "An asset: identity, links, where it was last seen");
    add_ledger_options(show, show_o->ledger);
    show->add_option("ID", show_o->id, "The asset")->required();
    show->add_option("--format", show_o->format, "table (default on a terminal) or jsonl")->type_name("FORMAT");
    show->callback([show_o, &chosen] {
        show_o->ledger.check();
        report_format(show_o->format);
        chosen = {"asset show", [show_o] { return run_show(*show_o); }};
    });

    auto retire_o = std::make_shared<OneOptions>();
    auto* retire = asset->add_subcommand("retire", "Mark an asset retired; its history is kept");
    add_ledger_options(retire, retire_o->ledger);
    retire->add_option("ID", retire_o->id, "The asset")->required();
    retire->add_option("--at", retire_o->at, "When (a time, or a duration ago); default now")->type_name("TIME");
    retire->callback([retire_o, &chosen] {
        retire_o->ledger.check();
        (void)parse_optional_time("--at", retire_o->at, now_ms());
        chosen = {"asset retire", [retire_o] { return run_retire(*retire_o); }};
    });

    auto import_o = std::make_shared<ImportOptions>();
    auto* import = asset->add_subcommand(
        "import",
        "Register assets from a CSV list (id, name, kind, home, epc, device; other columns are attributes; `,`, `;` "
        "or tab, quoted cells)");
    add_ledger_options(import, import_o->ledger);
    import->add_option("FILE", import_o->file, "The CSV file, with a header line; '-': standard input")->required();
    import->callback([import_o, &chosen] {
        import_o->ledger.check();
    chosen = {"asset import", [import_o] { return run_import(*import_o); }};
});
}  // namespace cli

}  // namespace cli
