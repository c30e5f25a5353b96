// Unit tests of adapters/export.hpp: records to GeoJSON, GPX, KML, CSV and EPCIS 2.0 documents.
#include "adapters/export.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "track/error.hpp"
#include "track/json.hpp"

namespace {

// What a writer made of some records.
struct Exported {
    std::string document;
    adapters::ExportCounts counts;
    int written_calls = 0;  ///< how often the writer said it appended something
};

// Exports `lines` (JSON Lines, as trk writes them) with `options`.
Exported export_lines(const adapters::ExportOptions& options, const std::vector<std::string>& lines) {
    Exported result;
    fmt::memory_buffer out;
    const auto writer = adapters::make_export_writer(options, out, [&result] { ++result.written_calls; });
    track::RecordParser parser;
    for (const std::string& line : lines) writer->record(parser.parse(line, "test:1"));
    writer->finish();
    result.document = fmt::to_string(out);
    result.counts = writer->counts();
    return result;
}

// How many <trkpt> each GPX `element` (trk, trkseg) of `document` holds, in order.
std::vector<int> points_in(const std::string& document, std::string_view element) {
    const std::string open = fmt::format("<{}>", element);
    const std::string close = fmt::format("</{}>", element);
    std::vector<int> counts;
    for (std::size_t at = document.find(open); at != std::string::npos; at = document.find(open, at + 1)) {
        const std::size_t end = document.find(close, at);
        int points = 0;
        for (std::size_t p = document.find("<trkpt ", at); p < end; p = document.find("<trkpt ", p + 1)) ++points;
        counts.push_back(points);
    }
    return counts;
}

adapters::ExportOptions format(adapters::ExportFormat f, bool lines = false) {
    adapters::ExportOptions options;
    options.format = f;
    options.lines = lines;
    return options;
}

constexpr auto geojson = adapters::ExportFormat::geojson;
constexpr auto gpx = adapters::ExportFormat::gpx;
constexpr auto kml = adapters::ExportFormat::kml;
constexpr auto csv = adapters::ExportFormat::csv;

const std::string gpx_head =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<gpx version=\"1.1\" creator=\"trk\" xmlns=\"http://www.topografix.com/GPX/1/1\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
    "xsi:schemaLocation=\"http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd\">\n";
const std::string kml_head =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<kml xmlns=\"http://www.opengis.net/kml/2.2\" xmlns:gx=\"http://www.google.com/kml/ext/2.2\">\n"
    "<Document>\n";
const std::string csv_head =
    "type,time,asset,device,lat,lon,alt,speed,course,hdop,sats,fix,quality,epc,uri,reader,antenna,rssi,count,"
    "metric,value,unit,event,fence,rule,severity,previous,violation,peak,duration_s,visit,dwell_s,from,zone,status,"
    "audit,seen,seen_zone,change,src\n";
// The empty cells of the event members' columns (severity to change), between rule and src.
const std::string no_event_members(14, ',');

// A small stream: two fixes of FL-07 (the second first in the input), a no-fix epoch, a
// fix of a device without asset, a read and an unknown record.
const std::vector<std::string> sample = {
    R"({"type":"fix","time":"2026-11-24T07:00:02Z","asset":"FL-07","device":"gps0","lat":53.5,"lon":9.93,"alt":12.4,"speed":1.5,"course":90,"hdop":0.9,"sats":9,"fix":"3d","quality":"gps","src":"yard.nmea:9","site":"A"})",
    R"({"type":"fix","time":"2026-11-24T07:00:01Z","asset":"FL-07","device":"gps0","lat":53.49999994,"lon":9.92999996,"alt":12.35,"fix":"3d"})",
    R"({"type":"fix","time":"2026-11-24T07:00:03Z","asset":"FL-07","device":"gps0","fix":"none"})",
    R"({"type":"fix","time":"2026-11-24T07:00:01Z","device":"gps9","lat":-33.9,"lon":-70.1,"fix":"2d"})",
    R"({"type":"read","time":"2026-11-24T07:00:02Z","epc":"3374257BF40C0E400000162E","reader":"gate-2","antenna":1,"rssi":-61.5,"count":3})",
    R"({"type":"mystery","x":1})",
};

}  // namespace

