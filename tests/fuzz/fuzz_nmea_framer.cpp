// Fuzz harness: NMEA framing (adapters::nmea::Framer) of each line, and the sentences it finds.
#include "adapters/nmea_sentence.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::for_each_line(fuzz::text_of(data, size), [](std::string_view line) {
        adapters::nmea::Framer framer(line);
        adapters::nmea::Sentence sentence;
        for (int candidates = 0;; ++candidates) {
            // Each candidate starts at a '$' or '!' after the previous one: no more than the line's bytes.
            fuzz::expect(candidates <= static_cast<int>(line.size()), "the framer ends", line);
            const auto status = framer.next(sentence);
            if (status == adapters::nmea::Framer::Status::end) break;
            if (status == adapters::nmea::Framer::Status::problem) {
                fuzz::expect(!framer.reason().empty(), "a refused candidate has a reason", line);
                continue;
            }
            // A sentence's fields are views into the line, and the address names a talker or a proprietary one.
            fuzz::expect(sentence.size() < adapters::nmea::Sentence::max_fields, "at most max_fields fields", line);
            for (std::size_t i = 0; i <= sentence.size(); ++i) {
                const std::string_view field = i == 0 ? sentence.address() : sentence.field(i);
                fuzz::expect(field.empty() || (field.data() >= line.data() &&
                                               field.data() + field.size() <= line.data() + line.size()),
                             "a field lies within its line", line);
            }
            fuzz::expect(!sentence.address().empty(), "a sentence has an address", line);
            (void)sentence.talker();
            (void)sentence.formatter();
            if (const auto t = adapters::nmea::parse_time_of_day(sentence.field(1))) {
                fuzz::expect(*t >= 0 && *t < 86'401'000, "a time of day is within a day (and a leap second)", line);
            }
        }
    });
    return 0;
}
