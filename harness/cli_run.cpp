// `imgbench run`: build, start and measure the variants, then publish the run folder.
#include <filesystem>
#include <iostream>
#include <string>

#include "cli.hpp"
#include "cli_common.hpp"
#include "docker_cli.hpp"
#include "error.hpp"
#include "history.hpp"
#include "probe.hpp"
#include "report.hpp"
#include "results.hpp"
#include "run_folder.hpp"
#include "runner.hpp"
#include "variant.hpp"

namespace fs = std::filesystem;

namespace imgbench::cli {

CLI::App* add_run(CLI::App& app, RunArgs& args) {
  auto* run = app.add_subcommand("run", "Build, start and measure variants; write a run folder");
  run->add_option("--variants", args.variants, "Only these variants (comma-separated names)")
      ->delimiter(',');
  run->add_option("--requests", args.requests, "Measured requests per repetition")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  run->add_option("--warmup", args.warmup, "Requests sent and discarded before measuring")
      ->check(CLI::Range(0, 10'000'000))
      ->capture_default_str();
  run->add_option("--repetitions", args.repetitions,
                  "Container starts per variant, interleaved across variants")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  run->add_option("--via", args.via,
                  "Measure at the container's bridge IP (ip) or through the port published on "
                  "127.0.0.1 (port, adds docker-proxy's cost)")
      ->check(CLI::IsMember({"ip", "port"}))
      ->capture_default_str();
  run->add_option("--placement", args.placement,
                  "CPU placement while measuring: cross (container on CPU 0, harness on CPU 1), "
                  "same (both on CPU 0) or none (left to the scheduler)")
      ->check(CLI::IsMember({"cross", "same", "none"}))
      ->capture_default_str();
  run->add_option("--stop-timeout", args.stop_timeout_s,
                  "Seconds `docker stop` waits for the service to exit on SIGTERM before SIGKILL")
      ->check(CLI::Range(0, 600))
      ->capture_default_str();
  run->add_option("--connections", args.connections,
                  "Keep-alive connections of the closed-loop load phase")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  run->add_option("--duration", args.duration_s,
                  "Seconds of each load phase per repetition (0 skips load)")
      ->check(CLI::Range(0.0, 600.0))
      ->capture_default_str();
  run->add_option("--rate", args.rate_rps,
                  "Also run an open-loop phase at this many requests a second, timed from each "
                  "request's intended send time (0: no open loop)")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  run->add_option("--cold-requests", args.cold_requests,
                  "Requests per repetition on a new connection each, after the keep-alive loop "
                  "(cold_latency_*; 0 skips them; at most 10000, as each leaves a socket in "
                  "TIME_WAIT for a minute)")
      ->check(CLI::Range(0, 10'000))
      ->capture_default_str();
  run->add_option("--out", args.out,
                  "Write the run folder here instead of results/runs/<id> (results/latest is "
                  "then left alone)");
  run->add_flag("--record-history", args.record_history,
                "Append a summary line of this run to results/history.jsonl (read by `imgbench "
                "history`); meant for CI on the main branch");
  run->add_flag("--keep-images", args.keep_images,
                "Keep the images built by this run (removed by default to save disk)");
  run->add_flag("--no-anatomy", args.no_anatomy,
                "Skip the analysis of each image's docker save stream (layers, shadowed and "
                "compressed bytes, shell, user)");
  run->add_flag("-q,--quiet", args.quiet,
                "Only failures and skips on stderr, as plain lines (no live display)");
  run->add_option("--format", args.format,
                  "What stdout gets: the markdown report or results.json (the run folder is "
                  "written either way)")
      ->check(CLI::IsMember({"markdown", "json"}))
      ->capture_default_str();
  run->add_option("--color", args.color,
                  "Colour the stages failed, skipped and done on stderr: auto (on a terminal "
                  "without --quiet, unless NO_COLOR is set), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  run->footer(
      "On a terminal, stderr shows one live line a variant (stage, time, a bar during the latency "
      "loop); otherwise, or with --quiet, one timestamped line a stage.\n"
      "Examples:\n"
      "  imgbench run\n"
      "  imgbench run --variants static,multistage --requests 20000 --repetitions 5\n"
      "  imgbench run --connections 32 --duration 10 --rate 2000\n"
      "  imgbench run --variants static --format json | jq '.variants[0].metrics'\n"
      "  make compare ARGS=\"--requests 200\"");
  return run;
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

  RunnerOptions options = runner_options(args, repo);
  const DisplayOptions display = display_options(args);
  if (display.live) {
    options.progress_every = std::chrono::milliseconds(100);  // the latency loop's bar
  }
  DockerCli docker("docker", &g_interrupted);
  CurlProbe probe;
  std::cerr << "imgbench: run " << options.run.id << ", " << variants.size() << " variant(s), "
            << args.repetitions << " repetition(s) of " << args.requests << " requests\n";
  // Where the run folder will go must take files now, not after every variant was measured.
  const fs::path results_dir = repo / "results";
  const fs::path out =
      args.out.empty() ? results_dir / "runs" / options.run.id : fs::path(args.out);
  ensure_writable_folder(fs::absolute(out).parent_path());
  StderrProgress progress(display, variants);
  Runner runner(docker, probe, progress.sink());
  Results results = runner.run(variants, options);
  progress.finish();
  if (runner.interrupted()) {
    std::cerr << "imgbench: interrupted; containers removed, no results written, "
                 "previous results left as they were\n";
    return kExitInterrupted;
  }

  if (!publish_run_folder(out, results, runner.benchmark_json(), &g_interrupted)) {
    std::cerr << "imgbench: interrupted while writing; no results written, previous results left "
                 "as they were\n";
    return kExitInterrupted;
  }
  if (args.out.empty()) {
    replace_symlink_atomic(results_dir / "latest", fs::path("runs") / results.run.id);
  }
  if (args.record_history) {
    append_history(results_dir / "history.jsonl", history_line(results));
    std::cerr << "imgbench: recorded the run in " << (results_dir / "history.jsonl").string()
              << '\n';
  }
  // stdout is data for scripts: the report, or with --format json the results.json text itself.
  std::cout << (args.format == "json" ? to_json(results).dump(2) + "\n"
                                      : render(results, write_markdown));
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

}  // namespace imgbench::cli
