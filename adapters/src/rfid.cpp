// The registry of reader formats, EPC text, and the deduplicator that turns raw tag reports into reads.
#include "adapters/rfid.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "rfid_formats.hpp"
#include "track/epc.hpp"

namespace adapters::rfid {

Registry<FormatInfo>& format_registry() {
    static Registry<FormatInfo> registry;
    return registry;
}

namespace {

// Counts what it is told, says nothing.
struct ProblemCounter final : track::ProblemSink {
    std::uint64_t count = 0;
    void skipped(const track::Location&, std::string_view, std::string_view) override { ++count; }
};

}  // namespace

const FormatInfo* guess_format(std::string_view head) {
    const FormatInfo* best = nullptr;
    std::uint64_t best_reports = 0;
    std::uint64_t best_problems = 0;
    for (const FormatInfo* format : formats()) {
        ProblemCounter problems;
        std::uint64_t reports = 0;
        TextSource source(head, "head");
        format->make_decoder(problems, [&reports](TagReport&) { ++reports; })->run(source);
        if (reports > best_reports || (reports > 0 && reports == best_reports && problems.count < best_problems)) {
            best = format;
            best_reports = reports;
            best_problems = problems.count;
        }
    }
    return best;
}

std::string_view normalize_epc(std::string_view text, std::string& out) {
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
    if (text.empty()) return "empty";
    if (text.size() > max_epc_hex_digits) return "longer than 496 bits";
    out.resize(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')) out[i] = c;
        else if (c >= 'a' && c <= 'f') out[i] = static_cast<char>(c - 'a' + 'A');
        else return "not hex";
    }
    // Tags store the EPC in 16-bit words.
    if (text.size() % 4 != 0) return "not a whole number of 16-bit words";
    return {};
}

// ---------------------------------------------------------------------------------------
// Deduplicator

Deduplicator::Deduplicator(track::Millis window, std::string reader, Sink sink)
    : window_(window), reader_(std::move(reader)), sink_(std::move(sink)) {}

void Deduplicator::add(const TagReport& report, track::Millis arrival) {
    ++reports_;
    const track::Millis t = report.time.value_or(arrival);
    // A clock that jumped back by more than a window (a reader rebooted to 1970) would hold
    // every sighting open until it caught up again: what is open is written now.
    if (!pending_.empty() && t + window_ < pending_.front().read.time) finish();
    while (!pending_.empty() && pending_.front().read.time + window_ <= t) write_front();

    const std::string& reader = report.reader.empty() ? reader_ : report.reader;
    make_key(report.epc, reader, report.antenna);

    if (window_ > 0) {
        if (const auto it = open_.find(key_); it != open_.end()) {
            Sighting& s = pending_[it->second - first_index_];
            // A count that would pass what a record holds (readers that report aggregated
            // counts) starts a new sighting instead: every count written stays exact.
            const bool room = *s.read.count <= std::numeric_limits<int>::max() - report.count;
            if (t < s.read.time + window_ && room) {
                track::Read& read = s.read;
                *read.count += report.count;
                const track::Millis last = std::max(read.last.value_or(read.time), t);
                read.time = std::min(read.time, t);  // reports out of order within the window
                if (last > read.time) read.last = last;
                const bool stronger = report.rssi ? !read.rssi || *report.rssi > *read.rssi
                                                  : !read.rssi && report.rssi_raw &&
                                                        (!read.rssi_raw || *report.rssi_raw > *read.rssi_raw);
                if (stronger) {
                    read.rssi = report.rssi;
                    read.rssi_raw = report.rssi_raw;
                    read.frequency = report.frequency;
                    read.phase = report.phase;
                }
                return;
            }
            // Its window has passed (or its count is full) but older sightings hold it back:
            // it takes no more.
            s.open = false;
            open_.erase(it);
        }
    }

    Sighting& s = pending_.emplace_back();
    track::Read& read = s.read;
    read.time = t;
    read.clock = report.time ? track::ReadClock::reader : track::ReadClock::arrival;
    read.src = track::to_string(report.where);
    read.epc = report.epc;
    read.reader = reader;
    read.antenna = report.antenna;
    read.rssi = report.rssi;
    read.rssi_raw = report.rssi_raw;
    read.count = report.count;
    read.frequency = report.frequency;
    read.phase = report.phase;
    s.arrival = arrival;
    if (window_ == 0) {
        write_front();
        return;
    }
    open_.emplace(key_, first_index_ + pending_.size() - 1);
}

void Deduplicator::expire(track::Millis now) {
    while (!pending_.empty() && pending_.front().arrival + window_ <= now) write_front();
}

void Deduplicator::finish() {
    while (!pending_.empty()) write_front();
}

void Deduplicator::write_front() {
    Sighting& s = pending_.front();
    if (s.open && window_ > 0) {
        make_key(s.read.epc, s.read.reader, s.read.antenna);
        open_.erase(key_);
    }
    emit(s);
    pending_.pop_front();
    ++first_index_;
}

void Deduplicator::make_key(const std::string& epc, const std::string& reader, const std::optional<int>& antenna) {
    key_.assign(epc);
    key_ += '\0';
    key_ += reader;
    key_ += '\0';
    if (antenna) {
        const fmt::format_int digits(*antenna);
        key_.append(digits.data(), digits.size());
    }
}

void Deduplicator::emit(Sighting& sighting) {
    track::Read& read = sighting.read;
    if (track::epc::decode(read.epc, identity_)) read.uri = identity_.pure_uri;
    ++records_;
    sink_(read);
}

}  // namespace adapters::rfid
