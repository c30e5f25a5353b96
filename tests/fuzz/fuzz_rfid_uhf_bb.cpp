// Fuzz harness: RFID reader format uhf-bb (the 0xBB frames of low-cost UHF modules) through its decoder and the
// Deduplicator.
#include "fuzz_rfid.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz::fuzz_rfid("uhf-bb", data, size);
}
