#include "histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "error.hpp"

namespace imgbench {
namespace {

// The reference the histogram approximates: the sample at 1-based rank ceil(q·n), clamped to
// [1, n], computed with the same expression the header documents.
double nearest_rank(const std::vector<double>& sorted, double q) {
  const auto n = sorted.size();
  const double position = std::ceil(q * static_cast<double>(n));
  const std::size_t rank = position <= 1.0 ? 1U : std::min(n, static_cast<std::size_t>(position));
  return sorted[rank - 1];
}

// The documented bound: relative above 1 µs, absolute (as if the value were 1 µs) below it.
double allowed_error(const Histogram& h, double exact) {
  return h.relative_error() * std::max(exact, 1.0);
}

// --- Hand-computed small cases --------------------------------------------------------------

TEST(Histogram, EmptyReportsZeroEverywhere) {
  const Histogram h;
  EXPECT_EQ(h.count(), 0U);
  EXPECT_EQ(h.clamped(), 0U);
  EXPECT_EQ(h.min(), 0.0);
  EXPECT_EQ(h.max(), 0.0);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.percentile(0.0), 0.0);
  EXPECT_EQ(h.percentile(0.5), 0.0);
  EXPECT_EQ(h.percentile(1.0), 0.0);
}

TEST(Histogram, RelativeErrorIsHalfTheBucketWidth) {
  EXPECT_EQ(Histogram(7).relative_error(), 1.0 / 256);
  EXPECT_EQ(Histogram(1).relative_error(), 0.25);
  EXPECT_EQ(Histogram(10).relative_error(), 1.0 / 2048);
}

TEST(Histogram, OneValueIsEveryPercentileExactly) {
  Histogram h;
  h.record(123.456);
  EXPECT_EQ(h.count(), 1U);
  EXPECT_EQ(h.min(), 123.456);
  EXPECT_EQ(h.max(), 123.456);
  EXPECT_EQ(h.mean(), 123.456);
  for (const double q : {0.0, 0.001, 0.5, 0.99, 1.0}) {
    EXPECT_EQ(h.percentile(q), 123.456) << "q=" << q;
  }
}

TEST(Histogram, TwoValuesSplitAtTheMedianRank) {
  Histogram h;
  h.record(10.0);
  h.record(1000.0);
  EXPECT_EQ(h.mean(), 505.0);
  // n = 2: ceil(0.5·2) = 1 → the smaller; anything above 0.5 → rank 2, the larger.
  EXPECT_EQ(h.percentile(0.0), 10.0);
  EXPECT_EQ(h.percentile(0.5), 10.0);
  EXPECT_EQ(h.percentile(0.51), 1000.0);
  EXPECT_EQ(h.percentile(1.0), 1000.0);
}

TEST(Histogram, QZeroAndOneAreExactMinAndMax) {
  Histogram h;
  for (const double v : {3.3, 0.7, 1234.5678, 99.0, 42.42}) {
    h.record(v);
  }
  EXPECT_EQ(h.percentile(0.0), 0.7);
  EXPECT_EQ(h.percentile(1.0), 1234.5678);
  // Out-of-range q is clamped, not an error.
  EXPECT_EQ(h.percentile(-0.5), 0.7);
  EXPECT_EQ(h.percentile(1.5), 1234.5678);
}

TEST(Histogram, MiddleRankReturnsTheBucketMidpoint) {
  Histogram h(7);
  h.record(1.0);
  h.record(100.0);
  h.record(1000.0);
  // 100 µs = 12 800 ticks of 1/128 µs; top bit 13, so 64-tick buckets: [12 800, 12 864) → midpoint
  // 12 832 ticks = 100.25 µs.
  EXPECT_EQ(h.percentile(0.5), 100.25);
}

TEST(Histogram, ValuesBelowOneMicrosecondUseTheLinearRange) {
  Histogram h(7);
  h.record(0.0);
  h.record(0.5);
  h.record(0.5);
  h.record(5.0);
  // 0.5 µs = 64 ticks, its own bucket [64, 65) → midpoint 64.5 / 128 µs.
  EXPECT_EQ(h.percentile(0.5), 64.5 / 128);
  EXPECT_LE(std::abs(h.percentile(0.5) - 0.5), allowed_error(h, 0.5));
  EXPECT_EQ(h.percentile(0.0), 0.0);
}

TEST(Histogram, RepeatedCountEqualsRepeatedRecords) {
  Histogram bulk;
  Histogram single;
  bulk.record(250.0, 4);
  bulk.record(7.0, 0);  // count 0 records nothing
  for (int i = 0; i < 4; ++i) {
    single.record(250.0);
  }
  EXPECT_EQ(bulk.count(), 4U);
  EXPECT_EQ(bulk.min(), 250.0);
  EXPECT_EQ(bulk.mean(), single.mean());
  EXPECT_EQ(bulk.percentile(0.5), single.percentile(0.5));
}

// --- Clamping at highest_value --------------------------------------------------------------

TEST(Histogram, ValuesAboveHighestAreClampedAndCounted) {
  Histogram h(7, 1000.0);
  for (int i = 0; i < 8; ++i) {
    h.record(10.0);
  }
  h.record(5000.0);
  h.record(2000.0);
  EXPECT_EQ(h.count(), 10U);
  EXPECT_EQ(h.clamped(), 2U);
  // min, max and mean see the real values.
  EXPECT_EQ(h.max(), 5000.0);
  EXPECT_EQ(h.mean(), (8 * 10.0 + 5000.0 + 2000.0) / 10);
  // Rank 9 of 10 is a clamped sample (2000): highest_value is the lower bound reported.
  EXPECT_EQ(h.percentile(0.9), 1000.0);
  // Rank 10 is the max, exact.
  EXPECT_EQ(h.percentile(1.0), 5000.0);
  // Rank 8 is an ordinary sample.
  EXPECT_NEAR(h.percentile(0.8), 10.0, allowed_error(h, 10.0));
}

TEST(Histogram, ValueEqualToHighestIsNotClamped) {
  Histogram h(7, 1000.0);
  h.record(1000.0);
  EXPECT_EQ(h.clamped(), 0U);
  EXPECT_EQ(h.percentile(0.5), 1000.0);
}

// --- Input errors ---------------------------------------------------------------------------

TEST(Histogram, NegativeNanAndInfiniteValuesThrow) {
  Histogram h;
  EXPECT_THROW(h.record(-1.0), Error);
  EXPECT_THROW(h.record(-1e-300), Error);
  EXPECT_THROW(h.record(std::numeric_limits<double>::quiet_NaN()), Error);
  EXPECT_THROW(h.record(std::numeric_limits<double>::infinity()), Error);
  EXPECT_THROW(h.record(-1.0, 0), Error);
  EXPECT_EQ(h.count(), 0U);
}

TEST(Histogram, ErrorMessageNamesTheValue) {
  Histogram h;
  try {
    h.record(-2.5);
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("-2.5"), std::string::npos) << e.what();
  }
}

