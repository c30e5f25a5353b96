// Fuzz harness: decoding Modbus registers (adapters::modbus::decode, encode, interpret): the
// input's first bytes choose a type and an order, the rest are the registers.
#include <bit>
#include <cmath>

#include "adapters/modbus_map.hpp"
#include "fuzz.hpp"

namespace modbus = adapters::modbus;

namespace {

constexpr std::array kinds{modbus::Kind::boolean, modbus::Kind::int16, modbus::Kind::uint16, modbus::Kind::int32,
                           modbus::Kind::uint32,  modbus::Kind::int64, modbus::Kind::uint64, modbus::Kind::float32,
                           modbus::Kind::float64, modbus::Kind::string};
constexpr std::array orders{modbus::Order::abcd, modbus::Order::cdab, modbus::Order::badc, modbus::Order::dcba};

std::string hex(std::span<const std::uint16_t> registers) {
    std::string out;
    for (const std::uint16_t r : registers) out += fmt::format("{:04X} ", r);
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) return 0;
    modbus::Type type{kinds[data[0] % kinds.size()], 0};
    if (type.kind == modbus::Kind::string) type.string_registers = 1 + data[2] % modbus::max_registers_per_request;
    const modbus::Order order = orders[data[1] % orders.size()];
    std::vector<std::uint16_t> registers(type.registers(), 0);
    for (std::size_t i = 3; i < size && (i - 3) / 2 < registers.size(); ++i) {
        registers[(i - 3) / 2] |= static_cast<std::uint16_t>(data[i] << ((i - 3) % 2 == 0 ? 8 : 0));
    }
    const std::string what = fmt::format("{} {} {}", modbus::to_string(type), modbus::name(order), hex(registers));
    fuzz::expect(modbus::parse_type(modbus::to_string(type)).has_value(), "a type's name parses", what);

    const modbus::Value value = modbus::decode(type, order, registers);
    if (type.kind == modbus::Kind::string) {
        fuzz::expect(value.text.has_value() && value.text->size() <= 2 * registers.size() &&
                         value.text->find('\0') == std::string::npos,
                     "a string is the registers' bytes to the first NUL", what);
        return 0;
    }
    fuzz::expect(!value.text, "a number has no text", what);
    const double v = value.number;
    if (type.kind == modbus::Kind::boolean) {
        fuzz::expect(v == (registers[0] != 0 ? 1 : 0), "bool is register != 0", what);
        fuzz::expect(modbus::encode(type, order, v) == std::vector<std::uint16_t>{static_cast<std::uint16_t>(v)},
                     "bool encodes to 0 or 1", what);
        return 0;
    }
    if (!std::isfinite(v)) {
        fuzz::expect(type.kind == modbus::Kind::float32 || type.kind == modbus::Kind::float64,
                     "only floats decode to NaN or infinity", what);
        return 0;
    }
    const bool wide = type.kind == modbus::Kind::int64 || type.kind == modbus::Kind::uint64;
    if (wide && std::abs(v) >= 0x1p53) {
        // Maybe not exact as a double (2^53 + 1 rounds to 2^53): the nearest double encodes (when it fits) to a value
        // that decodes to itself.
        try {
            fuzz::expect(modbus::decode(type, order, modbus::encode(type, order, v)).number == v,
                         "a 64-bit value past 2^53 decodes to the double it encodes from", what);
        } catch (const track::UsageError&) {
            // The largest int64 and those near it round up to 2^63, the largest uint64s to 2^64.
            fuzz::expect(v == (type.kind == modbus::Kind::uint64 ? 0x1p64 : 0x1p63),
                         "only 2^63 (int64) and 2^64 (uint64) do not fit back", what);
        }
        return 0;
    }
    std::vector<std::uint16_t> again;
    try {
        again = modbus::encode(type, order, v);
    } catch (const track::UsageError& e) {
        fuzz::fail("a decoded value encodes", what + "\n" + e.what());
    }
    fuzz::expect(again == registers, "encode(decode(registers)) gives the registers back", what + "-> " + hex(again));

    // Scan's interpretations agree with decode, in every order.
    if (registers.size() >= 2) {
        const modbus::Interpretations seen = modbus::interpret(registers);
        fuzz::expect(seen.raw == registers[0] && seen.ascii.size() == 2 && seen.thirty_two.size() == 4,
                     "interpret shows the register and the 32-bit readings", what);
        const std::span<const std::uint16_t> two(registers.data(), 2);
        for (const auto& reading : seen.thirty_two) {
            fuzz::expect(reading.uint32 == modbus::decode({modbus::Kind::uint32, 0}, reading.order, two).number &&
                             reading.int32 == modbus::decode({modbus::Kind::int32, 0}, reading.order, two).number &&
                             std::bit_cast<std::uint32_t>(reading.float32) == reading.uint32,
                         "interpret agrees with decode", what);
        }
    }
    return 0;
}
