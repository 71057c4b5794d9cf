#include "budget.hpp"

#include <cmath>
#include <cstdint>

#include "text.hpp"

namespace imgbench {
namespace {

std::optional<double> find(const std::map<std::string, double>& metrics, const std::string& name) {
  const auto it = metrics.find(name);
  if (it == metrics.end()) {
    return std::nullopt;
  }
  return it->second;
}

// at_most: actual <= limit passes; otherwise actual >= limit passes.
BudgetCheck make_check(const std::string& rule, const std::string& metric, double limit,
                       bool at_most, const std::map<std::string, double>& metrics) {
  BudgetCheck check;
  check.rule = rule;
  check.metric = metric;
  check.limit = limit;
  check.actual = find(metrics, metric);
  if (!check.actual || std::isnan(*check.actual)) {
    check.actual.reset();
    check.verdict = BudgetVerdict::NotMeasured;
  } else {
    const bool pass = at_most ? *check.actual <= limit : *check.actual >= limit;
    check.verdict = pass ? BudgetVerdict::Pass : BudgetVerdict::Over;
  }
  return check;
}

}  // namespace

bool Budget::empty() const { return *this == Budget{}; }

const char* to_string(BudgetVerdict verdict) {
  switch (verdict) {
    case BudgetVerdict::Pass:
      return "pass";
    case BudgetVerdict::Over:
      return "over";
    case BudgetVerdict::NotMeasured:
      return "not measured";
  }
  return "?";
}

std::vector<BudgetCheck> check_budget(const Budget& budget,
                                      const std::map<std::string, double>& metrics) {
  std::vector<BudgetCheck> checks;
  const auto at_most = [&](const char* rule, const char* metric,
                           const std::optional<std::int64_t>& limit) {
    if (limit) {
      checks.push_back(make_check(rule, metric, static_cast<double>(*limit), true, metrics));
    }
  };
  at_most("max_size_bytes", "size_bytes", budget.max_size_bytes);
  at_most("max_compressed_bytes", "compressed_bytes", budget.max_compressed_bytes);
  at_most("max_layers", "layers", budget.max_layers);
  at_most("max_shadowed_bytes", "shadowed_bytes", budget.max_shadowed_bytes);
  if (budget.min_efficiency) {
    checks.push_back(
        make_check("min_efficiency", "efficiency", *budget.min_efficiency, false, metrics));
  }
  // non_root: false asks nothing (root is allowed), so only `true` makes a rule.
  if (budget.non_root.value_or(false)) {
    checks.push_back(make_check("non_root", "runs_as_root", 0, true, metrics));
  }
  return checks;
}

std::string format_budget_value(const std::string& rule, double value) {
  if (rule == "non_root") {
    return value > 0 ? "root" : "non-root";
  }
  if (rule == "min_efficiency") {
    return fixed(value, 3);
  }
  if (rule == "max_layers") {
    return fixed(value, 0);
  }
  return human_bytes(static_cast<std::int64_t>(std::llround(value)));
}

}  // namespace imgbench
