// Accelerometer recordings read as blocks of samples per axis: WAV (RIFF PCM and float) and CSV.
#include "adapters/waveform.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

#include <fmt/format.h>

#include "adapters/csv.hpp"
#include "track/error.hpp"

namespace adapters {

namespace {

constexpr std::uint64_t to_the_end = std::numeric_limits<std::uint64_t>::max();
constexpr std::size_t read_size = std::size_t{1} << 20;  // bytes asked of the source at a time
/// Frames decoded between two growths of a block's columns: small enough that the zeros
/// std::vector::resize writes stay in the cache that the samples then overwrite.
constexpr std::size_t batch_frames = 4096;
constexpr unsigned max_channels = 3;

// The block being filled: its columns grow batch by batch and go to the sink when full, at a
// cut (bad input) and at the end.
class BlockBuilder {
public:
    BlockBuilder(unsigned channels, std::size_t block_frames) : capacity_(std::max<std::size_t>(block_frames, 1)) {
        block_.channels.resize(channels);
        for (auto& column : block_.channels) column.reserve(capacity_);
    }

    /// Frames the block has room for.
    [[nodiscard]] std::size_t room() const { return capacity_ - size(); }
    [[nodiscard]] std::size_t size() const { return block_.channels.front().size(); }

    /// Makes room for `frames` more frames and returns where each column's new part starts.
    std::array<double*, max_channels> grow(std::size_t frames) {
        std::array<double*, max_channels> at{};
        const std::size_t old = size();
        for (std::size_t c = 0; c < block_.channels.size(); ++c) {
            block_.channels[c].resize(old + frames);
            at[c] = block_.channels[c].data() + old;
        }
        return at;
    }

    /// Takes back the last `frames` frames that grow() made room for but that were not decoded.
    void shrink(std::size_t frames) {
        for (auto& column : block_.channels) column.resize(column.size() - frames);
    }

    /// Hands the block to `sink` unless it is empty, and starts the next one after it.
    void deliver(const WaveformReader::Sink& sink) {
        const std::size_t frames = size();
        if (frames == 0) return;
        sink(block_);
        delivered_ += frames;
        block_.first += frames;
        for (auto& column : block_.channels) column.clear();
    }

    /// Ends the block (deliver) and skips `frames` lost frames: the next block starts after them.
    void lose(const WaveformReader::Sink& sink, std::uint64_t frames) {
        deliver(sink);
        block_.first += frames;
    }

