// Fuzz harness: data-logger CSV (adapters::SensorCsvReader), whole and in pieces, every reading checked.
#include "adapters/sensor_csv.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::text_of(data, size);
    const std::uint64_t choice = fuzz::hash(input);
    adapters::SensorCsvOptions options;
    // `trk read csv` with no options, or as the demo reads the reefer's logger.
    if ((choice & 1) != 0) {
        options.asset = "RF-12";
        options.utc_offset = 3'600'000;
        options.units["temperature"] = "Cel";
    }
    if ((choice & 2) != 0) options.columns["time"] = "Date/Time";
    fuzz::check_pieces(input, [&](adapters::ByteSource& source, fuzz::Transcript& t) {
        adapters::SensorCsvReader reader(options, t.problems, [&t](const track::Reading& r) { t.write(r); });
        reader.run(source);
    });
    return 0;
}
