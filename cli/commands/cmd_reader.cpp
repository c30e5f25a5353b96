// `trk reader add|rm|list`: where fixed RFID readers and their antennas stand, so a read locates an asset.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "command.hpp"
#include "ledger_access.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "report.hpp"
#include "track/json_writer.hpp"
#include "track/number.hpp"

namespace cli {

namespace {

struct AddOptions {
    LedgerAccess ledger;
    std::string id, zone, lat, lon;
    std::vector<std::string> antennas;
    track::Reader reader;  ///< checked by setup
};

struct RemoveOptions {
    LedgerAccess ledger;
    std::string id;
};

struct ListOptions {
    LedgerAccess ledger;
    std::string format;
};

std::optional<double> coordinate(const std::string& text, std::string_view option, double limit) {
    if (text.empty()) return std::nullopt;
    return parse_degrees(option, text, limit);
}

void check(AddOptions& o) {
    o.ledger.check();
    if (const std::string why = track::id_problem(o.id); !why.empty())
        throw track::UsageError(fmt::format("ID: the id {}", why));
    o.reader = {o.id, o.zone, coordinate(o.lat, "--lat", 90), coordinate(o.lon, "--lon", 180), {}};
    if (o.reader.lat.has_value() != o.reader.lon.has_value())
        throw track::UsageError("give both --lat and --lon, or neither");
    for (const std::string& item : o.antennas) {
        const std::size_t colon = item.find(':');
        const auto number = colon == std::string::npos ? std::nullopt : track::parse_uint(item.substr(0, colon));
        if (!number || colon + 1 == item.size()) {
            throw track::UsageError(
                fmt::format("--antenna: '{}' is not N:ZONE (example: 2:dock-3, antenna 2 in zone dock-3)", item));
        }
        o.reader.antenna_zones[*number] = item.substr(colon + 1);
    }
}

int run_list(const ListOptions& o) {
    std::vector<Row> rows;
    for (const track::Reader& r : o.ledger.open()->readers()) {
        std::string text;
        fmt::memory_buffer json;
        track::JsonWriter antennas(json);
        antennas.begin_object();
        for (const auto& [antenna, zone] : r.antenna_zones) {
            text += fmt::format("{}{}:{}", text.empty() ? "" : " ", antenna, zone);
            antennas.key(fmt::format_int(antenna).str()).string(zone);
        }
        antennas.end_object();
        rows.push_back({Field::string("id", r.id), Field::string("zone", r.zone), Field::number("lat", r.lat, 7),
                        Field::number("lon", r.lon, 7),
                        Field::raw("antennas", text, text.empty() ? std::string() : fmt::to_string(json))});
    }
    Output out;
    write_report(out, report_format(o.format), {"id", "zone", "lat", "lon", "antennas"}, rows, "no readers");
    return 0;
}

}  // namespace

void add_reader_command(CLI::App& trk, Invocation& chosen) {
    auto* reader = trk.add_subcommand("reader", "Fixed RFID readers: the zone each (or each antenna) covers");
    reader->require_subcommand(1);

    auto add_o = std::make_shared<AddOptions>();
    auto* add = reader->add_subcommand("add", "Add a reader, or change where it stands");
    add_ledger_options(add, add_o->ledger);
    add->add_option("ID", add_o->id, "The reader id, as read records name it")->required();
    add->add_option("--zone", add_o->zone, "The zone it covers")->required()->type_name("ZONE");
    add->add_option("--lat", add_o->lat, "Where it stands: latitude (WGS84 degrees)")->type_name("LAT");
    add->add_option("--lon", add_o->lon, "Where it stands: longitude (WGS84 degrees)")->type_name("LON");
    add->add_option("--antenna", add_o->antennas, "An antenna covering another zone; repeatable")
        ->type_name("N:ZONE")
        ->allow_extra_args(false);
    add->callback([add_o, &chosen] {
        check(*add_o);
        chosen = {"reader add", [add_o] {
                      add_o->ledger.open()->put_reader(add_o->reader);
                      return 0;
                  }};
    });

    auto rm_o = std::make_shared<RemoveOptions>();
    auto* rm =
        reader->add_subcommand("rm", "Remove a reader (stored reads keep its id, and no longer locate an asset)");
    add_ledger_options(rm, rm_o->ledger);
    rm->add_option("ID", rm_o->id, "The reader id")->required();
    rm->callback([rm_o, &chosen] {
        rm_o->ledger.check();
        chosen = {"reader rm", [rm_o] {
                      rm_o->ledger.open()->remove_reader(rm_o->id);
                      return 0;
                  }};
    });

    auto list_o = std::make_shared<ListOptions>();
    auto* list = reader->add_subcommand("list", "List the readers and their zones");
    add_ledger_options(list, list_o->ledger);
    add_report_format_option(list, list_o->format);
    list->callback([list_o, &chosen] {
        list_o->ledger.check();
        report_format(list_o->format);
        chosen = {"reader list", [list_o] { return run_list(*list_o); }};
    });
}

}  // namespace cli
