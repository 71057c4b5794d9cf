// Budgets: each rule's verdict against hand-picked metrics (inclusive limits, missing metrics), the
// way limits read in a report, and `imgbench check`'s choice of budget, notes and exit code.
#include "budget.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "check.hpp"
#include "error.hpp"

namespace imgbench {
namespace {

const BudgetCheck& rule(const std::vector<BudgetCheck>& checks, const std::string& name) {
  const auto it = std::find_if(checks.begin(), checks.end(),
                               [&](const BudgetCheck& c) { return c.rule == name; });
  if (it == checks.end()) {
    throw std::runtime_error("no check for rule " + name);
  }
  return *it;
}

TEST(CheckBudget, AnEmptyBudgetMakesNoChecks) {
  EXPECT_TRUE(Budget{}.empty());
  EXPECT_TRUE(check_budget(Budget{}, {{"size_bytes", 1e12}}).empty());
}

TEST(CheckBudget, EveryRuleReadsItsMetricAndLimitsAreInclusive) {
  const Budget budget{.max_size_bytes = 1000,
                      .max_compressed_bytes = 500,
                      .max_layers = 3,
                      .max_shadowed_bytes = 0,
                      .min_efficiency = 0.9,
                      .non_root = true};
  EXPECT_FALSE(budget.empty());
  // Every value sits exactly on its limit: all pass.
  const std::map<std::string, double> on_the_line = {
      {"size_bytes", 1000},  {"compressed_bytes", 500}, {"layers", 3},
      {"shadowed_bytes", 0}, {"efficiency", 0.9},       {"runs_as_root", 0}};
  const auto checks = check_budget(budget, on_the_line);
  ASSERT_EQ(checks.size(), 6U);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"max_size_bytes", "size_bytes"}, {"max_compressed_bytes", "compressed_bytes"},
      {"max_layers", "layers"},         {"max_shadowed_bytes", "shadowed_bytes"},
      {"min_efficiency", "efficiency"}, {"non_root", "runs_as_root"}};
  for (std::size_t i = 0; i < checks.size(); ++i) {
    EXPECT_EQ(checks[i].rule, expected[i].first);
    EXPECT_EQ(checks[i].metric, expected[i].second);
    EXPECT_EQ(checks[i].verdict, BudgetVerdict::Pass) << checks[i].rule;
    EXPECT_EQ(checks[i].actual, on_the_line.at(checks[i].metric));
  }

  // One step past each limit: all over.
  const std::map<std::string, double> past = {{"size_bytes", 1001},   {"compressed_bytes", 501},
                                              {"layers", 4},          {"shadowed_bytes", 1},
                                              {"efficiency", 0.8999}, {"runs_as_root", 1}};
  for (const auto& check : check_budget(budget, past)) {
    EXPECT_EQ(check.verdict, BudgetVerdict::Over) << check.rule;
  }
}

TEST(CheckBudget, AMissingMetricIsNotMeasuredNeverAPass) {
  const Budget budget{.max_size_bytes = 1000, .max_compressed_bytes = 500, .non_root = true};
  const auto checks = check_budget(budget, {{"size_bytes", 10}});
  ASSERT_EQ(checks.size(), 3U);
  EXPECT_EQ(rule(checks, "max_size_bytes").verdict, BudgetVerdict::Pass);
  EXPECT_EQ(rule(checks, "max_compressed_bytes").verdict, BudgetVerdict::NotMeasured);
  EXPECT_FALSE(rule(checks, "max_compressed_bytes").actual.has_value());
  EXPECT_EQ(rule(checks, "non_root").verdict, BudgetVerdict::NotMeasured);
}

TEST(CheckBudget, NonRootFalseAllowsRootAndMakesNoRule) {
  const Budget budget{.non_root = false};
  EXPECT_FALSE(budget.empty());
  EXPECT_TRUE(check_budget(budget, {{"runs_as_root", 1}}).empty());
}

TEST(CheckBudget, ValuesReadInTheRulesUnit) {
  EXPECT_EQ(format_budget_value("max_size_bytes", 583'209'327), "583.2 MB");
  EXPECT_EQ(format_budget_value("max_compressed_bytes", 999), "999 B");
  EXPECT_EQ(format_budget_value("max_layers", 4), "4");
  EXPECT_EQ(format_budget_value("min_efficiency", 0.9987), "0.999");
  EXPECT_EQ(format_budget_value("non_root", 1), "root");
  EXPECT_EQ(format_budget_value("non_root", 0), "non-root");
  EXPECT_EQ(to_string(BudgetVerdict::Over), std::string("over"));
  EXPECT_EQ(to_string(BudgetVerdict::NotMeasured), std::string("not measured"));
}

// ---- check_budgets: what `imgbench check` decides -------------------------------------------

VariantResult measured(const std::string& name, std::map<std::string, double> metrics) {
  VariantResult v;
  v.name = name;
  v.metrics = std::move(metrics);
  return v;
}

Variant variant(const std::string& name, Budget budget) {
  Variant v;
  v.name = name;
  v.budget = budget;
  return v;
}

bool has_note(const BudgetReport& report, const std::string& part) {
  return std::any_of(report.notes.begin(), report.notes.end(),
                     [&](const std::string& n) { return n.find(part) != std::string::npos; });
}

