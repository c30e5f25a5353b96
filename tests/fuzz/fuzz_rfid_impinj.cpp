// Fuzz harness: RFID reader format impinj (Impinj JSON (Speedway Connect, R700)) through its decoder and the
// Deduplicator.
#include "fuzz_rfid.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz::fuzz_rfid("impinj", data, size);
}
