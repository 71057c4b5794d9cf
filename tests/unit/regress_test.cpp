// Regression rules: the policy file and its errors, each deterministic threshold from both sides,
// noisy metrics through Mann–Whitney, accepted regressions, new/gone/not-measured variants and
// differing run conditions. Data is built here; nothing touches the engine.
#include "regress.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "baseline.hpp"
#include "error.hpp"
#include "policy.hpp"
#include "result_builders.hpp"

namespace imgbench {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

using test::variant;

Results run(const std::string& id, std::vector<VariantResult> variants) {
  Results r;
  r.run.id = id;
  r.variants = std::move(variants);
  return r;
}

const ComparisonRow& row(const Comparison& c, const std::string& variant,
                         const std::string& metric) {
  const auto it = std::find_if(c.rows.begin(), c.rows.end(), [&](const ComparisonRow& r) {
    return r.variant == variant && r.metric == metric;
  });
  if (it == c.rows.end()) {
    throw std::runtime_error("no row " + variant + " " + metric);
  }
  return *it;
}

// One deterministic metric, baseline → current, under the default policy.
Verdict judge(const std::string& metric, double baseline, double current) {
  const auto c = compare(run("b", {variant("v", {{metric, baseline}})}),
                         run("c", {variant("v", {{metric, current}})}), default_policy());
  return row(c, "v", metric).verdict;
}

std::string error_of(const std::string& text) {
  try {
    (void)parse_policy(text, "imgbench.policy.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// ---- policy ---------------------------------------------------------------------------------

TEST(Policy, TheCommittedFileHoldsTheDefaults) {
  const auto text = read_text_file(std::string(IMGBENCH_SOURCE_DIR) + "/imgbench.policy.json");
  EXPECT_EQ(parse_policy(text, "imgbench.policy.json"), default_policy());
}

TEST(Policy, AVariantOverrideChangesOnlyItsFields) {
  const Policy p = parse_policy(R"({
    "metrics": { "latency_p50_us": { "kind": "noisy", "better": "lower" } },
    "variants": { "fat": { "latency_p50_us": { "threshold_pct": 25 } } } })",
                                "p.json");
  const MetricRule fat = p.rule_for("fat", "latency_p50_us");
  EXPECT_EQ(fat.threshold_pct, 25.0);
  EXPECT_EQ(fat.alpha, 0.01);  // the noisy defaults where the file says nothing
  EXPECT_EQ(fat.min_repetitions, 5);
  EXPECT_EQ(p.rule_for("static", "latency_p50_us").threshold_pct, 10.0);
  EXPECT_THROW((void)p.rule_for("fat", "size_bytes"), Error);
}

TEST(Policy, ErrorsNameTheFileAndTheField) {
  EXPECT_EQ(error_of(R"({"metrics": {"layers": {"kind": "deterministic", "better": "lower"}},
                         "metrcs": {}})"),
            "imgbench.policy.json: metrcs: field is not known; known fields: metrics, variants");
  EXPECT_EQ(error_of(R"({"metrics": {"layers": {"kind": "deterministic", "better": "lower",
                                                 "treshold_abs": 1}}})"),
            "imgbench.policy.json: metrics.layers.treshold_abs: field is not known; known "
            "fields: kind, better, threshold_pct, threshold_abs, alpha, min_repetitions, note");
  EXPECT_EQ(error_of(R"({"metrics": {"layers": {"kind": "deterministic", "better": "lower",
                                                 "threshold_pct": "2"}}})"),
            "imgbench.policy.json: metrics.layers.threshold_pct: expected a number >= 0 "
            "(percent), found string \"2\"");
  EXPECT_EQ(error_of(R"({"metrics": {"layers": {"kind": "exact", "better": "lower"}}})"),
            "imgbench.policy.json: metrics.layers.kind: expected \"deterministic\" or \"noisy\", "
            "found string \"exact\"");
  EXPECT_EQ(error_of(R"({"metrics": {"layers": {"kind": "deterministic", "better": "lower",
                                                 "alpha": 0.05}}})"),
            "imgbench.policy.json: metrics.layers.alpha: applies to kind \"noisy\" only; this "
            "metric is deterministic");
  EXPECT_EQ(error_of(R"({"metrics": {"layers": {"kind": "deterministic", "better": "lower"}},
                         "variants": {"fat": {"ready_ms": {"threshold_pct": 5}}}})"),
            "imgbench.policy.json: variants.fat.ready_ms: expected a metric named in "
            "\"metrics\", found 'ready_ms'");
  EXPECT_EQ(error_of(R"({"metrics": {"ready_ms": {"kind": "noisy", "better": "lower"}},
                         "variants": {"fat": {"ready_ms": {"min_repetitions": 0}}}})"),
            "imgbench.policy.json: variants.fat.ready_ms.min_repetitions: expected an integer "
            "from 1 to 1000, found 0");
  EXPECT_EQ(error_of("{\"metrics\": {}}"),
            "imgbench.policy.json: metrics: expected a non-empty object of metric rules, found "
            "object {}");
  EXPECT_NE(error_of("{\"metrics\": ").find("imgbench.policy.json: invalid JSON at line 1"),
            std::string::npos);
}

