// Record streams to documents for other tools: GeoJSON, GPX 1.1, KML 2.2, CSV and EPCIS 2.0 (`trk export`).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "track/json_writer.hpp"
#include "track/ledger.hpp"
#include "track/record.hpp"
#include "track/time.hpp"

namespace adapters {

/// The document formats of `trk export`.
enum class ExportFormat { geojson, gpx, kml, csv, epcis };

/// The format named `name` ("geojson", "gpx", "kml", "csv", "epcis"); nullopt for any other text.
std::optional<ExportFormat> export_format_from_string(std::string_view name) noexcept;

/// How to write the document.
struct ExportOptions {
    ExportFormat format = ExportFormat::geojson;
    /// geojson and kml: one line per asset (or device) instead of a point per fix.
    bool lines = false;
    /// gpx: consecutive fixes of a track further apart than this start a new <trkseg>.
    track::Millis gap = 300 * track::ms_per_second;  // 5 minutes
    /// epcis: the document's creationDate (UTC, ms).
    track::Millis creation = 0;
    /// epcis: the fixed readers (from the ledger), whose zone (or antenna's zone) becomes the
    /// bizLocation of their reads; empty: reads get no bizLocation.
    std::vector<track::Reader> readers;
};

/// What a writer did with the records it was given.
struct ExportCounts {
    std::uint64_t exported = 0;     ///< records that are in the document
    std::uint64_t no_position = 0;  ///< fixes with fix "none", left out of the map formats
    std::uint64_t other = 0;        ///< records the format has no place for (reads in GPX, opaque records)
};

/// Writes one document from a stream of records. The header is written on construction,
/// the end by finish(); the document is valid (and empty) when no record came.
class ExportWriter {
public:
    virtual ~ExportWriter() = default;
    ExportWriter(const ExportWriter&) = delete;
    ExportWriter& operator=(const ExportWriter&) = delete;

    /// Adds one record: written at once (geojson points, csv) or kept until finish()
    /// (tracks: geojson --lines, gpx, kml). Records the format cannot show are counted.
    virtual void record(const track::Record& record) = 0;
    /// Writes what is kept and closes the document. Call once, after the last record.
    virtual void finish() = 0;
    /// What happened to the records so far.
    [[nodiscard]] const ExportCounts& counts() const { return counts_; }

protected:
    ExportWriter() = default;
    ExportCounts counts_;  ///< the writers' tally
};

/// A writer of `options.format` that appends the document to `out` and calls `written`
/// (may be empty) after each record or track it appended: the place to flush `out` once
/// it is large. Throws nothing itself; `written` may throw (a failed write).
std::unique_ptr<ExportWriter> make_export_writer(const ExportOptions& options, fmt::memory_buffer& out,
                                                 std::function<void()> written = {});

/// A GeoJSON (RFC 7946) FeatureCollection of things that are not a record stream (the last
/// positions of `trk where`, the fences of `trk fence list`), a feature a line, as the
/// export writes its own.
class FeatureCollectionWriter {
public:
    /// Appends the collection's head to `out`, which must outlive the writer.
    explicit FeatureCollectionWriter(fmt::memory_buffer& out);
    /// A feature with a Point at lat/lon, or a null geometry (a thing without a known place)
    /// when `lat` or `lon` is absent. `properties` is a JSON object's text.
    void point(const std::optional<double>& lat, const std::optional<double>& lon, std::string_view properties);
    /// A feature with an "id" (a string), a geometry and properties, each a JSON value's text.
    void feature(std::string_view id, std::string_view geometry, std::string_view properties);
    /// Appends the collection's end. Call once, after the last feature.
    void finish();

private:
    track::JsonWriter json_;
};

/// Adds the fences kept in a ledger to `collection`: each its kept Feature's geometry and
/// properties, with the fence's id as the feature's "id", so that `trk fence add` reads the
/// collection back as the same fences. Throws InputError for a kept feature that is not a
/// JSON object (a damaged ledger).
void add_fence_features(FeatureCollectionWriter& collection, const std::vector<track::StoredFence>& fences);

/// The EPCIS 2.0 JSON-LD writer (export_epcis.cpp); make_export_writer calls it for
/// ExportFormat::epcis. Same contract as make_export_writer.
std::unique_ptr<ExportWriter> make_epcis_writer(const ExportOptions& options, fmt::memory_buffer& out,
                                                std::function<void()> written);

}  // namespace adapters