TEST(Histogram, NanQuantileThrows) {
  Histogram h;
  h.record(1.0);
  EXPECT_THROW((void)h.percentile(std::numeric_limits<double>::quiet_NaN()), Error);
}

TEST(Histogram, BadConfigurationThrows) {
  EXPECT_THROW(Histogram(0), Error);
  EXPECT_THROW(Histogram(17), Error);
  EXPECT_THROW(Histogram(7, 0.0), Error);
  EXPECT_THROW(Histogram(7, -5.0), Error);
  EXPECT_THROW(Histogram(7, std::numeric_limits<double>::quiet_NaN()), Error);
  EXPECT_THROW(Histogram(7, std::numeric_limits<double>::infinity()), Error);
  EXPECT_THROW(Histogram(7, 1e30), Error);
  EXPECT_NO_THROW(Histogram(16, 1e11));
}

// --- merge and reset ------------------------------------------------------------------------

TEST(Histogram, MergeEqualsRecordingBothSets) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(5.0, 1.0);
  Histogram a(7, 1e4);
  Histogram b(7, 1e4);
  Histogram both(7, 1e4);
  for (int i = 0; i < 5000; ++i) {
    const double x = dist(rng);
    const double y = dist(rng) * 3;
    a.record(x);
    b.record(y);
    both.record(x);
    both.record(y);
  }
  ASSERT_GT(both.clamped(), 0U);  // the merge must carry clamped counts too
  a.merge(b);
  EXPECT_EQ(a.count(), both.count());
  EXPECT_EQ(a.clamped(), both.clamped());
  EXPECT_EQ(a.min(), both.min());
  EXPECT_EQ(a.max(), both.max());
  // Same terms, different summation order.
  EXPECT_NEAR(a.mean(), both.mean(), 1e-12 * both.mean());
  for (double q = 0.0; q <= 1.0; q += 0.01) {
    EXPECT_EQ(a.percentile(q), both.percentile(q)) << "q=" << q;
  }
  EXPECT_EQ(a.percentile(0.999), both.percentile(0.999));
}

TEST(Histogram, MergeIntoEmptyCopiesMinAndMax) {
  Histogram empty;
  Histogram full;
  full.record(50.0);
  full.record(70.0);
  empty.merge(full);
  EXPECT_EQ(empty.min(), 50.0);
  EXPECT_EQ(empty.max(), 70.0);
  EXPECT_EQ(empty.count(), 2U);
  // And merging an empty one changes nothing (its min/max of 0 must not leak in).
  full.merge(Histogram());
  EXPECT_EQ(full.min(), 50.0);
  EXPECT_EQ(full.count(), 2U);
}

TEST(Histogram, MergeWithDifferentConfigurationThrows) {
  Histogram h(7);
  EXPECT_THROW(h.merge(Histogram(8)), Error);
  EXPECT_THROW(h.merge(Histogram(7, 1e6)), Error);
}