TEST(Policy, EveryProblemIsReportedAtOnce) {
  const std::string e = error_of(R"({"metrics": {"a": {"kind": "noisy"}, "b": {"better": "up",
                                    "kind": "noisy"}}})");
  EXPECT_NE(e.find("metrics.a.better: expected \"lower\" or \"higher\", found nothing"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("metrics.b.better: expected \"lower\" or \"higher\", found string \"up\""),
            std::string::npos)
      << e;
}

// ---- deterministic metrics: both thresholds, inclusive --------------------------------------

TEST(RegressDeterministic, BytesNeedBothTwoPercentAndOneMebibyte) {
  // 100 MiB image: +1 MiB is only 1 %, +2 MiB is exactly 2 % and 2 MiB: regressed.
  EXPECT_EQ(judge("size_bytes", 100 * kMiB, 101 * kMiB), Verdict::Unchanged);
  EXPECT_EQ(judge("size_bytes", 100 * kMiB, 102 * kMiB), Verdict::Regressed);
  EXPECT_EQ(judge("size_bytes", 100 * kMiB, 102 * kMiB - 1), Verdict::Unchanged);
  // 10 MiB image: +1 MiB − 1 byte is ~10 % but under 1 MiB; +1 MiB passes both.
  EXPECT_EQ(judge("compressed_bytes", 10 * kMiB, 11 * kMiB - 1), Verdict::Unchanged);
  EXPECT_EQ(judge("compressed_bytes", 10 * kMiB, 11 * kMiB), Verdict::Regressed);
  // The same thresholds the other way are an improvement.
  EXPECT_EQ(judge("shadowed_bytes", 10 * kMiB, 9 * kMiB), Verdict::Improved);
  EXPECT_EQ(judge("shadowed_bytes", 10 * kMiB, 9 * kMiB + 1), Verdict::Unchanged);
  // From zero any growth is infinitely large in percent, so only the 1 MiB counts.
  EXPECT_EQ(judge("shadowed_bytes", 0, kMiB - 1), Verdict::Unchanged);
  EXPECT_EQ(judge("shadowed_bytes", 0, kMiB), Verdict::Regressed);
}

TEST(RegressDeterministic, OneMoreLayerRegresses) {
  EXPECT_EQ(judge("layers", 3, 3), Verdict::Unchanged);
  EXPECT_EQ(judge("layers", 3, 4), Verdict::Regressed);
  EXPECT_EQ(judge("layers", 4, 3), Verdict::Improved);
}

TEST(RegressDeterministic, EfficiencyRegressesWhenItGoesDown) {
  EXPECT_EQ(judge("efficiency", 0.95, 0.931), Verdict::Unchanged);  // −0.019
  EXPECT_EQ(judge("efficiency", 0.95, 0.929), Verdict::Regressed);  // −0.021
  EXPECT_EQ(judge("efficiency", 0.90, 0.95), Verdict::Improved);    // +0.05 is better
  EXPECT_EQ(judge("efficiency", 0.95, 0.969), Verdict::Unchanged);  // +0.019
}

TEST(RegressDeterministic, AFiveMebibyteGrowthIsFlaggedWithVariantMetricAndChange) {
  const double before = 1'060'904;  // the static image
  const auto c =
      compare(run("b", {variant("static", {{"size_bytes", before}})}),
              run("c", {variant("static", {{"size_bytes", before + 5 * kMiB}})}), default_policy());
  ASSERT_EQ(c.rows.size(), 1U);
  const ComparisonRow& r = c.rows[0];
  EXPECT_EQ(r.variant, "static");
  EXPECT_EQ(r.metric, "size_bytes");
  EXPECT_EQ(r.verdict, Verdict::Regressed);
  EXPECT_EQ(r.baseline, before);
  EXPECT_EQ(r.current, before + 5 * kMiB);
  ASSERT_TRUE(r.change_pct.has_value());
  EXPECT_NEAR(*r.change_pct, 494.19, 0.01);  // 5 242 880 / 1 060 904 · 100
  EXPECT_FALSE(r.p_value.has_value());
  EXPECT_EQ(r.reason, "+5.2 MB (+494.2 %), worse by at least 1.0 MB and 2.0 %");
  EXPECT_EQ(c.count(Verdict::Regressed), 1);
}