TEST_CASE("export: format names") {
    CHECK(adapters::export_format_from_string("geojson") == geojson);
    CHECK(adapters::export_format_from_string("gpx") == gpx);
    CHECK(adapters::export_format_from_string("kml") == kml);
    CHECK(adapters::export_format_from_string("csv") == csv);
    CHECK_FALSE(adapters::export_format_from_string("GPX"));
    CHECK_FALSE(adapters::export_format_from_string("json"));
    CHECK_FALSE(adapters::export_format_from_string(""));
}

TEST_CASE("export: an empty stream gives a valid empty document in every format") {
    struct Row {
        adapters::ExportOptions options;
        std::string document;
    };
    const Row rows[] = {
        {format(geojson), "{\"type\":\"FeatureCollection\",\"features\":[\n]}\n"},
        {format(geojson, true), "{\"type\":\"FeatureCollection\",\"features\":[\n]}\n"},
        {format(gpx), gpx_head + "</gpx>\n"},
        {format(kml), kml_head + "</Document>\n</kml>\n"},
        {format(kml, true), kml_head + "</Document>\n</kml>\n"},
        {format(csv), csv_head},
    };
    for (const Row& row : rows) {
        const Exported e = export_lines(row.options, {});
        CHECK(e.document == row.document);
        CHECK(e.counts.exported == 0);
    }
}

TEST_CASE("export: geojson points stream a feature per positioned fix, the record's fields as properties") {
    const Exported e = export_lines(format(geojson), sample);
    CHECK(e.document ==
          "{\"type\":\"FeatureCollection\",\"features\":[\n"
          R"({"type":"Feature","geometry":{"type":"Point","coordinates":[9.9300000,53.5000000,12.4]},)"
          R"("properties":{"time":"2026-11-24T07:00:02.000Z","asset":"FL-07","device":"gps0","speed":1.5,)"
          R"("course":90,"hdop":0.9,"sats":9,"fix":"3d","quality":"gps","src":"yard.nmea:9","site":"A"}},)"
          "\n"
          R"({"type":"Feature","geometry":{"type":"Point","coordinates":[9.9300000,53.4999999,12.35]},)"
          R"("properties":{"time":"2026-11-24T07:00:01.000Z","asset":"FL-07","device":"gps0","fix":"3d"}},)"
          "\n"
          R"({"type":"Feature","geometry":{"type":"Point","coordinates":[-70.1000000,-33.9000000]},)"
          R"("properties":{"time":"2026-11-24T07:00:01.000Z","device":"gps9","fix":"2d"}})"
          "\n]}\n");
    CHECK(e.counts.exported == 3);
    CHECK(e.counts.no_position == 1);
    CHECK(e.counts.other == 2);
    CHECK(e.written_calls == 4);  // each feature, and the end
}

TEST_CASE("export: geojson lines give a feature per asset, else device, in time order") {
    const Exported e = export_lines(format(geojson, true), sample);
    CHECK(e.document ==
          "{\"type\":\"FeatureCollection\",\"features\":[\n"
          R"({"type":"Feature","geometry":{"type":"LineString","coordinates":[[9.9300000,53.4999999,12.35],)"
          R"([9.9300000,53.5000000,12.4]]},"properties":{"asset":"FL-07","start":"2026-11-24T07:00:01.000Z",)"
          R"("end":"2026-11-24T07:00:02.000Z","points":2}},)"
          "\n"
          // A line needs two positions: a track of one fix is a Point.
          R"({"type":"Feature","geometry":{"type":"Point","coordinates":[-70.1000000,-33.9000000]},)"
          R"("properties":{"device":"gps9","start":"2026-11-24T07:00:01.000Z","end":"2026-11-24T07:00:01.000Z",)"
          R"("points":1}})"
          "\n]}\n");
    CHECK(e.counts.exported == 3);
    CHECK(e.counts.no_position == 1);
    CHECK(e.counts.other == 2);
}

