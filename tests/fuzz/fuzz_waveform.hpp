// What the two waveform harnesses share: a WaveformReader run whole and in pieces, its blocks
// checked as they come (never empty, in order, the info's channels, within the block size,
// finite samples) and noted, and the frames delivered bounded by the input's size.
#pragma once

#include <cmath>

#include "adapters/waveform.hpp"
#include "fuzz.hpp"

namespace fuzz {

/// Reads `input` with `options` (as a CSV or a WAV) in blocks of a size the input chooses;
/// `max_frames(info)` is the most frames the input can hold.
template <typename MaxFrames>
void check_waveform(std::string_view input, bool csv, const adapters::WaveformOptions& options, MaxFrames max_frames) {
    const std::uint64_t choice = hash(input);
    const std::size_t block_frames = (choice & 4) != 0 ? 65536 : 1 + (choice >> 8) % 8;
    check_pieces(input, [&](adapters::ByteSource& source, Transcript& t) {
        adapters::WaveformReader reader(source, csv, options, t.problems);
        const adapters::WaveformInfo info = reader.info();
        t.out +=
            fmt::format("{} {} channels at {} Hz, {} frames\n", info.format, info.channels, info.rate, info.frames);
        expect(info.channels >= 1 && info.channels <= 3, "1 to 3 channels", fmt::format("{}", info.channels));
        expect(std::isfinite(info.rate) && info.rate > 0, "a positive rate", fmt::format("{}", info.rate));
        std::uint64_t next = 0;  // the first frame a block may start at
        std::uint64_t frames = 0;
        const std::uint64_t delivered = reader.run(block_frames, [&](const adapters::WaveformBlock& block) {
            expect(block.channels.size() == info.channels, "a block has the info's channels",
                   fmt::format("{} of {}", block.channels.size(), info.channels));
            const std::size_t size = block.channels.front().size();
            expect(size > 0, "a block is never empty");
            expect(size <= block_frames, "a block holds at most the frames asked",
                   fmt::format("{} of {}", size, block_frames));
            expect(block.first >= next, "blocks come in order, without overlap",
                   fmt::format("first {} after {}", block.first, next));
            std::uint64_t digest = 0;
            for (const auto& column : block.channels) {
                expect(column.size() == size, "every channel of a block has its frames");
                for (const double v : column) {
                    expect(std::isfinite(v), "every sample is finite", fmt::format("{}", v));
                    if (info.integer) expect(v >= -1 && v < 1, "a PCM sample lies in [-1, 1)", fmt::format("{}", v));
                    digest = digest * 31 + std::hash<double>{}(v);
                }
            }
            t.out += fmt::format("block {} +{} {:016x}\n", block.first, size, digest);
            next = block.first + size;
            frames += size;
        });
        expect(delivered == frames, "run() returns the frames delivered", fmt::format("{} of {}", delivered, frames));
        expect(frames <= max_frames(info), "no more frames than the input holds",
               fmt::format("{} frames from {} bytes", frames, input.size()));
        if (info.frames != 0) expect(frames <= info.frames, "no more frames than the header announces");
    });
}

}  // namespace fuzz
