// Unit tests of adapters/waveform.hpp: WAV and CSV accelerometer recordings to blocks of samples.
#include "adapters/waveform.hpp"

#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "support.hpp"
#include "track/error.hpp"

using namespace std::string_literals;

namespace {

using Samples = std::vector<std::vector<double>>;  // per channel

// ---- WAV bytes, built here -------------------------------------------------------------

void put16(std::string& out, unsigned v) {
    out += static_cast<char>(v & 0xFF);
    out += static_cast<char>((v >> 8) & 0xFF);
}

void put32(std::string& out, std::uint32_t v) {
    put16(out, v & 0xFFFF);
    put16(out, v >> 16);
}

std::string chunk(std::string_view id, const std::string& body) {
    std::string out(id);
    put32(out, static_cast<std::uint32_t>(body.size()));
    out += body;
    if (body.size() % 2 == 1) out += '\0';  // the pad byte
    return out;
}

struct WavSpec {
    unsigned tag = 1;  // 1 PCM, 3 float, 0xFFFE extensible
    unsigned subformat = 1;
    unsigned channels = 1;
    unsigned bits = 16;
    std::uint32_t rate = 25600;
};

std::string fmt_chunk(const WavSpec& spec) {
    std::string body;
    put16(body, spec.tag);
    put16(body, spec.channels);
    put32(body, spec.rate);
    put32(body, spec.rate * spec.channels * spec.bits / 8);
    put16(body, spec.channels * spec.bits / 8);
    put16(body, spec.bits);
    if (spec.tag == 0xFFFE) {
        put16(body, 22);
        put16(body, spec.bits);  // valid bits
        put32(body, 0x7);        // channel mask
        put16(body, spec.subformat);
        body += std::string("\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x71", 14);
    }
    return chunk("fmt ", body);
}

// A whole WAV: RIFF header, `before` (chunks), fmt, data with `samples` (its size field
// `data_size` when given, as a streaming recorder writes 0 or 0xFFFFFFFF).
std::string wav(const WavSpec& spec, const std::string& samples, std::optional<std::uint32_t> data_size = {},
                const std::string& before = {}, const std::string& between = {}) {
    std::string body = "WAVE" + before + fmt_chunk(spec) + between + "data";
    put32(body, data_size.value_or(static_cast<std::uint32_t>(samples.size())));
    body += samples;
    std::string out = "RIFF";
    put32(out, static_cast<std::uint32_t>(body.size()));
    return out + body;
}

std::string int16s(std::initializer_list<int> values) {
    std::string out;
    for (const int v : values) put16(out, static_cast<unsigned>(v) & 0xFFFF);
    return out;
}

std::string int24s(std::initializer_list<int> values) {
    std::string out;
    for (const int v : values) {
        const auto u = static_cast<std::uint32_t>(v);
        out += static_cast<char>(u & 0xFF);
        out += static_cast<char>((u >> 8) & 0xFF);
        out += static_cast<char>((u >> 16) & 0xFF);
    }
    return out;
}

std::string int32s(std::initializer_list<std::int64_t> values) {
    std::string out;
    for (const auto v : values) put32(out, static_cast<std::uint32_t>(v));
    return out;
}

std::string floats(std::initializer_list<float> values) {
    std::string out;
    for (const float v : values) put32(out, std::bit_cast<std::uint32_t>(v));
    return out;
}

// ---- reading --------------------------------------------------------------------------

struct Result {
    adapters::WaveformInfo info;
    std::vector<std::uint64_t> firsts;  ///< each block's first frame
    std::vector<Samples> blocks;
    std::vector<std::string> problems;
    std::uint64_t delivered = 0;