    /// Frames handed to the sink so far.
    [[nodiscard]] std::uint64_t delivered() const { return delivered_; }

private:
    WaveformBlock block_;
    std::size_t capacity_;
    std::uint64_t delivered_ = 0;
};

// ---- WAV ----------------------------------------------------------------------------------

// Little-endian sample decoders: the value of one sample at `p`, scaled to [-1, 1) for PCM.
struct Pcm16 {
    static constexpr std::size_t bytes = 2;
    static constexpr bool may_be_non_finite = false;
    static double read(const unsigned char* p) {
        const auto v = static_cast<std::int16_t>(static_cast<std::uint16_t>(p[0] | (p[1] << 8)));
        return v * (1.0 / 32768.0);
    }
};
struct Pcm24 {
    static constexpr std::size_t bytes = 3;
    static constexpr bool may_be_non_finite = false;
    static double read(const unsigned char* p) {
        const auto u = static_cast<std::uint32_t>(p[0] | (p[1] << 8) | (p[2] << 16)) << 8;
        return static_cast<std::int32_t>(u) * (1.0 / 2147483648.0);  // 24 bits at the top of 32: same scale
    }
};
struct Pcm32 {
    static constexpr std::size_t bytes = 4;
    static constexpr bool may_be_non_finite = false;
    static double read(const unsigned char* p) {
        const std::uint32_t u = std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
                                (std::uint32_t{p[3]} << 24);
        return static_cast<std::int32_t>(u) * (1.0 / 2147483648.0);
    }
};
struct Float32 {
    static constexpr std::size_t bytes = 4;
    static constexpr bool may_be_non_finite = true;
    static double read(const unsigned char* p) {
        const std::uint32_t u = std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
                                (std::uint32_t{p[3]} << 24);
        return std::bit_cast<float>(u);
    }
};

/// Decodes up to `frames` interleaved frames at `in` into the columns `out`; stops before the
/// first frame holding a NaN or an infinity. Returns the frames decoded.
using Decoder = std::size_t (*)(const unsigned char* in, std::size_t frames,
                                const std::array<double*, max_channels>& out);

template <typename Sample, unsigned Channels>
std::size_t decode(const unsigned char* in, std::size_t frames, const std::array<double*, max_channels>& out) {
    for (std::size_t i = 0; i < frames; ++i) {
        const unsigned char* frame = in + i * Channels * Sample::bytes;
        for (unsigned c = 0; c < Channels; ++c) {
            const double v = Sample::read(frame + c * Sample::bytes);
            if constexpr (Sample::may_be_non_finite) {
                if (!std::isfinite(v)) return i;
            }
            out[c][i] = v;
        }
    }
    return frames;
}

template <typename Sample>
Decoder decoder_for(unsigned channels) {
    switch (channels) {
        case 1: return decode<Sample, 1>;
        case 2: return decode<Sample, 2>;
        default: return decode<Sample, 3>;
    }
}

std::uint16_t u16(const char* p) {
    const auto* b = reinterpret_cast<const unsigned char*>(p);
    return static_cast<std::uint16_t>(b[0] | (b[1] << 8));
}

std::uint32_t u32(const char* p) {
    const auto* b = reinterpret_cast<const unsigned char*>(p);
    return std::uint32_t{b[0]} | (std::uint32_t{b[1]} << 8) | (std::uint32_t{b[2]} << 16) | (std::uint32_t{b[3]} << 24);
}

// A chunk id or magic as text for a message: printable ASCII as it is, other bytes as \xNN.
std::string shown(std::string_view bytes) {
    std::string text;
    for (const char c : bytes) {
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') text += c;
        else text += fmt::format("\\x{:02X}", static_cast<unsigned char>(c));
    }
    return '"' + text + '"';
}

// The name of a WAV format tag that is not PCM or float, for the message refusing it.
std::string format_name(unsigned tag) {
    switch (tag) {
        case 0x0002: return "ADPCM";
        case 0x0006: return "A-law";
        case 0x0007: return "mu-law";
        case 0x0011: return "IMA ADPCM";
        case 0x0031: return "GSM 6.10";
        case 0x0050: return "MPEG";
        case 0x0055: return "MP3";
        case 0x00FF: return "AAC";
        default: return "unknown";
    }
}

// The 14 bytes that follow the format tag in every WAVE_FORMAT_EXTENSIBLE subformat GUID
// that stands for a plain format tag (KSDATAFORMAT_SUBTYPE_PCM, ..._IEEE_FLOAT).
constexpr std::string_view guid_tail{"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x71", 14};

}  // namespace

struct WaveformReader::Wav {
    ByteSource& source;
    /// Bytes read (allocated without writing zeros: a reader is made per fuzz input).
    std::unique_ptr<char[]> buffer = std::make_unique_for_overwrite<char[]>(read_size);
    std::size_t begin = 0;        ///< first byte not consumed
    std::size_t end = 0;          ///< end of the bytes read
    bool at_end = false;          ///< the source said it has no more
    std::uint64_t offset = 0;     ///< byte offset of buffer[begin] in the input
    std::uint64_t data_size = 0;  ///< bytes of the data chunk (to_the_end: unknown)
    std::uint64_t data_left = 0;  ///< bytes of the data chunk not consumed (to_the_end: unknown)
    std::size_t frame_bytes = 0;  ///< block align: bytes of one frame
    Decoder decoder = nullptr;

    explicit Wav(ByteSource& s) : source(s) {}