TEST_CASE("export: a line is 3D only when every fix of it has an altitude") {
    const Exported e = export_lines(
        format(geojson, true), {R"({"type":"fix","time":"2026-11-24T07:00:01Z","asset":"T1","lat":1,"lon":2,"alt":5})",
                                R"({"type":"fix","time":"2026-11-24T07:00:02Z","asset":"T1","lat":1.5,"lon":2.5})"});
    CHECK(e.document.find(R"("coordinates":[[2.0000000,1.0000000],[2.5000000,1.5000000]])") != std::string::npos);
}

TEST_CASE("export: gpx writes a track per asset with the wptType elements a fix has") {
    const Exported e = export_lines(format(gpx), sample);
    CHECK(e.document == gpx_head +
                            "  <trk>\n"
                            "    <name>FL-07</name>\n"
                            "    <trkseg>\n"
                            "      <trkpt lat=\"53.4999999\" lon=\"9.9300000\"><ele>12.35</ele>"
                            "<time>2026-11-24T07:00:01.000Z</time><fix>3d</fix></trkpt>\n"
                            "      <trkpt lat=\"53.5000000\" lon=\"9.9300000\"><ele>12.4</ele>"
                            "<time>2026-11-24T07:00:02.000Z</time><fix>3d</fix><sat>9</sat><hdop>0.9</hdop></trkpt>\n"
                            "    </trkseg>\n"
                            "  </trk>\n"
                            "  <trk>\n"
                            "    <name>gps9</name>\n"
                            "    <trkseg>\n"
                            "      <trkpt lat=\"-33.9000000\" lon=\"-70.1000000\">"
                            "<time>2026-11-24T07:00:01.000Z</time><fix>2d</fix></trkpt>\n"
                            "    </trkseg>\n"
                            "  </trk>\n"
                            "</gpx>\n");
    CHECK(e.counts.exported == 3);
    CHECK(e.counts.no_position == 1);
    CHECK(e.counts.other == 2);
}

