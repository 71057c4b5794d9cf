// The regression policy (`imgbench.policy.json` at the repository root): which metrics a baseline
// comparison looks at, how each one is judged, and per-variant overrides. Parsing only; pure.
//
// {
//   "metrics": {
//     "size_bytes":     { "kind": "deterministic", "better": "lower",
//                         "threshold_pct": 2, "threshold_abs": 1048576 },
//     "latency_p50_us": { "kind": "noisy", "better": "lower",
//                         "threshold_pct": 10, "alpha": 0.01, "min_repetitions": 5 }
//   },
//   "variants": { "fat": { "latency_p50_us": { "threshold_pct": 25 } } }
// }
//
// Thresholds are inclusive and apply to the change in the worse direction: a deterministic metric
// regresses when it got worse by at least threshold_abs (in the metric's unit) and at least
// threshold_pct percent of the baseline; a noisy one when its effect (ratio of the medians of the
// repetition samples) is at least threshold_pct and the one-sided Mann–Whitney p < alpha with at
// least min_repetitions samples a side. A change of zero never regresses.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgbench {

enum class MetricKind { Deterministic, Noisy };
enum class Better { Lower, Higher };

struct MetricRule {
  std::string metric;
  MetricKind kind = MetricKind::Deterministic;
  Better better = Better::Lower;
  double threshold_pct = 0;  // both kinds
  double threshold_abs = 0;  // deterministic only
  double alpha = 0.01;       // noisy only
  int min_repetitions = 5;   // noisy only
  bool operator==(const MetricRule&) const = default;
};

// A variant's changes to one metric's rule; what is absent keeps the metric's value.
struct RuleOverride {
  std::optional<double> threshold_pct;
  std::optional<double> threshold_abs;
  std::optional<double> alpha;
  std::optional<int> min_repetitions;
  bool operator==(const RuleOverride&) const = default;
};

struct Policy {
  std::vector<MetricRule> metrics;  // in the file's order, which is the order of the rows
  std::map<std::string, std::map<std::string, RuleOverride>> overrides;  // variant → metric → …
  // The metric's rule with the variant's override applied; `metric` must be one of `metrics`
  // (throws Error otherwise).
  [[nodiscard]] MetricRule rule_for(std::string_view variant, std::string_view metric) const;
  bool operator==(const Policy&) const = default;
};

// The defaults the committed imgbench.policy.json holds: bytes +2 % and +1 MiB, layers +1,
// efficiency −0.02, noisy metrics ±10 % at p < 0.01 with 5 repetitions a side.
[[nodiscard]] Policy default_policy();

// Throws Error("<source>: <field>: expected …, found …") listing every problem at once; unknown
// keys are refused with the known ones listed, like variant.json.
[[nodiscard]] Policy parse_policy(std::string_view json_text, std::string_view source);

[[nodiscard]] const char* to_string(MetricKind kind);
[[nodiscard]] const char* to_string(Better better);

}  // namespace imgbench
