// Google Benchmark as the timing engine of the measuring phase: one benchmark a variant, manual
// time, one request an iteration. The runner calls run_round() once a repetition, so it keeps its
// own order (A, B, C, A, B, C, …) and every repetition is its own container start; the aggregates
// over repetitions (mean, median, stddev, cv) come from Google Benchmark's own statistics
// functions, and benchmark_json() writes every run in Google Benchmark's JSON format.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace imgbench {

// "latency/<variant>": the benchmark name of a variant's sequential latency loop.
[[nodiscard]] std::string latency_benchmark_name(const std::string& variant);

// Google Benchmark keeps one registry a process: only one RepetitionTimer may exist at a time.
// The destructor unregisters what it registered.
class RepetitionTimer {
 public:
  using Run = benchmark::BenchmarkReporter::Run;
  // One repetition: the body sets up (untimed), runs `for (auto _ : state)` with
  // state.SetIterationTime() for each request, and sets state.counters with the repetition's own
  // figures. A repetition that cannot be measured calls state.SkipWithError() and returns; an
  // exception it throws is rethrown by run_round() once Google Benchmark has returned.
  using Body = std::function<void(benchmark::State&)>;

  explicit RepetitionTimer(std::int64_t iterations);
  ~RepetitionTimer();
  RepetitionTimer(const RepetitionTimer&) = delete;
  RepetitionTimer& operator=(const RepetitionTimer&) = delete;

  // Registers latency/<variant> (Google Benchmark adds /iterations:N/manual_time to the name):
  // `iterations` iterations, one repetition a round, time in µs.
  void add(const std::string& variant, Body body);
  // Runs the benchmarks of `variants` (added before) once each, in the order they were added, and
  // returns the run each produced (error runs included, with error_occurred set).
  std::vector<Run> run_round(const std::vector<std::string>& variants);
  // The runs of `variant` so far, one a repetition, in order.
  [[nodiscard]] const std::vector<Run>& runs(const std::string& variant) const;
  // mean, median, stddev and cv over the variant's runs without an error, computed by Google
  // Benchmark's statistics functions on the times and on every counter; empty below two runs
  // (Google Benchmark reports no aggregates for a single repetition either).
  [[nodiscard]] std::vector<Run> aggregates(const std::string& variant) const;
  // Every variant's runs followed by its aggregates, in Google Benchmark's JSON format (the
  // "context" object first), as `--benchmark_out_format=json` writes it.
  [[nodiscard]] std::string benchmark_json() const;

 private:
  std::int64_t iterations_;
  std::vector<std::string> variants_;  // in the order added
  std::map<std::string, Body> bodies_;
  std::map<std::string, std::vector<Run>> runs_;
  // Copies of the statistics each variant's runs were made with (Run::statistics points into the
  // registry, which the destructor clears).
  std::map<std::string, std::vector<benchmark::internal::Statistics>> statistics_;
  std::exception_ptr pending_;
};

// A counter's value in `run`, or nullptr when the run has no such counter.
[[nodiscard]] const double* counter(const RepetitionTimer::Run& run, const std::string& name);

}  // namespace imgbench
