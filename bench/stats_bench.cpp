// Micro-benchmarks of the harness's own hot paths: summarizing latency samples and serializing a
// run's results. Run with --benchmark_format=json to feed compare.py or a CI tracker.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "results.hpp"
#include "stats.hpp"

namespace {

// Latency-like samples: a log-normal body around ~100 µs with a long tail, fixed seed so every
// run measures the same input.
std::vector<double> latency_samples(std::size_t count) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> body(4.6, 0.3);
  std::vector<double> samples(count);
  for (auto& sample : samples) {
    sample = body(rng);
  }
  return samples;
}

void BM_Summarize(benchmark::State& state) {
  const auto samples = latency_samples(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    // summarize takes its input by value (it sorts); the copy is part of what a caller pays.
    auto summary = imgbench::summarize(samples);
    benchmark::DoNotOptimize(summary);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Summarize)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);

imgbench::Results results_with_samples(std::size_t count) {
  imgbench::Results results;
  results.run.id = "20261203T181500Z-3f9a";
  results.run.cpus = 2;
  imgbench::VariantResult variant;
  variant.name = "static";
  variant.image.layers = {{.digest = "sha256:aa",
                           .size_bytes = 2'100'000,
                           .created_by = "COPY a /",
                           .compressed_bytes = 900'000,
                           .shadowed_bytes = 0,
                           .base = false}};
  variant.metrics = {{"size_bytes", 2'100'000}, {"latency_p50_us", 97.25}, {"errors", 0}};
  variant.samples["latency_us"] = latency_samples(count);
  results.variants.push_back(std::move(variant));
  return results;
}

void BM_ResultsToJson(benchmark::State& state) {
  const auto results = results_with_samples(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto json = imgbench::to_json(results);
    benchmark::DoNotOptimize(json);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ResultsToJson)->Arg(10'000)->Unit(benchmark::kMicrosecond);

// What writing results.json costs in full: the tree and its text.
void BM_ResultsToJsonText(benchmark::State& state) {
  const auto results = results_with_samples(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto text = imgbench::to_json(results).dump(2);
    benchmark::DoNotOptimize(text);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ResultsToJsonText)->Arg(10'000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
