#include "mannwhitney.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "error.hpp"

namespace imgbench {
namespace {

void require_finite(std::span<const double> values, const char* name) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      throw Error(std::string("mann_whitney: sample ") + name + "[" + std::to_string(i) + "] is " +
                  std::to_string(values[i]) + ", expected a finite number");
    }
  }
}

struct Ranked {
  double rank_sum_x = 0;
  double tie_term = 0;  // Σ(t³ − t) over tie groups
  bool ties = false;
};

// Midranks: a group of t equal values at sorted positions i+1 … i+t all get (2i + t + 1) / 2.
Ranked rank(std::span<const double> x, std::span<const double> y) {
  struct Value {
    double value;
    bool from_x;
  };
  std::vector<Value> pooled;
  pooled.reserve(x.size() + y.size());
  for (const double v : x) {
    pooled.push_back({v, true});
  }
  for (const double v : y) {
    pooled.push_back({v, false});
  }
  std::sort(pooled.begin(), pooled.end(),
            [](const Value& a, const Value& b) { return a.value < b.value; });
  Ranked ranked;
  for (std::size_t i = 0; i < pooled.size();) {
    std::size_t end = i + 1;
    while (end < pooled.size() && pooled[end].value == pooled[i].value) {
      ++end;
    }
    const auto t = static_cast<double>(end - i);
    const double midrank = (2.0 * static_cast<double>(i) + t + 1.0) / 2.0;
    for (std::size_t k = i; k < end; ++k) {
      if (pooled[k].from_x) {
        ranked.rank_sum_x += midrank;
      }
    }
    if (end - i > 1) {
      ranked.ties = true;
      ranked.tie_term += t * t * t - t;
    }
    i = end;
  }
  return ranked;
}

// counts[k]: how many of the C(m+n, m) orderings give U = k, by the recurrence in the header,
// filled for every (i, j) up to (m, n). Counts stay below C(40, 20) ≈ 1.4·10^11: exact in uint64.
std::vector<std::uint64_t> u_distribution(std::size_t m, std::size_t n) {
  std::vector<std::vector<std::vector<std::uint64_t>>> f(
      m + 1, std::vector<std::vector<std::uint64_t>>(n + 1));
  for (std::size_t i = 0; i <= m; ++i) {
    for (std::size_t j = 0; j <= n; ++j) {
      auto& cell = f[i][j];
      cell.assign(i * j + 1, 0);
      if (i == 0 || j == 0) {
        cell[0] = 1;
        continue;
      }
      // The largest value is an x: it beats all j values of y, the rest is (i − 1, j).
      const auto& x_largest = f[i - 1][j];
      for (std::size_t k = 0; k < x_largest.size(); ++k) {
        cell[k + j] += x_largest[k];
      }
      // The largest value is a y: it adds nothing to U, the rest is (i, j − 1).
      const auto& y_largest = f[i][j - 1];
      for (std::size_t k = 0; k < y_largest.size(); ++k) {
        cell[k] += y_largest[k];
      }
    }
  }
  return f[m][n];
}

double exact_p(double u, std::size_t m, std::size_t n, Alternative alternative) {
  const auto counts = u_distribution(m, n);
  const auto observed = static_cast<std::size_t>(std::llround(u));
  std::uint64_t total = 0;
  std::uint64_t tail = 0;
  for (std::size_t k = 0; k < counts.size(); ++k) {
    total += counts[k];
    const bool in_tail = alternative == Alternative::Greater ? k >= observed : k <= observed;
    if (in_tail) {
      tail += counts[k];
    }
  }
  return static_cast<double>(tail) / static_cast<double>(total);
}

double normal_p(double u, double m, double n, double tie_term, Alternative alternative) {
  const double count = m + n;
  const double mean = m * n / 2.0;
  const double variance = m * n / 12.0 * ((count + 1.0) - tie_term / (count * (count - 1.0)));
  if (variance <= 0) {
    return 1.0;  // every pooled value equal: nothing to test (header)
  }
  const double sigma = std::sqrt(variance);
  if (alternative == Alternative::Greater) {
    const double z = (u - mean - 0.5) / sigma;
    return 0.5 * std::erfc(z / std::sqrt(2.0));  // 1 − Φ(z)
  }
  const double z = (u - mean + 0.5) / sigma;
  return 0.5 * std::erfc(-z / std::sqrt(2.0));  // Φ(z)
}

}  // namespace

MannWhitney mann_whitney(std::span<const double> x, std::span<const double> y,
                         Alternative alternative, std::size_t min_per_side) {
  require_finite(x, "x");
  require_finite(y, "y");
  MannWhitney result;
  if (x.empty() || y.empty()) {
    return result;
  }
  const Ranked ranked = rank(x, y);
  const auto m = static_cast<double>(x.size());
  const auto n = static_cast<double>(y.size());
  result.u = ranked.rank_sum_x - m * (m + 1.0) / 2.0;
  result.ties = ranked.ties;
  if (x.size() < std::max<std::size_t>(min_per_side, 1) ||
      y.size() < std::max<std::size_t>(min_per_side, 1)) {
    return result;
  }
  if (!ranked.ties && x.size() <= kMannWhitneyExactMax && y.size() <= kMannWhitneyExactMax) {
    result.exact = true;
    result.p_value = exact_p(result.u, x.size(), y.size(), alternative);
  } else {
    result.p_value = normal_p(result.u, m, n, ranked.tie_term, alternative);
  }
  return result;
}

}  // namespace imgbench
