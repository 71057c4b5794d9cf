// imgbench's command line: CLI11 wiring of the verbs onto the modules, and the one `try` that turns
// errors into a message and an exit code.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "charts.hpp"
#include "baseline.hpp"
#include "check.hpp"
#include "docker_cli.hpp"
#include "error.hpp"
#include "history.hpp"
#include "host.hpp"
#include "html.hpp"
#include "policy.hpp"
#include "probe.hpp"
#include "regress.hpp"
#include "regress_report.hpp"
#include "report.hpp"
#include "results.hpp"
#include "runner.hpp"
#include "stats.hpp"
#include "text.hpp"
#include "variant.hpp"

namespace fs = std::filesystem;
using namespace imgbench;

namespace {

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_signal(int /*signal*/) { g_interrupted = 1; }

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGHUP, &action, nullptr);
}

struct RunArgs {
  std::vector<std::string> variants;
  int requests = 10000;
  int warmup = 1000;
  int repetitions = 5;
  std::string via = "ip";
  std::string placement = "cross";
  int stop_timeout_s = 10;
  int connections = 16;
  double duration_s = 5;
  double rate_rps = 0;
  int cold_requests = 500;
  std::string out;
  bool record_history = false;
  bool keep_images = false;
  bool no_anatomy = false;
  bool quiet = false;
};

fs::path repo_root_from(const std::string& repo_option) {
  return repo_option.empty() ? find_repo_root(fs::current_path()) : fs::absolute(repo_option);
}

std::string render(const Results& results, void (*writer)(std::ostream&, const Results&)) {
  std::ostringstream out;
  writer(out, results);
  return out.str();
}

// Writes charts/*.svg (the paths report.md links to) and report.html into `dir`, each atomically.
void write_charts_and_html(const fs::path& dir, const Results& results) {
  std::error_code ec;
  fs::create_directories(dir / "charts", ec);
  if (ec) {
    throw Error("cannot create charts folder " + (dir / "charts").string() + ": " + ec.message());
  }
  for (const auto& chart : chart_files()) {
    write_file_atomic(dir / chart.path, chart.render(results));
  }
  write_file_atomic(dir / "report.html", render(results, write_html));
}

// Writes results.json, results.csv, report.md, the charts and report.html into `dir`, each
// atomically.
void write_run_folder(const fs::path& dir, const Results& results) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw Error("cannot create results folder " + dir.string() + ": " + ec.message());
  }
  write_file_atomic(dir / "results.json", to_json(results).dump(2) + "\n");
  write_file_atomic(dir / "results.csv", render(results, write_csv));
  write_file_atomic(dir / "report.md", render(results, write_markdown));
  write_charts_and_html(dir, results);
}

