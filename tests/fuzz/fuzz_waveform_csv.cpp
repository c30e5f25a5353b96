// Fuzz harness: CSV recordings (adapters::WaveformReader), whole and in pieces, every block checked.
#include <algorithm>

#include "fuzz_waveform.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::text_of(data, size);
    const std::uint64_t choice = fuzz::hash(input);
    adapters::WaveformOptions options;
    options.rate = 100;
    // Every column, the columns by index, or by name (as `--axes` and a header choose them).
    if ((choice & 3) == 1) options.columns = {1, 0};
    if ((choice & 3) == 2) options.column_names = {"x", "Z"};
    // A frame is a line: at most one per line break, and the last line.
    const auto lines = static_cast<std::uint64_t>(std::count(input.begin(), input.end(), '\n')) + 1;
    fuzz::check_waveform(input, true, options, [&](const adapters::WaveformInfo&) { return lines; });
    return 0;
}
