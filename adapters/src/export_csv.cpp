// `trk export --format csv`: one table for every record type (RFC 4180, through the one CSV
// writer), with the numbers of trk's JSON Lines.
#include <array>
#include <iterator>
#include <optional>
#include <string>

#include "adapters/csv.hpp"
#include "export_pieces.hpp"
#include "track/json.hpp"
#include "track/number.hpp"

namespace adapters::export_pieces {

namespace {

// ---------------------------------------------------------------------------------------
// CSV: one table for every record type.

enum class Column {
    type,
    time,
    asset,
    device,
    lat,
    lon,
    alt,
    speed,
    course,
    hdop,
    sats,
    fix,
    quality,
    epc,
    uri,
    reader,
    antenna,
    rssi,
    count,
    metric,
    value,
    unit,
    event,
    fence,
    rule,
    // The members events keep beyond the record's own (DESIGN's event table): a violation's
    // and clear's, a zone event's, an audit row's. Events put their device, epc, uri, metric
    // and value in the columns above.
    severity,
    previous,
    violation,
    peak,
    duration_s,
    visit,
    dwell_s,
    from,
    zone,
    status,
    audit,
    seen,
    seen_zone,
    change,
    src
};

// The header: each Column's name, in order.
constexpr std::array<std::string_view, static_cast<std::size_t>(Column::src) + 1> column_names = {
    "type",  "time",    "asset",   "device", "lat",    "lon",      "alt",      "speed",     "course", "hdop",
    "sats",  "fix",     "quality", "epc",    "uri",    "reader",   "antenna",  "rssi",      "count",  "metric",
    "value", "unit",    "event",   "fence",  "rule",   "severity", "previous", "violation", "peak",   "duration_s",
    "visit", "dwell_s", "from",    "zone",   "status", "audit",    "seen",     "seen_zone", "change", "src"};

// The event members that have a column, in column order (device, epc, uri, metric and value
// come before the event's own columns).
constexpr Column event_member_columns[] = {Column::device, Column::epc,        Column::uri,      Column::metric,
                                           Column::value,  Column::severity,   Column::previous, Column::violation,
                                           Column::peak,   Column::duration_s, Column::visit,    Column::dwell_s,
                                           Column::from,   Column::zone,       Column::status,   Column::audit,
                                           Column::seen,   Column::seen_zone,  Column::change};

std::string_view name(Column column) { return column_names[static_cast<std::size_t>(column)]; }

// Appends one row, cell by cell in column order; the columns a record skips stay empty.
class CsvRow {
public:
    CsvRow(fmt::memory_buffer& out, std::string_view type) : out_(out) { append(out_, type); }
    CsvRow(const CsvRow&) = delete;
    CsvRow& operator=(const CsvRow&) = delete;
    // Ends the row: the empty cells up to the last column, and the line break.
    void end() {
        at(Column::src);
        out_.push_back('\n');
    }

    void text(Column column, std::string_view value) {
        if (value.empty()) return;
        at(column);
        csv::append_cell(out_, value);
    }
    void time(track::Millis t) {
        at(Column::time);
        track::append_rfc3339(out_, t);
    }
    void fixed(Column column, double value, int decimals) {
        at(column);
        append_fixed(out_, value, decimals);
    }
    void rounded(Column column, const std::optional<double>& value, int decimals) {
        if (!value) return;
        at(column);
        track::append_rounded(out_, *value, decimals);
    }
    void integer(Column column, const std::optional<int>& value) {
        if (!value) return;
        at(column);
        append_int(out_, *value);
    }
    void shortest(Column column, double value) {
        at(column);
        fmt::format_to(std::back_inserter(out_), "{}", value);
    }

private:
    // Moves to `column`: ends the cells before it (empty where nothing was written).
    void at(Column column) {
        for (; current_ < static_cast<int>(column); ++current_) out_.push_back(',');
    }

    fmt::memory_buffer& out_;
    int current_ = 0;  // the column being written; the type is column 0
};

// The same numbers, rounded the same way, as the record's JSON Lines.
class CsvWriter final : public WriterBase {
public:
    CsvWriter(fmt::memory_buffer& out, std::function<void()> written) : WriterBase(out, std::move(written)) {
        for (const std::string_view column : column_names) {
            if (column != column_names.front()) out_.push_back(',');
            append(out_, column);
        }
        out_.push_back('\n');
    }
    void record(const track::Record& record) override {
        if (std::holds_alternative<track::OpaqueRecord>(record)) {
            ++counts_.other;
            return;
        }
        std::visit([this](const auto& r) { row(r); }, record);
        ++counts_.exported;
        report_written();
    }
    void finish() override { report_written(); }

private:
    void row(const track::Fix& fix) {
        CsvRow row(out_, "fix");
        common(row, fix);
        row.text(Column::device, fix.device);
        if (fix.mode != track::FixMode::none) {
            row.fixed(Column::lat, fix.lat, position_decimals);
            row.fixed(Column::lon, fix.lon, position_decimals);
        }
        row.rounded(Column::alt, fix.alt, metre_decimals);
        row.rounded(Column::speed, fix.speed, metre_decimals);
        row.rounded(Column::course, fix.course, 2);
        row.rounded(Column::hdop, fix.hdop, 2);
        row.integer(Column::sats, fix.sats);
        row.text(Column::fix, track::to_string(fix.mode));
        if (fix.quality != track::FixQuality::unknown) row.text(Column::quality, track::to_string(fix.quality));
        end(row, fix);
    }
    void row(const track::Read& read) {
        CsvRow row(out_, "read");
        common(row, read);
        row.text(Column::epc, read.epc);
        row.text(Column::uri, read.uri);
        row.text(Column::reader, read.reader);
        row.integer(Column::antenna, read.antenna);
        row.rounded(Column::rssi, read.rssi, 1);
        row.integer(Column::count, read.count);
        end(row, read);
    }
    void row(const track::Reading& reading) {
        CsvRow row(out_, "reading");
        common(row, reading);
        row.text(Column::device, reading.device);
        row.text(Column::metric, reading.metric);
        row.shortest(Column::value, reading.value);
        row.text(Column::unit, reading.unit);
        end(row, reading);
    }
    void row(const track::Event& event) {
        CsvRow row(out_, "event");
        common(row, event);
        extra_.parse(event.extra);
        const auto member = [&](Column column) { row.text(column, extra_.text(name(column))); };
        // Cells are written in column order: the members before `event`, then the record's
        // own, then the rest.
        const auto* next = std::begin(event_member_columns);
        for (; *next < Column::event; ++next) member(*next);
        row.text(Column::event, event.event);
        row.text(Column::fence, event.fence);
        row.text(Column::rule, event.rule);
        for (; next != std::end(event_member_columns); ++next) member(*next);
        end(row, event);
    }
    void row(const track::OpaqueRecord&) {}

    ExtraMembers extra_;  // the parsed extra members of the event being written

    static void common(CsvRow& row, const track::RecordBase& base) {
        row.time(base.time);
        row.text(Column::asset, base.asset);
    }
    static void end(CsvRow& row, const track::RecordBase& base) {
        row.text(Column::src, base.src);
        row.end();
    }
};

}  // namespace

std::unique_ptr<ExportWriter> make_csv_writer(fmt::memory_buffer& out, std::function<void()> written) {
    return std::make_unique<CsvWriter>(out, std::move(written));
}

}  // namespace adapters::export_pieces
