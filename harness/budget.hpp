// Budgets: the limits a variant.json sets on its image (dive's CI rules and more, for every variant
// in one place), and their verdicts against a run's metrics.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace imgbench {

struct Budget {
  std::optional<std::int64_t> max_size_bytes{};        // size_bytes <= limit
  std::optional<std::int64_t> max_compressed_bytes{};  // compressed_bytes <= limit
  std::optional<std::int64_t> max_layers{};            // layers <= limit
  std::optional<std::int64_t> max_shadowed_bytes{};    // shadowed_bytes <= limit
  std::optional<double> min_efficiency{};              // efficiency (the corrected one) >= limit
  std::optional<bool> non_root{};                      // true: runs_as_root must be 0
  [[nodiscard]] bool empty() const;
  bool operator==(const Budget&) const = default;
};

enum class BudgetVerdict { Pass, Over, NotMeasured };
[[nodiscard]] const char* to_string(BudgetVerdict verdict);

struct BudgetCheck {
  std::string rule;                // the variant.json key, e.g. "max_size_bytes"
  std::string metric;              // the results metric it reads, e.g. "size_bytes"
  double limit = 0;                // non_root: 0 (runs_as_root must equal it)
  std::optional<double> actual{};  // absent when the metric was not measured
  BudgetVerdict verdict = BudgetVerdict::NotMeasured;
};

// One check per rule the budget sets, in the order of the Budget fields. A rule whose metric is
// missing from `metrics` (no anatomy, a failed variant) is NotMeasured, never Pass. Limits are
// inclusive: a size equal to max_size_bytes passes.
[[nodiscard]] std::vector<BudgetCheck> check_budget(const Budget& budget,
                                                    const std::map<std::string, double>& metrics);

// "583.2 MB" for byte rules, "4" for layers, "0.912" for efficiency, "root"/"non-root" for
// non_root: how a limit or a measured value reads in a report.
[[nodiscard]] std::string format_budget_value(const std::string& rule, double value);

}  // namespace imgbench
