// Fuzz harness: RFID reader format llrp-csv (LLRP CSV logs) through make_decoder and the Deduplicator.
#include "fuzz_rfid.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz::fuzz_rfid(adapters::rfid::Format::llrp_csv, data, size);
}
