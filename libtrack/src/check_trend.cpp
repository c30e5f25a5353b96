// The statistics behind `trk check`'s trend factors (check_trend.hpp): bucketed least-squares windows, EWMAs, etas.
#include "check_trend.hpp"

#include <algorithm>
#include <cmath>

namespace track::check {

namespace {

/// Beyond this a value's square (summed over a window) could overflow a double.
constexpr double max_magnitude = 1e150;

/// The sums of squares lose up to about count × 2⁻⁵² of themselves to rounding (readings of one
/// value added one by one round alike), so that Σv² − (Σv)²/n of readings that never vary is
/// rarely exactly 0: a sum of squared deviations within that bound counts as no deviation. It
/// stands for a deviation below √(count × 2⁻⁵²) of the values' magnitude (3e-7 for 600 readings).
constexpr double rounding_per_reading = 0x1p-52;

bool usable(double value) { return std::isfinite(value) && std::abs(value) <= max_magnitude; }

/// The start of the bucket of `width` holding `time`, on multiples of the width since the epoch
/// (rounding down before it too).
Millis bucket_start(Millis time, Millis width) {
    Millis offset = time % width;
    if (offset < 0) offset += width;
    return time - offset;
}

double as_double(Millis t) { return static_cast<double>(t); }

/// Adds a reading to `bucket` (`time` within it).
void sum_into(TrendBucket& bucket, Millis time, double value) {
    const double dt = as_double(time - bucket.start);
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
}

}  // namespace

// The width is rounded up so that a window never needs more than max_buckets + 1 of them.
TrendWindow::TrendWindow(Millis length)
    : length_(length),
      width_(std::max<Millis>(1, (length + static_cast<Millis>(max_buckets) - 1) / static_cast<Millis>(max_buckets))) {}

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
        insert_for_late(time, value);
        return;
    }
    // The reading before becomes one of the buckets' readings (unless the window has left it
    // behind); this one is the latest. Eviction comes first, so that the ring never holds more
    // than max_buckets + 1.
    const Millis window_start = time - length_;
    bool changed = false;
    bool recompute = false;
    while (size_ > 0 && at(0).last < window_start) {
        if (older_group_ > 0) {
            --older_group_;
        } else {
            recompute = true;  // the newer group's prefix starts later now
        }
        head_ = head_ + 1 == ring_.size() ? 0 : head_ + 1;
        --size_;
        changed = true;
    }
    if (*latest_ >= window_start) {
        const Millis start = bucket_start(*latest_, width_);
        if (size_ == 0 || at(size_ - 1).start != start) {
            // A new newest bucket closes the one before, which joins the newer group's prefix
            // unless the new one starts a group.
            if (size_ > 0 && start - origin_ < width_ * static_cast<Millis>(max_buckets)) {
                prefix_.include(at(size_ - 1), origin_);
            } else {
                recompute = true;
            }
            push_back(start);
            changed = true;
        }
        sum_into(at(size_ - 1), *latest_, latest_value_);
    }
    latest_ = time;
    latest_value_ = value;
    if (recompute) {
        rebuild();
    } else if (changed) {
        combine();
    }
}

// Nearly always the newest bucket (the sums of the others do not change); otherwise an insertion
// (≤ 65 buckets to search and shift) and a recomputation, as rare as late readings are.
void TrendWindow::insert_for_late(Millis time, double value) {
    const Millis start = bucket_start(time, width_);
    if (size_ > 0 && at(size_ - 1).start == start) {
        sum_into(at(size_ - 1), time, value);
        return;
    }
    std::size_t index = size_;
    while (index > 0 && at(index - 1).start >= start) --index;
    if (index == size_ || at(index).start != start) {
        push_back(start);
        for (std::size_t moved = size_ - 1; moved > index; --moved) at(moved) = at(moved - 1);
        at(index) = TrendBucket{.start = start};
    }
    sum_into(at(index), time, value);
    rebuild();
}

TrendBucket& TrendWindow::at(std::size_t index) { return ring_[slot(index)]; }

const TrendBucket& TrendWindow::at(std::size_t index) const { return ring_[slot(index)]; }

// Room for all a window can hold (its readings are all within `length` of the latest), taken
// at the first bucket: no allocation after that.
void TrendWindow::push_back(Millis start) {
    if (ring_.empty()) ring_.resize(max_buckets + 1);
    ++size_;
    at(size_ - 1) = TrendBucket{.start = start};
}

