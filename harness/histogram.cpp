#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "error.hpp"

namespace imgbench {
namespace {

constexpr int kMinSubBucketBits = 1;
constexpr int kMaxSubBucketBits = 16;
// Ticks up to 2^53 convert to and from double exactly, so bucket edges and midpoints carry no
// rounding of their own and the documented bound holds with equality at worst.
constexpr double kMaxTicks = 9007199254740992.0;  // 2^53

std::string describe(double value) {
  // std::to_string prints 6 decimals, which turns a small offending value into "0.000000".
  char buffer[32];
  const int n = std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return std::string(buffer, static_cast<std::size_t>(std::max(n, 0)));
}

}  // namespace

Histogram::Histogram(int sub_bucket_bits, double highest_value)
    : sub_bucket_bits_(sub_bucket_bits),
      highest_value_(highest_value),
      ticks_per_us_(0),
      highest_ticks_(0) {
  if (sub_bucket_bits < kMinSubBucketBits || sub_bucket_bits > kMaxSubBucketBits) {
    throw Error("histogram: sub_bucket_bits is " + std::to_string(sub_bucket_bits) + ", expected " +
                std::to_string(kMinSubBucketBits) + ".." + std::to_string(kMaxSubBucketBits));
  }
  ticks_per_us_ = std::ldexp(1.0, sub_bucket_bits);
  if (!std::isfinite(highest_value) || highest_value <= 0 ||
      highest_value * ticks_per_us_ > kMaxTicks) {
    throw Error("histogram: highest_value is " + describe(highest_value) +
                " µs, expected a finite number > 0 and <= 2^53 / 2^" +
                std::to_string(sub_bucket_bits) + " = " + describe(kMaxTicks / ticks_per_us_));
  }
  highest_ticks_ = static_cast<std::uint64_t>(highest_value * ticks_per_us_);
  // Sized once: the bucket of the largest recordable value is the last one, so memory depends on
  // the configuration only.
  counts_.assign(index_of(highest_ticks_) + 1, 0);
}

// Below 2^(b+1) ticks every tick is its own bucket. From there on, ticks with highest set bit e
// are shifted right by e - b, which keeps b+1 significant bits (2^b sub-buckets an octave); the
// octave number (e - b) times 2^b places them after the previous octave. The same formula with the
// shift clamped at 0 yields the identity for the linear range, so one expression covers both.
std::size_t Histogram::index_of(std::uint64_t ticks) const {
  const auto b = static_cast<unsigned>(sub_bucket_bits_);
  const auto top_bit = static_cast<unsigned>(std::bit_width(ticks | 1U)) - 1U;
  const unsigned shift = top_bit > b ? top_bit - b : 0U;
  return static_cast<std::size_t>((static_cast<std::uint64_t>(shift) << b) + (ticks >> shift));
}

// Inverse of index_of: the bucket's lower edge and width in ticks, then its midpoint in µs.
double Histogram::midpoint_of(std::size_t index) const {
  const auto b = static_cast<unsigned>(sub_bucket_bits_);
  const auto i = static_cast<std::uint64_t>(index);
  std::uint64_t lower = i;
  std::uint64_t width = 1;
  if (i >= (std::uint64_t{2} << b)) {
    const std::uint64_t shift = (i >> b) - 1U;
    const std::uint64_t sub = i - (shift << b);  // in [2^b, 2^(b+1))
    lower = sub << shift;
    width = std::uint64_t{1} << shift;
  }
  return (static_cast<double>(lower) + static_cast<double>(width) / 2.0) / ticks_per_us_;
}

void Histogram::record(double value, std::uint64_t count) {
  // One test catches negatives, NaN (every comparison false) and +infinity.
  if (!(value >= 0 && value <= std::numeric_limits<double>::max())) {
    throw Error("histogram: recorded value is " + describe(value) +
                ", expected a finite latency >= 0 µs");
  }
  if (count == 0) {
    return;
  }
  std::uint64_t ticks = highest_ticks_;
  if (value > highest_value_) {
    clamped_ += count;
  } else {
    // value · 2^b is exact (a power-of-two scale) and <= 2^53, so the truncation is floor().
    ticks = static_cast<std::uint64_t>(value * ticks_per_us_);
  }
  counts_[index_of(ticks)] += count;

  if (count_ == 0) {
    min_ = value;
    max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  count_ += count;
  sum_ += value * static_cast<double>(count);
}

void Histogram::merge(const Histogram& other) {
  if (other.sub_bucket_bits_ != sub_bucket_bits_ || other.highest_value_ != highest_value_) {
    throw Error("histogram: cannot merge a histogram with sub_bucket_bits " +
                std::to_string(other.sub_bucket_bits_) + ", highest_value " +
                describe(other.highest_value_) + " into one with sub_bucket_bits " +
                std::to_string(sub_bucket_bits_) + ", highest_value " + describe(highest_value_) +
                ": the bucket layouts differ");
  }
  if (other.count_ == 0) {
    return;
  }
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    counts_[i] += other.counts_[i];
  }
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  clamped_ += other.clamped_;
  sum_ += other.sum_;
}

void Histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  clamped_ = 0;
  min_ = 0;
  max_ = 0;
  sum_ = 0;
}

double Histogram::min() const { return count_ == 0 ? 0.0 : min_; }

double Histogram::max() const { return count_ == 0 ? 0.0 : max_; }

double Histogram::mean() const { return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_); }

double Histogram::relative_error() const { return std::ldexp(1.0, -(sub_bucket_bits_ + 1)); }

double Histogram::percentile(double q) const {
  if (std::isnan(q)) {
    throw Error("histogram: percentile q is NaN, expected a number in [0, 1]");
  }
  if (count_ == 0) {
    return 0.0;
  }
  q = std::clamp(q, 0.0, 1.0);
  // Nearest rank, 1-based. The extreme ranks are answered from the exact min and max.
  const double position = std::ceil(q * static_cast<double>(count_));
  const std::uint64_t rank =
      position <= 1.0 ? 1U : std::min(count_, static_cast<std::uint64_t>(position));
  if (rank == 1) {
    return min_;
  }
  if (rank == count_) {
    return max_;
  }
  // Clamped samples are the largest ones, so they hold the top ranks; their true values are gone,
  // and highest_value is the best (lower) bound left.
  if (rank > count_ - clamped_) {
    return std::clamp(highest_value_, min_, max_);
  }
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      // The exact sample lies in [min, max], so clamping only moves the midpoint towards it.
      return std::clamp(midpoint_of(i), min_, max_);
    }
  }
  // Unreachable: the counters sum to count_ >= rank.
  return max_;
}

}  // namespace imgbench
