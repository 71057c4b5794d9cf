// Stats against values computed by hand; the arithmetic is written next to each expectation.
#include "stats.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "error.hpp"

namespace imgbench {
namespace {

std::vector<double> one_to(int n) {
  std::vector<double> values(static_cast<std::size_t>(n));
  std::iota(values.begin(), values.end(), 1.0);
  return values;
}

TEST(Stats, EmptyInputHasNoPercentileMedianOrSummary) {
  EXPECT_FALSE(percentile({}, 0.5).has_value());
  EXPECT_FALSE(percentile_sorted({}, 0.5).has_value());
  EXPECT_FALSE(median({}).has_value());
  EXPECT_FALSE(summarize({}).has_value());
}

TEST(Stats, SingleSampleIsEveryPercentile) {
  // n = 1: h = 0·q = 0 for every q, so the result is x[0].
  for (const double q : {0.0, 0.25, 0.5, 0.99, 0.999, 1.0}) {
    EXPECT_EQ(percentile({42.0}, q), 42.0) << "q=" << q;
  }
}

TEST(Stats, SingleSampleSummaryHasZeroStddev) {
  const auto s = summarize({42.0});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->count, 1U);
  EXPECT_EQ(s->min, 42.0);
  EXPECT_EQ(s->max, 42.0);
  EXPECT_EQ(s->mean, 42.0);
  EXPECT_EQ(s->stddev, 0.0);
  EXPECT_EQ(s->p50, 42.0);
  EXPECT_EQ(s->p999, 42.0);
}

TEST(Stats, TwoSamplesInterpolateLinearly) {
  // x = {10, 20}, h = (2-1)·q = q: result = 10 + q·(20-10).
  EXPECT_EQ(percentile({10.0, 20.0}, 0.5), 15.0);          // 10 + 0.5·10
  EXPECT_EQ(percentile({10.0, 20.0}, 0.25), 12.5);         // 10 + 0.25·10
  EXPECT_DOUBLE_EQ(*percentile({10.0, 20.0}, 0.9), 19.0);  // 10 + 0.9·10
}

TEST(Stats, MedianOfOddCountIsMiddleSample) {
  // sorted {1, 2, 3}: h = 2·0.5 = 1 → x[1] = 2.
  EXPECT_EQ(median({3.0, 1.0, 2.0}), 2.0);
}

TEST(Stats, MedianOfEvenCountAveragesMiddlePair) {
  // sorted {1, 2, 3, 4}: h = 3·0.5 = 1.5 → x[1] + 0.5·(x[2]-x[1]) = 2 + 0.5·1 = 2.5.
  EXPECT_EQ(median({4.0, 1.0, 3.0, 2.0}), 2.5);
}

TEST(Stats, QZeroIsMinimumAndQOneIsMaximum) {
  // q = 0: h = 0 → x[0]; q = 1: h = n-1 → x[n-1], with no read past the end.
  const std::vector<double> values{8.0, -3.0, 5.5, 100.0};
  EXPECT_EQ(percentile(values, 0.0), -3.0);
  EXPECT_EQ(percentile(values, 1.0), 100.0);
}

TEST(Stats, QOutsideUnitIntervalIsClamped) {
  const std::vector<double> values{8.0, -3.0, 5.5, 100.0};
  EXPECT_EQ(percentile(values, -0.5), -3.0);  // clamped to q = 0
  EXPECT_EQ(percentile(values, 1.5), 100.0);  // clamped to q = 1
  EXPECT_EQ(percentile(values, -std::numeric_limits<double>::infinity()), -3.0);
  EXPECT_EQ(percentile(values, std::numeric_limits<double>::infinity()), 100.0);
}

TEST(Stats, UnsortedInputIsSortedFirst) {
  // sorted {1, 2, 3, 4, 5}: q = 0.9 → h = 4·0.9 = 3.6 → x[3] + 0.6·(x[4]-x[3]) = 4 + 0.6 = 4.6.
  EXPECT_DOUBLE_EQ(*percentile({5.0, 1.0, 4.0, 2.0, 3.0}, 0.9), 4.6);
}

TEST(Stats, DuplicatesKeepTheirRanks) {
  // sorted {1, 7, 7, 7}: median h = 1.5 → 7 + 0.5·(7-7) = 7;
  // q = 0.25: h = 3·0.25 = 0.75 → 1 + 0.75·(7-1) = 5.5.
  EXPECT_EQ(median({7.0, 7.0, 1.0, 7.0}), 7.0);
  EXPECT_EQ(percentile({7.0, 7.0, 1.0, 7.0}, 0.25), 5.5);
}

TEST(Stats, PercentileSortedReadsTheSpanAsGiven) {
  // sorted {10, 20, 30}: q = 0.75 → h = 2·0.75 = 1.5 → 20 + 0.5·10 = 25.
  const std::vector<double> sorted{10.0, 20.0, 30.0};
  EXPECT_EQ(percentile_sorted(sorted, 0.75), 25.0);
}

TEST(Stats, HighPercentilesOfOneToThousand) {
  // x[i] = i + 1 for i in 0..999, so x[floor h] = floor h + 1 and adjacent samples differ by 1.
  const auto values = one_to(1000);
  // p50:   h = 999·0.5   = 499.5   → 500 + 0.5   = 500.5
  // p90:   h = 999·0.9   = 899.1   → 900 + 0.1   = 900.1
  // p99:   h = 999·0.99  = 989.01  → 990 + 0.01  = 990.01
  // p99.9: h = 999·0.999 = 998.001 → 999 + 0.001 = 999.001
  EXPECT_EQ(percentile(values, 0.5), 500.5);
  EXPECT_NEAR(*percentile(values, 0.9), 900.1, 1e-9);
  EXPECT_NEAR(*percentile(values, 0.99), 990.01, 1e-9);
  EXPECT_NEAR(*percentile(values, 0.999), 999.001, 1e-9);
}

TEST(Stats, SummaryOfOneToThousand) {
  auto values = one_to(1000);
  std::reverse(values.begin(), values.end());  // summarize must not rely on sorted input
  const auto s = summarize(values);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->count, 1000U);
  EXPECT_EQ(s->min, 1.0);
  EXPECT_EQ(s->max, 1000.0);
  EXPECT_EQ(s->mean, 500.5);  // (1 + 1000) / 2
  // Sample variance of 1..n is n(n+1)/12 = 1000·1001/12 = 83416.66…, stddev ≈ 288.8194.
  EXPECT_NEAR(s->stddev, std::sqrt(1000.0 * 1001.0 / 12.0), 1e-9);
  EXPECT_NEAR(s->stddev, 288.8194, 1e-4);
  EXPECT_EQ(s->p50, 500.5);
  EXPECT_NEAR(s->p90, 900.1, 1e-9);
  EXPECT_NEAR(s->p99, 990.01, 1e-9);
  EXPECT_NEAR(s->p999, 999.001, 1e-9);
}

