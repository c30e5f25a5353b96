// Fuzz harness: the JSON Lines record reader (track::RecordParser, track::validate) and the writer
// (track::append_json).
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static track::RecordParser parser;  // reused line after line, as a stage does
    fuzz::for_each_line(fuzz::text_of(data, size), [](std::string_view line) {
        track::Record record;
        try {
            record = parser.parse(line, "fuzz:1");
        } catch (const track::InputError&) {
            return;  // reported as a bad record
        }
        if (!track::validate(record).empty()) return;  // reported as an invalid record
        // What a stage writes for a record it passes on: valid, canonical, and re-read the same.
        fuzz::check_written(record);
    });
    return 0;
}
