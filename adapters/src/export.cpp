// The writers of `trk export`: GeoJSON (RFC 7946), GPX 1.1 and KML 2.2 from records (CSV is in
// export_csv.cpp, EPCIS 2.0 in export_epcis.cpp).
#include "adapters/export.hpp"

#include <algorithm>
#include <iterator>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "export_pieces.hpp"
#include "track/error.hpp"
#include "track/json.hpp"
#include "track/json_writer.hpp"
#include "track/number.hpp"

namespace adapters {

std::optional<ExportFormat> export_format_from_string(std::string_view name) noexcept {
    if (name == "geojson") return ExportFormat::geojson;
    if (name == "gpx") return ExportFormat::gpx;
    if (name == "kml") return ExportFormat::kml;
    if (name == "csv") return ExportFormat::csv;
    if (name == "epcis") return ExportFormat::epcis;
    return std::nullopt;
}

// Appends `text` (UTF-8, as every string RecordParser gives: simdjson validates it) as XML
// character data or attribute value: & < > " ' as entities, carriage return as a reference
// (parsers would turn it into a newline), and U+FFFD for what XML 1.0 forbids even as a
// reference (the other control characters, U+FFFE, U+FFFF), so the document stays valid.
void export_pieces::append_xml_text(fmt::memory_buffer& out, std::string_view text) {
    constexpr std::string_view replacement = "\xEF\xBF\xBD";
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        switch (c) {
            case '&': export_pieces::append(out, "&amp;"); break;
            case '<': export_pieces::append(out, "&lt;"); break;
            case '>': export_pieces::append(out, "&gt;"); break;
            case '"': export_pieces::append(out, "&quot;"); break;
            case '\'': export_pieces::append(out, "&apos;"); break;
            case '\r': export_pieces::append(out, "&#13;"); break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') {
                    export_pieces::append(out, replacement);
                } else if (const std::string_view three = text.substr(i, 3);
                           three == "\xEF\xBF\xBE" || three == "\xEF\xBF\xBF") {  // U+FFFE, U+FFFF
                    export_pieces::append(out, replacement);
                    i += 2;
                } else {
                    out.push_back(c);
                }
        }
    }
}

namespace {

using namespace export_pieces;  // WriterBase and the number appends, shared with export_csv.cpp

// ---------------------------------------------------------------------------------------
// Pieces the track formats use

// A fix reduced to what the track formats draw (no strings: a track may hold millions).
struct TrackPoint {
    track::Millis time = 0;
    double lat = 0;
    double lon = 0;
    std::optional<double> alt;
    std::optional<double> speed;
    std::optional<double> course;
    std::optional<double> hdop;
    std::optional<double> vdop;
    std::optional<double> pdop;
    std::optional<int> sats;
    track::FixMode mode = track::FixMode::two_d;
    track::FixQuality quality = track::FixQuality::unknown;
};

// The positioned fixes of one asset, or of one device for fixes without an asset.
struct Track {
    std::string asset;   // empty for a device's track
    std::string device;  // set only for a device's track
    std::vector<TrackPoint> points;

    [[nodiscard]] std::string_view name() const { return asset.empty() ? device : asset; }
    // Whether every point has an altitude: a line's positions are all 3D or all 2D.
    [[nodiscard]] bool has_altitude() const {
        return std::all_of(points.begin(), points.end(), [](const TrackPoint& p) { return p.alt.has_value(); });
    }
};

// Keeps the positioned fixes per track, tracks in the order they first appear.
class TrackCollector {
public:
    void add(const track::Fix& fix) {
        Track& track = track_of(fix);
        track.points.push_back({fix.time, fix.lat, fix.lon, fix.alt, fix.speed, fix.course, fix.hdop, fix.vdop,
                                fix.pdop, fix.sats, fix.mode, fix.quality});
    }