TEST_CASE("export: gpx starts a new segment where consecutive fixes are more than the gap apart") {
    // Fixes at 0 s, 10 s, 70 s, 71 s and 400 s, given out of order.
    std::vector<std::string> lines;
    for (const char* at : {"00:01:10", "00:00:00", "00:00:10", "00:06:40", "00:01:11"}) {
        lines.push_back(fmt::format(
            R"({{"type":"fix","time":"2026-11-24T{}Z","asset":"T1","lat":1,"lon":2,"vdop":1.25,"pdop":2}})", at));
    }
    struct Row {
        track::Millis gap;
        std::vector<int> segments;  ///< points per segment
    };
    const Row rows[] = {
        {300'000, {4, 1}},     // the default 5 minutes: only the 329 s gap splits
        {330'000, {5}},        // no gap is longer
        {329'000, {5}},        // "more than": a gap of exactly the limit does not split
        {60'000, {4, 1}},      // 60 s is not more than 60 s
        {59'999, {2, 2, 1}},   // 10 s, 60 s, 1 s, 329 s apart
        {0, {1, 1, 1, 1, 1}},  // every fix alone
    };
    for (const Row& row : rows) {
        CAPTURE(row.gap);
        adapters::ExportOptions options = format(gpx);
        options.gap = row.gap;
        const Exported e = export_lines(options, lines);
        CHECK(points_in(e.document, "trkseg") == row.segments);
    }
    adapters::ExportOptions options = format(gpx);
    options.gap = 59'999;
    CHECK(export_lines(options, lines).document ==
          gpx_head +
              "  <trk>\n    <name>T1</name>\n    <trkseg>\n"
              "      <trkpt lat=\"1.0000000\" lon=\"2.0000000\"><time>2026-11-24T00:00:00.000Z</time>"
              "<fix>2d</fix><vdop>1.25</vdop><pdop>2</pdop></trkpt>\n"
              "      <trkpt lat=\"1.0000000\" lon=\"2.0000000\"><time>2026-11-24T00:00:10.000Z</time>"
              "<fix>2d</fix><vdop>1.25</vdop><pdop>2</pdop></trkpt>\n"
              "    </trkseg>\n    <trkseg>\n"
              "      <trkpt lat=\"1.0000000\" lon=\"2.0000000\"><time>2026-11-24T00:01:10.000Z</time>"
              "<fix>2d</fix><vdop>1.25</vdop><pdop>2</pdop></trkpt>\n"
              "      <trkpt lat=\"1.0000000\" lon=\"2.0000000\"><time>2026-11-24T00:01:11.000Z</time>"
              "<fix>2d</fix><vdop>1.25</vdop><pdop>2</pdop></trkpt>\n"
              "    </trkseg>\n    <trkseg>\n"
              "      <trkpt lat=\"1.0000000\" lon=\"2.0000000\"><time>2026-11-24T00:06:40.000Z</time>"
              "<fix>2d</fix><vdop>1.25</vdop><pdop>2</pdop></trkpt>\n"
              "    </trkseg>\n  </trk>\n</gpx>\n");
}

TEST_CASE("export: gpx writes the antimeridian as -180, since GPX longitudes are below 180") {
    const Exported e = export_lines(
        format(gpx), {R"({"type":"fix","time":"2026-11-24T07:00:01Z","asset":"S","lat":-16.5,"lon":180})",
                      R"({"type":"fix","time":"2026-11-24T07:00:02Z","asset":"S","lat":-16.5,"lon":179.99999996})",
                      R"({"type":"fix","time":"2026-11-24T07:00:03Z","asset":"S","lat":-16.5,"lon":-180})"});
    CHECK(e.document.find("lat=\"-16.5000000\" lon=\"-180.0000000\"><time>2026-11-24T07:00:01") != std::string::npos);
    CHECK(e.document.find("lat=\"-16.5000000\" lon=\"-180.0000000\"><time>2026-11-24T07:00:02") != std::string::npos);
    CHECK(e.document.find("lat=\"-16.5000000\" lon=\"-180.0000000\"><time>2026-11-24T07:00:03") != std::string::npos);
}

TEST_CASE("export: kml gives a folder per track with its gx:Track, and a named point per fix unless lines only") {
    const std::string fl07_line =
        "  <Folder>\n"
        "    <name>FL-07</name>\n"
        "    <Placemark>\n"
        "      <name>FL-07</name>\n"
        "      <TimeSpan><begin>2026-11-24T07:00:01.000Z</begin><end>2026-11-24T07:00:02.000Z</end></TimeSpan>\n"
        "      <gx:Track>\n"
        "        <when>2026-11-24T07:00:01.000Z</when>\n"
        "        <when>2026-11-24T07:00:02.000Z</when>\n"
        "        <gx:coord>9.9300000 53.4999999 12.35</gx:coord>\n"
        "        <gx:coord>9.9300000 53.5000000 12.4</gx:coord>\n"
        "      </gx:Track>\n"
        "    </Placemark>\n";
    const std::string gps9_point =
        "  <Folder>\n"
        "    <name>gps9</name>\n"
        "    <Placemark>\n"
        "      <name>gps9</name>\n"
        "      <TimeSpan><begin>2026-11-24T07:00:01.000Z</begin><end>2026-11-24T07:00:01.000Z</end></TimeSpan>\n"
        "      <gx:Track>\n"
        "        <when>2026-11-24T07:00:01.000Z</when>\n"
        "        <gx:coord>-70.1000000 -33.9000000 0</gx:coord>\n"  // no altitude: 0, clamped to the ground
        "      </gx:Track>\n"
        "    </Placemark>\n";
    CHECK(export_lines(format(kml, true), sample).document ==
          kml_head + fl07_line + "  </Folder>\n" + gps9_point + "  </Folder>\n</Document>\n</kml>\n");

    const Exported e = export_lines(format(kml), sample);
    CHECK(
        e.document ==
        kml_head + fl07_line +
            "    <Folder>\n      <name>fixes</name>\n"
            "      <Placemark><name>FL-07</name><TimeStamp><when>2026-11-24T07:00:01.000Z</when></TimeStamp>"
            "<ExtendedData><Data name=\"fix\"><value>3d</value></Data></ExtendedData>"
            "<Point><coordinates>9.9300000,53.4999999,12.35</coordinates></Point></Placemark>\n"
            "      <Placemark><name>FL-07</name><TimeStamp><when>2026-11-24T07:00:02.000Z</when></TimeStamp>"
            "<ExtendedData><Data name=\"speed\"><value>1.5</value></Data><Data name=\"course\"><value>90</value></Data>"
            "<Data name=\"hdop\"><value>0.9</value></Data><Data name=\"sats\"><value>9</value></Data>"
            "<Data name=\"fix\"><value>3d</value></Data><Data name=\"quality\"><value>gps</value></Data>"
            "</ExtendedData><Point><coordinates>9.9300000,53.5000000,12.4</coordinates></Point></Placemark>\n"
            "    </Folder>\n  </Folder>\n" +
            gps9_point +
            "    <Folder>\n      <name>fixes</name>\n"
            "      <Placemark><name>gps9</name><TimeStamp><when>2026-11-24T07:00:01.000Z</when></TimeStamp>"
            "<ExtendedData><Data name=\"fix\"><value>2d</value></Data></ExtendedData>"
            "<Point><coordinates>-70.1000000,-33.9000000</coordinates></Point></Placemark>\n"
            "    </Folder>\n  </Folder>\n</Document>\n</kml>\n");
    CHECK(e.counts.exported == 3);
    CHECK(e.counts.no_position == 1);
    CHECK(e.counts.other == 2);
}

TEST_CASE("export: names are escaped for XML and JSON") {
    // An asset id with every character XML escapes, a carriage return, a control character
    // XML forbids outright, and U+FFFF (also not an XML character).
    const std::string record =
        R"({"type":"fix","time":"2026-11-24T07:00:01Z","asset":"A&B <\"x'\r\u0001\uffff>","lat":1,"lon":2})";
    struct Row {
        adapters::ExportOptions options;
        std::string_view escaped;
    };
    const Row rows[] = {
        {format(gpx), "<name>A&amp;B &lt;&quot;x&apos;&#13;\xEF\xBF\xBD\xEF\xBF\xBD&gt;</name>"},
        {format(kml), "<name>A&amp;B &lt;&quot;x&apos;&#13;\xEF\xBF\xBD\xEF\xBF\xBD&gt;</name>"},
        {format(geojson), R"("asset":"A&B <\"x'\r\u0001)"
                          "\xEF\xBF\xBF>\""},
        {format(geojson, true), R"("asset":"A&B <\"x'\r\u0001)"
                                "\xEF\xBF\xBF>\""},
    };
    for (const Row& row : rows) {
        CAPTURE(row.escaped);
        CHECK(export_lines(row.options, {record}).document.find(row.escaped) != std::string::npos);
    }
}

TEST_CASE("export: csv puts every record type in one table, quoted per RFC 4180") {
    const Exported e = export_lines(
        format(csv),
        {sample[0], sample[2], sample[4],
         R"({"type":"reading","time":"2026-11-24T07:00:04Z","asset":"RF-12","device":"logger 1","metric":"temperature","value":4.25,"unit":"Cel"})",
         R"({"type":"event","time":"2026-11-24T07:00:05Z","event":"violation","asset":"RF-12","rule":"temperature > 8, for 15m","src":"say \"hi\"\nthere"})",
         sample[5]});
    CHECK(e.document ==
          csv_head +
              "fix,2026-11-24T07:00:02.000Z,FL-07,gps0,53.5000000,9.9300000,12.4,1.5,90,0.9,9,3d,gps,,,,,,,,,,,," +
              no_event_members + ",yard.nmea:9\n" +
              // A no-fix epoch is a row too, without a position.
              "fix,2026-11-24T07:00:03.000Z,FL-07,gps0,,,,,,,,none,,,,,,,,,,,,," + no_event_members + ",\n" +
              "read,2026-11-24T07:00:02.000Z,,,,,,,,,,,,3374257BF40C0E400000162E,,gate-2,1,-61.5,3,,,,,," +
              no_event_members + ",\n" +
              "reading,2026-11-24T07:00:04.000Z,RF-12,logger 1,,,,,,,,,,,,,,,,temperature,4.25,Cel,,," +
              no_event_members + ",\n" +
              "event,2026-11-24T07:00:05.000Z,RF-12,,,,,,,,,,,,,,,,,,,,violation,,\"temperature > 8, for 15m\"" +
              no_event_members + ",\"say \"\"hi\"\"\nthere\"\n");
    CHECK(e.counts.exported == 5);
    CHECK(e.counts.no_position == 0);
    CHECK(e.counts.other == 1);  // the unknown record
    CHECK(e.written_calls == 6);
}

TEST_CASE("export: csv quotes exactly the cells that need it") {
    struct Row {
        std::string_view json;  ///< the asset as a JSON string
        std::string_view cell;
    };
    const Row rows[] = {
        {R"("FL-07")", "FL-07"},
        {R"("a,b")", "\"a,b\""},
        {R"("say \"x\"")", "\"say \"\"x\"\"\""},
        {R"("two\nlines")", "\"two\nlines\""},
        {R"("cr\r")", "\"cr\r\""},
        {R"("semi;colon 'single' quotes")", "semi;colon 'single' quotes"},
        {R"("")", ""},
    };
    for (const Row& row : rows) {
        CAPTURE(row.json);
        const Exported e = export_lines(
            format(csv),
            {fmt::format(R"({{"type":"event","time":"2026-11-24T07:00:00Z","event":"enter","asset":{}}})", row.json)});
        CHECK(e.document == csv_head + fmt::format("event,2026-11-24T07:00:00.000Z,{},,,,,,,,,,,,,,,,,,,,enter,,{},\n",
                                                   row.cell, no_event_members));
    }
}