// ---- noisy metrics: effect and significance -------------------------------------------------

Comparison noisy(const std::string& metric, std::vector<double> before, std::vector<double> after) {
  const auto b = variant("v", {{metric, before.at(before.size() / 2)}}, {{metric, before}});
  const auto c = variant("v", {{metric, after.at(after.size() / 2)}}, {{metric, after}});
  return compare(run("b", {b}), run("c", {c}), default_policy());
}

TEST(RegressNoisy, ALargeSignificantSlowdownRegresses) {
  // Medians 100 → 120 (+20 %), every current sample above every baseline one: exact p = 1/252.
  const auto c = noisy("latency_p50_us", {98, 99, 100, 101, 102}, {118, 119, 120, 121, 122});
  const auto& r = row(c, "v", "latency_p50_us");
  EXPECT_EQ(r.verdict, Verdict::Regressed);
  EXPECT_DOUBLE_EQ(*r.change_pct, 20.0);
  EXPECT_DOUBLE_EQ(*r.p_value, 1.0 / 252.0);
  EXPECT_EQ(r.baseline, 100.0);
  EXPECT_EQ(r.current, 120.0);
}

TEST(RegressNoisy, ALargeButInsignificantChangeIsNoise) {
  // Medians 100 → 120 but the samples interleave: U of current = 0 + 2 + 3 + 4 + 4 = 13
  // of 25, p = P(U >= 13) ≈ 0.42.
  const auto c = noisy("ready_ms", {60, 90, 100, 130, 200}, {50, 95, 120, 140, 150});
  const auto& r = row(c, "v", "ready_ms");
  EXPECT_EQ(r.verdict, Verdict::Noise);
  EXPECT_DOUBLE_EQ(*r.change_pct, 20.0);
  EXPECT_GT(*r.p_value, 0.01);
  EXPECT_NE(r.reason.find("not significant"), std::string::npos) << r.reason;
}

TEST(RegressNoisy, ASignificantChangeBelowTheThresholdIsNoise) {
  // Separated (p = 1/252) but only +5 %.
  const auto c = noisy("latency_p99_us", {98, 99, 100, 101, 102}, {103, 104, 105, 106, 107});
  EXPECT_EQ(row(c, "v", "latency_p99_us").verdict, Verdict::Noise);
}

TEST(RegressNoisy, AFasterServiceImproves) {
  const auto c = noisy("latency_p50_us", {118, 119, 120, 121, 122}, {98, 99, 100, 101, 102});
  const auto& r = row(c, "v", "latency_p50_us");
  EXPECT_EQ(r.verdict, Verdict::Improved);
  EXPECT_DOUBLE_EQ(*r.p_value, 1.0 / 252.0);
}

TEST(RegressNoisy, FewerRequestsASecondRegressAndMoreImprove) {
  const std::vector<double> fast = {9800, 9900, 10000, 10100, 10200};
  const std::vector<double> slow = {7800, 7900, 8000, 8100, 8200};
  EXPECT_EQ(row(noisy("load_rps", fast, slow), "v", "load_rps").verdict, Verdict::Regressed);
  EXPECT_EQ(row(noisy("load_rps", slow, fast), "v", "load_rps").verdict, Verdict::Improved);
}

TEST(RegressNoisy, FewerThanFiveRepetitionsAreTooFewSamples) {
  // Three repetitions a side (what the CI run makes): the effect is shown, no test is made.
  const auto c = noisy("latency_p50_us", {100, 101, 102}, {200, 201, 202});
  const auto& r = row(c, "v", "latency_p50_us");
  EXPECT_EQ(r.verdict, Verdict::TooFewSamples);
  EXPECT_FALSE(r.p_value.has_value());
  EXPECT_NEAR(*r.change_pct, 99.0099, 1e-4);  // medians 101 → 201: 100 / 101 · 100
  EXPECT_EQ(r.reason, "3 baseline and 3 current repetition samples; the test needs 5 a side");
}

