// The windows that `trk check`'s trend factors read: least-squares lines and z-scores over time buckets, and EWMAs.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <vector>

#include "track/time.hpp"

namespace track::check {

/// Guards shared by every trend statistic (trk-check(1) states them).
inline constexpr std::size_t min_trend_readings = 5;  ///< a window needs this many readings...
/// ...spanning at least its length divided by this (half the window).
inline constexpr Millis min_trend_span_divisor = 2;

/// The least-squares line through a window's readings.
struct LineFit {
    double slope_per_ms = 0;     ///< units per millisecond
    double value_at_latest = 0;  ///< the line's value at the latest reading's time
    Millis latest = 0;           ///< the latest reading's time
    std::uint64_t count = 0;     ///< readings fitted
};

/// The mean and sample standard deviation (n − 1) of readings.
struct Spread {
    double mean = 0;
    double deviation = 0;
    std::uint64_t count = 0;
};

/// Sums of readings in one time bucket, times relative to the bucket's start (small numbers,
/// so that the sums keep their precision whatever the epoch).
struct TrendBucket {
    Millis start = 0;  ///< a multiple of the bucket width
    std::uint64_t count = 0;
    double sum_t = 0;   ///< Σ (t − start), t in ms
    double sum_v = 0;   ///< Σ v
    double sum_tt = 0;  ///< Σ (t − start)²
    double sum_tv = 0;  ///< Σ (t − start) v
    double sum_vv = 0;  ///< Σ v²
    Millis first = 0;   ///< the earliest reading's time in it
    Millis last = 0;    ///< the latest reading's time in it
    friend bool operator==(const TrendBucket&, const TrendBucket&) = default;
};

/// A TrendWindow's buckets oldest first, as buckets() gives them: a view of the window's ring of
/// buckets, valid until the window next changes. It converts to a vector (what restore() takes).
class TrendBuckets {
public:
    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = TrendBucket;
        using difference_type = std::ptrdiff_t;
        using pointer = const TrendBucket*;
        using reference = const TrendBucket&;
        iterator() = default;
        iterator(const TrendBuckets* buckets, std::size_t index) : buckets_(buckets), index_(index) {}
        reference operator*() const { return (*buckets_)[index_]; }
        pointer operator->() const { return &(*buckets_)[index_]; }
        iterator& operator++() {
            ++index_;
            return *this;
        }
        iterator operator++(int) {
            iterator before = *this;
            ++index_;
            return before;
        }
        friend bool operator==(const iterator& a, const iterator& b) { return a.index_ == b.index_; }

    private:
        const TrendBuckets* buckets_ = nullptr;
        std::size_t index_ = 0;
    };

    TrendBuckets(const TrendBucket* ring, std::size_t capacity, std::size_t head, std::size_t size)
        : ring_(ring), capacity_(capacity), head_(head), size_(size) {}

    [[nodiscard]] std::size_t size() const { return size_; }
    [[nodiscard]] bool empty() const { return size_ == 0; }
    /// The `index`th oldest bucket.
    const TrendBucket& operator[](std::size_t index) const {
        const std::size_t slot = head_ + index;
        return ring_[slot < capacity_ ? slot : slot - capacity_];
    }
    [[nodiscard]] const TrendBucket& front() const { return (*this)[0]; }
    [[nodiscard]] const TrendBucket& back() const { return (*this)[size_ - 1]; }
    [[nodiscard]] iterator begin() const { return {this, 0}; }
    [[nodiscard]] iterator end() const { return {this, size_}; }
    operator std::vector<TrendBucket>() const { return {begin(), end()}; }  // NOLINT(google-explicit-constructor)

    friend bool operator==(const TrendBuckets& a, const TrendBuckets& b) {
        return std::equal(a.begin(), a.end(), b.begin(), b.end());
    }
    friend bool operator==(const TrendBuckets& a, const std::vector<TrendBucket>& b) {
        return std::equal(a.begin(), a.end(), b.begin(), b.end());
    }

private:
    const TrendBucket* ring_;
    std::size_t capacity_;
    std::size_t head_;
    std::size_t size_;
};

/// A metric's readings of the last `length` ms before its latest reading, kept as sums per time
/// bucket: the memory of a window is bounded (at most `max_buckets` + 1 buckets) whatever the
/// sampling rate. Buckets are `length / max_buckets` wide (at least 1 ms), aligned on multiples
/// of that width since the epoch, so that split runs bucket alike. A bucket stays while any of
/// its readings is in the window (latest − length <= t): a window may hold readings up to one
/// bucket width older than its length (1/64 of it), never fewer than it should.
///
/// Statistics are of the window ending at the metric's latest reading, and have a value only
/// when the guards pass at `now`: at least min_trend_readings readings spanning at least
/// length / min_trend_span_divisor, and no silence longer than `length` (now − latest <=
/// length): a silent sensor is stale, not flat. A reading older than the window's start is
/// dropped; one older than the latest but within the window is summed in its bucket. A value
/// that is not finite, or beyond ±1e150 (its square would overflow the sums), is ignored.
class TrendWindow {
public:
    static constexpr std::size_t max_buckets = 64;

    explicit TrendWindow(Millis length);

    void add(Millis time, double value);

    [[nodiscard]] Millis length() const { return length_; }
    /// The latest reading's time; nullopt before the first.
    [[nodiscard]] std::optional<Millis> latest() const;
    /// The latest reading's value (the last added at the latest time).
    [[nodiscard]] std::optional<double> latest_value() const;

