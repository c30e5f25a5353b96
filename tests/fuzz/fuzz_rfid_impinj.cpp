// Fuzz harness: RFID reader format impinj (Impinj JSON (Speedway Connect, R700)) through make_decoder and the Deduplicator.
#include "fuzz_rfid.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz::fuzz_rfid(adapters::rfid::Format::impinj, data, size);
}