    /// Reads the RIFF header and the chunks up to the data chunk's header, and fills `info`.
    void open(const WaveformOptions& options, WaveformInfo& info);
    /// Decodes the data chunk (WaveformReader::run).
    std::uint64_t run(const WaveformInfo& info, track::ProblemSink& problems, std::size_t block_frames,
                      const Sink& sink);
    /// Reports what is left once no whole frame is: nothing, the end of a data chunk that the
    /// header says is longer, or a partial frame. No sample is made up for it.
    void report_rest(const WaveformInfo& info, track::ProblemSink& problems) const;

    [[nodiscard]] std::size_t buffered() const { return end - begin; }
    [[nodiscard]] const char* data() const { return buffer.get() + begin; }

    /// Reads more bytes after those buffered (moving them to the front first). False at the end.
    bool refill() {
        if (at_end) return false;
        if (begin > 0) {
            std::memmove(buffer.get(), buffer.get() + begin, end - begin);
            end -= begin;
            begin = 0;
        }
        const std::size_t n = source.read(buffer.get() + end, read_size - end);
        if (n == 0) {
            at_end = true;
            return false;
        }
        end += n;
        return true;
    }

    /// Whether `n` bytes (at most the buffer's size) are buffered, reading as needed.
    bool fill(std::size_t n) {
        while (buffered() < n) {
            if (!refill()) return false;
        }
        return true;
    }

    void consume(std::size_t n) {
        begin += n;
        offset += n;
    }

    /// Consumes `n` bytes, reading and dropping them. False when the input ends first.
    bool skip(std::uint64_t n) {
        for (;;) {
            const std::size_t here = static_cast<std::size_t>(std::min<std::uint64_t>(n, buffered()));
            consume(here);
            n -= here;
            if (n == 0) return true;
            if (!refill()) return false;
        }
    }
};

struct WaveformReader::Csv {
    // Forwards the csv::Reader's problems, counting them: each is a record (a frame) lost.
    struct CountingSink final : track::ProblemSink {
        track::ProblemSink& inner;
        std::uint64_t count = 0;
        explicit CountingSink(track::ProblemSink& i) : inner(i) {}
        void skipped(const track::Location& where, std::string_view reason, std::string_view detail) override {
            ++count;
            inner.skipped(where, reason, detail);
        }
    };

    const std::string& name;  ///< the source's
    CountingSink counted;
    csv::Reader reader;
    csv::Row row;
    bool row_pending = false;          ///< `row` (the first row, not a header) is still to be read
    std::size_t cells = 0;             ///< cells a row must have: as many as the first row
    std::vector<std::size_t> columns;  ///< the cell of each axis

    Csv(ByteSource& source, track::ProblemSink& problems)
        : name(source.name()), counted(problems), reader(source, counted) {}

