// The reader formats behind adapters::rfid::make_decoder, and what they share.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "adapters/rfid.hpp"

namespace adapters::rfid {

/// The longest EPC a Gen2 tag can hold: 496 bits.
constexpr std::size_t max_epc_hex_digits = 124;

/// Writes `text` (hex digits, either case, optional "0x") as upper-case hex to `out`.
/// Returns the reason it is not an EPC ("not hex", "odd number of hex digits", ...), or
/// an empty view when it is one.
std::string_view normalize_epc(std::string_view text, std::string& out);

std::unique_ptr<FormatDecoder> make_text_decoder(track::ProblemSink& problems, ReportSink sink);
std::unique_ptr<FormatDecoder> make_llrp_csv_decoder(track::ProblemSink& problems, ReportSink sink);
std::unique_ptr<FormatDecoder> make_impinj_decoder(track::ProblemSink& problems, ReportSink sink);
std::unique_ptr<FormatDecoder> make_zebra_decoder(track::ProblemSink& problems, ReportSink sink);
std::unique_ptr<FormatDecoder> make_uhf_bb_decoder(track::ProblemSink& problems, ReportSink sink);
std::unique_ptr<FormatDecoder> make_thingmagic_decoder(track::ProblemSink& problems, ReportSink sink);

}  // namespace adapters::rfid
