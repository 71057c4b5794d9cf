// `imgbench check`: the verdicts a CI job acts on. Budgets from the variants' variant.json are
// checked against a run's results; the exit code says what the job should do.
#pragma once

#include <string>
#include <vector>

#include "results.hpp"
#include "variant.hpp"

namespace imgbench {

struct BudgetReport {
  // The run's variants that were checked (status ok or failed, with a budget), each carrying the
  // budget it was checked against.
  std::vector<VariantResult> checked;
  std::vector<std::string> notes;  // one sentence each: what was not checked and why
  int over = 0;                    // rules over budget
  int not_measured = 0;            // rules of measured variants whose metric the run lacks
  int failed = 0;                  // variants with a budget that failed in the run
  // 1: a rule is over; else 3: a variant with a budget failed (its measurement failed); else 2:
  // a rule could not be checked, or nothing at all was checked; else 0.
  int exit_code = 0;
};

// Each variant of `results` is checked against the budget of the variant of the same name in
// `current` (the variant.json files as they are now, the committed source of truth); a variant no
// longer in `current` is checked against the budget recorded in the run, with a note saying so.
// Skipped variants, and variants of `current` that the run did not measure, get a note only.
[[nodiscard]] BudgetReport check_budgets(const Results& results,
                                         const std::vector<Variant>& current);

}  // namespace imgbench
