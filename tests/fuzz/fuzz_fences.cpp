// Fuzz harness: GeoJSON fences (track::parse_fences), then the index's answers at points of the input.
#include <cmath>
#include <vector>

#include "fuzz.hpp"
#include "track/fence.hpp"
#include "track/number.hpp"

namespace {

// The numbers written in the text, in order: a fence file's coordinates, pairs of lon and lat.
std::vector<double> numbers_in(std::string_view text, std::size_t most) {
    std::vector<double> numbers;
    for (std::size_t i = 0; i < text.size() && numbers.size() < most;) {
        const std::size_t start = text.find_first_of("-0123456789", i);
        if (start == std::string_view::npos) break;
        std::size_t end = text.find_first_not_of("-+.0123456789", start);
        if (end == std::string_view::npos) end = text.size();
        if (const auto n = track::parse_decimal(text.substr(start, end - start))) numbers.push_back(*n);
        i = end;
    }
    return numbers;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::text_of(data, size);
    std::vector<track::Fence> fences;
    try {
        fences = track::parse_fences(input, "fuzz.geojson", [](std::string_view note) {
            fuzz::expect(!note.empty(), "a note says something");
        }, (fuzz::hash(input) & 1) != 0);
    } catch (const track::InputError&) {
        return 0;
    }
    const track::FenceIndex index(fences);
    // Points at the input's coordinates (vertices and centres: boundaries), and a little off them.
    const std::vector<double> numbers = numbers_in(input, 64);
    std::vector<std::pair<double, double>> points;
    for (std::size_t i = 0; i + 1 < numbers.size(); i += 2) {
        const double lon = numbers[i], lat = numbers[i + 1];
        if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) continue;
        points.emplace_back(lat, lon);
        points.emplace_back(std::min(90.0, lat + 1e-6), std::max(-180.0, lon - 1e-6));
    }
    std::vector<std::size_t> found, crossed;
    for (std::size_t p = 0; p < points.size(); ++p) {
        const auto [lat, lon] = points[p];
        index.containing(lat, lon, found);
        // The index answers exactly what each fence's covers() says.
        std::vector<std::size_t> expected;
        for (std::size_t f = 0; f < fences.size(); ++f) {
            if (fences[f].covers(lat, lon)) expected.push_back(f);
            if (const auto d = track::boundary_distance_m(fences[f], lat, lon)) {
                fuzz::expect(std::isfinite(*d), "a boundary distance is finite");
            }
        }
        fuzz::expect(found == expected, "the index finds the fences that cover a point",
                     fmt::format("lat {} lon {}: index {}, covers {}", lat, lon, fmt::join(found, ","),
                                 fmt::join(expected, ",")));
        if (p > 0) {
            index.crossing(points[p - 1].first, points[p - 1].second, lat, lon, crossed);
            for (const std::size_t f : expected) {  // a step that ends in a fence touches it
                fuzz::expect(std::binary_search(crossed.begin(), crossed.end(), f),
                             "a step touches the fences holding its end",
                             fmt::format("{},{} to {},{}: fence {}", points[p - 1].first, points[p - 1].second, lat,
                                         lon, f));
            }
        }
    }
    return 0;
}
