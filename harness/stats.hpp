// Pure statistics over samples: percentiles and summaries.
//
// Percentile definition, used everywhere in imgbench: linear interpolation between closest ranks
// (Hyndman & Fan type 7, the default of R, NumPy and Excel's PERCENTILE.INC). For sorted x[0..n-1]
// and q in [0,1]: h = (n-1)·q, result = x[floor h] + (h - floor h)·(x[floor h + 1] - x[floor h]).
// Edge cases: an empty input has no percentile (std::nullopt); n = 1 gives x[0] for every q.
// Standard deviation is the sample standard deviation (n-1 denominator), 0 for n = 1.
// Non-finite input (NaN, ±infinity) is rejected: every function throws imgbench::Error naming the
// index, because a NaN has no rank (sorting it is undefined) and filtering would silently change n.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace imgbench {

struct Summary {
  std::size_t count = 0;
  double min = 0;
  double max = 0;
  double mean = 0;
  double stddev = 0;
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  double p999 = 0;
};

// `sorted` must be sorted ascending; q outside [0,1] is clamped; a NaN q throws Error.
[[nodiscard]] std::optional<double> percentile_sorted(std::span<const double> sorted, double q);
[[nodiscard]] std::optional<double> percentile(std::vector<double> values, double q);
[[nodiscard]] std::optional<double> median(std::vector<double> values);
// std::nullopt for an empty input.
[[nodiscard]] std::optional<Summary> summarize(std::vector<double> values);

}  // namespace imgbench
