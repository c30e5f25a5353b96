// Unit tests of check_trend.hpp: least-squares windows, z-scores, EWMAs and forecast etas against closed forms.
#include "../../libtrack/src/check_trend.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "track/time.hpp"

namespace {

using track::Millis;
using track::check::Ewma;
using track::check::forecast_eta;
using track::check::LineFit;
using track::check::TrendBucket;
using track::check::TrendWindow;

constexpr Millis second = 1000;
constexpr Millis minute = 60 * second;
constexpr Millis hour = 60 * minute;

/// Epoch-sized times: 2027-03-01T00:00:00Z, a multiple of every bucket width used here.
const Millis t0 = *track::parse_rfc3339("2027-03-01T00:00:00Z");

struct Point {
    Millis t;
    double v;
};

/// The least-squares line through `points` straight from them, in long double, times relative
/// to the first point: what TrendWindow::fit() must agree with.
struct Reference {
    long double slope = 0;
    long double value_at_latest = 0;
};

Reference least_squares(const std::vector<Point>& points) {
    long double mean_t = 0, mean_v = 0;
    Millis latest = points.front().t;
    for (const Point& p : points) {
        mean_t += static_cast<long double>(p.t - points.front().t);
        mean_v += p.v;
        latest = std::max(latest, p.t);
    }
    const auto n = static_cast<long double>(points.size());
    mean_t /= n;
    mean_v /= n;
    long double sxx = 0, sxy = 0;
    for (const Point& p : points) {
        const long double dt = static_cast<long double>(p.t - points.front().t) - mean_t;
        sxx += dt * dt;
        sxy += dt * (p.v - mean_v);
    }
    const long double slope = sxy / sxx;
    return {slope, mean_v + slope * (static_cast<long double>(latest - points.front().t) - mean_t)};
}

/// The mean and sample deviation of `points`, straight from them.
struct ReferenceSpread {
    long double mean = 0;
    long double deviation = 0;
};

ReferenceSpread spread(const std::vector<Point>& points) {
    long double mean = 0;
    for (const Point& p : points) mean += p.v;
    mean /= static_cast<long double>(points.size());
    long double squares = 0;
    for (const Point& p : points) squares += (p.v - mean) * (p.v - mean);
    return {mean, std::sqrt(squares / static_cast<long double>(points.size() - 1))};
}

/// The bucket width of a window of `length` (length / 64, rounded up).
Millis width_of(Millis length) { return (length + 63) / 64; }

/// The start of the bucket of `width` holding `t` (t > 0).
Millis bucket_of(Millis t, Millis width) { return t - t % width; }

/// The readings that a window of `length` holds after `points` (in time order), as documented:
/// those of every bucket that has a reading at or after the window's start.
std::vector<Point> in_window(const std::vector<Point>& points, Millis length) {
    const Millis width = width_of(length);
    const Millis start = points.back().t - length;
    std::map<Millis, Millis> last_in_bucket;
    for (const Point& p : points) last_in_bucket[bucket_of(p.t, width)] = p.t;
    std::vector<Point> kept;
    for (const Point& p : points) {
        if (last_in_bucket[bucket_of(p.t, width)] >= start) kept.push_back(p);
    }
    return kept;
}

TrendWindow window_of(Millis length, const std::vector<Point>& points) {
    TrendWindow window(length);
    for (const Point& p : points) window.add(p.t, p.v);
    return window;
}

/// `count` readings every `step` from t0 on the line value(t) = start + slope_per_ms × (t − t0).
std::vector<Point> ramp(int count, Millis step, double start, double slope_per_ms) {
    std::vector<Point> points;
    for (int i = 0; i < count; ++i) {
        const Millis t = t0 + i * step;
        points.push_back({t, start + slope_per_ms * static_cast<double>(t - t0)});
    }
    return points;
}

}  // namespace

