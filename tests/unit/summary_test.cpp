// summary: the report's opening sentences, against hand-computed ratios.
#include "summary.hpp"

#include <gtest/gtest.h>

#include <string>

namespace imgbench {
namespace {

VariantResult measured(std::string name, std::map<std::string, double> metrics) {
  VariantResult v;
  v.name = std::move(name);
  v.metrics = std::move(metrics);
  return v;
}

TEST(Summary, ComparesSmallestWithLargestAndNamesTheFastest) {
  Results r;
  r.variants.push_back(measured(
      "static", {{"size_bytes", 1'060'904}, {"latency_p50_us", 67.04}, {"load_rps", 20'734.8}}));
  r.variants.push_back(measured(
      "fat", {{"size_bytes", 583'209'327}, {"latency_p50_us", 149.84}, {"load_rps", 8'945.3}}));
  r.variants.push_back(measured(
      "slim", {{"size_bytes", 121'988'693}, {"latency_p50_us", 165.9}, {"load_rps", 9'312.7}}));
  // 583209327 / 1060904 = 549.7 → 550×; 149.84 / 67.04 = 2.235 → 2.2×.
  EXPECT_EQ(summary(r),
            "static is 550× smaller than fat (1.1 MB against 583.2 MB) and answers 2.2× faster at "
            "p50 (67 µs against 150 µs). static has both the lowest p50 latency (67 µs) and the "
            "highest throughput (20735 requests/s).");
}

TEST(Summary, SaysSlowerWhenTheSmallestImageAnswersSlower) {
  Results r;
  r.variants.push_back(measured("big", {{"size_bytes", 300e6}, {"latency_p50_us", 100}}));
  r.variants.push_back(measured("small", {{"size_bytes", 100e6}, {"latency_p50_us", 150}}));
  EXPECT_EQ(summary(r),
            "small is 3.0× smaller than big (100.0 MB against 300.0 MB) but answers 1.5× slower "
            "at p50 (150 µs against 100 µs). big has the lowest p50 latency (100 µs).");
}

TEST(Summary, WithinFivePercentIsAboutAsFast) {
  Results r;
  r.variants.push_back(measured("a", {{"size_bytes", 40e6}, {"latency_p50_us", 104}}));
  r.variants.push_back(measured("b", {{"size_bytes", 20e6}, {"latency_p50_us", 100}}));
  r.variants.push_back(measured("c", {{"load_rps", 5000}}));
  EXPECT_EQ(summary(r),
            "b is 2.0× smaller than a (20.0 MB against 40.0 MB) and answers about as fast at p50 "
            "(100 µs against 104 µs). b has the lowest p50 latency (100 µs) and c the highest "
            "throughput (5000 requests/s).");
}

TEST(Summary, LeavesOutWhatWasNotMeasuredAndIgnoresVariantsThatDidNotRun) {
  Results r;
  r.variants.push_back(measured("a", {{"size_bytes", 40e6}}));
  r.variants.push_back(measured("b", {{"size_bytes", 20e6}}));
  VariantResult failed = measured("failed", {{"size_bytes", 1e3}, {"latency_p50_us", 1}});
  failed.status = VariantStatus::Failed;
  r.variants.push_back(failed);
  EXPECT_EQ(summary(r), "b is 2.0× smaller than a (20.0 MB against 40.0 MB).");
}

TEST(Summary, OneOrNoMeasuredVariant) {
  Results one;
  one.variants.push_back(measured("static", {{"size_bytes", 1'060'904}, {"latency_p50_us", 67}}));
  EXPECT_EQ(summary(one), "Only static was measured: 1.1 MB, 67 µs at p50.");
  Results bare;
  bare.variants.push_back(measured("bare", {}));
  EXPECT_EQ(summary(bare), "Only bare was measured.");
  EXPECT_EQ(summary(Results{}), "No variant was measured.");
}

TEST(Summary, NamesAreLeftAsTheyAreForTheCallerToEscape) {
  Results r;
  r.variants.push_back(measured("<a>", {{"size_bytes", 2e6}}));
  r.variants.push_back(measured("b&c", {{"size_bytes", 1e6}}));
  EXPECT_EQ(summary(r), "b&c is 2.0× smaller than <a> (1.0 MB against 2.0 MB).");
}

}  // namespace
}  // namespace imgbench