TEST_CASE("export: csv gives an event's members their columns, in column order whatever their order in the record") {
    const Exported e = export_lines(
        format(csv),
        {R"({"type":"event","time":"2026-11-24T08:00:00Z","event":"violation","asset":"RF-12","rule":"cold","value":8.25,"metric":"temperature","severity":"major","violation":"t/RF-12/x","src":"in:3"})",
         R"({"type":"event","time":"2026-11-24T08:40:00Z","event":"clear","asset":"RF-12","rule":"cold","severity":"major","violation":"t/RF-12/x","metric":"temperature","peak":13.75,"duration_s":2400})",
         R"({"type":"event","time":"2026-11-25T06:00:00Z","event":"audit","zone":"yard-a","status":"unknown","audit":"yard-a/y","epc":"E280","uri":"urn:epc:raw:16.x E280","seen":"2026-11-25T05:59:00.000Z","seen_zone":"dock, 2"})",
         R"({"type":"event","time":"2026-11-24T07:20:00Z","event":"exit","fence":"yard-a","visit":"yard-a/gps-3/z","dwell_s":12.5,"device":"gps-3"})"});
    CHECK(
        e.document ==
        csv_head +
            "event,2026-11-24T08:00:00.000Z,RF-12,,,,,,,,,,,,,,,,,temperature,8.25,,violation,,cold,major,,t/RF-12/x,"
            ",,,,,,,,,,,in:3\n"
            "event,2026-11-24T08:40:00.000Z,RF-12,,,,,,,,,,,,,,,,,temperature,,,clear,,cold,major,,t/RF-12/x,13.75,"
            "2400,,,,,,,,,,\n"
            "event,2026-11-25T06:00:00.000Z,,,,,,,,,,,,E280,urn:epc:raw:16.x "
            "E280,,,,,,,,audit,,,,,,,,,,,yard-a,unknown,"
            "yard-a/y,2026-11-25T05:59:00.000Z,\"dock, 2\",,\n"
            "event,2026-11-24T07:20:00.000Z,,gps-3,,,,,,,,,,,,,,,,,,,exit,yard-a,,,,,,,yard-a/gps-3/z,12.5,,,,,,,,\n");
}

