// `imgbench probe`: the measurements of `run` against a service that is already running, printed
// as one JSON object; nothing is built or started.
#include <chrono>
#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli.hpp"
#include "cli_common.hpp"
#include "error.hpp"
#include "host.hpp"
#include "load.hpp"
#include "probe.hpp"
#include "stats.hpp"

namespace imgbench::cli {

namespace {

nlohmann::json summary_json(const std::vector<double>& latency_us) {
  const auto s = summarize(latency_us);
  if (!s) {
    return nullptr;
  }
  return {{"count", s->count}, {"min", s->min},   {"p50", s->p50},
          {"p90", s->p90},     {"p99", s->p99},   {"p999", s->p999},
          {"max", s->max},     {"mean", s->mean}, {"stddev", s->stddev}};
}

nlohmann::json load_json(const LoadResult& load) {
  const double seconds = std::chrono::duration<double>(load.elapsed).count();
  nlohmann::json out = {
      {"rps", load.achieved_rps},
      {"requests", load.requests},
      {"errors", load.errors},
      {"reconnects", load.reconnects},
      {"harness_cpu_pct", seconds > 0 ? 100.0 * load.harness_cpu_s / seconds : 0}};
  if (load.harness_wait_s >= 0 && seconds > 0) {
    out["harness_wait_pct"] = 100.0 * load.harness_wait_s / seconds;
  }
  if (load.latency_us.count() > 0) {
    out["p50_us"] = load.latency_us.percentile(0.50);
    out["p99_us"] = load.latency_us.percentile(0.99);
  }
  if (load.intended_rps > 0) {
    out["intended_rps"] = load.intended_rps;
    out["late_starts"] = load.late_starts;
    out["unsent"] = load.unsent;
    if (load.uncorrected_latency_us.count() > 0) {
      out["uncorrected_p99_us"] = load.uncorrected_latency_us.percentile(0.99);
    }
  }
  return out;
}

}  // namespace

CLI::App* add_probe(CLI::App& app, ProbeArgs& args) {
  auto* probe = app.add_subcommand(
      "probe", "Measure a service that is already running at URL, as `run` measures a container");
  probe
      ->add_option("url", args.url,
                   "Numeric URL of the health path, e.g. http://172.17.0.2:8080/healthz")
      ->required();
  probe->add_option("--requests", args.requests, "Measured sequential keep-alive requests")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  probe->add_option("--warmup", args.warmup, "Requests sent and discarded before measuring")
      ->check(CLI::Range(0, 10'000'000))
      ->capture_default_str();
  probe
      ->add_option("--cold-requests", args.cold_requests,
                   "Then this many on a new connection each (0: none)")
      ->check(CLI::Range(0, 10'000))
      ->capture_default_str();
  probe->add_option("--connections", args.connections, "Connections of the load phase")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  probe
      ->add_option("--duration", args.duration_s,
                   "Seconds of closed-loop load after the sequential requests (0: none)")
      ->check(CLI::Range(0.0, 600.0))
      ->capture_default_str();
  probe
      ->add_option("--rate", args.rate_rps,
                   "Then an open loop at this many requests a second for the same time (0: none)")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  probe->add_option("--cpu", args.cpu, "Pin the measuring thread to this CPU (-1: no pin)")
      ->check(CLI::Range(-1, 1023))
      ->capture_default_str();
  probe->footer(
      "Prints one JSON object: latency_us (min, p50, p90, p99, p999, max, mean, stddev), errors, "
      "reconnects and, when asked for, cold_latency_us, load and open.\n"
      "Exit codes: 0 every sequential request answered 200, 2 bad input, 3 some did not, 130 "
      "interrupted.\n"
      "Example:\n"
      "  imgbench probe http://172.17.0.2:8080/healthz --requests 20000 --duration 5 --cpu 1");
  return probe;
}

// The run's measurements against a service that is already running: the same code paths as
// `imgbench run`, without building or starting anything.
int do_probe(const ProbeArgs& args) {
  const ThreadPin pin(args.cpu);
  if (args.cpu >= 0 && !pin.pinned()) {
    throw Error("probe: cannot pin the measuring thread to CPU " + std::to_string(args.cpu));
  }
  CurlProbe probe;
  nlohmann::json out = {{"url", args.url}, {"cpu", args.cpu}};
  LatencyOptions options;
  options.url = args.url;
  options.warmup = args.warmup;
  options.requests = args.requests;
  options.cancel = &g_interrupted;
  const LatencyResult latency = probe.measure_sequential(options);
  if (latency.cancelled) {
    return kExitInterrupted;
  }
  out["latency_us"] = summary_json(latency.latency_us);
  out["errors"] = latency.errors;
  out["reconnects"] = latency.reconnects;
  if (!latency.first_error.empty()) {
    out["first_error"] = latency.first_error;
  }
  if (args.cold_requests > 0) {
    options.fresh_connections = true;
    options.warmup = 0;
    options.requests = args.cold_requests;
    const LatencyResult cold = probe.measure_sequential(options);
    if (cold.cancelled) {
      return kExitInterrupted;
    }
    out["cold_latency_us"] = summary_json(cold.latency_us);
    out["cold_errors"] = cold.errors;
  }
  if (args.duration_s > 0) {
    LoadOptions load;
    load.url = args.url;
    load.connections = args.connections;
    load.duration = std::chrono::milliseconds(static_cast<std::int64_t>(args.duration_s * 1000.0));
    load.cancel = &g_interrupted;
    const LoadResult closed = probe.load(load);
    if (closed.cancelled) {
      return kExitInterrupted;
    }
    out["load"] = load_json(closed);
    if (args.rate_rps > 0) {
      load.rate_rps = args.rate_rps;
      const LoadResult open = probe.load(load);
      if (open.cancelled) {
        return kExitInterrupted;
      }
      out["open"] = load_json(open);
    }
  }
  std::cout << out.dump(2) << '\n';
  return latency.errors == 0 ? kExitOk : kExitMeasurementFailed;
}

}  // namespace imgbench::cli