Millis TrendWindow::group_of(Millis start) const {
    return bucket_start(start, width_ * static_cast<Millis>(max_buckets));
}

std::size_t TrendWindow::slot(std::size_t index) const {
    const std::size_t slot = head_ + index;
    return slot < ring_.size() ? slot : slot - ring_.size();
}

// A bucket's sums shifted from its start b to the origin r (s = b − r):
// Σ(t−r) = Σ(t−b) + n s, Σ(t−r)² = Σ(t−b)² + 2 s Σ(t−b) + n s², Σ(t−r)v = Σ(t−b)v + s Σv.
void TrendWindow::Sums::include(const TrendBucket& bucket, Millis origin) {
    const double shift = as_double(bucket.start - origin);
    const double n = static_cast<double>(bucket.count);
    count += bucket.count;
    sum_t += bucket.sum_t + n * shift;
    sum_v += bucket.sum_v;
    sum_tt += bucket.sum_tt + 2 * shift * bucket.sum_t + n * shift * shift;
    sum_tv += bucket.sum_tv + shift * bucket.sum_v;
    sum_vv += bucket.sum_vv;
}

void TrendWindow::Sums::include(const Sums& other) {
    count += other.count;
    sum_t += other.sum_t;
    sum_v += other.sum_v;
    sum_tt += other.sum_tt;
    sum_tv += other.sum_tv;
    sum_vv += other.sum_vv;
}

// From the buckets alone: the older group's sums from its newest bucket back, the newer group's
// from its oldest on (the newest bucket left out).
void TrendWindow::rebuild() {
    older_group_ = 0;
    prefix_ = Sums{};
    if (size_ == 0) {
        older_ = Sums{};
        return;
    }
    origin_ = group_of(at(size_ - 1).start);
    while (older_group_ < size_ && at(older_group_).start < origin_) ++older_group_;
    if (older_group_ > 0) {
        suffix_.resize(max_buckets + 1);
        Sums sums;
        for (std::size_t index = older_group_; index-- > 0;) {
            sums.include(at(index), origin_);
            suffix_[slot(index)] = sums;
        }
    }
    for (std::size_t index = older_group_; index + 1 < size_; ++index) prefix_.include(at(index), origin_);
    combine();
}

void TrendWindow::combine() {
    older_ = older_group_ > 0 ? suffix_[head_] : Sums{};
    older_.include(prefix_);
}

TrendWindow::Sums TrendWindow::totals() const {
    Sums all = older_;
    if (size_ > 0) all.include(at(size_ - 1), origin_);
    return all;
}

bool TrendWindow::guards_pass(std::uint64_t count, Millis span, Millis now) const {
    return latest_ && count >= min_trend_readings && span * min_trend_span_divisor >= length_ &&
           now - *latest_ <= length_;
}

// The buckets' totals plus the latest reading, centred on their means before the products are
// taken (Sxx = Σtt − (Σt)²/n, Sxy = Σtv − Σt Σv / n), times relative to origin_.
std::optional<LineFit> TrendWindow::fit(Millis now) const {
    if (!latest_ || size_ == 0) return std::nullopt;
    const Millis span = *latest_ - at(0).first;
    const Sums sums = totals();
    const std::uint64_t count = sums.count + 1;
    if (!guards_pass(count, span, now) || span == 0) return std::nullopt;

    const double d = as_double(*latest_ - origin_);
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
    if (!latest_ || size_ == 0) return std::nullopt;
    const Millis span = at(size_ - 1).last - at(0).first;
    const Sums sums = totals();
    if (!guards_pass(sums.count, span, now)) return std::nullopt;
    const double n = static_cast<double>(sums.count);
    const double mean = sums.sum_v / n;
    const double squares = sums.sum_vv - sums.sum_v * mean;
    if (!(squares > n * rounding_per_reading * sums.sum_vv)) return std::nullopt;
    const double deviation = std::sqrt(squares / (n - 1));
    return (latest_value_ - mean) / deviation;
}

bool TrendWindow::restore(const std::vector<TrendBucket>& buckets, Millis latest, double latest_value) {
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
    head_ = 0;
    size_ = 0;
    for (const TrendBucket& bucket : buckets) {
        push_back(bucket.start);
        at(size_ - 1) = bucket;
    }
    latest_ = latest;
    latest_value_ = latest_value;
    rebuild();
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