TEST(RegressNoisy, AMetricWithoutSamplesIsTooFewSamples) {
  // build_cold_ms is measured once a run: metrics only, no samples.
  const auto c = compare(run("b", {variant("v", {{"build_cold_ms", 30'000}})}),
                         run("c", {variant("v", {{"build_cold_ms", 60'000}})}), default_policy());
  const auto& r = row(c, "v", "build_cold_ms");
  EXPECT_EQ(r.verdict, Verdict::TooFewSamples);
  EXPECT_DOUBLE_EQ(*r.change_pct, 100.0);
  EXPECT_EQ(r.reason,
            "measured once a run, not per repetition, so there are no samples to test; the test "
            "needs 5 a side");
}

TEST(RegressNoisy, IdenticalSamplesAreNoiseWithPOne) {
  const auto c = noisy("mem_idle_bytes", {5, 5, 5, 5, 5}, {5, 5, 5, 5, 5});
  const auto& r = row(c, "v", "mem_idle_bytes");
  EXPECT_EQ(r.verdict, Verdict::Noise);
  EXPECT_EQ(*r.p_value, 1.0);
  EXPECT_EQ(*r.change_pct, 0.0);
}

// ---- accepted, new, gone, not measured, conditions ------------------------------------------

TEST(RegressAccepted, AListedRegressionIsAcceptedWithItsReason) {
  const std::vector<AcceptedRegression> accepted = {
      {"fat", "layers", "toolchain split into its own layer"},
      {"fat", "size_bytes", "no longer grows"}};
  const auto c = compare(run("b", {variant("fat", {{"layers", 4}, {"size_bytes", 1e9}})}),
                         run("c", {variant("fat", {{"layers", 5}, {"size_bytes", 1e9}})}),
                         default_policy(), accepted);
  const auto& r = row(c, "fat", "layers");
  EXPECT_EQ(r.verdict, Verdict::Accepted);
  EXPECT_EQ(r.reason,
            "accepted: toolchain split into its own layer; +1 (+25.0 %), worse by at "
            "least 1");
  EXPECT_EQ(c.count(Verdict::Regressed), 0);
  // The entry that did not regress is pointed out, so the list does not grow stale.
  ASSERT_EQ(c.notes.size(), 1U);
  EXPECT_NE(c.notes[0].find("fat size_bytes did not regress"), std::string::npos);
}

TEST(RegressVariants, NewGoneSkippedAndFailedVariants) {
  VariantResult skipped = variant("writeup", {});
  skipped.status = VariantStatus::Skipped;
  VariantResult failed = variant("broken", {{"size_bytes", 10}});
  failed.status = VariantStatus::Failed;
  failed.reason = "container exited";
  const auto c =
      compare(run("b", {variant("old", {{"layers", 1}}), skipped,
                        variant("broken", {{"size_bytes", 10}, {"layers", 1}})}),
              run("c", {variant("fresh", {{"layers", 1}}), skipped, failed}), default_policy());
  EXPECT_EQ(row(c, "fresh", "").verdict, Verdict::New);
  EXPECT_EQ(row(c, "old", "").verdict, Verdict::Gone);
  EXPECT_EQ(row(c, "broken", "size_bytes").verdict, Verdict::Unchanged);
  const auto& layers = row(c, "broken", "layers");
  EXPECT_EQ(layers.verdict, Verdict::NotMeasured);
  EXPECT_EQ(layers.reason, "this run: failed (container exited)");
  EXPECT_EQ(c.failed, std::vector<std::string>{"broken"});
  // Skipped on both sides: no rows at all. Rows: fresh, broken ×2, then old.
  ASSERT_EQ(c.rows.size(), 4U);
  EXPECT_EQ(c.rows.back().variant, "old");
  EXPECT_EQ(c.compared(), 1);
}

TEST(RegressConditions, EveryDifferingConditionIsOneLine) {
  RunInfo b;
  b.docker_server_version = "20.10.24";
  b.cpus = 2;
  b.parameters.repetitions = 5;
  RunInfo c = b;
  EXPECT_TRUE(condition_differences(b, c).empty());
  c.docker_server_version = "24.0.7";
  c.parameters.repetitions = 3;
  c.parameters.via = "port";
  c.parameters.duration_s = 1.5;
  EXPECT_EQ(condition_differences(b, c),
            (std::vector<std::string>{"docker_server_version: baseline 20.10.24, current 24.0.7",
                                      "repetitions: baseline 5, current 3",
                                      "via: baseline ip, current port",
                                      "duration_s: baseline 5, current 1.5"}));
}

TEST(RegressAccepted, TheAcceptedListIsCheckedFieldByField) {
  const auto parse = [](const char* text) {
    try {
      (void)accepted_from_json(nlohmann::json::parse(text), "results/baseline.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(parse(R"({"accepted": [{"variant": "fat", "metric": "layers"}]})"),
            "results/baseline.json: accepted[0].reason: expected a non-empty string, found "
            "nothing");
  EXPECT_EQ(parse(R"({"accepted": [{"variant": "fat", "metric": "layers", "reason": "x",
                                    "until": "2027"}]})"),
            "results/baseline.json: accepted[0].until: field is not known; known fields: "
            "variant, metric, reason");
  EXPECT_EQ(parse(R"({"accepted": {}})"),
            "results/baseline.json: accepted: expected an array of {variant, metric, reason}, "
            "found object");
  EXPECT_TRUE(accepted_from_json(nlohmann::json::parse("{}"), "x").empty());
}

}  // namespace
}  // namespace imgbench
