#include "timing.hpp"

#include <cmath>
#include <sstream>
#include <utility>

#include "error.hpp"
#include "text.hpp"

namespace imgbench {
namespace {

// Keeps what Google Benchmark reports, prints nothing: the runner has its own progress lines.
class CaptureReporter final : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context& /*context*/) override { return true; }
  void ReportRuns(const std::vector<Run>& reports) override {
    runs.insert(runs.end(), reports.begin(), reports.end());
  }
  std::vector<Run> runs;
};

// Variant names are [a-z0-9][a-z0-9._-]* (variant.hpp); of those characters only '.' means
// something in a regular expression.
std::string regex_literal(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '.') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string latency_benchmark_name(const std::string& variant) { return "latency/" + variant; }

const double* counter(const RepetitionTimer::Run& run, const std::string& name) {
  auto it = run.counters.find(name);
  return it == run.counters.end() ? nullptr : &it->second.value;
}

RepetitionTimer::RepetitionTimer(std::int64_t iterations) : iterations_(iterations) {
  if (iterations_ < 1) {
    throw Error("timing: iterations must be at least 1, got " + std::to_string(iterations_));
  }
  benchmark::ClearRegisteredBenchmarks();
}

RepetitionTimer::~RepetitionTimer() { benchmark::ClearRegisteredBenchmarks(); }

void RepetitionTimer::add(const std::string& variant, Body body) {
  if (bodies_.count(variant) != 0) {
    throw Error("timing: " + variant + " was added twice");
  }
  bodies_[variant] = std::move(body);
  variants_.push_back(variant);
  runs_[variant];
  // The registered function looks the body up by name and turns an exception into an error run:
  // Google Benchmark does not expect one to pass through it.
  benchmark::RegisterBenchmark(latency_benchmark_name(variant).c_str(),
                               [this, variant](benchmark::State& state) {
                                 try {
                                   bodies_.at(variant)(state);
                                 } catch (...) {
                                   if (!pending_) {
                                     pending_ = std::current_exception();
                                   }
                                   if (!state.error_occurred()) {
                                     state.SkipWithError("the harness failed; see its message");
                                   }
                                 }
                               })
      ->Iterations(iterations_)
      ->UseManualTime()
      ->Unit(benchmark::kMicrosecond);
}

std::vector<RepetitionTimer::Run> RepetitionTimer::run_round(
    const std::vector<std::string>& variants) {
  if (variants.empty()) {
    return {};
  }
  std::vector<std::string> patterns;
  for (const auto& v : variants) {
    if (bodies_.count(v) == 0) {
      throw Error("timing: " + v + " was never added");
    }
    patterns.push_back(regex_literal(v));
  }
  CaptureReporter capture;
  // Google Benchmark matches the full name, "latency/<variant>/iterations:N/manual_time".
  const std::string spec = "^latency/(" + join(patterns, "|") + ")/";
  (void)benchmark::RunSpecifiedBenchmarks(&capture, spec);
  std::vector<Run> round;
  for (auto& run : capture.runs) {
    if (run.run_type != Run::RT_Iteration) {
      continue;  // one repetition a call: Google Benchmark makes no aggregates here
    }
    const std::string name = run.run_name.function_name;
    const std::string variant = name.substr(name.find('/') + 1);
    // Google Benchmark sets `statistics` for runs without an error only (it is left uninitialised
    // otherwise), and it points into the registry: a copy outlives it.
    if (!run.error_occurred && run.statistics != nullptr && statistics_.count(variant) == 0) {
      statistics_[variant] = *run.statistics;
    }
    run.statistics = nullptr;
    run.repetition_index = static_cast<std::int64_t>(runs_[variant].size());
    runs_[variant].push_back(run);
    round.push_back(run);
  }
  // Every repetition of a variant belongs to one series of R; the count is known only at the end.
  for (auto& [variant, list] : runs_) {
    for (auto& run : list) {
      run.repetitions = static_cast<std::int64_t>(list.size());
    }
  }
  if (pending_) {
    std::rethrow_exception(std::exchange(pending_, nullptr));  // the error run is kept
  }
  return round;
}

const std::vector<RepetitionTimer::Run>& RepetitionTimer::runs(const std::string& variant) const {
  static const std::vector<Run> kNone;
  auto it = runs_.find(variant);
  return it == runs_.end() ? kNone : it->second;
}

std::vector<RepetitionTimer::Run> RepetitionTimer::aggregates(const std::string& variant) const {
  std::vector<const Run*> good;
  for (const auto& run : runs(variant)) {
    if (!run.error_occurred) {
      good.push_back(&run);
    }
  }
  auto stats = statistics_.find(variant);
  if (good.size() < 2 || stats == statistics_.end()) {
    return {};
  }
  std::vector<double> real;
  std::vector<double> cpu;
  std::map<std::string, std::vector<double>> counters;
  for (const Run* run : good) {
    real.push_back(run->real_accumulated_time);
    cpu.push_back(run->cpu_accumulated_time);
    for (const auto& [name, c] : run->counters) {
      counters[name].push_back(c.value);
    }
  }
  std::vector<Run> out;
  for (const auto& stat : stats->second) {
    Run aggregate = *good.front();
    aggregate.run_type = Run::RT_Aggregate;
    aggregate.aggregate_name = stat.name_;
    aggregate.aggregate_unit = stat.unit_;
    aggregate.repetitions = static_cast<std::int64_t>(good.size());
    aggregate.repetition_index = Run::no_repetition_index;
    aggregate.real_accumulated_time = stat.compute_(real);
    aggregate.cpu_accumulated_time = stat.compute_(cpu);
    // Every repetition ran the same number of iterations, so a statistic of the accumulated times
    // divided by it is the statistic of the per-request times (cv, a ratio, is reported as is).
    aggregate.iterations = good.front()->iterations;
    for (auto it = aggregate.counters.begin(); it != aggregate.counters.end();) {
      auto values = counters.find(it->first);
      const double value = values != counters.end() && values->second.size() == good.size()
                               ? stat.compute_(values->second)
                               : std::nan("");
      // The cv of a counter that is 0 in every repetition (errors) is 0/0: undefined, so left out
      // rather than written as NaN, which JSON cannot hold.
      if (!std::isfinite(value)) {
        it = aggregate.counters.erase(it);
        continue;
      }
      it->second.value = value;
      ++it;
    }
    out.push_back(std::move(aggregate));
  }
  return out;
}

std::string RepetitionTimer::benchmark_json() const {
  std::ostringstream out;
  std::ostringstream err;
  benchmark::JSONReporter json;
  json.SetOutputStream(&out);
  json.SetErrorStream(&err);
  (void)json.ReportContext(benchmark::BenchmarkReporter::Context());
  for (const auto& variant : variants_) {
    std::vector<Run> reports = runs(variant);
    const auto aggregated = aggregates(variant);
    reports.insert(reports.end(), aggregated.begin(), aggregated.end());
    if (!reports.empty()) {
      json.ReportRuns(reports);
    }
  }
  json.Finalize();
  return out.str();
}

}  // namespace imgbench
