// Micro-benchmarks of the latency histogram: what a load phase pays per request (record), per
// reported figure (percentile), and per connection when combining results (merge).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <random>
#include <vector>

#include "histogram.hpp"

namespace {

// Latency-like samples with a long tail (log-normal around ~100 µs), fixed seed so every run
// measures the same input. A power-of-two count lets the record loop wrap with a mask.
constexpr std::size_t kSampleCount = 1U << 16;

std::vector<double> tail_samples() {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> body(4.6, 0.8);
  std::vector<double> samples(kSampleCount);
  for (auto& sample : samples) {
    sample = body(rng);
  }
  return samples;
}

imgbench::Histogram filled_histogram(int sub_bucket_bits) {
  imgbench::Histogram histogram(sub_bucket_bits);
  for (const double sample : tail_samples()) {
    histogram.record(sample);
  }
  return histogram;
}

void BM_HistogramRecord(benchmark::State& state) {
  const auto samples = tail_samples();
  imgbench::Histogram histogram(static_cast<int>(state.range(0)));
  std::size_t i = 0;
  for (auto _ : state) {
    histogram.record(samples[i]);
    i = (i + 1) & (kSampleCount - 1);
  }
  benchmark::DoNotOptimize(histogram.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramRecord)->Arg(7)->Arg(10);

// A tail percentile walks (almost) the whole used range of the counter array: the worst case.
void BM_HistogramPercentile(benchmark::State& state) {
  const auto histogram = filled_histogram(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(histogram.percentile(0.999));
  }
  state.counters["counters"] = static_cast<double>(histogram.counter_count());
}
BENCHMARK(BM_HistogramPercentile)->Arg(7)->Arg(10);

void BM_HistogramMerge(benchmark::State& state) {
  const auto source = filled_histogram(static_cast<int>(state.range(0)));
  imgbench::Histogram target(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    target.merge(source);
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(target.count());
  state.counters["counters"] = static_cast<double>(source.counter_count());
}
BENCHMARK(BM_HistogramMerge)->Arg(7)->Arg(10);

}  // namespace