TEST_CASE("TrendWindow: a regular linear ramp at epoch times gives its slope and value exactly") {
    const double per_ms = 3.0 / static_cast<double>(hour);  // 3 °C an hour
    const std::vector<Point> points = ramp(1201, second, 71.5, per_ms);
    const TrendWindow window = window_of(10 * minute, points);
    const std::optional<LineFit> fit = window.fit(points.back().t);
    REQUIRE(fit);
    CHECK(fit->slope_per_ms == doctest::Approx(per_ms).epsilon(1e-12));
    CHECK(fit->value_at_latest == doctest::Approx(71.5 + 3 * 1200.0 / 3600).epsilon(1e-14));
    CHECK(fit->latest == points.back().t);
    CHECK(fit->count == in_window(points, 10 * minute).size());
    CHECK(fit->count == 601);  // 10 min of 1 s readings and one more: the window's start is on a bucket boundary
}

TEST_CASE("TrendWindow: an irregularly sampled ramp gives its slope and value exactly") {
    std::mt19937_64 random(17);
    std::uniform_int_distribution<Millis> gap(1, 20 * second);
    const double per_ms = -0.25 / static_cast<double>(minute);
    TrendWindow window(30 * minute);
    Millis t = t0;
    for (int i = 0; i < 500; ++i, t += gap(random)) window.add(t, 12.0 + per_ms * static_cast<double>(t - t0));
    const Millis latest = *window.latest();
    const std::optional<LineFit> fit = window.fit(latest + minute);
    REQUIRE(fit);
    CHECK(fit->slope_per_ms == doctest::Approx(per_ms).epsilon(1e-11));
    CHECK(fit->value_at_latest == doctest::Approx(12.0 + per_ms * static_cast<double>(latest - t0)).epsilon(1e-12));
    CHECK(fit->latest == latest);
}

TEST_CASE("TrendWindow: a ramp of 1e-6 per second on a value of 1e4 keeps its slope") {
    const double per_ms = 1e-9;
    for (const Millis length : {10 * minute, hour, 24 * hour}) {
        CAPTURE(length);
        const std::vector<Point> points = ramp(static_cast<int>(2 * length / (10 * second)), 10 * second, 1e4, per_ms);
        const std::optional<LineFit> fit = window_of(length, points).fit(points.back().t);
        REQUIRE(fit);
        const Reference exact = least_squares(in_window(points, length));
        // The values themselves hold the ramp to about 10 digits (1e-6 on 1e4); 1e-7 of the slope is kept.
        CHECK(fit->slope_per_ms == doctest::Approx(static_cast<double>(exact.slope)).epsilon(1e-7));
        CHECK(fit->slope_per_ms == doctest::Approx(per_ms).epsilon(1e-7));
        CHECK(fit->value_at_latest == doctest::Approx(points.back().v).epsilon(1e-15));
    }
}

TEST_CASE("TrendWindow: noisy ramps agree with an independent least-squares fit of the same readings") {
    std::mt19937_64 random(20816);
    std::normal_distribution<double> noise(0, 0.8);
    std::uniform_int_distribution<Millis> gap(200, 4 * second);
    for (const Millis length : {5 * minute, 2 * hour}) {
        CAPTURE(length);
        std::vector<Point> points;
        Millis t = t0 + 123;
        while (t < t0 + 3 * length) {
            points.push_back({t, 55.0 + 2e-6 * static_cast<double>(t - t0) + noise(random)});
            t += gap(random);
        }
        const std::optional<LineFit> fit = window_of(length, points).fit(points.back().t);
        REQUIRE(fit);
        const std::vector<Point> kept = in_window(points, length);
        const Reference exact = least_squares(kept);
        CHECK(fit->count == kept.size());
        CHECK(fit->slope_per_ms == doctest::Approx(static_cast<double>(exact.slope)).epsilon(1e-9));
        CHECK(fit->value_at_latest == doctest::Approx(static_cast<double>(exact.value_at_latest)).epsilon(1e-12));
    }
}

