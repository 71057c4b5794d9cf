// Mann–Whitney U against values worked out by hand; the arithmetic is next to each expectation.
#include "mannwhitney.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "error.hpp"

namespace imgbench {
namespace {

using V = std::vector<double>;

TEST(MannWhitney, SeparatedSamplesOfFiveGiveUZeroAndExactPOneIn252) {
  // Every x below every y: no pair has x > y, U = 0. Of the C(10, 5) = 252 equally likely
  // orderings only this one has U <= 0, so P(U <= 0) = 1/252.
  const auto r = mann_whitney(V{1, 2, 3, 4, 5}, V{6, 7, 8, 9, 10}, Alternative::Less);
  EXPECT_EQ(r.u, 0.0);
  ASSERT_TRUE(r.p_value.has_value());
  EXPECT_DOUBLE_EQ(*r.p_value, 1.0 / 252.0);
  EXPECT_NEAR(*r.p_value, 0.003968, 1e-6);
  EXPECT_TRUE(r.exact);
  EXPECT_FALSE(r.ties);
  // The other direction: P(U >= 0) = 1.
  EXPECT_DOUBLE_EQ(*mann_whitney(V{1, 2, 3, 4, 5}, V{6, 7, 8, 9, 10}, Alternative::Greater).p_value,
                   1.0);
}

TEST(MannWhitney, SwappingTheSamplesMirrorsU) {
  // x above every y: all 25 pairs have x > y, U = 25 = n_x·n_y; P(U >= 25) = 1/252.
  const auto r = mann_whitney(V{6, 7, 8, 9, 10}, V{1, 2, 3, 4, 5}, Alternative::Greater);
  EXPECT_EQ(r.u, 25.0);
  EXPECT_DOUBLE_EQ(*r.p_value, 1.0 / 252.0);
}

TEST(MannWhitney, ExactTailOfTwoAgainstTwo) {
  // x = {1, 3}, y = {2, 4}: only 3 > 2, U = 1. The six orderings of two x and two y give
  // U = 0, 1, 2, 2, 3, 4, so P(U <= 1) = 2/6 and P(U >= 1) = 5/6.
  const auto less = mann_whitney(V{1, 3}, V{2, 4}, Alternative::Less);
  EXPECT_EQ(less.u, 1.0);
  EXPECT_DOUBLE_EQ(*less.p_value, 2.0 / 6.0);
  EXPECT_DOUBLE_EQ(*mann_whitney(V{1, 3}, V{2, 4}, Alternative::Greater).p_value, 5.0 / 6.0);
}

TEST(MannWhitney, ExactTailOfThreeAgainstFour) {
  // x = {1, 2, 4}, y = {3, 5, 6, 7}: only 4 > 3, U = 1. C(7, 3) = 35 orderings; U = 0 once
  // (x all lowest) and U = 1 once (swap the top x with the lowest y): P(U <= 1) = 2/35.
  const auto r = mann_whitney(V{1, 2, 4}, V{3, 5, 6, 7}, Alternative::Less);
  EXPECT_EQ(r.u, 1.0);
  EXPECT_DOUBLE_EQ(*r.p_value, 2.0 / 35.0);
}

TEST(MannWhitney, TiesUseMidranksAndTheTieCorrectedNormalApproximation) {
  // x = {1, 2}, y = {2, 3}. Pooled ranks 1 (x), 2.5 (x), 2.5 (y), 4 (y): R_x = 3.5,
  // U = 3.5 − 2·3/2 = 0.5 (the tied pair counts one half).
  // Variance = 2·2/12 · ((4 + 1) − (2³ − 2)/(4·3)) = 1/3 · 4.5 = 1.5.
  // Less, continuity towards the mean: z = (0.5 − 2 + 0.5)/√1.5 = −0.8165, Φ(z) = 0.207108.
  const auto r = mann_whitney(V{1, 2}, V{2, 3}, Alternative::Less);
  EXPECT_EQ(r.u, 0.5);
  EXPECT_TRUE(r.ties);
  EXPECT_FALSE(r.exact);
  ASSERT_TRUE(r.p_value.has_value());
  EXPECT_NEAR(*r.p_value, 0.2071081, 1e-6);
}

TEST(MannWhitney, IdenticalConstantSamplesHavePOne) {
  // All ten values equal: U = 25/2, variance 0, no evidence in either direction (header: p = 1).
  const V same{5, 5, 5, 5, 5};
  for (const auto alternative : {Alternative::Greater, Alternative::Less}) {
    const auto r = mann_whitney(same, same, alternative);
    EXPECT_EQ(r.u, 12.5);
    ASSERT_TRUE(r.p_value.has_value());
    EXPECT_EQ(*r.p_value, 1.0);
  }
}

TEST(MannWhitney, IdenticalSamplesWithSpreadAreAboveOneHalf) {
  // x = y = {1..5}: five tie groups of 2, Σ(t³ − t) = 30, U = 12.5 = the mean.
  // Variance = 25/12 · (11 − 30/90) = 22.2222; Greater: z = −0.5/4.714 = −0.1061, p = 0.542235.
  const V spread{1, 2, 3, 4, 5};
  const auto r = mann_whitney(spread, spread, Alternative::Greater);
  EXPECT_EQ(r.u, 12.5);
  EXPECT_NEAR(*r.p_value, 0.5422350, 1e-6);
}

TEST(MannWhitney, FewerValuesThanTheMinimumGiveNoPValue) {
  // Four against five with a minimum of five a side: too few repetitions; U is still counted
  // (every x below every y: 0).
  const auto r = mann_whitney(V{1, 2, 3, 4}, V{6, 7, 8, 9, 10}, Alternative::Less, 5);
  EXPECT_FALSE(r.p_value.has_value());
  EXPECT_EQ(r.u, 0.0);
  // Empty samples: nothing at all, whatever the minimum.
  const auto empty = mann_whitney(V{}, V{1}, Alternative::Less);
  EXPECT_FALSE(empty.p_value.has_value());
  EXPECT_EQ(empty.u, 0.0);
}

TEST(MannWhitney, LargeSamplesUseTheNormalApproximation) {
  // 21 against 21, separated: U = 0, no ties, past kMannWhitneyExactMax. Variance =
  // 441/12 · 43 = 1580.25, σ = 39.752; z = (0 − 220.5 + 0.5)/39.752 = −5.534, p ≈ 1.6·10⁻⁸.
  V x;
  V y;
  for (int i = 0; i < 21; ++i) {
    x.push_back(i);
    y.push_back(100 + i);
  }
  const auto r = mann_whitney(x, y, Alternative::Less);
  EXPECT_FALSE(r.exact);
  EXPECT_EQ(r.u, 0.0);
  EXPECT_NEAR(*r.p_value, 0.5 * std::erfc(220.0 / std::sqrt(1580.25) / std::sqrt(2.0)), 1e-12);
  EXPECT_LT(*r.p_value, 1e-7);
}

TEST(MannWhitney, NonFiniteValuesAreRefusedNamingTheSample) {
  try {
    (void)mann_whitney(V{1, std::numeric_limits<double>::quiet_NaN()}, V{1}, Alternative::Less);
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sample x[1]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace imgbench
