#include "check.hpp"

#include <algorithm>

#include "error.hpp"

namespace imgbench {

BudgetReport check_budgets(const Results& results, const std::vector<Variant>& current) {
  BudgetReport report;
  const auto find_current = [&](const std::string& name) -> const Variant* {
    const auto it = std::find_if(current.begin(), current.end(),
                                 [&](const Variant& v) { return v.name == name; });
    return it == current.end() ? nullptr : &*it;
  };

  for (const auto& result : results.variants) {
    VariantResult v = result;
    if (const Variant* now = find_current(v.name)) {
      v.budget = now->budget;
    } else if (!v.budget.empty()) {
      report.notes.push_back(v.name +
                             ": no variant.json for it now; checked against the budget "
                             "recorded in the run");
    }
    if (v.budget.empty()) {
      continue;
    }
    if (v.status == VariantStatus::Skipped) {
      report.notes.push_back(v.name +
                             ": skipped in this run (see the report for why); its "
                             "budget was not checked");
      continue;
    }
    if (v.status == VariantStatus::Failed) {
      ++report.failed;
      report.notes.push_back(v.name + ": failed in this run (" + v.reason.value_or("no reason") +
                             "); its budget could not be checked");
    }
    for (const auto& check : check_budget(v.budget, v.metrics)) {
      if (check.verdict == BudgetVerdict::Over) {
        ++report.over;
      } else if (check.verdict == BudgetVerdict::NotMeasured && v.status == VariantStatus::Ok) {
        ++report.not_measured;
        report.notes.push_back(v.name + ": budget." + check.rule + " needs " + check.metric +
                               ", which this run did not record" +
                               (check.metric == "size_bytes" || check.metric == "layers"
                                    ? std::string()
                                    : std::string(" (was it run with --no-anatomy?)")));
      }
    }
    report.checked.push_back(std::move(v));
  }

  for (const auto& variant : current) {
    const bool in_run = std::any_of(results.variants.begin(), results.variants.end(),
                                    [&](const VariantResult& r) { return r.name == variant.name; });
    if (!in_run && !variant.budget.empty()) {
      report.notes.push_back(variant.name + ": not in this run; its budget was not checked");
    }
  }

  if (report.over > 0) {
    report.exit_code = kExitRegression;
  } else if (report.failed > 0) {
    report.exit_code = kExitMeasurementFailed;
  } else if (report.not_measured > 0 || report.checked.empty()) {
    if (report.checked.empty()) {
      report.notes.push_back("nothing to check: no variant measured in this run sets a budget");
    }
    report.exit_code = kExitUsage;
  }
  return report;
}

}  // namespace imgbench