TEST_CASE("TrendWindow: guards: 5 readings spanning half the window, and no silence longer than it") {
    const Millis length = 10 * minute;
    TrendWindow window(length);
    for (int i = 0; i < 4; ++i) window.add(t0 + i * 100 * second, i);  // 4 readings over 5 min
    CHECK_FALSE(window.fit(t0 + 300 * second));
    window.add(t0 + 400 * second, 4);
    REQUIRE(window.fit(t0 + 400 * second));
    CHECK(window.fit(t0 + 400 * second)->count == 5);

    SUBCASE("5 readings spanning less than half the window") {
        TrendWindow short_span(length);
        for (int i = 0; i < 5; ++i) short_span.add(t0 + i * 74'999, i);  // 299,996 ms < 300,000
        CHECK_FALSE(short_span.fit(t0 + 5 * minute));
        short_span.add(t0 + 5 * minute, 5);  // exactly half
        CHECK(short_span.fit(t0 + 5 * minute));
    }
    SUBCASE("stale: a silence longer than the window") {
        const Millis latest = t0 + 400 * second;
        CHECK(window.fit(latest + length));
        CHECK_FALSE(window.fit(latest + length + 1));
    }
    SUBCASE("readings all at one time have no line") {
        TrendWindow instant(1);  // half of 1 ms is 0: only the span of 0 stops it
        for (int i = 0; i < 6; ++i) instant.add(t0, i);
        CHECK_FALSE(instant.fit(t0));
    }
}

TEST_CASE("TrendWindow: a million readings in one window keep at most 65 buckets") {
    const Millis length = hour;
    TrendWindow window(length);
    std::size_t most = 0;
    const double per_ms = 1.0 / static_cast<double>(hour);
    for (Millis i = 0; i < 1'000'000; ++i) {
        const Millis t = t0 + 7 + i * 5;  // 5 ms apart: 83 min in all
        window.add(t, 4.0 + per_ms * static_cast<double>(t - t0));
        most = std::max(most, window.buckets().size());
    }
    CHECK(most <= TrendWindow::max_buckets + 1);
    CHECK(most >= TrendWindow::max_buckets);
    const std::optional<LineFit> fit = window.fit(*window.latest());
    REQUIRE(fit);
    CHECK(fit->count >= static_cast<std::uint64_t>(length / 5));
    CHECK(fit->count <= static_cast<std::uint64_t>((length + width_of(length)) / 5 + 1));
    CHECK(fit->slope_per_ms == doctest::Approx(per_ms).epsilon(1e-9));
}

TEST_CASE("TrendWindow: a reading older than the window is dropped, one inside it is counted") {
    const Millis length = 10 * minute;
    std::mt19937_64 random(3);
    std::normal_distribution<double> noise(0, 1);
    std::vector<Point> points;
    for (int i = 0; i <= 900; ++i) points.push_back({t0 + i * second, 20 + 0.01 * i + noise(random)});
    TrendWindow window = window_of(length, points);
    const Millis latest = points.back().t;
    const LineFit before = *window.fit(latest);
    const std::vector<TrendBucket> buckets = window.buckets();

    window.add(latest - length - 1, 1e6);
    CHECK(window.buckets() == buckets);
    const LineFit after_old = *window.fit(latest);
    CHECK(after_old.slope_per_ms == before.slope_per_ms);
    CHECK(after_old.value_at_latest == before.value_at_latest);
    CHECK(after_old.count == before.count);

    const Point late{latest - 7 * minute - 250, 80};
    window.add(late.t, late.v);
    std::vector<Point> kept = in_window(points, length);
    kept.push_back(late);
    const Reference exact = least_squares(kept);
    const LineFit after_late = *window.fit(latest);
    CHECK(after_late.count == before.count + 1);
    CHECK(after_late.latest == latest);
    CHECK(*window.latest_value() == points.back().v);
    CHECK(after_late.slope_per_ms == doctest::Approx(static_cast<double>(exact.slope)).epsilon(1e-10));
    CHECK(after_late.value_at_latest == doctest::Approx(static_cast<double>(exact.value_at_latest)).epsilon(1e-12));
}

TEST_CASE("TrendWindow: the window follows its latest reading") {
    const Millis length = 10 * minute;
    // A steep ramp for an hour, then flat for 20 minutes: only the flat part is left.
    TrendWindow window(length);
    for (int i = 0; i <= 3600; i += 5) window.add(t0 + i * second, i);
    for (int i = 1; i <= 1200; i += 5) window.add(t0 + (3600 + i) * second, 3600);
    const std::optional<LineFit> fit = window.fit(*window.latest());
    REQUIRE(fit);
    CHECK(fit->slope_per_ms == 0);
    CHECK(fit->value_at_latest == 3600);
    CHECK(window.buckets().front().first >= *window.latest() - length - width_of(length));
}

TEST_CASE("TrendWindow: zscore of a step after a noisy baseline leaves the step out") {
    const Millis length = hour;
    std::mt19937_64 random(4);
    std::normal_distribution<double> noise(0, 0.05);
    std::vector<Point> baseline;
    for (int i = 0; i < 3600; i += 3) baseline.push_back({t0 + i * second, 7.2 + noise(random)});
    TrendWindow window = window_of(length, baseline);
    const Point step{t0 + 3600 * second, 9.1};
    window.add(step.t, step.v);

    const ReferenceSpread normal = spread(in_window(baseline, length));
    const double expected = static_cast<double>((step.v - normal.mean) / normal.deviation);
    const std::optional<double> z = window.zscore(step.t);
    REQUIRE(z);
    CHECK(*z == doctest::Approx(expected).epsilon(1e-10));
    CHECK(*z > 30);

    SUBCASE("the latest of the baseline against the rest") {
        TrendWindow before = window_of(length, baseline);
        std::vector<Point> rest = baseline;
        rest.pop_back();
        const ReferenceSpread normal_rest = spread(rest);
        const auto z_rest = static_cast<double>((baseline.back().v - normal_rest.mean) / normal_rest.deviation);
        CHECK(*before.zscore(baseline.back().t) == doctest::Approx(z_rest).epsilon(1e-9));
    }
    SUBCASE("a huge step does not cost the baseline's precision") {
        TrendWindow huge = window_of(length, baseline);
        huge.add(step.t, 1e9);
        const auto z_huge = static_cast<double>((1e9 - normal.mean) / normal.deviation);
        CHECK(*huge.zscore(step.t) == doctest::Approx(z_huge).epsilon(1e-10));
    }
    SUBCASE("guards") {
        CHECK(window.zscore(step.t + length));
        CHECK_FALSE(window.zscore(step.t + length + 1));
        TrendWindow few(length);
        for (int i = 0; i < 5; ++i) few.add(t0 + i * 10 * minute, i % 2);  // 4 readings before the latest
        CHECK_FALSE(few.zscore(t0 + 40 * minute));
        few.add(t0 + 50 * minute, 3);
        CHECK(few.zscore(t0 + 50 * minute));
    }
}

TEST_CASE("TrendWindow: zscore has no value when the readings before do not vary") {
    for (const double level : {0.0, 20.1, -3.3e7}) {
        CAPTURE(level);
        TrendWindow window(10 * minute);
        for (int i = 0; i < 600; ++i) window.add(t0 + i * second, level);
        const double step = 1 + std::abs(level) * 1e-4;
        window.add(t0 + 600 * second, level + step);
        CHECK_FALSE(window.zscore(t0 + 600 * second));
        window.add(t0 + 601 * second, level + step);  // now they vary
        CHECK(window.zscore(t0 + 601 * second));
    }
}

TEST_CASE("TrendWindow: values that are not finite are ignored") {
    TrendWindow window(minute);
    for (int i = 0; i < 10; ++i) window.add(t0 + i * 5 * second, i);
    const std::vector<TrendBucket> buckets = window.buckets();
    window.add(t0 + 50 * second, std::numeric_limits<double>::quiet_NaN());
    window.add(t0 + 55 * second, std::numeric_limits<double>::infinity());
    window.add(t0 + 60 * second, 1e200);
    CHECK(window.buckets() == buckets);
    CHECK(*window.latest() == t0 + 45 * second);
    CHECK(window.fit(t0 + 45 * second)->slope_per_ms == doctest::Approx(1.0 / 5000).epsilon(1e-13));
}

TEST_CASE("TrendWindow: restore() round trips and continues exactly as the window saved") {
    const Millis length = 15 * minute;
    std::mt19937_64 random(5);
    std::normal_distribution<double> noise(0, 2);
    std::vector<Point> points;
    for (int i = 0; i < 2000; ++i) points.push_back({t0 + i * 1700, 100 - 0.001 * i + noise(random)});
    const std::vector<Point> first(points.begin(), points.begin() + 1200);
    const std::vector<Point> second_half(points.begin() + 1200, points.end());

    const TrendWindow whole = window_of(length, points);
    const TrendWindow saved = window_of(length, first);
    TrendWindow restored(length);
    REQUIRE(restored.restore(saved.buckets(), *saved.latest(), *saved.latest_value()));
    CHECK(restored.buckets() == saved.buckets());
    CHECK(restored.latest() == saved.latest());
    CHECK(restored.latest_value() == saved.latest_value());
    CHECK(restored.fit(*saved.latest())->slope_per_ms == saved.fit(*saved.latest())->slope_per_ms);
    for (const Point& p : second_half) restored.add(p.t, p.v);

    const Millis now = points.back().t;
    CHECK(restored.buckets() == whole.buckets());
    CHECK(restored.fit(now)->slope_per_ms == whole.fit(now)->slope_per_ms);
    CHECK(restored.fit(now)->value_at_latest == whole.fit(now)->value_at_latest);
    CHECK(*restored.zscore(now) == *whole.zscore(now));

    SUBCASE("an empty set of buckets: only the latest reading") {
        TrendWindow one(length);
        one.add(t0, 4);
        TrendWindow back(length);
        REQUIRE(back.restore(one.buckets(), *one.latest(), *one.latest_value()));
        CHECK(back.buckets().empty());
        CHECK(*back.latest_value() == 4);
    }
}

bool same_bits(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

/// Feeds `points` (arrival order) to a window, and at every `restore_every`th reading starts
/// another window restored from its buckets and latest reading, fed the next `follow` readings:
/// after each, every restored window must compute bit for bit what the first one does, and the
/// first one agree with the least-squares line of the readings it holds (`in_window` of those
/// accepted, in time order).
void check_restored_alike(Millis length, const std::vector<Point>& points, std::size_t restore_every,
                          std::size_t follow) {
    TrendWindow whole(length);
    std::vector<std::pair<TrendWindow, std::size_t>> restored;  // and its readings to go
    std::size_t restores = 0;
    std::size_t differences = 0;  // (restored window, reading) pairs where it computed otherwise
    std::vector<Point> accepted;
    std::size_t fits = 0;
    for (std::size_t i = 0; i < points.size(); ++i) {
        const Point& p = points[i];
        if (accepted.empty() || p.t >= *whole.latest() - length) accepted.push_back(p);
        whole.add(p.t, p.v);
        std::erase_if(accepted, [&](const Point& old) { return old.t < *whole.latest() - 2 * length; });
        std::erase_if(restored, [](const auto& window) { return window.second == 0; });
        for (auto& [window, to_go] : restored) {
            window.add(p.t, p.v);
            --to_go;
        }
        if (i % restore_every == restore_every - 1) {
            restored.emplace_back(TrendWindow(length), follow);
            REQUIRE(restored.back().first.restore(whole.buckets(), *whole.latest(), *whole.latest_value()));
            ++restores;
        }
        const std::optional<LineFit> fit = whole.fit(p.t);
        const std::optional<double> z = whole.zscore(p.t);
        for (const auto& [window, to_go] : restored) {
            const std::optional<LineFit> again = window.fit(p.t);
            const std::optional<double> z_again = window.zscore(p.t);
            const bool alike =
                window.buckets() == whole.buckets() && again.has_value() == fit.has_value() &&
                (!fit || (same_bits(again->slope_per_ms, fit->slope_per_ms) &&
                          same_bits(again->value_at_latest, fit->value_at_latest) && again->count == fit->count)) &&
                z_again.has_value() == z.has_value() && (!z || same_bits(*z_again, *z));
            if (!alike) ++differences;
        }
        if (!fit) continue;
        ++fits;
        std::vector<Point> sorted = accepted;
        std::stable_sort(sorted.begin(), sorted.end(), [](const Point& a, const Point& b) { return a.t < b.t; });
        const std::vector<Point> kept = in_window(sorted, length);
        const Reference exact = least_squares(kept);
        CHECK(fit->count == kept.size());
        CHECK(fit->slope_per_ms == doctest::Approx(static_cast<double>(exact.slope)).epsilon(1e-9));
        CHECK(fit->value_at_latest == doctest::Approx(static_cast<double>(exact.value_at_latest)).epsilon(1e-12));
    }
    CHECK(fits > points.size() / 2);
    CHECK(restores == points.size() / restore_every);
    CHECK(differences == 0);
}

/// A noisy ramp read every 7 to 25 s (a bucket of a 10-minute window is 9.375 s: most readings
/// open a bucket of their own), with a gap of 7 minutes (the window keeps a few of its buckets)
/// and one of 25 (it keeps none).
std::vector<Point> sparse_ramp(std::uint64_t seed) {
    std::mt19937_64 random(seed);
    std::uniform_int_distribution<Millis> step(7 * second, 25 * second);
    std::normal_distribution<double> noise(0, 0.5);
    std::vector<Point> points;
    Millis t = t0 + 1234;
    for (int i = 0; i < 700; ++i) {
        if (i == 250) t += 7 * minute;
        if (i == 450) t += 25 * minute;
        t += step(random);
        points.push_back({t, 40 + 2e-5 * static_cast<double>(t - t0) + noise(random)});
    }
    return points;
}

TEST_CASE("TrendWindow: sparse readings, and a window restored from its buckets at any point, compute alike") {
    // Restored at every other reading (a group of 64 buckets is about 37 readings here), each
    // followed across two or three groups.
    check_restored_alike(10 * minute, sparse_ramp(11), 2, 100);
}

TEST_CASE("TrendWindow: late readings among sparse ones: restored windows compute alike, and the fit is right") {
    const Millis length = 10 * minute;
    std::mt19937_64 random(13);
    std::uniform_int_distribution<Millis> back(1, length / 2);
    std::vector<Point> points;
    for (const Point& p : sparse_ramp(17)) {
        points.push_back(p);
        // Every 5th reading is followed by one up to half the window older (into a bucket of the
        // older or the newer group, or one of its own), every 11th by one just before the latest
        // (a bucket after the newest when the readings are more than a bucket apart).
        if (points.size() % 5 == 0) points.push_back({p.t - back(random), 90});
        if (points.size() % 11 == 0) points.push_back({p.t - 1, -20});
    }
    check_restored_alike(length, points, 3, 100);
}

TEST_CASE("TrendWindow: restore() rejects what no window of its length could have had") {
    const Millis length = 16 * minute;  // buckets of 15 s
    TrendWindow source(length);
    for (int i = 0; i < 300; ++i) source.add(t0 + i * 4 * second, i);
    const std::vector<TrendBucket> good = source.buckets();
    const Millis latest = *source.latest();
    REQUIRE(good.size() >= 3);

    TrendWindow target(length);
    target.add(t0, 1);
    const auto unchanged = [&] {
        CHECK(target.buckets().empty());
        CHECK(*target.latest() == t0);
        CHECK(*target.latest_value() == 1);
    };
    auto broken = good;
    SUBCASE("misaligned bucket start") { broken[1].start += 1; }
    SUBCASE("unordered buckets") { std::swap(broken[0], broken[1]); }
    SUBCASE("a bucket twice") { broken[1] = broken[0]; }
    SUBCASE("a count of 0") { broken[2].count = 0; }
    SUBCASE("a sum that is not finite") { broken[0].sum_tv = std::numeric_limits<double>::infinity(); }
    SUBCASE("a NaN sum") { broken[2].sum_vv = std::numeric_limits<double>::quiet_NaN(); }
    SUBCASE("a reading outside its bucket") { broken.back().last = broken.back().start + 15 * second; }
    SUBCASE("a bucket older than the window") {
        broken.front() = TrendBucket{.start = t0 - hour, .count = 1, .first = t0 - hour, .last = t0 - hour};
    }
    SUBCASE("the latest before a bucket's last") {
        CHECK_FALSE(target.restore(good, good.back().last - 1, 5));
        unchanged();
        return;
    }
    SUBCASE("a latest value that is not finite") {
        CHECK_FALSE(target.restore(good, latest, std::numeric_limits<double>::quiet_NaN()));
        unchanged();
        return;
    }
    CHECK_FALSE(target.restore(broken, latest, 5));
    unchanged();
}

TEST_CASE("Ewma: constant input gives the constant") {
    Ewma average(5 * minute);
    std::mt19937_64 random(6);
    std::uniform_int_distribution<Millis> gap(1, 4 * minute);
    Millis t = t0;
    for (int i = 0; i < 200; ++i, t += gap(random)) average.add(t, 13.7);
    CHECK(*average.value(t) == 13.7);
}

TEST_CASE("Ewma: step response at regular sample times is 1 − exp(−t/tau)") {
    const Millis tau = 10 * minute;
    Ewma average(tau);
    average.add(t0, 0);
    for (int k = 1; k <= 120; ++k) {
        const Millis t = t0 + k * 15 * second;
        average.add(t, 1);
        const double expected = 1 - std::exp(-static_cast<double>(t - t0) / static_cast<double>(tau));
        if (k >= 20) {  // 5 readings and 5 minutes: the guards pass
            REQUIRE(average.value(t));
            CHECK(*average.value(t) == doctest::Approx(expected).epsilon(1e-13));
        } else {
            CHECK_FALSE(average.value(t));
        }
    }
}

TEST_CASE("Ewma: a gap weighs as much as its length") {
    const Millis tau = hour;
    Ewma average(tau);
    for (int i = 0; i <= 40; ++i) average.add(t0 + i * minute, 50);
    // Irregular steps to 80: each moves it by 1 − exp(−gap/tau) of the distance left.
    double expected = 50;
    Millis t = t0 + 40 * minute;
    for (const Millis gap : {1 * second, 17 * minute, Millis{250}, 59 * minute, 3 * minute}) {
        t += gap;
        average.add(t, 80);
        expected = 80 - (80 - expected) * std::exp(-static_cast<double>(gap) / static_cast<double>(tau));
        CHECK(*average.value(t) == doctest::Approx(expected).epsilon(1e-14));
    }
    // After the gaps of 1 s + 17 min + 250 ms + 59 min + 3 min the distance left is exp(−total/tau).
    const double total = static_cast<double>(t - (t0 + 40 * minute)) / static_cast<double>(tau);
    CHECK(*average.value(t) == doctest::Approx(80 - 30 * std::exp(-total)).epsilon(1e-14));
    // A reading older than the latest is ignored, one at the same time weighs nothing.
    average.add(t - 1, -1000);
    average.add(t, -1000);
    CHECK(*average.value(t) == doctest::Approx(80 - 30 * std::exp(-total)).epsilon(1e-14));
}

TEST_CASE("Ewma: it starts over after a silence longer than tau, with its guards") {
    const Millis tau = 10 * minute;
    Ewma average(tau);
    CHECK_FALSE(average.value(t0));
    for (int i = 0; i < 4; ++i) average.add(t0 + i * 2 * minute, 1);  // 4 readings over 6 minutes
    CHECK_FALSE(average.value(t0 + 6 * minute));
    average.add(t0 + 8 * minute, 1);
    CHECK(*average.value(t0 + 8 * minute) == 1);
    CHECK(average.value(t0 + 18 * minute));
    CHECK_FALSE(average.value(t0 + 18 * minute + 1));  // stale

    SUBCASE("a silence of exactly tau continues") {
        average.add(t0 + 18 * minute, 2);
        CHECK(*average.value(t0 + 18 * minute) == doctest::Approx(2 - std::exp(-1.0)).epsilon(1e-14));
        CHECK(average.saved()->first == t0);
    }
    SUBCASE("a longer silence starts over") {
        const Millis restart = t0 + 18 * minute + 1;
        average.add(restart, 2);
        CHECK_FALSE(average.value(restart));
        CHECK(average.saved()->first == restart);
        CHECK(average.saved()->count == 1);
        for (int i = 1; i <= 3; ++i) average.add(restart + i * 50 * second, 2);
        CHECK_FALSE(average.value(restart + 150 * second));  // 4 readings since it started over
        average.add(restart + 150 * second - 1, 9);          // older than the latest: ignored
        average.add(restart + 200 * second, 2);
        CHECK_FALSE(average.value(restart + 200 * second));  // 5 readings spanning 200 s < tau / 2
        average.add(restart + 300 * second, 2);
        CHECK(*average.value(restart + 300 * second) == 2);
    }
}

TEST_CASE("Ewma: saved() and restore()") {
    Ewma average(minute);
    CHECK_FALSE(average.saved());
    for (int i = 0; i < 8; ++i) average.add(t0 + i * 10 * second, i);
    const Ewma::Saved saved = *average.saved();
    Ewma back(minute);
    REQUIRE(back.restore(saved));
    back.add(t0 + 80 * second, 3);
    average.add(t0 + 80 * second, 3);
    CHECK(*back.value(t0 + 80 * second) == *average.value(t0 + 80 * second));

    Ewma target(minute);
    CHECK_FALSE(
        target.restore({.average = std::numeric_limits<double>::quiet_NaN(), .first = t0, .latest = t0, .count = 1}));
    CHECK_FALSE(target.restore({.average = 1, .first = t0, .latest = t0, .count = 0}));
    CHECK_FALSE(target.restore({.average = 1, .first = t0 + 1, .latest = t0, .count = 3}));
    CHECK_FALSE(target.restore({.average = 1, .first = t0, .latest = t0 + 1, .count = 1}));
    CHECK_FALSE(target.saved());
}

TEST_CASE("forecast_eta: when the line reaches the level") {
    const Millis latest = t0 + 5 * hour;
    const LineFit rising{
        .slope_per_ms = 3.0 / static_cast<double>(hour), .value_at_latest = 84, .latest = latest, .count = 9};
    CHECK(forecast_eta(rising, true, 90) == latest + 2 * hour);
    CHECK(forecast_eta(rising, true, 84.75) == latest + 15 * minute);
    CHECK(forecast_eta(rising, true, 84) == latest);   // on the level now
    CHECK(forecast_eta(rising, true, 80) == latest);   // already past it: never in the past
    CHECK_FALSE(forecast_eta(rising, false, 70));      // receding from a level below
    CHECK(forecast_eta(rising, false, 90) == latest);  // < 90: already there

    const LineFit falling{.slope_per_ms = -0.5 / 1000, .value_at_latest = 10, .latest = latest, .count = 9};
    CHECK(forecast_eta(falling, false, 5) == latest + 10 * second);
    CHECK(forecast_eta(falling, false, 12) == latest);
    CHECK_FALSE(forecast_eta(falling, true, 20));

    const LineFit flat{.slope_per_ms = 0, .value_at_latest = 10, .latest = latest, .count = 9};
    CHECK_FALSE(forecast_eta(flat, true, 11));
    CHECK_FALSE(forecast_eta(flat, false, 9));
    CHECK(forecast_eta(flat, true, 9) == latest);

    const LineFit creeping{.slope_per_ms = 1e-300, .value_at_latest = 0, .latest = latest, .count = 9};
    CHECK_FALSE(forecast_eta(creeping, true, 1));  // beyond any time that can be written
}

TEST_CASE("forecast_eta: from a window's fit of a ramp, the exact crossing time") {
    // 1.5 mm/s an hour from 2.0, every 10 s for an hour: 3.5 now, 4.5 at t0 + 1 h 40 min.
    const double per_ms = 1.5 / static_cast<double>(hour);
    TrendWindow window(hour);
    for (int i = 0; i <= 360; ++i) window.add(t0 + i * 10 * second, 2.0 + per_ms * i * 10'000);
    const std::optional<LineFit> fit = window.fit(t0 + hour);
    REQUIRE(fit);
    CHECK(forecast_eta(*fit, true, 4.5) == t0 + hour + 40 * minute);
}