    // The tracks, each in time order (fixes of the same time keep their input order).
    std::vector<Track>& sorted() {
        for (Track& track : tracks_) {
            std::stable_sort(track.points.begin(), track.points.end(),
                             [](const TrackPoint& a, const TrackPoint& b) { return a.time < b.time; });
        }
        return tracks_;
    }

private:
    Track& track_of(const track::Fix& fix) {
        // Consecutive fixes are nearly always of one asset: no lookup for them.
        if (last_ < tracks_.size()) {
            const Track& last = tracks_[last_];
            if (last.asset == fix.asset && (!fix.asset.empty() || last.device == fix.device)) return tracks_[last_];
        }
        // Two indexes: an asset and a device may share a name.
        const bool by_asset = !fix.asset.empty();
        auto& index = by_asset ? by_asset_ : by_device_;
        const auto [it, added] = index.try_emplace(by_asset ? fix.asset : fix.device, tracks_.size());
        if (added) tracks_.push_back(by_asset ? Track{fix.asset, {}, {}} : Track{{}, fix.device, {}});
        last_ = it->second;
        return tracks_[last_];
    }

    std::vector<Track> tracks_;
    std::unordered_map<std::string, std::size_t> by_asset_;   // track of each asset
    std::unordered_map<std::string, std::size_t> by_device_;  // track of each device's fixes without asset
    std::size_t last_ = SIZE_MAX;                             // the track of the previous fix
};

// The base of the formats that draw tracks (GeoJSON lines, GPX, KML): every positioned
// fix is kept until finish(), since a track needs all of its fixes in time order.
class TrackWriter : public WriterBase {
public:
    void record(const track::Record& record) final {
        if (const track::Fix* fix = positioned_fix(record)) {
            tracks_.add(*fix);
            ++counts_.exported;
        }
    }
    void finish() final {
        for (const Track& track : tracks_.sorted()) {
            write_track(track);
            report_written();
        }
        write_end();
        report_written();
    }

protected:
    using WriterBase::WriterBase;
    // Appends one track (at least one point) to out_.
    virtual void write_track(const Track& track) = 0;
    // Appends what closes the document.
    virtual void write_end() = 0;

private:
    TrackCollector tracks_;
};

// ---------------------------------------------------------------------------------------
// GeoJSON: a FeatureCollection, one feature a line.

// Starts the collection: `{"type":"FeatureCollection","features":[`.
void begin_feature_collection(track::JsonWriter& json) {
    json.begin_object().key("type").string("FeatureCollection").key("features").begin_array();
}

// Starts a feature, on a line of its own, and its geometry of `type`; the coordinates follow.
void begin_feature(track::JsonWriter& json, std::string_view type) {
    json.newline().begin_object().key("type").string("Feature");
    json.key("geometry").begin_object().key("type").string(type).key("coordinates");
}

void end_feature_collection(track::JsonWriter& json) { json.newline().end_array().end_object().newline(); }

// [lon,lat] or [lon,lat,alt], as RFC 7946 orders a position.
void write_position(track::JsonWriter& json, double lat, double lon, const std::optional<double>& alt) {
    json.begin_array().fixed(lon, position_decimals).fixed(lat, position_decimals);
    if (alt) json.rounded(*alt, metre_decimals);
    json.end_array();
}

// Writes the properties of a fix's Point feature: the members trk's JSON Lines have for
// the fix (same order and rounding, unknown members kept) but type, lat, lon and alt,
// which the geometry holds. They are cut from append_json's text so that the two never
// drift apart. A quote inside a JSON string is always escaped, so `,"lat":` can only be
// that member; lon and an optional alt follow it, and numbers hold no comma.
void write_fix_properties(track::JsonWriter& out, fmt::memory_buffer& scratch, const track::Fix& fix) {
    scratch.clear();
    track::append_json(scratch, fix);
    std::string_view json(scratch.data(), scratch.size());
    json.remove_prefix(std::string_view(R"({"type":"fix")").size());  // from the comma of the next member
    json.remove_suffix(2);                                            // "}\n"
    const auto next_member = [json](std::size_t at) { return std::min(json.find(',', at + 1), json.size()); };
    const std::size_t lat = json.find(R"(,"lat":)");
    std::size_t rest = next_member(next_member(lat));
    if (json.substr(rest).starts_with(R"(,"alt":)")) rest = next_member(rest);
    out.begin_object().members(json.substr(0, lat)).members(json.substr(rest)).end_object();
}

// Streams a Point feature per positioned fix.
class GeoJsonPointWriter final : public WriterBase {
public:
    GeoJsonPointWriter(fmt::memory_buffer& out, std::function<void()> written)
        : WriterBase(out, std::move(written)), json_(out_) {
        begin_feature_collection(json_);
    }
    void record(const track::Record& record) override {
        const track::Fix* fix = positioned_fix(record);
        if (fix == nullptr) return;
        ++counts_.exported;
        begin_feature(json_, "Point");
        write_position(json_, fix->lat, fix->lon, fix->alt);
        json_.end_object().key("properties");
        write_fix_properties(json_, scratch_, *fix);
        json_.end_object();
        report_written();
    }
    void finish() override {
        end_feature_collection(json_);
        report_written();
    }

private:
    track::JsonWriter json_;
    fmt::memory_buffer scratch_;
};

// A LineString feature per track (a Point for a track of one fix: a line needs two).
class GeoJsonLineWriter final : public TrackWriter {
public:
    GeoJsonLineWriter(fmt::memory_buffer& out, std::function<void()> written)
        : TrackWriter(out, std::move(written)), json_(out_) {
        begin_feature_collection(json_);
    }

private:
    void write_track(const Track& track) override {
        const bool altitude = track.has_altitude();
        const auto position = [&](const TrackPoint& p) {
            write_position(json_, p.lat, p.lon, altitude ? p.alt : std::nullopt);
        };
        if (track.points.size() == 1) {
            begin_feature(json_, "Point");
            position(track.points.front());
        } else {
            begin_feature(json_, "LineString");
            json_.begin_array();
            for (const TrackPoint& p : track.points) position(p);
            json_.end_array();
        }
        json_.end_object().key("properties").begin_object();
        json_.key(track.asset.empty() ? "device" : "asset").string(track.name());
        json_.key("start").time(track.points.front().time);
        json_.key("end").time(track.points.back().time);
        json_.key("points").integer(track.points.size());
        json_.end_object().end_object();
    }
    void write_end() override { end_feature_collection(json_); }