TEST(Histogram, ResetForgetsEverythingButTheConfiguration) {
  Histogram h(9, 1e5);
  h.record(10.0);
  h.record(1e6);
  const auto counters = h.counter_count();
  h.reset();
  EXPECT_EQ(h.count(), 0U);
  EXPECT_EQ(h.clamped(), 0U);
  EXPECT_EQ(h.min(), 0.0);
  EXPECT_EQ(h.max(), 0.0);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.percentile(0.5), 0.0);
  EXPECT_EQ(h.sub_bucket_bits(), 9);
  EXPECT_EQ(h.counter_count(), counters);
  h.record(3.0);
  EXPECT_EQ(h.min(), 3.0);
  EXPECT_EQ(h.percentile(0.5), 3.0);
}

// --- Memory bound ---------------------------------------------------------------------------

TEST(Histogram, DefaultConfigurationHasAFewThousandCounters) {
  const Histogram h;
  EXPECT_GT(h.counter_count(), 1000U);
  EXPECT_LT(h.counter_count(), 5000U);
}

TEST(Histogram, CounterCountUnchangedAfterAMillionRecords) {
  Histogram h(7, 1e6);
  const auto before = h.counter_count();
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> exponent(-3.0, 7.0);  // 1 ns .. 10 s, some clamped
  for (int i = 0; i < 1'000'000; ++i) {
    h.record(std::pow(10.0, exponent(rng)));
  }
  EXPECT_EQ(h.count(), 1'000'000U);
  EXPECT_GT(h.clamped(), 0U);
  EXPECT_EQ(h.counter_count(), before);
}

// --- Property tests: error bound against exact nearest rank ---------------------------------

// Draws 10^5 samples in [1, 10^6] µs, records them, and checks every promised figure against the
// sorted samples.
void check_against_exact(const std::function<double(std::mt19937_64&)>& draw, std::uint64_t seed,
                         int sub_bucket_bits) {
  std::mt19937_64 rng(seed);
  Histogram h(sub_bucket_bits);
  std::vector<double> samples;
  samples.reserve(100'000);
  double sum = 0;
  for (int i = 0; i < 100'000; ++i) {
    const double x = std::clamp(draw(rng), 1.0, 1e6);
    samples.push_back(x);
    sum += x;
    h.record(x);
  }
  std::sort(samples.begin(), samples.end());
  EXPECT_EQ(h.count(), samples.size());
  EXPECT_EQ(h.clamped(), 0U);
  EXPECT_EQ(h.min(), samples.front());
  EXPECT_EQ(h.max(), samples.back());
  // Summed in recording order, exactly as the histogram does.
  EXPECT_EQ(h.mean(), sum / static_cast<double>(samples.size()));
  for (const double q : {0.0, 0.5, 0.9, 0.99, 0.999, 1.0}) {
    const double exact = nearest_rank(samples, q);
    const double got = h.percentile(q);
    EXPECT_LE(std::abs(got - exact), h.relative_error() * exact)
        << "q=" << q << " exact=" << exact << " got=" << got << " b=" << sub_bucket_bits;
  }
}

class HistogramProperty : public ::testing::TestWithParam<int> {};

TEST_P(HistogramProperty, UniformWithinRelativeError) {
  check_against_exact(
      [](std::mt19937_64& rng) { return std::uniform_real_distribution<double>(1.0, 1e6)(rng); },
      101, GetParam());
}

TEST_P(HistogramProperty, ExponentialWithinRelativeError) {
  check_against_exact(
      [](std::mt19937_64& rng) {
        return 1.0 + std::exponential_distribution<double>(1.0 / 200.0)(rng);
      },
      202, GetParam());
}

TEST_P(HistogramProperty, LogNormalWithinRelativeError) {
  check_against_exact(
      [](std::mt19937_64& rng) { return std::lognormal_distribution<double>(4.6, 1.5)(rng); }, 303,
      GetParam());
}

TEST_P(HistogramProperty, ParetoWithinRelativeError) {
  // Pareto with x_m = 1 µs, alpha = 0.8: infinite mean, tail reaching the 10^6 µs clamp.
  check_against_exact(
      [](std::mt19937_64& rng) {
        const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
        return std::pow(1.0 - u, -1.0 / 0.8);
      },
      404, GetParam());
}

INSTANTIATE_TEST_SUITE_P(SubBucketBits, HistogramProperty, ::testing::Values(3, 7, 10));

// The bound is tight: a value on a bucket's lower edge is reported at the midpoint, exactly
// relative_error() away — so a wrong (wider) bucket layout would fail the property tests above.
TEST(Histogram, BoundIsAttainedAtAnOctaveEdge) {
  Histogram h(7);
  h.record(1.0);
  h.record(256.0);  // 32 768 ticks = 2^15: the first bucket of its octave, width 2^8 ticks = 2 µs
  h.record(1000.0);
  EXPECT_EQ(h.percentile(0.5), 257.0);
  EXPECT_EQ(std::abs(h.percentile(0.5) - 256.0), h.relative_error() * 256.0);
}

}  // namespace
}  // namespace imgbench