    /// Every block's samples joined, channel by channel.
    [[nodiscard]] Samples joined() const {
        Samples all(info.channels);
        for (const auto& block : blocks) {
            for (std::size_t c = 0; c < block.size(); ++c)
                all[c].insert(all[c].end(), block[c].begin(), block[c].end());
        }
        return all;
    }
};

Result read(const std::string& bytes, bool csv, adapters::WaveformOptions options = {}, std::size_t block = 1000,
            std::size_t step = 7) {
    Result result;
    test::Problems problems;
    test::SlowSource source(bytes, step, csv ? "rec.csv" : "rec.wav");
    adapters::WaveformReader reader(source, csv, std::move(options), problems);
    result.info = reader.info();
    result.delivered = reader.run(block, [&](const adapters::WaveformBlock& b) {
        REQUIRE(b.channels.size() == result.info.channels);
        REQUIRE(!b.channels.front().empty());
        REQUIRE(b.channels.front().size() <= block);
        for (const auto& column : b.channels) REQUIRE(column.size() == b.channels.front().size());
        result.firsts.push_back(b.first);
        result.blocks.push_back(b.channels);
    });
    result.problems = problems.seen;
    return result;
}

Result read_wav(const std::string& bytes, std::size_t block = 1000, std::size_t step = 7) {
    return read(bytes, false, {}, block, step);
}

adapters::WaveformOptions at_rate(double rate) {
    adapters::WaveformOptions options;
    options.rate = rate;
    return options;
}

Result read_csv(const std::string& text, adapters::WaveformOptions options = at_rate(100), std::size_t block = 1000) {
    return read(text, true, std::move(options), block);
}

// The message of the error that reading `bytes` throws (as a WAV, or a CSV at 100 Hz).
std::string error_of(const std::string& bytes, bool csv = false, adapters::WaveformOptions options = at_rate(100)) {
    if (!csv) options.rate.reset();
    try {
        read(bytes, csv, std::move(options));
    } catch (const track::Error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("waveform: WAV PCM 16-bit, two channels, scaled to -1 up to 1") {
    const Result r = read_wav(wav({.channels = 2}, int16s({0, 16384, -32768, 32767, -1, 1})));
    CHECK(r.info.format == "WAV PCM 16-bit");
    CHECK(r.info.channels == 2);
    CHECK(r.info.rate == 25600);
    CHECK(r.info.integer);
    CHECK(r.info.frames == 3);
    CHECK(r.joined() == Samples{{0, -1, -1.0 / 32768}, {0.5, 32767.0 / 32768, 1.0 / 32768}});
    CHECK(r.firsts == std::vector<std::uint64_t>{0});
    CHECK(r.delivered == 3);
    CHECK(r.problems.empty());
}

TEST_CASE("waveform: WAV PCM 24-bit and 32-bit, three channels") {
    const Result r24 =
        read_wav(wav({.channels = 3, .bits = 24}, int24s({0x7FFFFF, -0x800000, 1, -1, 0x400000, 0})), 1000, 1);
    CHECK(r24.info.format == "WAV PCM 24-bit");
    CHECK(r24.joined() == Samples{{8388607.0 / 8388608, -1.0 / 8388608}, {-1, 0.5}, {1.0 / 8388608, 0}});
    const Result r32 = read_wav(wav({.channels = 3, .bits = 32}, int32s({0x7FFFFFFF, -0x80000000LL, 0x40000000})));
    CHECK(r32.info.format == "WAV PCM 32-bit");
    CHECK(r32.info.frames == 1);
    CHECK(r32.joined() == Samples{{2147483647.0 / 2147483648}, {-1}, {0.5}});
}

TEST_CASE("waveform: WAV float 32-bit as written, not scaled") {
    const Result r = read_wav(wav({.tag = 3, .bits = 32}, floats({0.25F, -1.5F, 9.81F})));
    CHECK(r.info.format == "WAV float 32-bit");
    CHECK_FALSE(r.info.integer);
    CHECK(r.joined() == Samples{{0.25, -1.5, static_cast<double>(9.81F)}});
}

TEST_CASE("waveform: WAVE_FORMAT_EXTENSIBLE of PCM and float") {
    const Result pcm = read_wav(wav({.tag = 0xFFFE, .subformat = 1, .channels = 3, .bits = 16}, int16s({1, 2, 3})));
    CHECK(pcm.info.format == "WAV PCM 16-bit");
    CHECK(pcm.joined() == Samples{{1.0 / 32768}, {2.0 / 32768}, {3.0 / 32768}});
    const Result real = read_wav(wav({.tag = 0xFFFE, .subformat = 3, .channels = 2, .bits = 32}, floats({1, -2})));
    CHECK(real.info.format == "WAV float 32-bit");
    CHECK(real.joined() == Samples{{1}, {-2}});
    std::string odd = wav({.tag = 0xFFFE, .subformat = 1}, int16s({1}));
    odd[12 + 8 + 24 + 3] = 'X';  // the subformat GUID's tail, past its format tag
    CHECK(error_of(odd) == "rec.wav: WAV extensible subformat 0100005800001000800000AA00389B71 is not PCM or float");
}

TEST_CASE("waveform: unknown chunks are skipped, an odd one with its pad byte") {
    const std::string list = chunk("LIST", "INFOISFT\x05\0\0\0trk\0\0"s);  // 17 bytes: padded
    const std::string fact = chunk("fact", std::string("\x02\0\0\0", 4));
    const Result r = read_wav(wav({.channels = 1}, int16s({100, -100}), {}, list, fact + chunk("bext", "x")));
    CHECK(r.joined() == Samples{{100.0 / 32768, -100.0 / 32768}});
    CHECK(r.problems.empty());
}

TEST_CASE("waveform: a streamed data size (0 or 0xFFFFFFFF) is read to the end") {
    for (const std::uint32_t size : {0U, 0xFFFFFFFFU}) {
        const Result r = read_wav(wav({.channels = 2}, int16s({1, 2, 3, 4}), size));
        CHECK(r.info.frames == 0);
        CHECK(r.joined() == Samples{{1.0 / 32768, 3.0 / 32768}, {2.0 / 32768, 4.0 / 32768}});
        CHECK(r.problems.empty());
    }
}

TEST_CASE("waveform: a truncated last frame is reported at its byte offset, no sample invented") {
    // 44 bytes of header, frames of 4 bytes at 44 and 48; the third has 3 of its 4 bytes.
    const std::string samples = int16s({1, 2, 3, 4}) + std::string("\x05\x00\x06", 3);
    const Result streamed = read_wav(wav({.channels = 2}, samples, 0xFFFFFFFF));
    CHECK(streamed.joined() == Samples{{1.0 / 32768, 3.0 / 32768}, {2.0 / 32768, 4.0 / 32768}});
    CHECK(streamed.problems ==
          std::vector<std::string>{"rec.wav@52: truncated data (the input ends 3 bytes into a frame of 4)"});
    // The header announces 10 frames; the file was cut after 2 and 3 bytes.
    std::string cut = wav({.channels = 2}, samples, 40);
    const Result short_file = read_wav(cut);
    CHECK(short_file.info.frames == 10);
    CHECK(short_file.delivered == 2);
    CHECK(short_file.problems == std::vector<std::string>{"rec.wav@52: truncated data (the data chunk announces 10 "
                                                          "frames; the input ends after 2 and 3 bytes of the next)"});
    cut.resize(52);
    CHECK(read_wav(cut).problems == std::vector<std::string>{"rec.wav@52: truncated data (the data chunk announces "
                                                             "10 frames; the input ends after 2)"});
    // A data chunk whose size is no whole number of frames, followed by another chunk.
    const std::string ragged = wav({.channels = 2}, samples + '\0' + chunk("LIST", "abcd"), 11);
    const Result r = read_wav(ragged);
    CHECK(r.delivered == 2);
    CHECK(r.problems ==
          std::vector<std::string>{"rec.wav@52: truncated data (the data chunk ends 3 bytes into a frame of 4)"});
}

TEST_CASE("waveform: NaN and infinite float samples cut the block and leave a gap") {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    const Result r = read_wav(wav({.tag = 3, .channels = 2, .bits = 32}, floats({1, 2, 3, nan, -inf, 0, 5, 6, 7, 8})));
    CHECK(r.firsts == std::vector<std::uint64_t>{0, 3});
    CHECK(r.blocks == std::vector<Samples>{{{1}, {2}}, {{5, 7}, {6, 8}}});
    CHECK(r.delivered == 3);
    // Frames of 8 bytes from 44: the run of two starts at the second frame.
    CHECK(r.problems ==
          std::vector<std::string>{"rec.wav@52: not a finite number (2 frames with NaN or infinite samples)"});
}

TEST_CASE("waveform: blocks hold at most the frames asked, whatever pieces the bytes come in") {
    std::string samples;
    for (int i = 0; i < 10; ++i) samples += int16s({i * 10, -i});
    const std::string bytes = wav({.channels = 2}, samples);
    for (const std::size_t step : {1, 3, 4096}) {
        const Result r = read_wav(bytes, 4, step);
        CHECK(r.firsts == std::vector<std::uint64_t>{0, 4, 8});
        CHECK(r.blocks.at(0)[0] == std::vector<double>{0, 10.0 / 32768, 20.0 / 32768, 30.0 / 32768});
        CHECK(r.blocks.at(2)[1] == std::vector<double>{-8.0 / 32768, -9.0 / 32768});
        CHECK(r.delivered == 10);
    }
    const Result empty = read_wav(wav({}, ""));
    CHECK(empty.blocks.empty());
    CHECK(empty.problems.empty());
}

TEST_CASE("waveform: WAV headers that are refused, naming the source and what was found") {
    CHECK(error_of("") == "rec.wav: empty: no WAV header");
    CHECK(error_of("ID3\x03 and more bytes") ==
          "rec.wav: not a WAV file: it starts with \"ID3\\x03 and mor\" rather than \"RIFF....WAVE\"");
    CHECK(error_of("RF64\xFF\xFF\xFF\xFFWAVE") == "rec.wav: RF64 (a WAV over 4 GiB) is not supported: only RIFF WAV");
    CHECK(error_of(wav({.tag = 2, .bits = 4}, "")) == "rec.wav: WAV format 2 (ADPCM) is not PCM or float");
    CHECK(error_of(wav({.bits = 8}, "")) == "rec.wav: WAV PCM 8-bit is not supported: 16, 24 or 32-bit");
    CHECK(error_of(wav({.tag = 3, .bits = 64}, "")) == "rec.wav: WAV float 64-bit is not supported: 32-bit float only");
    CHECK(error_of(wav({.channels = 4}, "")) == "rec.wav: 4 channels: a recording has 1 to 3 axes");
    const std::string data_first = "RIFF\x20\0\0\0WAVEdata\0\0\0\0"s;
    CHECK(error_of(data_first) == "rec.wav@12: a data chunk before the fmt chunk");
    const std::string past_end = "RIFF\x20\0\0\0WAVE"s + fmt_chunk({}) + "LIST\x10\0\0\0abc"s;
    CHECK(error_of(past_end) == "rec.wav@36: chunk \"LIST\" of 16 bytes runs past the end of the input");
    CHECK(error_of("RIFF\x20\0\0\0WAVE"s + fmt_chunk({})) == "rec.wav: no data chunk");
    adapters::WaveformOptions other_rate;
    other_rate.rate = 10000;
    CHECK_THROWS_WITH_AS(read(wav({}, int16s({1})), false, other_rate),
                         "rec.wav: the WAV header's sample rate is 25600 Hz, not the 10000 Hz given",
                         track::InputError);
    CHECK(read(wav({}, int16s({1})), false, at_rate(25600)).delivered == 1);
}

TEST_CASE("waveform: CSV with a header, by name or index, CRLF and a byte-order mark") {
    const std::string text = "\xEF\xBB\xBFtime,X,Y,Z\r\n0,0.5,-1,9.81\r\n1,0.25,1e-3,-9.81\r\n";
    adapters::WaveformOptions options = at_rate(25600);
    options.column_names = {"x", "Y", "z"};
    const Result named = read_csv(text, options);
    CHECK(named.info.format == "CSV");
    CHECK(named.info.rate == 25600);
    CHECK(named.info.channels == 3);
    CHECK_FALSE(named.info.integer);
    CHECK(named.joined() == Samples{{0.5, 0.25}, {-1, 1e-3}, {9.81, -9.81}});
    options = at_rate(100);
    options.columns = {3, 1};
    CHECK(read_csv(text, options).joined() == Samples{{9.81, -9.81}, {0.5, 0.25}});
    options.columns = {};
    options.column_names = {"w"};
    CHECK(error_of(text, true, options) ==
          "rec.csv:1: no column \"w\" in the header; the columns are \"time\", \"X\", \"Y\", \"Z\"");
    CHECK(error_of(text, true) == "rec.csv:1: 4 columns: a recording has 1 to 3 axes; choose the axes' columns");
}

TEST_CASE("waveform: CSV without a header, semicolons and decimal commas, tabs") {
    const Result plain = read_csv("1,2\n3,4\n");
    CHECK(plain.info.channels == 2);
    CHECK(plain.joined() == Samples{{1, 3}, {2, 4}});
    CHECK(read_csv("x;y\n1,5;-2\n+3;4,25e1\n").joined() == Samples{{1.5, 3}, {-2, 42.5}});
    CHECK(read_csv("0.1\t0.2\t0.3\n").joined() == Samples{{0.1}, {0.2}, {0.3}});
    CHECK(read_csv("1.000000000000000055511151231257827e-01\n").joined() == Samples{{0.1}});
    adapters::WaveformOptions named = at_rate(100);
    named.column_names = {"x"};
    CHECK(error_of("1,2\n", true, named) ==
          "rec.csv:1: the first row is numbers, not a header: columns cannot be found by name");
    CHECK_THROWS_AS(read("1\n", true, {}), track::UsageError);
    CHECK(error_of("", true) == "rec.csv: no rows: a CSV recording needs one column per axis");
}

TEST_CASE("waveform: bad CSV rows are problems at their line, each one frame lost") {
    const std::string text =
        "x,y\n"    // 1: header
        "1,2\n"    // 2: frame 0
        "3\n"      // 3: frame 1, wrong number of cells
        "4,\n"     // 4: frame 2, empty cell
        "\n"       // 5: blank, no frame
        "5,6\n"    // 6: frame 3
        "7,abc\n"  // 7: frame 4
        "inf,8\n"  // 8: frame 5
        "9,10\n"   // 9: frame 6
        "11,12\n"  // 10: frame 7
        "13,nan";  // 11: frame 8
    const Result r = read_csv(text, at_rate(100), 1);
    CHECK(r.firsts == std::vector<std::uint64_t>{0, 3, 6, 7});
    CHECK(r.joined() == Samples{{1, 5, 9, 11}, {2, 6, 10, 12}});
    CHECK(r.problems == std::vector<std::string>{
                            "rec.csv:3: wrong number of cells (1 cells, not 2 as in the first row)",
                            "rec.csv:4: not a number (cell 2 is empty)",
                            "rec.csv:7: not a number (cell 2: abc)",
                            "rec.csv:8: not a number (cell 1: inf)",
                            "rec.csv:11: not a number (cell 2: nan)",
                        });
    // A bad first data row: the first block starts after it.
    const Result first_bad = read_csv("1,2\n3\n4,5\n");
    CHECK(first_bad.firsts == std::vector<std::uint64_t>{0, 2});
    const Result two = read_csv("x,y\n1,2\nx,y,z\n3,4\n5,6\n", at_rate(100), 2);
    CHECK(two.firsts == std::vector<std::uint64_t>{0, 2});
    CHECK(two.blocks == std::vector<Samples>{{{1}, {2}}, {{3, 5}, {4, 6}}});
}
