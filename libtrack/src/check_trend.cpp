// The statistics behind `trk check`'s trend factors (check_trend.hpp): bucketed least-squares windows, EWMAs, etas.
#include "check_trend.hpp"

#include <algorithm>
#include <cmath>

namespace track::check {

namespace {

/// Beyond this a value's square (summed over a window) could overflow a double.
constexpr double max_magnitude = 1e150;

/// A sum of squares of deviations at most this fraction of the sum of squares is rounding noise
/// (the sums keep about 52 bits): the deviation counts as 0. It stands for a deviation below a
/// millionth of the values' magnitude.
constexpr double zero_deviation_fraction = 0x1p-40;

bool usable(double value) { return std::isfinite(value) && std::abs(value) <= max_magnitude; }

/// The start of the bucket of `width` holding `time`, on multiples of the width since the epoch
/// (rounding down before it too).
Millis bucket_start(Millis time, Millis width) {
    Millis offset = time % width;
    if (offset < 0) offset += width;
    return time - offset;
}

double as_double(Millis t) { return static_cast<double>(t); }

}  // namespace

// The width is rounded up so that a window never needs more than max_buckets + 1 of them.
TrendWindow::TrendWindow(Millis length)
    : length_(length),
      width_(std::max<Millis>(1, (length + static_cast<Millis>(max_buckets) - 1) / static_cast<Millis>(max_buckets))) {
    buckets_.reserve(max_buckets + 2);
}

std::optional<Millis> TrendWindow::latest() const { return latest_; }

std::optional<double> TrendWindow::latest_value() const {
    if (!latest_) return std::nullopt;
    return latest_value_;
}

void TrendWindow::add(Millis time, double value) {
    if (!usable(value)) return;
    if (!latest_) {
        latest_ = time;
        latest_value_ = value;
        return;
    }
    if (time < *latest_ - length_) return;
    if (time < *latest_) {
        if (sum_into_bucket(time, value)) recompute_older();
        return;
    }
    // The reading before becomes one of the buckets' readings (unless the window has left it
    // behind); this one is the latest.
    const Millis window_start = time - length_;
    auto kept = std::find_if(buckets_.begin(), buckets_.end(),
                             [&](const TrendBucket& bucket) { return bucket.last >= window_start; });
    bool older_changed = kept != buckets_.begin();
    buckets_.erase(buckets_.begin(), kept);
    if (*latest_ >= window_start) older_changed |= sum_into_bucket(*latest_, latest_value_);
    latest_ = time;
    latest_value_ = value;
    if (older_changed) recompute_older();
}

// Whether a bucket other than the newest changed (a new newest one closes the one before).
bool TrendWindow::sum_into_bucket(Millis time, double value) {
    const Millis start = bucket_start(time, width_);
    const bool newest = !buckets_.empty() && buckets_.back().start == start;
    TrendBucket& bucket = bucket_for(start);
    const double dt = as_double(time - start);
    if (bucket.count == 0) {
        bucket.first = time;
        bucket.last = time;
    } else {
        bucket.first = std::min(bucket.first, time);
        bucket.last = std::max(bucket.last, time);
    }
    ++bucket.count;
    bucket.sum_t += dt;
    bucket.sum_v += value;
    bucket.sum_tt += dt * dt;
    bucket.sum_tv += dt * value;
    bucket.sum_vv += value * value;
    return !newest;
}

// Nearly always the newest bucket; an out-of-order reading searches back (≤ 65 buckets).
TrendBucket& TrendWindow::bucket_for(Millis start) {
    if (buckets_.empty() || buckets_.back().start < start) {
        buckets_.push_back(TrendBucket{.start = start});
        return buckets_.back();
    }
    auto at = std::lower_bound(buckets_.begin(), buckets_.end(), start,
                               [](const TrendBucket& bucket, Millis s) { return bucket.start < s; });
    if (at == buckets_.end() || at->start != start) at = buckets_.insert(at, TrendBucket{.start = start});
    return *at;
}

// A bucket's sums shifted from its start b to the origin r (s = b − r):
// Σ(t−r) = Σ(t−b) + n s, Σ(t−r)² = Σ(t−b)² + 2 s Σ(t−b) + n s², Σ(t−r)v = Σ(t−b)v + s Σv.
void TrendWindow::Totals::include(const TrendBucket& bucket) {
    const double shift = as_double(bucket.start - origin);
    const double n = static_cast<double>(bucket.count);
    count += bucket.count;
    sum_t += bucket.sum_t + n * shift;
    sum_v += bucket.sum_v;
    sum_tt += bucket.sum_tt + 2 * shift * bucket.sum_t + n * shift * shift;
    sum_tv += bucket.sum_tv + shift * bucket.sum_v;
    sum_vv += bucket.sum_vv;
}

void TrendWindow::recompute_older() {
    older_ = Totals{.origin = buckets_.empty() ? 0 : buckets_.front().start};
    if (buckets_.empty()) return;
    std::for_each(buckets_.begin(), buckets_.end() - 1, [&](const TrendBucket& bucket) { older_.include(bucket); });
}

TrendWindow::Totals TrendWindow::totals() const {
    Totals all = older_;
    if (!buckets_.empty()) all.include(buckets_.back());
    return all;
}

bool TrendWindow::guards_pass(std::uint64_t count, Millis span, Millis now) const {
    return latest_ && count >= min_trend_readings && span * min_trend_span_divisor >= length_ &&
           now - *latest_ <= length_;
}

// The buckets' totals plus the latest reading, centred on their means before the products are
// taken (Sxx = Σtt − (Σt)²/n, Sxy = Σtv − Σt Σv / n), times relative to the oldest bucket.
std::optional<LineFit> TrendWindow::fit(Millis now) const {
    if (!latest_ || buckets_.empty()) return std::nullopt;
    const Millis span = *latest_ - buckets_.front().first;
    const Totals sums = totals();
    const std::uint64_t count = sums.count + 1;
    if (!guards_pass(count, span, now) || span == 0) return std::nullopt;

    const double d = as_double(*latest_ - sums.origin);
    const double v = latest_value_;
    const double n = static_cast<double>(count);
    const double sum_t = sums.sum_t + d;
    const double sum_v = sums.sum_v + v;
    const double mean_t = sum_t / n;
    const double mean_v = sum_v / n;
    const double sxx = (sums.sum_tt + d * d) - sum_t * mean_t;
    const double sxy = (sums.sum_tv + d * v) - sum_t * mean_v;
    if (!(sxx > 0)) return std::nullopt;
    const double slope = sxy / sxx;
    return LineFit{
        .slope_per_ms = slope, .value_at_latest = mean_v + slope * (d - mean_t), .latest = *latest_, .count = count};
}

// The buckets hold exactly the readings before the latest one.
std::optional<double> TrendWindow::zscore(Millis now) const {
    if (!latest_ || buckets_.empty()) return std::nullopt;
    const Millis span = buckets_.back().last - buckets_.front().first;
    const Totals sums = totals();
    if (!guards_pass(sums.count, span, now)) return std::nullopt;
    const double n = static_cast<double>(sums.count);
    const double mean = sums.sum_v / n;
    const double squares = sums.sum_vv - sums.sum_v * mean;
    if (!(squares > zero_deviation_fraction * sums.sum_vv)) return std::nullopt;
    const double deviation = std::sqrt(squares / (n - 1));
    return (latest_value_ - mean) / deviation;
}

bool TrendWindow::restore(std::vector<TrendBucket> buckets, Millis latest, double latest_value) {
    if (!usable(latest_value) || buckets.size() > max_buckets + 1) return false;
    const TrendBucket* previous = nullptr;
    for (const TrendBucket& bucket : buckets) {
        const bool consistent =
            bucket_start(bucket.start, width_) == bucket.start && bucket.count > 0 &&
            (previous == nullptr || previous->start < bucket.start) && bucket.start <= bucket.first &&
            bucket.first <= bucket.last && bucket.last - bucket.start < width_ &&
            (bucket.count > 1 || bucket.first == bucket.last) && bucket.last <= latest &&
            bucket.last >= latest - length_ && std::isfinite(bucket.sum_t) && std::isfinite(bucket.sum_v) &&
            std::isfinite(bucket.sum_tt) && std::isfinite(bucket.sum_tv) && std::isfinite(bucket.sum_vv);
        if (!consistent) return false;
        previous = &bucket;
    }
    buckets_.assign(buckets.begin(), buckets.end());
    latest_ = latest;
    latest_value_ = latest_value;
    recompute_older();
    return true;
}

void Ewma::add(Millis time, double value) {
    if (!std::isfinite(value)) return;
    if (state_ && time < state_->latest) return;
    if (!state_ || time - state_->latest > tau_) {
        state_ = Saved{.average = value, .first = time, .latest = time, .count = 1};
        return;
    }
    // 1 − w = −expm1(−Δt/tau), exact for small steps where 1 − exp() would cancel.
    const double weight_of_value = -std::expm1(-as_double(time - state_->latest) / as_double(tau_));
    state_->average += weight_of_value * (value - state_->average);
    state_->latest = time;
    ++state_->count;
}

std::optional<double> Ewma::value(Millis now) const {
    if (!state_ || state_->count < min_trend_readings ||
        (state_->latest - state_->first) * min_trend_span_divisor < tau_ || now - state_->latest > tau_) {
        return std::nullopt;
    }
    return state_->average;
}

std::optional<Ewma::Saved> Ewma::saved() const { return state_; }

bool Ewma::restore(const Saved& saved) {
    const bool consistent = std::isfinite(saved.average) && saved.count > 0 && saved.first <= saved.latest &&
                            (saved.count > 1 || saved.first == saved.latest);
    if (!consistent) return false;
    state_ = saved;
    return true;
}

std::optional<Millis> forecast_eta(const LineFit& fit, bool upward, double level) {
    const double value = fit.value_at_latest;
    const double slope = fit.slope_per_ms;
    if (!std::isfinite(value) || !std::isfinite(slope) || !std::isfinite(level)) return std::nullopt;
    if (upward ? value > level : value < level) return fit.latest;
    if (upward ? !(slope > 0) : !(slope < 0)) return std::nullopt;
    const double ahead = std::round((level - value) / slope);
    // A crossing beyond the last representable time never comes within any duration.
    if (!(ahead <= as_double(latest_rfc3339 - std::min(fit.latest, latest_rfc3339)))) return std::nullopt;
    return fit.latest + static_cast<Millis>(ahead);
}

}  // namespace track::check
