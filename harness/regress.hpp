// Regression rules: a run compared with a baseline run under a Policy, one verdict a variant and
// metric, each with its reason. Pure: values in, values out (DESIGN.md "Regression rules").
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy.hpp"
#include "results.hpp"

namespace imgbench {

// A regression someone looked at and accepted, kept in results/baseline.json under "accepted".
struct AcceptedRegression {
  std::string variant;
  std::string metric;
  std::string reason;
  bool operator==(const AcceptedRegression&) const = default;
};

enum class Verdict {
  Regressed,      // worse beyond the rule's thresholds (and significant, for noisy metrics)
  Accepted,       // would be Regressed, but the baseline lists it as accepted
  Improved,       // better beyond the thresholds (and significant)
  TooFewSamples,  // noisy metric with fewer repetition samples a side than min_repetitions
  NotMeasured,    // the variant is in both runs but one of them lacks this metric
  New,            // variant measured now, not in the baseline (one row, metric "")
  Gone,           // variant in the baseline, not in this run (one row, metric "")
  Noise,          // noisy metric: within the threshold, or not significant
  Unchanged,      // deterministic metric: within the thresholds
};
[[nodiscard]] const char* to_string(Verdict verdict);  // "regressed", "too-few-samples", …

struct ComparisonRow {
  std::string variant;
  std::string metric;  // "" for New and Gone rows, which stand for the whole variant
  std::optional<double> baseline;
  std::optional<double> current;
  // (current − baseline) / baseline · 100; for noisy metrics with samples on both sides, of the
  // medians of the samples (the effect). Absent when a value is missing or the baseline is 0.
  std::optional<double> change_pct;
  // Noisy metrics with enough samples: the one-sided Mann–Whitney p in the direction the medians
  // moved (worse for a regression, better for an improvement).
  std::optional<double> p_value;
  Verdict verdict = Verdict::Unchanged;
  std::string reason;  // one sentence: why this verdict
};

struct Comparison {
  std::string baseline_run;  // run ids, for the report's heading
  std::string current_run;
  std::vector<ComparisonRow> rows;      // variants in the current run's order, then gone ones;
                                        // metrics in the policy's order
  std::vector<std::string> conditions;  // run conditions that differ (condition_differences)
  std::vector<std::string> notes;       // accepted entries that did not regress
  std::vector<std::string> failed;      // variants that failed in the current run
  [[nodiscard]] int count(Verdict verdict) const;
  // Rows that compared a value on both sides (any verdict but New, Gone and NotMeasured).
  [[nodiscard]] int compared() const;
};

// Every metric of `policy` for every variant of either run. Variants skipped in both runs give no
// rows; a variant skipped or failed on one side gives NotMeasured rows for the metrics the other
// side has. A failed current variant is also listed in `failed`.
[[nodiscard]] Comparison compare(const Results& baseline, const Results& current,
                                 const Policy& policy,
                                 const std::vector<AcceptedRegression>& accepted = {});

// The run conditions that differ, one line each: "docker_server_version: baseline 20.10.24,
// current 24.0.7". Docker server version, builder, storage driver, kernel, CPUs and every
// measurement parameter (requests, warmup, repetitions, via, placement, CPU set, connections,
// duration, rate, stop timeout).
[[nodiscard]] std::vector<std::string> condition_differences(const RunInfo& baseline,
                                                             const RunInfo& current);

// The "accepted" array of a baseline document (absent: none). Each entry needs non-empty string
// fields variant, metric and reason, nothing else; throws Error("<source>: accepted[1].reason:
// expected …").
[[nodiscard]] std::vector<AcceptedRegression> accepted_from_json(const nlohmann::json& document,
                                                                 std::string_view source);
[[nodiscard]] nlohmann::json accepted_to_json(const std::vector<AcceptedRegression>& accepted);

// A metric's value as a comparison shows it, by the unit in its name: "_bytes" as human_bytes
// ("583.2 MB"), "_us" and "_ms" with one decimal and the unit ("154.2 µs"), "_rps" whole
// ("9313 rps"), "efficiency" with three decimals, anything else as the shortest exact number.
// `signed_change` prefixes "+" to a positive value (a difference rather than a level).
[[nodiscard]] std::string format_metric(std::string_view metric, double value,
                                        bool signed_change = false);

}  // namespace imgbench