    /// The least-squares line of the window's readings; nullopt when the guards fail or the
    /// readings all have one time.
    [[nodiscard]] std::optional<LineFit> fit(Millis now) const;
    /// How many standard deviations the latest reading is from the mean of the window's
    /// readings before it (the latest one left out of the sums); nullopt when the guards
    /// fail for those readings or their deviation is 0.
    [[nodiscard]] std::optional<double> zscore(Millis now) const;

    /// For state files: the buckets oldest first (a view, valid until the window changes), and the
    /// latest reading (kept apart: the buckets hold the readings before it).
    [[nodiscard]] TrendBuckets buckets() const { return {ring_.data(), ring_.size(), head_, size_}; }
    /// Restores what buckets() and latest()/latest_value() gave; false (nothing changed) when
    /// they could not have come from a window of this length (unordered, misaligned, counts of 0,
    /// non-finite sums, a latest time before a bucket's last).
    bool restore(const std::vector<TrendBucket>& buckets, Millis latest, double latest_value);

private:
    /// Sums of readings of buckets, times relative to an origin that the owner knows.
    struct Sums {
        std::uint64_t count = 0;
        double sum_t = 0;
        double sum_v = 0;
        double sum_tt = 0;
        double sum_tv = 0;
        double sum_vv = 0;
        void include(const TrendBucket& bucket, Millis origin);
        void include(const Sums& other);  ///< sums relative to the same origin
    };

    [[nodiscard]] TrendBucket& at(std::size_t index);
    [[nodiscard]] const TrendBucket& at(std::size_t index) const;
    void push_back(Millis start);
    void insert_for_late(Millis time, double value);
    [[nodiscard]] Millis group_of(Millis start) const;
    [[nodiscard]] std::size_t slot(std::size_t index) const;  ///< where in ring_ the index-th oldest is
    void rebuild();
    void combine();
    [[nodiscard]] Sums totals() const;
    [[nodiscard]] bool guards_pass(std::uint64_t count, Millis span, Millis now) const;

    Millis length_;
    Millis width_;  ///< bucket width: length / max_buckets, rounded up
    /// The buckets oldest first, a ring of max_buckets + 1 (allocated at the first bucket: a
    /// window never fed costs nothing) from head_ on.
    std::vector<TrendBucket> ring_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;

    /// The sums of all buckets but the newest (where readings go, added in at query time), kept
    /// in O(1) per reading however sparse the sampling, yet never by subtraction and in an order
    /// that depends on the buckets alone: a restored window computes bit for bit what the one it
    /// was saved from would have. Buckets fall in groups of max_buckets aligned on multiples of
    /// max_buckets widths since the epoch; a window's buckets span at most max_buckets + 1 widths,
    /// so at most two groups: the newest bucket's and the one before it. Times are relative to
    /// the start of the newest bucket's group (origin_); the older group's buckets are summed from
    /// its newest back (suffix_: one sum per bucket, so that evicting the oldest costs nothing),
    /// the newer group's from its oldest on (prefix_: closing a bucket adds it). Recomputed from
    /// the buckets (O(64)) when the newest bucket enters a new group, when a bucket of the newer
    /// group is evicted (a gap of the readings), and when a late reading lands before the newest.
    Millis origin_ = 0;
    std::size_t older_group_ = 0;  ///< how many of the oldest buckets are in the older group
    /// By slot of ring_, for the older group: its buckets from there on (max_buckets + 1 of 48
    /// bytes, taken when a window first has an older group).
    std::vector<Sums> suffix_;
    Sums prefix_;  ///< the newer group's buckets but the newest
    Sums older_;   ///< suffix_ at the oldest bucket (if in the older group) + prefix_
    /// The latest reading stays out of the buckets until another one comes: zscore() needs the
    /// sums without it, and taking it out again by subtraction would cost their precision after
    /// a large step. buckets() and restore() carry it as latest/latest_value.
    std::optional<Millis> latest_ = {};
    double latest_value_ = 0;
};

/// An exponentially weighted moving average with time constant `tau`, for irregular sampling:
/// each reading weighs as much as the time since the one before it (w = exp(−Δt / tau);
/// average ← w × average + (1 − w) × value), so that a gap weighs as much as its length. The
/// first reading (and the first after a silence longer than tau) starts it over at its value.
/// The guards are TrendWindow's, counted since it started over: min_trend_readings readings
/// spanning tau / min_trend_span_divisor, and now − latest <= tau. A reading older than the
/// latest is ignored.
class Ewma {
public:
    explicit Ewma(Millis tau) : tau_(tau) {}

    void add(Millis time, double value);
    /// The average; nullopt when the guards fail at `now`.
    [[nodiscard]] std::optional<double> value(Millis now) const;

    /// For state files.
    struct Saved {
        double average = 0;
        Millis first = 0;  ///< when it last started over
        Millis latest = 0;
        std::uint64_t count = 0;
    };
    [[nodiscard]] std::optional<Saved> saved() const;
    /// false (nothing changed) when `saved` is not one this average could have had.
    bool restore(const Saved& saved);

private:
    Millis tau_;
    std::optional<Saved> state_ = {};
};

/// forecast: when the line `fit` reaches `level` going the way `op` watches (> and >= up, <
/// and <= down): the time, not before `fit.latest`; nullopt when the line is flat or recedes
/// from the level. When the latest fitted value is already past the level, the eta is
/// `fit.latest`.
std::optional<Millis> forecast_eta(const LineFit& fit, bool upward, double level);

}  // namespace track::check
