// The Mann–Whitney U test (Wilcoxon rank-sum), one-sided: does sample x tend to be larger (or
// smaller) than sample y? Pure; used by the regression rules on per-repetition samples.
//
// U is the statistic of x: the number of pairs (x_i, y_j) with x_i > y_j, plus one half for each
// pair with x_i == y_j (equivalently R_x − n_x(n_x+1)/2 with midranks for ties). It ranges over
// [0, n_x·n_y] and is n_x·n_y/2 when nothing separates the samples.
//
// p-value, one-sided, of the alternative asked for: Greater is P(U ≥ u), Less is P(U ≤ u), under
// the null hypothesis that both samples come from one distribution.
// - Exact when neither sample has more than kMannWhitneyExactMax values and no value occurs twice
//   in the pooled samples: the U distribution is counted with the recurrence
//   f(m, n, k) = f(m − 1, n, k − n) + f(m, n − 1, k) (is the largest value an x or a y?).
// - Otherwise the normal approximation: mean n_x·n_y/2, variance n_x·n_y/12 · ((N + 1) −
//   Σ(t³ − t)/(N(N − 1))) over tie groups of size t (N = n_x + n_y), with a continuity
//   correction of 0.5 towards the mean.
// Edge cases:
// - Every pooled value equal (identical constant samples, variance 0): no evidence either way,
//   p = 1 for both alternatives. Identical samples with spread (x = y = {1, 2, 3}) get the test's
//   own answer, which is above 0.5.
// - A sample with fewer than `min_per_side` values (at least 1): "too few repetitions", p_value is
//   absent; U is still given (0 when a sample is empty).
// - A NaN or infinite value throws imgbench::Error naming the sample and index.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

namespace imgbench {

inline constexpr std::size_t kMannWhitneyExactMax = 20;

enum class Alternative { Greater, Less };  // x tends to be larger / smaller than y

struct MannWhitney {
  double u = 0;                   // U of x, as above
  std::optional<double> p_value;  // absent: fewer than min_per_side values on a side
  bool exact = false;             // p from the exact distribution, not the normal approximation
  bool ties = false;              // some value occurs more than once in the pooled samples
};

[[nodiscard]] MannWhitney mann_whitney(std::span<const double> x, std::span<const double> y,
                                       Alternative alternative, std::size_t min_per_side = 1);

}  // namespace imgbench