TEST(Stats, StddevUsesSampleDenominator) {
  // {2, 4, 4, 4, 5, 5, 7, 9}: mean 40/8 = 5; squared deviations 9+1+1+1+0+0+4+16 = 32.
  // Sample: sqrt(32/7) ≈ 2.13809; the population formula would give sqrt(32/8) = 2.
  const auto s = summarize({2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->mean, 5.0);
  EXPECT_DOUBLE_EQ(s->stddev, std::sqrt(32.0 / 7.0));
  EXPECT_NEAR(s->stddev, 2.13809, 1e-5);
}

TEST(Stats, StddevSurvivesLargeCommonOffset) {
  // {1e9+1, 1e9+2, 1e9+3}: mean 1e9+2, deviations -1, 0, 1 → sqrt(2/2) = 1. A one-pass
  // E[x²]-E[x]² would lose this entirely (x² ≈ 1e18, where one ulp is 128).
  const auto s = summarize({1e9 + 1, 1e9 + 2, 1e9 + 3});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->mean, 1e9 + 2);
  EXPECT_DOUBLE_EQ(s->stddev, 1.0);
}

TEST(Stats, NaNSampleIsRejectedWithItsIndex) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  try {
    (void)percentile({1.0, nan, 3.0}, 0.5);
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "stats: percentile: sample 1 is nan, expected a finite number");
  }
  EXPECT_THROW((void)median({nan}), Error);
  EXPECT_THROW((void)summarize({1.0, 2.0, nan}), Error);
  const std::vector<double> sorted{1.0, nan};
  EXPECT_THROW((void)percentile_sorted(sorted, 0.5), Error);
}

TEST(Stats, InfiniteSampleIsRejected) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THROW((void)percentile({1.0, inf}, 0.5), Error);
  EXPECT_THROW((void)summarize({-inf, 1.0}), Error);
}

TEST(Stats, NaNQuantileIsRejected) {
  EXPECT_THROW((void)percentile({1.0, 2.0}, std::numeric_limits<double>::quiet_NaN()), Error);
}

}  // namespace
}  // namespace imgbench
