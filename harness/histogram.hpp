// A log-linear latency histogram (HdrHistogram-style): constant memory, bounded relative error, so
// load phases can record millions of requests without storing every sample.
//
// Values are doubles in microseconds. Each is quantised to ticks of 2^-b µs (b = sub_bucket_bits,
// ticks = floor(value · 2^b)) and counted in a bucket: ticks below 2^(b+1) have a bucket each (the
// linear range, i.e. values below 2 µs at resolution 2^-b µs); above that, every power-of-two range
// [2^e, 2^(e+1)) of ticks is split into 2^b equal buckets of width 2^(e-b). So the bucket holding
// value v is at most max(v, 1 µs) · 2^-b wide, and its midpoint is off by at most half of that:
//
//   |reported - exact| <= relative_error() · max(exact, 1 µs),   relative_error() = 2^-(b+1)
//
// (b = 7: 0.39 %, 7.8 ns resolution below 1 µs). The counter array is sized once from the
// configuration — one counter per bucket up to the bucket of highest_value, about
// (log2(highest_value) + 1) · 2^b — and never grows: b = 7 with the default 3.6e9 µs (1 h) is
// 4 183 counters (33 KB); b = 10 is 33 461 counters (268 KB).
//
// Percentile definition: percentile(q) approximates the NEAREST-RANK q-quantile, the sample at
// 1-based rank k = ceil(q · n) of the sorted samples (k clamped to [1, n]; rank 1 returns the exact
// min and rank n the exact max, so q = 0 and q = 1 are exact). For other ranks the histogram finds
// the bucket holding that exact sample (buckets are ordered, so this is exact) and returns the
// bucket's midpoint clamped to [min, max]; the clamp never moves it away from the sample.
//
// stats.hpp uses type 7 (linear interpolation at 1-based position h = 1 + (n-1)·q). With
// k = ceil(q·n), h lies in (k - q, k + 1 - q], strictly between ranks k - 1 and k + 1, so the two
// definitions differ by less than one rank (< 1/n in q), they agree exactly at q = 0 and q = 1, and
// for sorted samples x_1 <= ... <= x_n:
//
//   |type7(q) - nearest_rank(q)| <= max(x_k - x_(k-1), x_(k+1) - x_k)
//
// (with x_0 := x_1 and x_(n+1) := x_n), a gap between neighbouring samples, which shrinks like
// 1/(n·density) for a continuous distribution — the definitions converge as n grows (MEASURING.md:
// they agree for n >= 10^4 in practice). Against stats.hpp the histogram is therefore within
// relative_error() · max(x_k, 1 µs) plus that neighbouring-sample gap.
//
// Input errors throw imgbench::Error: a negative, NaN or infinite value (a latency cannot be any of
// them and a NaN has no rank), a NaN q, a configuration outside the documented limits, and merge()
// of histograms configured differently. A finite value above highest_value is not an error: it is
// recorded in the bucket of highest_value and counted in clamped(); min/max/mean still see the
// real value, and a percentile whose rank falls on a clamped sample returns highest_value (a lower
// bound; only rank n, the max, stays exact).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace imgbench {

class Histogram {
 public:
  // Values are recorded with a relative error of at most 2^-sub_bucket_bits (7 → 0.78 %) as bucket
  // width, reported with at most half that (relative_error()), for values from 0 up to
  // `highest_value` (µs); larger values are clamped to it and counted in `clamped()`.
  // Limits (Error otherwise): 1 <= sub_bucket_bits <= 16; highest_value finite, > 0 and
  // highest_value · 2^sub_bucket_bits <= 2^53 (ticks stay exact in a double).
  explicit Histogram(int sub_bucket_bits = 7, double highest_value = 3.6e9);

  // Records `value` (µs) `count` times; count 0 records nothing (the value is still checked).
  void record(double value, std::uint64_t count = 1);
  // Adds every count of `other`; both must have the same configuration (throws Error otherwise).
  void merge(const Histogram& other);
  // Forgets every recorded value; keeps the configuration and the counter array.
  void reset();

  [[nodiscard]] std::uint64_t count() const { return count_; }
  [[nodiscard]] std::uint64_t clamped() const { return clamped_; }
  [[nodiscard]] double min() const;   // exact smallest recorded value; 0 when empty
  [[nodiscard]] double max() const;   // exact largest recorded value; 0 when empty
  [[nodiscard]] double mean() const;  // exact (from a running sum); 0 when empty
  // The q-quantile (q in [0,1]) within relative_error() of the exact nearest-rank value; 0 when
  // empty. q outside [0,1] is clamped; a NaN q throws Error. Cost: one pass over the counters.
  [[nodiscard]] double percentile(double q) const;
  [[nodiscard]] double relative_error() const;

  [[nodiscard]] int sub_bucket_bits() const { return sub_bucket_bits_; }
  [[nodiscard]] double highest_value() const { return highest_value_; }
  // Number of counters, fixed by the configuration; recording never changes it.
  [[nodiscard]] std::size_t counter_count() const { return counts_.size(); }

 private:
  [[nodiscard]] std::size_t index_of(std::uint64_t ticks) const;
  [[nodiscard]] double midpoint_of(std::size_t index) const;

  int sub_bucket_bits_;
  double highest_value_;
  double ticks_per_us_;  // 2^sub_bucket_bits, exact
  std::uint64_t highest_ticks_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t clamped_ = 0;
  double min_ = 0;
  double max_ = 0;
  double sum_ = 0;
};

}  // namespace imgbench