    track::JsonWriter json_;
};

// ---------------------------------------------------------------------------------------
// GPX 1.1: a <trk> per track, <trkseg> split at gaps.

class GpxWriter final : public TrackWriter {
public:
    GpxWriter(fmt::memory_buffer& out, std::function<void()> written, track::Millis gap)
        : TrackWriter(out, std::move(written)), gap_(gap) {
        append(out_,
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<gpx version=\"1.1\" creator=\"trk\" xmlns=\"http://www.topografix.com/GPX/1/1\" "
               "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
               "xsi:schemaLocation=\"http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd\">\n");
    }

private:
    void write_track(const Track& track) override {
        append(out_, "  <trk>\n");
        if (!track.name().empty()) {
            append(out_, "    <name>");
            append_xml_text(out_, track.name());
            append(out_, "</name>\n");
        }
        append(out_, "    <trkseg>\n");
        const TrackPoint* previous = nullptr;
        for (const TrackPoint& p : track.points) {
            if (previous != nullptr && p.time - previous->time > gap_) append(out_, "    </trkseg>\n    <trkseg>\n");
            write_point(p);
            previous = &p;
        }
        append(out_, "    </trkseg>\n  </trk>\n");
    }

    // A <trkpt> with the elements of wptType that a fix has, in the schema's order.
    void write_point(const TrackPoint& p) {
        append(out_, "      <trkpt lat=\"");
        append_fixed(out_, p.lat, position_decimals);
        append(out_, "\" lon=\"");
        // GPX longitudes are in [-180, 180): the antimeridian is written as -180.
        const double half_unit = 0.5e-7;
        append_fixed(out_, p.lon >= 180 - half_unit ? p.lon - 360 : p.lon, position_decimals);
        append(out_, "\">");
        element("ele", p.alt, metre_decimals);
        append(out_, "<time>");
        track::append_rfc3339(out_, p.time);
        append(out_, "</time><fix>");
        append(out_, track::to_string(p.mode));
        append(out_, "</fix>");
        if (p.sats) {
            append(out_, "<sat>");
            append_int(out_, *p.sats);
            append(out_, "</sat>");
        }
        element("hdop", p.hdop, 2);
        element("vdop", p.vdop, 2);
        element("pdop", p.pdop, 2);
        append(out_, "</trkpt>\n");
    }