TEST_CASE("export: an asset and a device of the same name are two tracks") {
    const Exported e =
        export_lines(format(gpx), {R"({"type":"fix","time":"2026-11-24T07:00:01Z","asset":"X","lat":1,"lon":2})",
                                   R"({"type":"fix","time":"2026-11-24T07:00:02Z","device":"X","lat":1,"lon":2})",
                                   R"({"type":"fix","time":"2026-11-24T07:00:03Z","asset":"X","lat":1,"lon":2})"});
    CHECK(points_in(e.document, "trk") == std::vector<int>{2, 1});
}

TEST_CASE("export: gpx leaves out a number xsd:decimal cannot hold") {
    const Exported e = export_lines(
        format(gpx),
        {R"({"type":"fix","time":"2026-11-24T07:00:01Z","asset":"A","lat":1,"lon":2,"alt":1e300,"hdop":2.5})"});
    CHECK(
        e.document.find("<trkpt lat=\"1.0000000\" lon=\"2.0000000\"><time>2026-11-24T07:00:01.000Z</time><fix>2d</fix>"
                        "<hdop>2.5</hdop></trkpt>") != std::string::npos);
}

// ---------------------------------------------------------------------------------------
// EPCIS 2.0 (export_epcis.cpp)

namespace {

adapters::ExportOptions epcis_options() {
    adapters::ExportOptions options;
    options.format = adapters::ExportFormat::epcis;
    options.creation = 1'795'586'400'000;  // 2026-11-25T06:00:00Z
    return options;
}

// The event line of a one-record EPCIS document (empty when the record has no event).
std::string epcis_event(const std::string& line, const adapters::ExportOptions& options = epcis_options()) {
    const std::string document = export_lines(options, {line}).document;
    const std::size_t start = document.find("\n{");
    if (start == std::string::npos) return {};
    return document.substr(start + 1, document.find('\n', start + 1) - start - 1);
}

}  // namespace

