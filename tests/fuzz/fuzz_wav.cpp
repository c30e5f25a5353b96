// Fuzz harness: WAV recordings (adapters::WaveformReader), whole and in pieces, every block checked.
#include "fuzz_waveform.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::text_of(data, size);
    adapters::WaveformOptions options;
    if ((fuzz::hash(input) & 1) != 0) options.rate = 25600;  // `--rate` checked against the header
    // A RIFF header, a fmt chunk and a data chunk header come first; a frame has 2 bytes at least.
    fuzz::check_waveform(input, false, options, [&](const adapters::WaveformInfo& info) {
        return size < 44 ? 0 : (size - 44) / (2 * info.channels);
    });
    return 0;
}
