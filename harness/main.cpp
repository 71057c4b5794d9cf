// imgbench's command line: CLI11 wiring of the verbs onto the modules, and the one `try` that turns
// errors into a message and an exit code.
#include <CLI/CLI.hpp>

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
#include "check.hpp"
#include "docker_cli.hpp"
#include "error.hpp"
#include "host.hpp"
#include "html.hpp"
#include "probe.hpp"
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
  Results results = runner.run(variants, options);
  if (runner.interrupted()) {
    std::cerr << "imgbench: interrupted; containers removed, no results written, "
                 "previous results left as they were\n";
    return kExitInterrupted;
  }

  const fs::path results_dir = repo / "results";
  const fs::path out = args.out.empty() ? results_dir / "runs" / results.run.id : fs::path(args.out);
  write_run_folder(out, results);
  if (!runner.benchmark_json().empty()) {
    write_file_atomic(out / "benchmark.json", runner.benchmark_json());
  }
  if (args.out.empty()) {
    replace_symlink_atomic(results_dir / "latest", fs::path("runs") / results.run.id);
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

int do_check(const std::string& current_option, const std::string& repo_option) {
  const fs::path repo = repo_root_from(repo_option);
  const fs::path current =
      current_option.empty() ? repo / "results" / "latest" / "results.json" : fs::path(current_option);
  if (current_option.empty() && !fs::exists(current)) {
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
  return report.exit_code;
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

int do_clean() {
  DockerCli docker;
  (void)docker.engine_info();
  const auto names = docker.containers_with_label(kRunLabel, "");
  int removed = 0;
  for (const auto& name : names) {
    if (docker.remove_container(name)) {
      ++removed;
    } else {
      std::cerr << "imgbench: could not remove container " << name << '\n';
    }
  }
  std::cerr << "imgbench: removed " << removed << " container(s) left by earlier runs\n";
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
      "Exit codes: 0 ok, 1 over budget, 2 bad input or no engine, 3 a variant failed, "
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

  std::string check_current;
  auto* check = app.add_subcommand(
      "check", "Check every variant's budget (variant.json) against a run; exit 1 when one is over");
  check->add_option("--current", check_current,
                    "The run's results.json (default: results/latest/results.json)")
      ->check(CLI::ExistingFile);
  check->footer(
      "Budgets are the \"budget\" object of each variants/<name>/variant.json: max_size_bytes, "
      "max_compressed_bytes, max_layers, max_shadowed_bytes, min_efficiency (0-1) and non_root.\n"
      "Examples:\n"
      "  imgbench check\n"
      "  imgbench check --current results/runs/20261203T181500Z-3f9a/results.json\n"
      "Exit codes: 0 every budget met, 1 a rule over budget, 2 a rule could not be checked (or no "
      "budget at all), 3 a variant with a budget failed in the run.");

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

  auto* clean = app.add_subcommand(
      "clean", "Remove containers that interrupted or crashed runs left (found by label)");

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
      return do_check(check_current, repo);
    }
    if (*probe) {
      install_signal_handlers();
      return do_probe(probe_args);
    }
    if (*clean) {
      return do_clean();
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
