// Fuzz harness: NMEA 0183 decoding (adapters::nmea::Decoder) of a log fed line by line, whole and in pieces.
#include "adapters/nmea.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::text_of(data, size);
    const std::uint64_t choice = fuzz::hash(input);
    adapters::nmea::DecoderOptions options;
    options.asset = "FL-07";
    options.device = "fuzz";
    if ((choice & 1) != 0) options.date = track::CivilDate{2026, 11, 23};  // --date
    options.keep_invalid = (choice & 2) != 0;                             // --keep-invalid
    fuzz::check_pieces(input, [&](adapters::ByteSource& source, fuzz::Transcript& t) {
        adapters::nmea::Decoder decoder(options, t.problems, [&t](const track::Fix& fix) { t.write(fix); });
        // The line cap of `trk read nmea`.
        adapters::for_each_line(
            source, 1024, t.problems,
            [&decoder](std::string_view line, const track::Location& where) { decoder.line(line, where); });
        decoder.finish();
    });
    return 0;
}