TEST_CASE("export: epcis is an EPCISDocument, one ObjectEvent a line, counts like the other formats") {
    CHECK(adapters::export_format_from_string("epcis") == adapters::ExportFormat::epcis);
    const Exported e = export_lines(
        epcis_options(),
        {
            R"({"type":"read","time":"2026-11-24T07:00:01.250Z","epc":"3034257BF40C0E400000162E","uri":"urn:epc:id:sgtin:0614141.812345.6","reader":"gate-2"})",
            R"({"type":"fix","time":"2026-11-24T07:00:02Z","asset":"FL-07","fix":"none"})",
            R"({"type":"event","time":"2026-11-24T07:00:03Z","event":"missing","asset":"FL-07"})",
            R"({"type":"note"})",
        });
    CHECK(e.document.starts_with(
        R"({"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument",)"
        R"("schemaVersion":"2.0","creationDate":"2026-11-25T06:00:00.000Z","epcisBody":{"eventList":[)"));
    CHECK(e.document.ends_with("}\n]}}\n"));
    CHECK(e.counts.exported == 1);
    CHECK(e.counts.no_position == 1);
    CHECK(e.counts.other == 2);
}

TEST_CASE("export: epcis reads are placed by the ledger's readers, antenna zone first") {
    adapters::ExportOptions options = epcis_options();
    options.readers.push_back({"gate 2", "dock-1", {}, {}, {{2, "yard-a"}}});
    const std::string read =
        R"({"type":"read","time":"2026-11-24T07:00:01Z","epc":"AD01","reader":"gate 2","antenna":)";
    CHECK(epcis_event(read + "2}", options) ==
          R"({"type":"ObjectEvent","eventTime":"2026-11-24T07:00:01.000Z","eventTimeZoneOffset":"+00:00",)"
          R"("epcList":["urn:epc:raw:16.xAD01"],"action":"OBSERVE","readPoint":{"id":"urn:trk:reader:gate%202"},)"
          R"("bizLocation":{"id":"urn:trk:zone:yard-a"}})");
    CHECK(epcis_event(read + "1}", options).ends_with(R"("bizLocation":{"id":"urn:trk:zone:dock-1"}})"));
    CHECK(epcis_event(read + "1}").find("bizLocation") == std::string::npos);
}

