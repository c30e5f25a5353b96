// Fuzz harness: RFID reader format zebra (Zebra FX JSON) through its decoder and the Deduplicator.
#include "fuzz_rfid.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz::fuzz_rfid("zebra", data, size);
}
