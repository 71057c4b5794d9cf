#include "stats.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "error.hpp"

namespace imgbench {
namespace {

// Checked before sorting: std::sort with a NaN breaks strict weak ordering (undefined behaviour),
// and an infinity turns the interpolation into inf - inf = NaN.
void require_finite(std::span<const double> values, const char* function) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      throw Error(std::string("stats: ") + function + ": sample " + std::to_string(i) + " is " +
                  std::to_string(values[i]) + ", expected a finite number");
    }
  }
}

// Out-of-range q is clamped (documented), but NaN cannot be clamped: every comparison with it is
// false, so it would reach the size_t conversion below, which is undefined for NaN.
void require_q(double q, const char* function) {
  if (std::isnan(q)) {
    throw Error(std::string("stats: ") + function + ": q is NaN, expected a number in [0, 1]");
  }
}

// Type 7 on an already checked, sorted, non-empty input.
double interpolate(std::span<const double> sorted, double q) {
  q = std::clamp(q, 0.0, 1.0);
  const std::size_t last = sorted.size() - 1;
  const double h = static_cast<double>(last) * q;
  const double floor_h = std::floor(h);
  const auto lo = std::min(static_cast<std::size_t>(floor_h), last);
  const std::size_t hi = std::min(lo + 1, last);
  const double fraction = h - floor_h;
  // Skipping the multiplication when nothing is interpolated keeps q = 0, q = 1 and exact ranks
  // exact, bit for bit.
  if (fraction == 0.0 || lo == hi) {
    return sorted[lo];
  }
  return sorted[lo] + fraction * (sorted[hi] - sorted[lo]);
}

}  // namespace

std::optional<double> percentile_sorted(std::span<const double> sorted, double q) {
  require_finite(sorted, "percentile_sorted");
  require_q(q, "percentile_sorted");
  if (sorted.empty()) {
    return std::nullopt;
  }
  return interpolate(sorted, q);
}

std::optional<double> percentile(std::vector<double> values, double q) {
  require_finite(values, "percentile");
  require_q(q, "percentile");
  if (values.empty()) {
    return std::nullopt;
  }
  std::sort(values.begin(), values.end());
  return interpolate(values, q);
}

std::optional<double> median(std::vector<double> values) {
  return percentile(std::move(values), 0.5);
}

std::optional<Summary> summarize(std::vector<double> values) {
  require_finite(values, "summarize");
  if (values.empty()) {
    return std::nullopt;
  }
  std::sort(values.begin(), values.end());
  const std::span<const double> sorted(values);

  Summary summary;
  summary.count = sorted.size();
  summary.min = sorted.front();
  summary.max = sorted.back();

  double sum = 0;
  for (const double x : sorted) {
    sum += x;
  }
  const auto n = static_cast<double>(sorted.size());
  summary.mean = sum / n;
  // Two passes (mean first, then squared deviations) instead of sum of squares: latencies share a
  // large common offset, and E[x²] - E[x]² cancels catastrophically there.
  if (sorted.size() > 1) {
    double squares = 0;
    for (const double x : sorted) {
      const double d = x - summary.mean;
      squares += d * d;
    }
    summary.stddev = std::sqrt(squares / (n - 1));
  }

  summary.p50 = interpolate(sorted, 0.50);
  summary.p90 = interpolate(sorted, 0.90);
  summary.p99 = interpolate(sorted, 0.99);
  summary.p999 = interpolate(sorted, 0.999);
  return summary;
}

}  // namespace imgbench