TEST(CheckBudgets, EveryBudgetMetIsExitZero) {
  Results results;
  results.variants = {measured("static", {{"size_bytes", 1'000'000}, {"layers", 1}})};
  const auto report =
      check_budgets(results, {variant("static", {.max_size_bytes = 1'500'000, .max_layers = 2})});
  EXPECT_EQ(report.exit_code, kExitOk);
  EXPECT_EQ(report.over, 0);
  ASSERT_EQ(report.checked.size(), 1U);
  EXPECT_EQ(report.checked[0].budget.max_size_bytes, 1'500'000);
}

TEST(CheckBudgets, TheCurrentVariantJsonWinsOverTheBudgetRecordedInTheRun) {
  Results results;
  VariantResult v = measured("slim", {{"size_bytes", 130'000'000}});
  v.budget.max_size_bytes = 200'000'000;  // what variant.json said when the run started
  results.variants = {v};
  const auto report = check_budgets(results, {variant("slim", {.max_size_bytes = 120'000'000})});
  EXPECT_EQ(report.exit_code, kExitRegression);
  EXPECT_EQ(report.over, 1);
  EXPECT_EQ(report.checked.at(0).budget.max_size_bytes, 120'000'000);
}

TEST(CheckBudgets, AVariantGoneFromVariantsIsCheckedAgainstItsRecordedBudgetWithANote) {
  Results results;
  VariantResult v = measured("old", {{"layers", 9}});
  v.budget.max_layers = 4;
  results.variants = {v};
  const auto report = check_budgets(results, {});
  EXPECT_EQ(report.exit_code, kExitRegression);
  EXPECT_TRUE(has_note(report, "old: no variant.json for it now")) << report.notes.size();
}

TEST(CheckBudgets, AnOverRuleWinsOverAFailedVariant) {
  Results results;
  VariantResult failed;
  failed.name = "broken";
  failed.status = VariantStatus::Failed;
  failed.reason = "docker build exited 1";
  results.variants = {measured("fat", {{"size_bytes", 700'000'000}}), failed};
  const std::vector<Variant> current = {variant("fat", {.max_size_bytes = 650'000'000}),
                                        variant("broken", {.max_layers = 3})};
  const auto report = check_budgets(results, current);
  EXPECT_EQ(report.exit_code, kExitRegression);
  EXPECT_EQ(report.failed, 1);
  EXPECT_TRUE(has_note(report, "broken: failed in this run (docker build exited 1)"));
}

TEST(CheckBudgets, AFailedVariantWithABudgetIsExitThree) {
  Results results;
  VariantResult failed;
  failed.name = "broken";
  failed.status = VariantStatus::Failed;
  results.variants = {measured("fat", {{"size_bytes", 1}}), failed};
  const auto report = check_budgets(
      results, {variant("fat", {.max_size_bytes = 10}), variant("broken", {.max_layers = 3})});
  EXPECT_EQ(report.exit_code, kExitMeasurementFailed);
  // The failed variant is listed, its rules not measured.
  ASSERT_EQ(report.checked.size(), 2U);
  EXPECT_EQ(report.not_measured, 0);  // not measured because it failed, counted as failed
}

TEST(CheckBudgets, ARuleWithoutItsMetricIsExitTwoAndSaysWhy) {
  Results results;
  results.variants = {measured("slim", {{"size_bytes", 1}})};
  const auto report =
      check_budgets(results, {variant("slim", {.max_size_bytes = 10, .max_compressed_bytes = 10})});
  EXPECT_EQ(report.exit_code, kExitUsage);
  EXPECT_EQ(report.not_measured, 1);
  EXPECT_TRUE(has_note(report, "slim: budget.max_compressed_bytes needs compressed_bytes"));
  EXPECT_TRUE(has_note(report, "--no-anatomy"));
}

TEST(CheckBudgets, SkippedAndUnmeasuredVariantsGetANoteOnly) {
  Results results;
  VariantResult skipped;
  skipped.name = "writeup-alpine";
  skipped.status = VariantStatus::Skipped;
  skipped.reason = "needs python:3.7-alpine from a registry";
  results.variants = {measured("static", {{"layers", 1}}), skipped};
  const std::vector<Variant> current = {variant("static", {.max_layers = 1}),
                                        variant("writeup-alpine", {.max_layers = 2}),
                                        variant("not-run", {.max_layers = 2})};
  const auto report = check_budgets(results, current);
  EXPECT_EQ(report.exit_code, kExitOk);
  EXPECT_EQ(report.checked.size(), 1U);
  EXPECT_TRUE(has_note(report, "writeup-alpine: skipped in this run"));
  EXPECT_TRUE(has_note(report, "not-run: not in this run"));
}

TEST(CheckBudgets, NothingToCheckIsExitTwo) {
  Results results;
  results.variants = {measured("static", {{"layers", 1}})};
  const auto report = check_budgets(results, {variant("static", {})});
  EXPECT_EQ(report.exit_code, kExitUsage);
  EXPECT_TRUE(has_note(report, "nothing to check"));
}

}  // namespace
}  // namespace imgbench