    // <name>value</name> when there is a value that xsd:decimal can hold: write_rounded
    // gives an exponent for values far beyond any measurement (1e+300), and those are left
    // out so that the document stays valid.
    void element(std::string_view name, const std::optional<double>& value, int decimals) {
        if (!value) return;
        char digits[32];
        const std::string_view text(digits,
                                    static_cast<std::size_t>(track::write_rounded(digits, *value, decimals) - digits));
        if (text.find_first_of("ein") != std::string_view::npos) return;
        fmt::format_to(std::back_inserter(out_), "<{0}>{1}</{0}>", name, text);
    }

    void write_end() override { append(out_, "</gpx>\n"); }

    track::Millis gap_;
};

// ---------------------------------------------------------------------------------------
// KML 2.2: a Folder per track holding its gx:Track and (without --lines) a point per fix.

class KmlWriter final : public TrackWriter {
public:
    KmlWriter(fmt::memory_buffer& out, std::function<void()> written, bool lines_only)
        : TrackWriter(out, std::move(written)), lines_only_(lines_only) {
        append(out_,
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<kml xmlns=\"http://www.opengis.net/kml/2.2\" xmlns:gx=\"http://www.google.com/kml/ext/2.2\">\n"
               "<Document>\n");
    }

private:
    void write_track(const Track& track) override {
        append(out_, "  <Folder>\n");
        name(track.name(), "    ");
        append(out_, "    <Placemark>\n");
        name(track.name(), "      ");
        append(out_, "      <TimeSpan><begin>");
        track::append_rfc3339(out_, track.points.front().time);
        append(out_, "</begin><end>");
        track::append_rfc3339(out_, track.points.back().time);
        append(out_, "</end></TimeSpan>\n");
        write_gx_track(track);
        append(out_, "    </Placemark>\n");
        if (!lines_only_) {
            append(out_, "    <Folder>\n      <name>fixes</name>\n");
            for (const TrackPoint& p : track.points) write_point(track.name(), p);
            append(out_, "    </Folder>\n");
        }
        append(out_, "  </Folder>\n");
    }

    // The track as a gx:Track (Google's extension, read by Google Earth, GDAL's LIBKML driver
    // and others): every point keeps its exact time, all <when> first, then all <gx:coord>
    // ("lon lat alt", as the extension's schema orders them). Its altitude is 0 where the track
    // lacks altitudes (a gx:coord has three values); no altitudeMode is written, so KML's
    // clampToGround ignores it, and draws tracks with altitudes on the ground too.
    void write_gx_track(const Track& track) {
        const bool altitude = track.has_altitude();
        append(out_, "      <gx:Track>\n");
        for (const TrackPoint& p : track.points) {
            append(out_, "        <when>");
            track::append_rfc3339(out_, p.time);
            append(out_, "</when>\n");
        }
        for (const TrackPoint& p : track.points) {
            append(out_, "        <gx:coord>");
            append_fixed(out_, p.lon, position_decimals);
            out_.push_back(' ');
            append_fixed(out_, p.lat, position_decimals);
            out_.push_back(' ');
            if (altitude) {
                track::append_rounded(out_, *p.alt, metre_decimals);
            } else {
                out_.push_back('0');
            }
            append(out_, "</gx:coord>\n");
        }
        append(out_, "      </gx:Track>\n");
    }

    // A Placemark named after its asset (or device) with the fix's time, its measurements as
    // ExtendedData, and its Point.
    void write_point(std::string_view track_name, const TrackPoint& p) {
        append(out_, "      <Placemark>");
        if (!track_name.empty()) {
            append(out_, "<name>");
            append_xml_text(out_, track_name);
            append(out_, "</name>");
        }
        append(out_, "<TimeStamp><when>");
        track::append_rfc3339(out_, p.time);
        append(out_, "</when></TimeStamp><ExtendedData>");
        const auto rounded = [this](const std::optional<double>& value, int decimals) {
            return [this, value, decimals] { track::append_rounded(out_, *value, decimals); };
        };
        if (p.speed) data("speed", rounded(p.speed, metre_decimals));
        if (p.course) data("course", rounded(p.course, 2));
        if (p.hdop) data("hdop", rounded(p.hdop, 2));
        if (p.sats) data("sats", [&] { append_int(out_, *p.sats); });
        data("fix", [&] { append(out_, track::to_string(p.mode)); });
        if (p.quality != track::FixQuality::unknown)
            data("quality", [&] { append(out_, track::to_string(p.quality)); });
        append(out_, "</ExtendedData><Point><coordinates>");
        coordinates(p, p.alt.has_value());
        append(out_, "</coordinates></Point></Placemark>\n");
    }

