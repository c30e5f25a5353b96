// Fuzz harness: RFID reader format text (keyboard-wedge text lines) through its decoder and the Deduplicator.
#include "fuzz_rfid.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz::fuzz_rfid("text", data, size);
}
