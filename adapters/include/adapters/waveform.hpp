// Accelerometer recordings (WAV, CSV) read as blocks of samples per axis, for `trk vibration`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/byte_source.hpp"
#include "track/problems.hpp"

namespace adapters {

/// What a recording says about itself.
struct WaveformInfo {
    std::string format;        ///< "WAV PCM 16-bit", "WAV PCM 24-bit", "WAV PCM 32-bit", "WAV float 32-bit", "CSV"
    unsigned channels = 0;     ///< 1..3
    double rate = 0;           ///< samples per second per channel (WAV: the header's; CSV: the option)
    bool integer = false;      ///< PCM: samples are integers scaled to [-1, 1) (divided by 2^(bits-1))
    std::uint64_t frames = 0;  ///< WAV: frames the header announces (0 when unknown: a stream); CSV: 0
};

/// How to read a recording.
struct WaveformOptions {
    std::optional<double> rate;  ///< samples per second; required for CSV, checked against WAV's header when given
    /// CSV: which columns are the axes (0-based), in axis order; empty: every column of the
    /// first row, which must number 1..3. A header row (any cell not a number) is skipped
    /// and its names may be used by `column_names`.
    std::vector<unsigned> columns = {};
    std::vector<std::string> column_names = {};  ///< CSV: axes by header name, instead of `columns`
};

/// Frames of samples, channel by channel: channels[c][i] is channel c's i-th sample of the
/// block, as the file holds it (PCM scaled to [-1, 1), float and CSV as written). `first` is
/// the index of the block's first frame since the start of the recording.
struct WaveformBlock {
    std::uint64_t first = 0;
    std::vector<std::vector<double>> channels;
};

/// Reads a WAV (RIFF/WAVE: PCM 16/24/32-bit, IEEE float 32-bit, WAVE_FORMAT_EXTENSIBLE of
/// those; 1 to 3 channels; unknown chunks skipped; a data size of 0 or 0xFFFFFFFF as from a
/// recorder that streamed is read to the end) or a CSV (one numeric column per axis, comma,
/// semicolon or tab separated, an optional header row) in blocks of at most `block_frames`
/// frames, in constant memory: it reads from a ByteSource, so standard input works.
///
/// Bad input: a header that is not one of those formats throws track::InputError naming the
/// source and what was found ("WAV format 2 (ADPCM) is not PCM or float"); a truncated data
/// chunk (a partial frame at the end, fewer frames than the header announced) and a CSV row
/// with the wrong number of cells or a cell that is not a finite number are reported to
/// `problems` with the source and position (CSV: line; WAV: byte offset of the frame) and
/// no sample is invented for them: the block is cut there, and the reader goes on after the
/// bad row (CSV) or stops (WAV: nothing after a truncation). NaN and infinite float samples
/// in a WAV are reported and likewise cut the block.
class WaveformReader {
public:
    /// Blocks arrive in order; a block is never empty. A bad part between two blocks is a gap:
    /// the next block's `first` skips the frames that were lost (CSV: the bad row counts as one
    /// frame, so that times stay true).
    using Sink = std::function<void(const WaveformBlock&)>;

    /// Reads the header (WAV) or the first row (CSV) of `source`; `csv` chooses the format
    /// (the command decides from the file name or an option). Throws InputError as above, or
    /// UsageError when a CSV has no rate.
    WaveformReader(ByteSource& source, bool csv, WaveformOptions options, track::ProblemSink& problems);
    ~WaveformReader();
    WaveformReader(const WaveformReader&) = delete;
    WaveformReader& operator=(const WaveformReader&) = delete;

    [[nodiscard]] const WaveformInfo& info() const { return info_; }

    /// Reads the rest, calling `sink` per block. Returns the frames delivered.
    std::uint64_t run(std::size_t block_frames, const Sink& sink);

private:
    struct Wav;  ///< the WAV decoder's buffer and position
    struct Csv;  ///< the CSV reader and its columns

    track::ProblemSink& problems_;
    WaveformInfo info_;
    std::unique_ptr<Wav> wav_;  ///< set for a WAV
    std::unique_ptr<Csv> csv_;  ///< set for a CSV
};

}  // namespace adapters