TEST_CASE("export: epcis readings take a CBV measurement type and a Rec 20 unit, or a URI of trk") {
    struct Case {
        const char* metric;
        const char* unit;
        const char* report;
    };
    const Case cases[] = {
        {"temperature", "Cel", R"({"type":"Temperature","value":2.5,"uom":"CEL"})"},
        {"temperature", "[degF]", R"({"type":"Temperature","value":2.5,"uom":"FAH"})"},
        {"humidity", "%", R"({"type":"RelativeHumidity","value":2.5,"uom":"P1"})"},
        {"shock", "g", R"({"type":"Acceleration","value":2.5,"uom":"K40"})"},
        {"battery", "V", R"({"type":"Voltage","value":2.5,"uom":"VLT"})"},
        {"battery", "%", R"({"type":"urn:trk:metric:battery","value":2.5,"uom":"P1"})"},
        {"mass", "g", R"({"type":"urn:trk:metric:mass","value":2.5})"},
        {"door state", "open", R"({"type":"urn:trk:metric:door%20state","value":2.5})"},
        {"flow", "MQH", R"({"type":"urn:trk:metric:flow","value":2.5,"uom":"MQH"})"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.metric);
        CAPTURE(c.unit);
        const std::string event = epcis_event(fmt::format(
            R"({{"type":"reading","time":"2026-11-24T07:00:00Z","asset":"RF-12","metric":"{}","value":2.5,"unit":"{}"}})",
            c.metric, c.unit));
        CHECK(event.find(std::string(R"("sensorReport":[)") + c.report + "]") != std::string::npos);
    }
}

TEST_CASE("export: epcis audit rows are cycle counts with a disposition per status") {
    struct Case {
        const char* status;
        const char* members;  // disposition, readPoint, bizLocation as written
    };
    const Case cases[] = {
        {"present",
         R"("disposition":"available","readPoint":{"id":"urn:trk:zone:yard-a"},"bizLocation":{"id":"urn:trk:zone:yard-a"}})"},
        {"unexpected",
         R"("disposition":"available","readPoint":{"id":"urn:trk:zone:yard-a"},"bizLocation":{"id":"urn:trk:zone:yard-a"}})"},
        {"misplaced",
         R"("disposition":"available","readPoint":{"id":"urn:trk:zone:yard-a"},"bizLocation":{"id":"urn:trk:zone:bay-1"}})"},
        {"missing", R"("disposition":"unknown","readPoint":{"id":"urn:trk:zone:yard-a"}})"},
        {"unknown", R"("readPoint":{"id":"urn:trk:zone:yard-a"},"bizLocation":{"id":"urn:trk:zone:yard-a"}})"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.status);
        const std::string event = epcis_event(fmt::format(
            R"({{"type":"event","time":"2026-11-25T05:00:00Z","event":"audit","asset":"A-1","zone":"yard-a","status":"{}","seen_zone":"bay-1"}})",
            c.status));
        CHECK(event.ends_with(std::string(R"("bizStep":"cycle_counting",)") + c.members));
    }
}

TEST_CASE("export: a feature collection of fences and places, for trk fence list and trk where") {
    fmt::memory_buffer out;
    adapters::FeatureCollectionWriter collection(out);
    adapters::add_fence_features(
        collection,
        {{"7", R"({"type":"Feature","properties":{"id":7},"geometry":{"type":"Point","coordinates":[1,2]}})", 0},
         // properties null or absent: an empty object, as RFC 7946 readers expect
         {"x\"y", R"({"type":"Feature","geometry":{"type":"Point","coordinates":[3,4]},"properties":null})", 0}});
    collection.point(53.5, 9.9, R"({"asset":"FL-07"})");
    collection.point(std::nullopt, 9.9, R"({"asset":"RF-12","never_seen":true})");  // no place: a null geometry
    collection.finish();
    CHECK(
        fmt::to_string(out) ==
        "{\"type\":\"FeatureCollection\",\"features\":[\n"
        R"({"type":"Feature","id":"7","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"id":7}},)"
        "\n"
        R"({"type":"Feature","id":"x\"y","geometry":{"type":"Point","coordinates":[3,4]},"properties":{}},)"
        "\n"
        R"({"type":"Feature","geometry":{"type":"Point","coordinates":[9.9000000,53.5000000]},"properties":{"asset":"FL-07"}},)"
        "\n"
        R"({"type":"Feature","geometry":null,"properties":{"asset":"RF-12","never_seen":true}})"
        "\n]}\n");

    fmt::memory_buffer damaged;
    adapters::FeatureCollectionWriter other(damaged);
    CHECK_THROWS_AS(adapters::add_fence_features(other, {{"bay-1", "[1,2]", 0}}), track::InputError);
}