    /// Reads the first row (a header or data) and chooses the columns; fills `info`.
    void open(const WaveformOptions& options, WaveformInfo& info);
    /// Reads the rows (WaveformReader::run).
    std::uint64_t run(const WaveformInfo& info, track::ProblemSink& problems, std::size_t block_frames,
                      const Sink& sink);
};

namespace {

// A CSV cell as a sample: a decimal as csv::parse_number reads it (decimal comma where the
// separator is not a comma), or with an exponent or more digits than it takes ("1.5e-03", as
// numpy writes); finite. Nullopt otherwise.
std::optional<double> sample_of(std::string_view cell, char separator) {
    if (const auto value = csv::parse_number(cell, separator)) return value;
    std::array<char, 64> text{};
    if (cell.empty() || cell.size() > text.size()) return std::nullopt;
    std::copy(cell.begin(), cell.end(), text.begin());
    char* const end = text.data() + cell.size();
    if (separator != ',') std::replace(text.data(), end, ',', '.');
    const char* start = text.data();
    if (*start == '+') {  // from_chars takes a minus sign only
        ++start;
        if (start == end || *start == '-') return std::nullopt;
    }
    double value = 0;
    const auto [stop, error] = std::from_chars(start, end, value, std::chars_format::general);
    if (error != std::errc() || stop != end || !std::isfinite(value)) return std::nullopt;
    return value;
}

}  // namespace

WaveformReader::WaveformReader(ByteSource& source, bool csv, WaveformOptions options, track::ProblemSink& problems)
    : problems_(problems) {
    if (options.rate && !(std::isfinite(*options.rate) && *options.rate > 0)) {
        throw track::UsageError(
            fmt::format("{}: a sample rate must be a positive number, not {}", source.name(), *options.rate));
    }
    if (csv) {
        if (!options.rate) {
            throw track::UsageError(fmt::format("{}: a CSV recording needs its sample rate", source.name()));
        }
        csv_ = std::make_unique<Csv>(source, problems);
        csv_->open(options, info_);
    } else {
        wav_ = std::make_unique<Wav>(source);
        wav_->open(options, info_);
    }
}

WaveformReader::~WaveformReader() = default;

std::uint64_t WaveformReader::run(std::size_t block_frames, const Sink& sink) {
    return csv_ ? csv_->run(info_, problems_, block_frames, sink) : wav_->run(info_, problems_, block_frames, sink);
}

void WaveformReader::Wav::open(const WaveformOptions& options, WaveformInfo& info) {
    const std::string& name = source.name();
    const auto here = [&] { return track::to_string(track::Location::at_byte(name, offset)); };
    if (!fill(12)) {
        if (buffered() == 0) throw track::InputError(name, "empty: no WAV header");
        throw track::InputError(name, fmt::format("not a WAV file: {} bytes, shorter than a RIFF header", buffered()));
    }
    const std::string_view magic(data(), 4);
    if (magic == "RF64" || magic == "BW64") {
        throw track::InputError(name, fmt::format("{} (a WAV over 4 GiB) is not supported: only RIFF WAV", magic));
    }
    if (magic == "RIFX") throw track::InputError(name, "big-endian WAV (RIFX) is not supported: only RIFF WAV");
    if (magic != "RIFF" || std::string_view(data() + 8, 4) != "WAVE") {
        throw track::InputError(name, fmt::format("not a WAV file: it starts with {} rather than \"RIFF....WAVE\"",
                                                  shown(std::string_view(data(), 12))));
    }
    consume(12);
    bool have_format = false;
    unsigned bits = 0;
    unsigned tag = 0;
    for (;;) {
        if (!fill(8)) {
            if (buffered() == 0 && !have_format) throw track::InputError(name, "no fmt chunk and no data chunk");
            if (buffered() == 0) throw track::InputError(name, "no data chunk");
            throw track::InputError(here(),
                                    fmt::format("the input ends inside a chunk header ({} of 8 bytes)", buffered()));
        }
        const std::string id(data(), 4);
        const std::uint32_t size = u32(data() + 4);
        const std::string chunk_at = here();
        consume(8);
        if (id == "data") {
            if (!have_format) throw track::InputError(chunk_at, "a data chunk before the fmt chunk");
            data_size = size == 0 || size == 0xFFFFFFFF ? to_the_end : size;
            data_left = data_size;
            break;
        }
        if (id == "fmt ") {
            if (have_format) throw track::InputError(chunk_at, "a second fmt chunk");
            if (size < 16) throw track::InputError(chunk_at, fmt::format("fmt chunk of {} bytes: 16 at least", size));
            const std::size_t kept = std::min<std::size_t>(size, 40);
            if (!fill(kept)) {
                throw track::InputError(chunk_at, fmt::format("the input ends inside the fmt chunk of {} bytes", size));
            }
            const char* f = data();
            tag = u16(f);
            info.channels = u16(f + 2);
            info.rate = u32(f + 4);
            frame_bytes = u16(f + 12);
            bits = u16(f + 14);
            if (tag == 0xFFFE) {
                if (size < 40) {
                    throw track::InputError(chunk_at,
                                            fmt::format("WAV extensible fmt chunk of {} bytes: 40 at least", size));
                }
                const std::string_view guid(f + 24, 16);
                if (guid.substr(2) != guid_tail) {
                    std::string text;
                    for (const char b : guid) text += fmt::format("{:02X}", static_cast<unsigned char>(b));
                    throw track::InputError(name, fmt::format("WAV extensible subformat {} is not PCM or float", text));
                }
                tag = u16(f + 24);
            }
            if (!skip(std::uint64_t{size} + (size & 1))) {
                throw track::InputError(chunk_at,
                                        fmt::format("the fmt chunk of {} bytes runs past the end of the input", size));
            }
            have_format = true;
            continue;
        }
        if (!skip(std::uint64_t{size} + (size & 1))) {
            throw track::InputError(
                chunk_at, fmt::format("chunk {} of {} bytes runs past the end of the input", shown(id), size));
        }
    }

    if (tag == 1) {
        if (bits == 16) decoder = decoder_for<Pcm16>(info.channels);
        else if (bits == 24) decoder = decoder_for<Pcm24>(info.channels);
        else if (bits == 32) decoder = decoder_for<Pcm32>(info.channels);
        else throw track::InputError(name, fmt::format("WAV PCM {}-bit is not supported: 16, 24 or 32-bit", bits));
        info.format = fmt::format("WAV PCM {}-bit", bits);
        info.integer = true;
    } else if (tag == 3) {
        if (bits != 32) {
            throw track::InputError(name, fmt::format("WAV float {}-bit is not supported: 32-bit float only", bits));
        }
        decoder = decoder_for<Float32>(info.channels);
        info.format = "WAV float 32-bit";
    } else {
        throw track::InputError(name, fmt::format("WAV format {} ({}) is not PCM or float", tag, format_name(tag)));
    }
    if (info.channels < 1 || info.channels > max_channels) {
        throw track::InputError(name, fmt::format("{} channels: a recording has 1 to 3 axes", info.channels));
    }
    if (frame_bytes != info.channels * bits / 8) {
        throw track::InputError(name, fmt::format("block align {} does not match {} channels of {} bits", frame_bytes,
                                                  info.channels, bits));
    }
    if (info.rate <= 0) throw track::InputError(name, "sample rate 0 in the WAV header");
    if (options.rate && *options.rate != info.rate) {
        throw track::InputError(
            name, fmt::format("the WAV header's sample rate is {} Hz, not the {} Hz given", info.rate, *options.rate));
    }
    if (data_left != to_the_end) info.frames = data_left / frame_bytes;
}

std::uint64_t WaveformReader::Wav::run(const WaveformInfo& info, track::ProblemSink& problems, std::size_t block_frames,
                                       const Sink& sink) {
    BlockBuilder block(info.channels, block_frames);
    // A run of frames with NaN or infinite samples, reported as one problem when it ends.
    std::uint64_t bad_frames = 0;
    std::uint64_t bad_at = 0;
    const auto report_bad = [&] {
        if (bad_frames == 0) return;
        problems.skipped(
            track::Location::at_byte(source.name(), bad_at), "not a finite number",
            fmt::format("{} frame{} with NaN or infinite samples", bad_frames, bad_frames == 1 ? "" : "s"));
        bad_frames = 0;
    };
    for (;;) {
        std::uint64_t usable = buffered();
        if (data_left != to_the_end) usable = std::min(usable, data_left);
        std::size_t frames = static_cast<std::size_t>(usable / frame_bytes);
        if (frames == 0) {
            const bool chunk_read = data_left != to_the_end && buffered() >= data_left;
            if (!chunk_read && refill()) continue;
            break;
        }
        while (frames > 0) {
            const std::size_t want = std::min({frames, block.room(), batch_frames});
            const auto out = block.grow(want);
            const auto* in = reinterpret_cast<const unsigned char*>(data());
            const std::size_t done = decoder(in, want, out);
            if (done > 0) report_bad();
            block.shrink(want - done);
            std::size_t used = done;
            if (done < want) {  // a NaN or an infinity at frame `done`
                if (bad_frames == 0) bad_at = offset + done * frame_bytes;
                ++bad_frames;
                ++used;
                block.lose(sink, 1);
            }
            consume(used * frame_bytes);
            if (data_left != to_the_end) data_left -= used * frame_bytes;
            frames -= used;
            if (block.room() == 0) block.deliver(sink);
        }
    }
    report_bad();
    block.deliver(sink);
    report_rest(info, problems);
    return block.delivered();
}

void WaveformReader::Wav::report_rest(const WaveformInfo& info, track::ProblemSink& problems) const {
    const std::uint64_t left = std::min<std::uint64_t>(buffered(), data_left);
    const track::Location where = track::Location::at_byte(source.name(), offset);
    if (data_left != to_the_end && data_left > left) {
        problems.skipped(where, "truncated data",
                         fmt::format("the data chunk announces {} frames; the input ends after {}{}", info.frames,
                                     (data_size - data_left) / frame_bytes,
                                     left > 0 ? fmt::format(" and {} bytes of the next", left) : ""));
    } else if (left > 0) {
        problems.skipped(where, "truncated data",
                         fmt::format("the {} ends {} bytes into a frame of {}",
                                     data_left == to_the_end ? "input" : "data chunk", left, frame_bytes));
    }
}

void WaveformReader::Csv::open(const WaveformOptions& options, WaveformInfo& info) {
    info.format = "CSV";
    info.rate = *options.rate;
    if (!reader.next(row)) throw track::InputError(name, "no rows: a CSV recording needs one column per axis");
    cells = row.cells.size();
    const char separator = reader.separator();
    const bool header = std::any_of(row.cells.begin(), row.cells.end(),
                                    [separator](const std::string& cell) { return !sample_of(cell, separator); });
    const std::string where = track::to_string(row.where);
    if (!options.column_names.empty()) {
        if (!header) {
            throw track::InputError(where, "the first row is numbers, not a header: columns cannot be found by name");
        }
        const csv::Header names(row);
        for (const auto& column : options.column_names) columns.push_back(names.require(column));
    } else if (!options.columns.empty()) {
        for (const unsigned column : options.columns) {
            if (column >= cells) {
                throw track::InputError(
                    where, fmt::format("no column {} (0-based): the first row has {} cells", column, cells));
            }
            columns.push_back(column);
        }
    } else {
        if (cells > max_channels) {
            throw track::InputError(
                where, fmt::format("{} columns: a recording has 1 to 3 axes; choose the axes' columns", cells));
        }
        for (std::size_t i = 0; i < cells; ++i) columns.push_back(i);
    }
    if (columns.empty() || columns.size() > max_channels) {
        throw track::UsageError(fmt::format("{}: {} axes chosen: a recording has 1 to 3", name, columns.size()));
    }
    info.channels = static_cast<unsigned>(columns.size());
    row_pending = !header;
}

std::uint64_t WaveformReader::Csv::run(const WaveformInfo& info, track::ProblemSink& problems, std::size_t block_frames,
                                       const Sink& sink) {
    BlockBuilder block(info.channels, block_frames);
    const char separator = reader.separator();
    // Records the reader skipped, each a frame lost (those before a header row were no frames).
    std::uint64_t lost = row_pending ? 0 : counted.count;
    for (;;) {
        if (!row_pending && !reader.next(row)) break;
        row_pending = false;
        if (counted.count != lost) {  // records the reader skipped before this one
            block.lose(sink, counted.count - lost);
            lost = counted.count;
        }
        if (row.cells.size() != cells) {
            problems.skipped(row.where, "wrong number of cells",
                             fmt::format("{} cells, not {} as in the first row", row.cells.size(), cells));
            block.lose(sink, 1);
            continue;
        }
        const auto out = block.grow(1);
        bool good = true;
        for (std::size_t axis = 0; axis < columns.size() && good; ++axis) {
            const std::string& cell = row.cells[columns[axis]];
            if (const auto value = sample_of(cell, separator)) {
                out[axis][0] = *value;
                continue;
            }
            good = false;
            problems.skipped(row.where, "not a number",
                             cell.empty() ? fmt::format("cell {} is empty", columns[axis] + 1)
                                          : fmt::format("cell {}: {}", columns[axis] + 1, csv::cell_text(cell)));
        }
        if (!good) {
            block.shrink(1);
            block.lose(sink, 1);
            continue;
        }
        if (block.room() == 0) block.deliver(sink);
    }
    if (counted.count != lost) block.lose(sink, counted.count - lost);
    block.deliver(sink);
    return block.delivered();
}

}  // namespace adapters
