// The binary serial protocols (uhf-bb, thingmagic) behind make_decoder, and their commands.
#include <vector>

#include "adapters/rfid_thingmagic.hpp"
#include "adapters/rfid_uhf_bb.hpp"
#include "rfid_formats.hpp"

namespace adapters::rfid {

namespace {

// Reads a source in chunks into a push decoder of frames.
template <typename Frames>
class BinaryDecoder final : public FormatDecoder {
public:
    BinaryDecoder(track::ProblemSink& problems, ReportSink sink) : problems_(problems), sink_(std::move(sink)) {}

    void run(ByteSource& source) override {
        Frames frames(source.name(), problems_, sink_);
        std::vector<char> chunk(64 * 1024);
        std::uint64_t breaks = source.breaks();
        while (const std::size_t n = source.read(chunk.data(), chunk.size())) {
            // The stream broke (the reader unplugged): a frame begun before is cut short,
            // and is not completed with the bytes of another.
            if (source.breaks() != breaks) frames.finish();
            breaks = source.breaks();
            frames.feed({chunk.data(), n});
        }
        frames.finish();
    }

private:
    track::ProblemSink& problems_;
    ReportSink sink_;
};

}  // namespace

std::unique_ptr<FormatDecoder> make_uhf_bb_decoder(track::ProblemSink& problems, ReportSink sink) {
    return std::make_unique<BinaryDecoder<UhfBbDecoder>>(problems, std::move(sink));
}

std::unique_ptr<FormatDecoder> make_thingmagic_decoder(track::ProblemSink& problems, ReportSink sink) {
    return std::make_unique<BinaryDecoder<ThingMagicDecoder>>(problems, std::move(sink));
}

std::string start_inventory_command(Format format) {
    // A multi-poll of the most rounds the command allows; the module stops by itself after
    // them (about an hour and a half at 10 rounds/s), or at the stop command.
    if (format == Format::uhf_bb) return uhf_bb_multi_poll(0xFFFF);
    if (format == Format::thingmagic) return thingmagic_start_reading();
    return {};
}

std::string stop_inventory_command(Format format) {
    if (format == Format::uhf_bb) return uhf_bb_stop();
    if (format == Format::thingmagic) return thingmagic_stop_reading();
    return {};
}

}  // namespace adapters::rfid