    void name(std::string_view text, std::string_view indent) {
        if (text.empty()) return;
        append(out_, indent);
        append(out_, "<name>");
        append_xml_text(out_, text);
        append(out_, "</name>\n");
    }

    // lon,lat or lon,lat,alt: a KML coordinate tuple.
    void coordinates(const TrackPoint& p, bool altitude) {
        append_fixed(out_, p.lon, position_decimals);
        out_.push_back(',');
        append_fixed(out_, p.lat, position_decimals);
        if (altitude && p.alt) {
            out_.push_back(',');
            track::append_rounded(out_, *p.alt, metre_decimals);
        }
    }

    // <Data name="key"><value>...</value></Data>, the value written by `value()`.
    template <typename WriteValue>
    void data(std::string_view key, WriteValue value) {
        fmt::format_to(std::back_inserter(out_), "<Data name=\"{}\"><value>", key);
        value();
        append(out_, "</value></Data>");
    }

    void write_end() override { append(out_, "</Document>\n</kml>\n"); }

    bool lines_only_;
};

}  // namespace

FeatureCollectionWriter::FeatureCollectionWriter(fmt::memory_buffer& out) : json_(out) {
    begin_feature_collection(json_);
}

void FeatureCollectionWriter::point(const std::optional<double>& lat, const std::optional<double>& lon,
                                    std::string_view properties) {
    json_.newline().begin_object().key("type").string("Feature").key("geometry");
    if (lat && lon) {
        json_.begin_object().key("type").string("Point").key("coordinates");
        write_position(json_, *lat, *lon, std::nullopt);
        json_.end_object();
    } else {
        json_.null();
    }
    json_.key("properties").raw(properties).end_object();
}

void FeatureCollectionWriter::feature(std::string_view id, std::string_view geometry, std::string_view properties) {
    json_.newline().begin_object().key("type").string("Feature").key("id").string(id);
    json_.key("geometry").raw(geometry).key("properties").raw(properties).end_object();
}

void FeatureCollectionWriter::finish() { end_feature_collection(json_); }

void add_fence_features(FeatureCollectionWriter& collection, const std::vector<track::StoredFence>& fences) {
    simdjson::dom::parser parser;
    for (const track::StoredFence& fence : fences) {
        simdjson::dom::object feature;
        if (parser.parse(fence.feature).get_object().get(feature) != simdjson::SUCCESS) {
            throw track::InputError(fmt::format("fence {}", fence.id),
                                    "the ledger keeps it damaged (not a JSON object)");
        }
        simdjson::dom::element geometry, properties;
        const std::string geometry_text =
            feature["geometry"].get(geometry) == simdjson::SUCCESS ? simdjson::minify(geometry) : "null";
        const std::string properties_text =
            feature["properties"].get(properties) == simdjson::SUCCESS && properties.is_object()
                ? simdjson::minify(properties)
                : "{}";
        collection.feature(fence.id, geometry_text, properties_text);
    }
}

std::unique_ptr<ExportWriter> make_export_writer(const ExportOptions& options, fmt::memory_buffer& out,
                                                 std::function<void()> written) {
    switch (options.format) {
        case ExportFormat::geojson:
            if (options.lines) return std::make_unique<GeoJsonLineWriter>(out, std::move(written));
            return std::make_unique<GeoJsonPointWriter>(out, std::move(written));
        case ExportFormat::gpx: return std::make_unique<GpxWriter>(out, std::move(written), options.gap);
        case ExportFormat::kml: return std::make_unique<KmlWriter>(out, std::move(written), options.lines);
        case ExportFormat::epcis: return make_epcis_writer(options, out, std::move(written));
        case ExportFormat::csv: break;
    }
    return export_pieces::make_csv_writer(out, std::move(written));
}

}  // namespace adapters
