// Fuzz harness: Modbus register maps (adapters::modbus::read_map), whole and in pieces, then
// their request plans (batched and not) and every point decoded from a response.
#include <algorithm>
#include <cmath>
#include <set>

#include "adapters/modbus_map.hpp"
#include "fuzz.hpp"

namespace modbus = adapters::modbus;

namespace {

std::string describe(const modbus::Point& p) {
    return fmt::format("line {} {}/{} unit {} {} {} at {} scale {} offset {} unit {}", p.line, p.asset, p.metric,
                       p.unit_id, modbus::name(p.table), modbus::to_string(p.type), p.address, p.scale, p.offset,
                       p.unit);
}

// What read_map promises of each point, and of points that share registers.
void check_points(const modbus::Map& map) {
    fuzz::expect(!map.points.empty(), "a map has rows");
    for (const modbus::Point& p : map.points) {
        const std::string what = describe(p);
        fuzz::expect(p.line >= 2, "a point has the line of its row", what);
        fuzz::expect(!p.asset.empty() && !p.metric.empty(), "a point has an asset and a metric", what);
        fuzz::expect(p.unit_id >= 0 && p.unit_id <= 247, "a unit id is 0 to 247", what);
        fuzz::expect(p.count() >= 1 && p.count() <= modbus::max_registers_per_request, "a point fits one request",
                     what);
        fuzz::expect(p.address + p.count() <= 65536, "a point's registers end by 65535", what);
        fuzz::expect(!modbus::is_bit_table(p.table) || p.type.kind == modbus::Kind::boolean,
                     "bit tables hold bool only", what);
        fuzz::expect(std::isfinite(p.scale) && p.scale != 0 && std::isfinite(p.offset),
                     "scale and offset are finite, scale not 0", what);
    }
    if (map.points.size() > 300) return;  // the pairwise check below is quadratic
    for (const modbus::Point& a : map.points) {
        for (const modbus::Point& b : map.points) {
            if (a.unit_id != b.unit_id || a.table != b.table) continue;
            if (a.address + a.count() <= b.address || b.address + b.count() <= a.address) continue;
            fuzz::expect(a.address == b.address && modbus::to_string(a.type) == modbus::to_string(b.type) &&
                             (a.order == b.order || a.type.kind == modbus::Kind::boolean),
                         "points that share registers read them the same way", describe(a) + "\n" + describe(b));
        }
    }
}

// A request serves exactly its points, within the protocol's limits, reading no register
// that none of its points spans; every point is served once. With `batch`, requests of one
// unit and table that touch could not have merged within the limits.
void check_plan(const modbus::Map& map, bool batch) {
    const std::vector<modbus::Request> requests = modbus::plan(map, batch);
    std::vector<int> served(map.points.size(), 0);
    const modbus::Request* previous = nullptr;
    for (const modbus::Request& r : requests) {
        const std::string what = fmt::format("request {}/{}/{}+{} of {} points (batch {})", r.unit_id,
                                             modbus::name(r.table), r.address, r.count, r.points.size(), batch);
        const unsigned limit =
            modbus::is_bit_table(r.table) ? modbus::max_bits_per_request : modbus::max_registers_per_request;
        fuzz::expect(r.count >= 1 && r.count <= limit, "a request stays within the protocol's limits", what);
        fuzz::expect(r.address + r.count <= 65536, "a request ends by 65535", what);
        fuzz::expect(!r.points.empty() && (batch || r.points.size() == 1), "a request serves its points", what);
        std::vector<bool> spanned(r.count, false);
        for (const std::size_t i : r.points) {
            fuzz::expect(i < map.points.size(), "a request's points are the map's", what);
            const modbus::Point& p = map.points[i];
            ++served[i];
            fuzz::expect(p.unit_id == r.unit_id && p.table == r.table && p.address >= r.address &&
                             p.address + p.count() <= r.address + r.count,
                         "a point lies wholly in its request", what + "\n" + describe(p));
            std::fill_n(spanned.begin() + (p.address - r.address), p.count(), true);
        }
        fuzz::expect(std::all_of(spanned.begin(), spanned.end(), [](bool b) { return b; }),
                     "a request reads no register between its points", what);
        if (previous != nullptr) {
            const auto key = [](const modbus::Request& q) { return std::tuple(q.unit_id, q.table, q.address); };
            fuzz::expect(key(*previous) <= key(r), "requests come in order of unit, table, address", what);
            if (batch && previous->unit_id == r.unit_id && previous->table == r.table) {
                const unsigned previous_end = previous->address + previous->count;
                fuzz::expect(r.address > previous_end ||
                                 std::max<unsigned>(previous_end, r.address + r.count) - previous->address > limit,
                             "requests that touch merge unless the limit forbids", what);
            }
        }
        previous = &r;
    }
    fuzz::expect(std::all_of(served.begin(), served.end(), [](int n) { return n == 1; }),
                 "every point is served by exactly one request");

    // Each point decodes from a response of its request (registers made from the request).
    for (const modbus::Request& r : requests) {
        std::vector<std::uint16_t> data(r.count);
        for (std::size_t k = 0; k < data.size(); ++k) {
            const auto word = static_cast<std::uint16_t>(fuzz::hash(fmt::format("{}:{}", r.address, k)));
            data[k] = modbus::is_bit_table(r.table) ? word & 1 : word;
        }
        for (const std::size_t i : r.points) {
            const modbus::Point& p = map.points[i];
            const modbus::Value value = modbus::decode_point(p, r.address, data);
            if (value.text) {
                fuzz::expect(value.text->size() <= 2 * p.count() && value.text->find('\0') == std::string::npos &&
                                 !value.text->ends_with(' '),
                             "a string is the registers' bytes to the first NUL, blanks cut", describe(p));
            }
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::text_of(data, size);
    fuzz::check_pieces(input, [](adapters::ByteSource& source, fuzz::Transcript& t) {
        for (const modbus::Point& p : modbus::read_map(source, t.problems).points) t.out += describe(p) + "\n";
    });
    test::SlowSource source(std::string(input), input.size() + 1, "map.csv");
    test::Problems problems;
    modbus::Map map;
    try {
        map = modbus::read_map(source, problems);
    } catch (const track::InputError& e) {
        fuzz::expect(std::string_view(e.what()).starts_with("map.csv"), "a map error names the map", e.what());
        return 0;
    }
    check_points(map);
    check_plan(map, true);
    check_plan(map, false);
    return 0;
}
