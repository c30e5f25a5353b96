// Record streams to documents for other tools: GeoJSON, GPX 1.1, KML 2.2, CSV and EPCIS 2.0 (`trk export`).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <fmt/format.h>

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

/// The EPCIS 2.0 JSON-LD writer (export_epcis.cpp); make_export_writer calls it for
/// ExportFormat::epcis. Same contract as make_export_writer.
std::unique_ptr<ExportWriter> make_epcis_writer(const ExportOptions& options, fmt::memory_buffer& out,
                                                std::function<void()> written);

}  // namespace adapters