ProgressSink stderr_progress(bool quiet) {
  const auto start = std::chrono::steady_clock::now();
  return [start, quiet](const ProgressEvent& event) {
    if (quiet && event.stage != "failed" && event.stage != "skipped") {
      return;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::ostringstream line;
    line << '[' << std::fixed << std::setprecision(1) << std::setw(6) << seconds << "s] "
         << event.variant << ": " << event.stage;
    if (!event.detail.empty()) {
      line << " — " << event.detail;
    }
    std::cerr << line.str() << '\n';
  };
}

// cross: the container on CPU 0 and the measuring thread on CPU 1, so neither waits for the other's
// time slice; same: both on CPU 0 (the lowest loopback latency, MEASURING.md); none: unpinned.
void apply_placement(const std::string& placement, int cpus, RunParameters& parameters) {
  parameters.placement = placement;
  if (placement == "cross" && cpus >= 2) {
    parameters.container_cpuset = "0";
    parameters.harness_cpu = 1;
  } else if (placement == "same") {
    parameters.container_cpuset = "0";
    parameters.harness_cpu = 0;
  } else {
    if (placement == "cross") {
      std::cerr << "imgbench: one CPU only, so --placement cross becomes none\n";
    }
    parameters.placement = "none";
    parameters.container_cpuset.clear();
    parameters.harness_cpu = -1;
  }
}

int do_run(const RunArgs& args, const std::string& repo_option) {
  const fs::path repo = repo_root_from(repo_option);
  auto variants = discover_variants(repo / "variants", repo);
  if (!args.variants.empty()) {
    variants = select_variants(variants, args.variants);
  }
  if (variants.empty()) {
    throw Error("no variants found in " + (repo / "variants").string());
  }

  RunnerOptions options;
  options.run.id = make_run_id();
  options.run.started_utc = utc_now_rfc3339();
  options.run.git_revision = git_revision(repo);
  options.run.kernel = kernel_release();
  options.run.cpus = online_cpus();
  options.run.parameters.requests = args.requests;
  options.run.parameters.warmup = args.warmup;
  options.run.parameters.repetitions = args.repetitions;
  options.run.parameters.via = args.via;
  options.run.parameters.stop_timeout_s = args.stop_timeout_s;
  options.run.parameters.connections = args.connections;
  options.run.parameters.duration_s = args.duration_s;
  options.run.parameters.rate_rps = args.rate_rps;
  options.run.parameters.cold_requests = args.cold_requests;
  apply_placement(args.placement, options.run.cpus, options.run.parameters);
  options.keep_images = args.keep_images;
  options.anatomy = !args.no_anatomy;
  options.cancel = &g_interrupted;

  DockerCli docker("docker", &g_interrupted);
  CurlProbe probe;
  Runner runner(docker, probe, stderr_progress(args.quiet));
  std::cerr << "imgbench: run " << options.run.id << ", " << variants.size() << " variant(s), "
            << args.repetitions << " repetition(s) of " << args.requests << " requests\n";
  // Where the run folder will go must take files now, not after every variant was measured.
  const fs::path results_dir = repo / "results";
  const fs::path out =
      args.out.empty() ? results_dir / "runs" / options.run.id : fs::path(args.out);
  ensure_writable_folder(fs::absolute(out).parent_path());
  Results results = runner.run(variants, options);
  if (runner.interrupted()) {
    std::cerr << "imgbench: interrupted; containers removed, no results written, "
                 "previous results left as they were\n";
    return kExitInterrupted;
  }

  write_run_folder(out, results);
  if (!runner.benchmark_json().empty()) {
    write_file_atomic(out / "benchmark.json", runner.benchmark_json());
  }
  if (args.out.empty()) {
    replace_symlink_atomic(results_dir / "latest", fs::path("runs") / results.run.id);
  }
  if (args.record_history) {
    append_history(results_dir / "history.jsonl", history_line(results));
    std::cerr << "imgbench: recorded the run in " << (results_dir / "history.jsonl").string() << '\n';
  }
  std::cout << render(results, write_markdown);
  std::cerr << "imgbench: wrote " << out.string()
            << "/{results.json,results.csv,report.md,report.html,charts/,benchmark.json}\n";

  int exit_code = kExitOk;
  for (const auto& v : results.variants) {
    if (v.status == VariantStatus::Failed) {
      std::cerr << "imgbench: variant " << v.name << " failed: " << v.reason.value_or("") << '\n';
      exit_code = kExitMeasurementFailed;
    }
  }
  return exit_code;
}

int do_list(const std::string& repo_option) {
  const fs::path repo = repo_root_from(repo_option);
  const auto variants = discover_variants(repo / "variants", repo);
  DockerCli docker;
  bool engine = true;
  try {
    (void)docker.engine_info();
  } catch (const Error& e) {
    engine = false;
    std::cerr << "imgbench: " << e.what() << '\n';
  }
  for (const auto& v : variants) {
    std::string here = "yes";
    if (!engine) {
      here = "unknown (no engine)";
    } else {
      for (const auto& image : v.requires_images) {
        if (!docker.inspect_image(image)) {
          here = v.requires_registry ? "no: needs " + image + " from a registry"
                                     : "no: " + image + " missing (make bases)";
          break;
        }
      }
    }
    const std::string tags = join(v.tags, ",");
    std::cout << std::left << std::setw(28) << v.name << ' ' << v.description << "\n    runs here: "
              << here << (tags.empty() ? "" : "; tags: " + tags) << '\n';
  }
  return kExitOk;
}

int do_report(const std::string& file, const std::string& out_option) {
  const Results results = load_results(file);
  const fs::path out = out_option.empty() ? fs::absolute(file).parent_path() : fs::path(out_option);
  write_file_atomic(out / "results.csv", render(results, write_csv));
  write_file_atomic(out / "report.md", render(results, write_markdown));
  write_charts_and_html(out, results);
  std::cout << render(results, write_markdown);
  std::cerr << "imgbench: wrote " << out.string()
            << "/{results.csv,report.md,report.html,charts/}\n";
  return kExitOk;
}

struct CheckArgs {
  std::string current;
  std::string baseline;
  std::string policy;
  std::string csv;
  std::vector<std::string> metrics;
  bool strict = false;
  bool advisory = false;
};

// The policy file: --policy as given, else imgbench.policy.json at the repository root, else the
// built-in defaults (the same rules) with a note.
Policy load_policy(const std::string& option, const fs::path& repo) {
  const fs::path file = option.empty() ? repo / "imgbench.policy.json" : fs::path(option);
  if (option.empty() && !fs::exists(file)) {
    std::cerr << "imgbench: " << file.string() << " not found; using the built-in policy\n";
    return default_policy();
  }
  return parse_policy(read_text_file(file), file.string());
}

// Keeps the policy's rules for `names`; Error (exit 2) when none of them is a policy metric.
Policy select_metrics(Policy policy, const std::vector<std::string>& names) {
  if (names.empty()) {
    return policy;
  }
  std::vector<std::string> known;
  std::vector<MetricRule> kept;
  for (const auto& rule : policy.metrics) {
    known.push_back(rule.metric);
    if (std::find(names.begin(), names.end(), rule.metric) != names.end()) {
      kept.push_back(rule);
    }
  }
  if (kept.empty()) {
    throw Error("no metric matched: --metrics " + join(names, ",") +
                " names none of the policy's metrics (" + join(known, ", ") + ")");
  }
  policy.metrics = std::move(kept);
  return policy;
}

struct BaselineOutcome {
  int exit_code = kExitOk;
  bool refused = false;  // --strict and the run conditions differ: no verdict counts
};

// The baseline half of `check`: prints the comparison and returns its exit code (before
// --advisory): 2 when --strict meets differing conditions (refused) or nothing could be compared,
// else 1 on a regression, else 3 when a variant failed in the run, else 0.
BaselineOutcome compare_with_baseline(const CheckArgs& args, const fs::path& repo, const Results& current) {
  const Baseline baseline = load_baseline(args.baseline);
  const Policy policy = select_metrics(load_policy(args.policy, repo), args.metrics);
  const Comparison comparison = compare(baseline.results, current, policy, baseline.accepted);

  std::cout << '\n';
  write_comparison_markdown(std::cout, comparison);
  if (!args.csv.empty()) {
    std::ostringstream csv;
    write_comparison_csv(csv, comparison);
    write_file_atomic(args.csv, csv.str());
    std::cerr << "imgbench: wrote " << args.csv << '\n';
  }
  for (const auto& line : comparison.conditions) {
    std::cerr << "imgbench: warning: run conditions differ: " << line << '\n';
  }
  for (const auto& note : comparison.notes) {
    std::cerr << "imgbench: " << note << '\n';
  }
  for (const auto& name : comparison.failed) {
    std::cerr << "imgbench: variant " << name << " failed in this run; its metrics are not "
                                                 "measured\n";
  }
  std::cerr << "imgbench: baseline " << comparison.baseline_run << ": "
            << comparison.count(Verdict::Regressed) << " regressed, "
            << comparison.count(Verdict::Improved) << " improved, "
            << comparison.count(Verdict::Accepted) << " accepted, "
            << comparison.count(Verdict::TooFewSamples) << " too few samples\n";

  if (args.strict && !comparison.conditions.empty()) {
    std::cerr << "imgbench: --strict: the run conditions differ from the baseline's, so the "
                 "verdicts are not trusted\n";
    return {kExitUsage, true};
  }
  if (comparison.compared() == 0) {
    std::cerr << "imgbench: no metric matched: the baseline and this run share no variant with a "
                 "metric of the policy\n";
    return {kExitUsage, false};
  }
  if (comparison.count(Verdict::Regressed) > 0) {
    return {kExitRegression, false};
  }
  return {comparison.failed.empty() ? kExitOk : kExitMeasurementFailed, false};
}

// The order check_budgets uses: 1 (a regression or a budget over), then 3 (a variant failed), then
// 2 (--strict refusal, nothing compared, a budget rule that could not be checked), then 0.
int combine_check_codes(int budget, int baseline) {
  for (const int code : {kExitRegression, kExitMeasurementFailed, kExitUsage}) {
    if (budget == code || baseline == code) {
      return code;
    }
  }
  return kExitOk;
}

int do_check(const CheckArgs& args, const std::string& repo_option) {
  const fs::path repo = repo_root_from(repo_option);
  const fs::path current =
      args.current.empty() ? repo / "results" / "latest" / "results.json" : fs::path(args.current);
  if (args.current.empty() && !fs::exists(current)) {
    throw Error(current.string() + ": no results yet; run `make compare` (or `imgbench run`) "
                                   "first, or name a results.json with --current");
  }
  const Results results = load_results(current);
  const auto variants = discover_variants(repo / "variants", repo);
  const BudgetReport report = check_budgets(results, variants);

  std::vector<const VariantResult*> checked;
  for (const auto& v : report.checked) {
    checked.push_back(&v);
  }
  std::cout << "## Budgets of run " << results.run.id << "\n\n";
  write_budget_table(std::cout, checked);
  for (const auto& note : report.notes) {
    std::cerr << "imgbench: " << note << '\n';
  }
  std::cerr << "imgbench: check: " << report.over << " rule(s) over budget, " << report.not_measured
            << " not measured, " << report.failed << " variant(s) failed; exit "
            << report.exit_code << '\n';
  if (args.baseline.empty()) {
    return args.advisory ? kExitOk : report.exit_code;
  }
  const BaselineOutcome outcome = compare_with_baseline(args, repo, results);
  // A --strict refusal is the answer, whatever the budgets say.
  const int exit_code =
      outcome.refused ? kExitUsage : combine_check_codes(report.exit_code, outcome.exit_code);
  if (args.advisory) {
    std::cerr << "imgbench: --advisory: exit " << exit_code << " becomes 0\n";
    return kExitOk;
  }
  return exit_code;
}

int do_baseline_promote(const std::string& from_option, const std::string& to_option,
                        bool reset_accepted, const std::string& repo_option) {
  const fs::path repo = repo_root_from(repo_option);
  const fs::path from =
      from_option.empty() ? repo / "results" / "latest" / "results.json" : fs::path(from_option);
  if (from_option.empty() && !fs::exists(from)) {
    throw Error(from.string() + ": no results yet; run `make compare` first, or name a "
                                "results.json to promote");
  }
  const fs::path to = to_option.empty() ? repo / "results" / "baseline.json" : fs::path(to_option);
  const PromoteOutcome outcome = promote_baseline(from, to, reset_accepted);
  std::cerr << "imgbench: " << to.string() << " is now run " << outcome.run_id << " ("
            << outcome.accepted_kept << " accepted regression(s) kept"
            << (reset_accepted ? ", list reset" : "") << ")\n";
  return kExitOk;
}

int do_history(const std::string& file_option, const std::string& repo_option) {
  const fs::path file = file_option.empty()
                            ? repo_root_from(repo_option) / "results" / "history.jsonl"
                            : fs::path(file_option);
  if (!fs::exists(file)) {
    throw Error(file.string() + ": no history yet; each run recorded with --record-history adds "
                                "a line");
  }
  const auto points = parse_history(read_text_file(file), file.string());
  if (points.empty()) {
    throw Error(file.string() + ": no runs in the history yet");
  }
  std::cout << "## History: " << points.size() << " run(s), " << points.front().run_id << " to "
            << points.back().run_id << "\n\n";
  write_trend_table(std::cout, trends(points));
  return kExitOk;
}

struct ProbeArgs {
  std::string url;
  int requests = 10000;
  int warmup = 1000;
  int cold_requests = 0;
  int connections = 16;
  double duration_s = 0;
  double rate_rps = 0;
  int cpu = -1;
};

nlohmann::json summary_json(const std::vector<double>& latency_us) {
  const auto s = summarize(latency_us);
  if (!s) {
    return nullptr;
  }
  return {{"count", s->count}, {"min", s->min},   {"p50", s->p50},       {"p90", s->p90},
          {"p99", s->p99},     {"p999", s->p999}, {"max", s->max},       {"mean", s->mean},
          {"stddev", s->stddev}};
}

nlohmann::json load_json(const LoadResult& load) {
  const double seconds = std::chrono::duration<double>(load.elapsed).count();
  nlohmann::json out = {{"rps", load.achieved_rps},
                        {"requests", load.requests},
                        {"errors", load.errors},
                        {"reconnects", load.reconnects},
                        {"harness_cpu_pct", seconds > 0 ? 100.0 * load.harness_cpu_s / seconds : 0}};
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

// Removes the containers that runs left (all of them, or only those of run `run_id`): a killed run
// never reached its guards. Another run may be measuring right now; --run leaves its containers be.
int do_clean(const std::string& run_id) {
  DockerCli docker;
  (void)docker.engine_info();
  const auto names = docker.containers_with_label(kRunLabel, run_id);
  int removed = 0;
  for (const auto& name : names) {
    if (docker.remove_container(name)) {
      ++removed;
    } else {
      std::cerr << "imgbench: could not remove container " << name << '\n';
    }
  }
  std::cerr << "imgbench: removed " << removed << " container(s) left by "
            << (run_id.empty() ? std::string("earlier runs") : "run " + run_id) << '\n';
  return removed == static_cast<int>(names.size()) ? kExitOk : kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "imgbench: builds each Dockerfile variant, records image size and layers, starts the "
      "container and times its health endpoint, then writes comparison tables."};
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  imgbench run                        measure every variant in variants/\n"
      "  imgbench run --variants static,slim --requests 2000\n"
      "  imgbench list                       what each variant is and whether it can run here\n"
      "  imgbench report results/latest/results.json\n"
      "  imgbench check                      every variant's budget against the latest run\n"
      "  imgbench check --baseline results/baseline.json\n"
      "  imgbench baseline promote           make the latest run the baseline\n"
      "  imgbench history                    trends over results/history.jsonl\n"
      "Exit codes: 0 ok, 1 a regression or over budget, 2 bad input or no engine, 3 a variant failed, "
      "130 interrupted.");
  std::string repo;
  app.add_option("--repo", repo, "The imgbench repository (default: found above the current folder)");

  RunArgs run_args;
  auto* run = app.add_subcommand("run", "Build, start and measure variants; write a run folder");
  run->add_option("--variants", run_args.variants, "Only these variants (comma-separated names)")
      ->delimiter(',');
  run->add_option("--requests", run_args.requests, "Measured requests per repetition")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  run->add_option("--warmup", run_args.warmup, "Requests sent and discarded before measuring")
      ->check(CLI::Range(0, 10'000'000))
      ->capture_default_str();
  run->add_option("--repetitions", run_args.repetitions,
                  "Container starts per variant, interleaved across variants")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  run->add_option("--via", run_args.via,
                  "Measure at the container's bridge IP (ip) or through the port published on "
                  "127.0.0.1 (port, adds docker-proxy's cost)")
      ->check(CLI::IsMember({"ip", "port"}))
      ->capture_default_str();
  run->add_option("--placement", run_args.placement,
                  "CPU placement while measuring: cross (container on CPU 0, harness on CPU 1), "
                  "same (both on CPU 0) or none (left to the scheduler)")
      ->check(CLI::IsMember({"cross", "same", "none"}))
      ->capture_default_str();
  run->add_option("--stop-timeout", run_args.stop_timeout_s,
                  "Seconds `docker stop` waits for the service to exit on SIGTERM before SIGKILL")
      ->check(CLI::Range(0, 600))
      ->capture_default_str();
  run->add_option("--connections", run_args.connections,
                  "Keep-alive connections of the closed-loop load phase")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  run->add_option("--duration", run_args.duration_s,
                  "Seconds of each load phase per repetition (0 skips load)")
      ->check(CLI::Range(0.0, 600.0))
      ->capture_default_str();
  run->add_option("--rate", run_args.rate_rps,
                  "Also run an open-loop phase at this many requests a second, timed from each "
                  "request's intended send time (0: no open loop)")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  run->add_option("--cold-requests", run_args.cold_requests,
                  "Requests per repetition on a new connection each, after the keep-alive loop "
                  "(cold_latency_*; 0 skips them; at most 10000, as each leaves a socket in "
                  "TIME_WAIT for a minute)")
      ->check(CLI::Range(0, 10'000))
      ->capture_default_str();
  run->add_option("--out", run_args.out,
                  "Write the run folder here instead of results/runs/<id> (results/latest is "
                  "then left alone)");
  run->add_flag("--record-history", run_args.record_history,
                "Append a summary line of this run to results/history.jsonl (read by `imgbench "
                "history`); meant for CI on the main branch");
  run->add_flag("--keep-images", run_args.keep_images,
                "Keep the images built by this run (removed by default to save disk)");
  run->add_flag("--no-anatomy", run_args.no_anatomy,
                "Skip the analysis of each image's docker save stream (layers, shadowed and "
                "compressed bytes, shell, user)");
  run->add_flag("-q,--quiet", run_args.quiet, "Only failures and skips on stderr");
  run->footer(
      "Examples:\n"
      "  imgbench run\n"
      "  imgbench run --variants static,multistage --requests 20000 --repetitions 5\n"
      "  imgbench run --connections 32 --duration 10 --rate 2000\n"
      "  make compare ARGS=\"--requests 200\"");

  auto* list = app.add_subcommand("list", "List the variants and whether each can run here");

  std::string report_file;
  std::string report_out;
  auto* report = app.add_subcommand(
      "report", "Render report.md, results.csv, the charts and report.html from a results.json");
  report->add_option("results", report_file, "A results.json written by `imgbench run`")
      ->required()
      ->check(CLI::ExistingFile);
  report->add_option("--out", report_out, "Folder for the reports (default: next to the file)");
  report->footer("Example:\n  imgbench report results/latest/results.json");

  CheckArgs check_args;
  auto* check = app.add_subcommand(
      "check",
      "Check every variant's budget (variant.json) against a run and, with --baseline, compare "
      "the run with a baseline; exit 1 on a regression or a budget over");
  check->add_option("--current", check_args.current,
                    "The run's results.json (default: results/latest/results.json)")
      ->check(CLI::ExistingFile);
  auto* baseline_option = check->add_option("--baseline", check_args.baseline,
                    "Also compare the run with this baseline (e.g. results/baseline.json) under "
                    "the policy; prints a markdown table for a pull-request comment")
      ->check(CLI::ExistingFile);
  // These only mean something with a baseline; CLI11 refuses them without one (exit 2).
  check->add_option("--policy", check_args.policy,
                    "Regression rules (default: imgbench.policy.json at the repository root)")
      ->check(CLI::ExistingFile)
      ->needs(baseline_option);
  check->add_option("--metrics", check_args.metrics,
                    "Compare only these policy metrics (comma-separated)")
      ->delimiter(',')
      ->needs(baseline_option);
  check->add_option("--csv", check_args.csv, "Also write the comparison as CSV to this file")
      ->needs(baseline_option);
  check->add_flag("--strict", check_args.strict,
                  "Refuse (exit 2) when the run conditions differ from the baseline's (Docker "
                  "version, kernel, CPUs, requests, repetitions, via, placement, ...)")
      ->needs(baseline_option);
  check->add_flag("--advisory", check_args.advisory,
                  "Print the same verdicts but exit 0 whatever they are (bad input still exits 2)");
  check->footer(
      "Budgets are the \"budget\" object of each variants/<name>/variant.json: max_size_bytes, "
      "max_compressed_bytes, max_layers, max_shadowed_bytes, min_efficiency (0-1) and non_root.\n"
      "Baseline rules are in imgbench.policy.json: sizes, layers and efficiency regress past a "
      "relative and an absolute threshold; latency, ready and build times, memory and rps also "
      "need a one-sided Mann-Whitney p < alpha over >= 5 repetitions a side.\n"
      "Examples:\n"
      "  imgbench check\n"
      "  imgbench check --current results/runs/20261203T181500Z-3f9a/results.json\n"
      "  imgbench check --baseline results/baseline.json --csv comparison.csv\n"
      "  imgbench check --baseline results/baseline.json --metrics size_bytes,layers --advisory\n"
      "Exit codes: 0 nothing regressed and every budget met, 1 a regression or a rule over "
      "budget, 2 bad input (file, field, no metric matched, a budget rule that could not be "
      "checked, or --strict and differing conditions), 3 a variant failed in the run.");

  std::string promote_from;
  std::string promote_to;
  bool reset_accepted = false;
  auto* baseline = app.add_subcommand("baseline", "Manage results/baseline.json");
  baseline->require_subcommand(1);
  baseline->footer("Example:\n  imgbench baseline promote --help");
  auto* promote = baseline->add_subcommand(
      "promote", "Make a run the baseline: copy it to results/baseline.json atomically, keeping "
                 "the existing baseline's accepted regressions");
  promote->add_option("results", promote_from,
                      "The run's results.json (default: results/latest/results.json)")
      ->check(CLI::ExistingFile);
  promote->add_option("--to", promote_to, "The baseline file (default: results/baseline.json)");
  promote->add_flag("--reset-accepted", reset_accepted,
                    "Start with an empty accepted list instead of keeping the existing one");
  promote->footer(
      "Examples:\n"
      "  imgbench baseline promote\n"
      "  imgbench baseline promote results/runs/20261203T181500Z-3f9a/results.json\n"
      "  make baseline");

  std::string history_file;
  auto* history = app.add_subcommand(
      "history", "Trends over results/history.jsonl: first, last, min, max and change of each "
                 "variant's key metrics");
  history->add_option("--file", history_file, "The history file (default: results/history.jsonl)");
  history->footer("Example:\n  imgbench history --file results/history.jsonl");

  ProbeArgs probe_args;
  auto* probe = app.add_subcommand(
      "probe", "Measure a service that is already running at URL, as `run` measures a container");
  probe->add_option("url", probe_args.url,
                    "Numeric URL of the health path, e.g. http://172.17.0.2:8080/healthz")
      ->required();
  probe->add_option("--requests", probe_args.requests, "Measured sequential keep-alive requests")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  probe->add_option("--warmup", probe_args.warmup, "Requests sent and discarded before measuring")
      ->check(CLI::Range(0, 10'000'000))
      ->capture_default_str();
  probe->add_option("--cold-requests", probe_args.cold_requests,
                    "Then this many on a new connection each (0: none)")
      ->check(CLI::Range(0, 10'000))
      ->capture_default_str();
  probe->add_option("--connections", probe_args.connections, "Connections of the load phase")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  probe->add_option("--duration", probe_args.duration_s,
                    "Seconds of closed-loop load after the sequential requests (0: none)")
      ->check(CLI::Range(0.0, 600.0))
      ->capture_default_str();
  probe->add_option("--rate", probe_args.rate_rps,
                    "Then an open loop at this many requests a second for the same time (0: none)")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  probe->add_option("--cpu", probe_args.cpu, "Pin the measuring thread to this CPU (-1: no pin)")
      ->check(CLI::Range(-1, 1023))
      ->capture_default_str();
  probe->footer(
      "Prints one JSON object: latency_us (min, p50, p90, p99, p999, max, mean, stddev), errors, "
      "reconnects and, when asked for, cold_latency_us, load and open.\n"
      "Example:\n"
      "  imgbench probe http://172.17.0.2:8080/healthz --requests 20000 --duration 5 --cpu 1\n"
      "Exit codes: 0 every sequential request answered 200, 2 bad input, 3 some did not, 130 "
      "interrupted.");

  std::string clean_run;
  auto* clean = app.add_subcommand(
      "clean", "Remove containers that interrupted or crashed runs left (found by label)");
  clean->add_option("--run", clean_run,
                    "Only the containers of this run id (label imgbench.run=ID); without it, "
                    "those of every run, including one that is measuring right now")
      ->check([](const std::string& id) {
        return id.empty() ? std::string("the run id must not be empty") : std::string();
      });
  clean->footer(
      "Examples:\n"
      "  imgbench clean\n"
      "  imgbench clean --run 20261203T181500Z-3f9a");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  try {
    if (*run) {
      // Only `run` has state to clean up on Ctrl-C; the other verbs keep the default (die at once).
      install_signal_handlers();
      return do_run(run_args, repo);
    }
    if (*list) {
      return do_list(repo);
    }
    if (*report) {
      return do_report(report_file, report_out);
    }
    if (*check) {
      return do_check(check_args, repo);
    }
    if (*promote) {
      return do_baseline_promote(promote_from, promote_to, reset_accepted, repo);
    }
    if (*history) {
      return do_history(history_file, repo);
    }
    if (*probe) {
      install_signal_handlers();
      return do_probe(probe_args);
    }
    if (*clean) {
      return do_clean(clean_run);
    }
  } catch (const Error& e) {
    std::cerr << "imgbench: " << e.what() << '\n';
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "imgbench: internal error: " << e.what() << '\n';
    return kExitUsage;
  }
  return kExitUsage;
}
