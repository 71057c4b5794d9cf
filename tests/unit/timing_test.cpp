#include "timing.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "error.hpp"

namespace imgbench {
namespace {

// A body whose every iteration takes `us` µs by the manual clock and whose repetition reports
// `p50`.
RepetitionTimer::Body fixed(std::vector<std::string>& log, std::string name, double us,
                            std::vector<double> p50s) {
  auto index = std::make_shared<std::size_t>(0);
  return [&log, name, us, p50s, index](benchmark::State& state) {
    log.push_back(name);
    for (auto _ : state) {
      state.SetIterationTime(us / 1e6);
    }
    state.counters["latency_p50_us"] = p50s.at((*index)++ % p50s.size());
  };
}

const RepetitionTimer::Run* find_aggregate(const std::vector<RepetitionTimer::Run>& runs,
                                           const std::string& name) {
  for (const auto& run : runs) {
    if (run.aggregate_name == name) {
      return &run;
    }
  }
  return nullptr;
}

TEST(RepetitionTimer, RoundsRunTheNamedVariantsOnceEachInTheOrderAdded) {
  std::vector<std::string> log;
  RepetitionTimer timer(3);
  timer.add("b", fixed(log, "b", 10, {1}));
  timer.add("a.1", fixed(log, "a.1", 10, {1}));
  timer.add("a", fixed(log, "a", 10, {1}));
  const auto round = timer.run_round({"a", "b", "a.1"});
  const std::vector<std::string> expected{"b", "a.1", "a"};
  EXPECT_EQ(log, expected);
  ASSERT_EQ(round.size(), 3U);
  log.clear();
  (void)timer.run_round({"a"});  // "a" must not also match "a.1"
  EXPECT_EQ(log, std::vector<std::string>{"a"});
  EXPECT_EQ(timer.runs("a").size(), 2U);
  EXPECT_EQ(timer.runs("b").size(), 1U);
  EXPECT_EQ(timer.runs("a")[1].repetition_index, 1);
  EXPECT_EQ(timer.runs("a")[0].iterations, 3);
}

TEST(RepetitionTimer, ManualTimeIsTheTimeOfARequest) {
  std::vector<std::string> log;
  RepetitionTimer timer(4);
  timer.add("a", fixed(log, "a", 250, {1}));
  const auto round = timer.run_round({"a"});
  ASSERT_EQ(round.size(), 1U);
  EXPECT_NEAR(round[0].GetAdjustedRealTime(), 250.0, 1e-6);  // µs a request
  EXPECT_EQ(round[0].time_unit, benchmark::kMicrosecond);
}

TEST(RepetitionTimer, AggregatesAreGoogleBenchmarksOverCountersAndTimes) {
  std::vector<std::string> log;
  RepetitionTimer timer(2);
  // Three repetitions: p50 = 10, 20, 60 µs; request time 100, 100, 100 µs.
  timer.add("a", fixed(log, "a", 100, {10, 20, 60}));
  for (int i = 0; i < 3; ++i) {
    (void)timer.run_round({"a"});
  }
  const auto aggregates = timer.aggregates("a");
  const auto* mean = find_aggregate(aggregates, "mean");
  const auto* median = find_aggregate(aggregates, "median");
  const auto* stddev = find_aggregate(aggregates, "stddev");
  const auto* cv = find_aggregate(aggregates, "cv");
  ASSERT_NE(mean, nullptr);
  ASSERT_NE(median, nullptr);
  ASSERT_NE(stddev, nullptr);
  ASSERT_NE(cv, nullptr);
  EXPECT_DOUBLE_EQ(*counter(*mean, "latency_p50_us"), 30.0);
  EXPECT_DOUBLE_EQ(*counter(*median, "latency_p50_us"), 20.0);
  // Sample standard deviation of {10, 20, 60}: sqrt(((20)² + (10)² + (30)²) / 2) = sqrt(700).
  EXPECT_NEAR(*counter(*stddev, "latency_p50_us"), 26.457513110645905, 1e-9);
  EXPECT_NEAR(*counter(*cv, "latency_p50_us"), 26.457513110645905 / 30.0, 1e-9);
  EXPECT_NEAR(mean->GetAdjustedRealTime(), 100.0, 1e-6);
  EXPECT_EQ(mean->repetitions, 3);
}

TEST(RepetitionTimer, ErrorRunsAreKeptButLeftOutOfTheAggregates) {
  std::vector<std::string> log;
  RepetitionTimer timer(2);
  int call = 0;
  timer.add("a", [&](benchmark::State& state) {
    if (call++ == 1) {
      state.SkipWithError("the container exited");
      return;
    }
    for (auto _ : state) {
      state.SetIterationTime(1e-4);
    }
    state.counters["latency_p50_us"] = call * 10.0;
  });
  for (int i = 0; i < 3; ++i) {
    (void)timer.run_round({"a"});
  }
  ASSERT_EQ(timer.runs("a").size(), 3U);
  EXPECT_TRUE(timer.runs("a")[1].error_occurred);
  EXPECT_EQ(timer.runs("a")[1].error_message, "the container exited");
  // Held in a variable: find_aggregate points into the vector, which must outlive `mean`.
  const auto aggregates = timer.aggregates("a");
  const auto* mean = find_aggregate(aggregates, "mean");
  ASSERT_NE(mean, nullptr);
  EXPECT_DOUBLE_EQ(*counter(*mean, "latency_p50_us"), 20.0);  // (10 + 30) / 2
  EXPECT_EQ(mean->repetitions, 2);
}

TEST(RepetitionTimer, OneRepetitionHasNoAggregates) {
  std::vector<std::string> log;
  RepetitionTimer timer(1);
  timer.add("a", fixed(log, "a", 5, {1}));
  (void)timer.run_round({"a"});
  EXPECT_TRUE(timer.aggregates("a").empty());
}

TEST(RepetitionTimer, AnExceptionInABodyIsRethrownAfterTheRound) {
  RepetitionTimer timer(1);
  timer.add("a", [](benchmark::State& /*state*/) { throw Error("engine went away"); });
  EXPECT_THROW((void)timer.run_round({"a"}), Error);
  ASSERT_EQ(timer.runs("a").size(), 1U);
  EXPECT_TRUE(timer.runs("a")[0].error_occurred);
}

TEST(RepetitionTimer, UnknownOrRepeatedNamesAreErrors) {
  std::vector<std::string> log;
  RepetitionTimer timer(1);
  timer.add("a", fixed(log, "a", 5, {1}));
  EXPECT_THROW(timer.add("a", fixed(log, "a", 5, {1})), Error);
  EXPECT_THROW((void)timer.run_round({"nope"}), Error);
  EXPECT_THROW(RepetitionTimer(0), Error);
}

TEST(RepetitionTimer, BenchmarkJsonIsGoogleBenchmarksFormatWithRunsAndAggregates) {
  std::vector<std::string> log;
  nlohmann::json parsed;
  {
    RepetitionTimer timer(2);
    timer.add("static", fixed(log, "static", 80, {70, 90}));
    (void)timer.run_round({"static"});
    (void)timer.run_round({"static"});
    parsed = nlohmann::json::parse(timer.benchmark_json());
  }
  ASSERT_TRUE(parsed.contains("context"));
  const auto& benchmarks = parsed.at("benchmarks");
  ASSERT_EQ(benchmarks.size(), 6U);  // two repetitions, then mean, median, stddev, cv
  EXPECT_EQ(benchmarks[0].at("name"), "latency/static/iterations:2/manual_time");
  EXPECT_EQ(benchmarks[0].at("run_type"), "iteration");
  EXPECT_EQ(benchmarks[0].at("repetitions"), 2);
  EXPECT_EQ(benchmarks[1].at("repetition_index"), 1);
  EXPECT_EQ(benchmarks[0].at("time_unit"), "us");
  EXPECT_NEAR(benchmarks[0].at("real_time").get<double>(), 80.0, 1e-6);
  EXPECT_EQ(benchmarks[0].at("latency_p50_us"), 70);
  EXPECT_EQ(benchmarks[2].at("name"), "latency/static/iterations:2/manual_time_mean");
  EXPECT_EQ(benchmarks[2].at("run_type"), "aggregate");
  EXPECT_EQ(benchmarks[3].at("aggregate_name"), "median");
  EXPECT_EQ(benchmarks[3].at("latency_p50_us"), 80);
  EXPECT_EQ(benchmarks[5].at("aggregate_name"), "cv");
  EXPECT_EQ(benchmarks[5].at("aggregate_unit"), "percentage");
}

}  // namespace
}  // namespace imgbench
