// imgbench's command line: CLI11 wiring of the verbs onto the modules, and the one `try` that turns
// errors into a message and an exit code.
#include <CLI/CLI.hpp>

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "against.hpp"
#include "baseline.hpp"
#include "charts.hpp"
#include "check.hpp"
#include "docker_cli.hpp"
#include "error.hpp"
#include "history.hpp"
#include "host.hpp"
#include "html.hpp"
#include "init.hpp"
#include "policy.hpp"
#include "probe.hpp"
#include "progress.hpp"
#include "regress.hpp"
#include "regress_report.hpp"
#include "report.hpp"
#include "results.hpp"
#include "run_folder.hpp"
#include "runner.hpp"
#include "stats.hpp"
#include "text.hpp"
#include "trend_chart.hpp"
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
  std::string format = "markdown";
  std::string color = "auto";
};

fs::path repo_root_from(const std::string& repo_option) {
  return repo_option.empty() ? find_repo_root(fs::current_path()) : fs::absolute(repo_option);
}

std::string render(const Results& results, void (*writer)(std::ostream&, const Results&)) {
  std::ostringstream out;
  writer(out, results);
  return out.str();
}

// Columns of the terminal on stderr; 80 when it does not say.
int terminal_columns() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  return 80;
}

// The runner's events on stderr through a ProgressDisplay. Live, a thread of its own redraws about
// once a second so the clocks move during a long build; the mutex serialises it with the runner's
// thread. The thread starts before the runner pins its own thread, so it is not on the harness CPU.
class StderrProgress {
 public:
  StderrProgress(const DisplayOptions& options, const std::vector<Variant>& variants)
      : display_(std::cerr, options) {
    if (!options.live) {
      return;
    }
    for (const auto& v : variants) {
      display_.add_variant(v.name);
    }
    ticker_ = std::jthread([this](const std::stop_token& token) {
      std::unique_lock lock(mutex_);
      while (!token.stop_requested()) {
        (void)wake_.wait_for(lock, token, std::chrono::seconds(1), [] { return false; });
        if (!token.stop_requested()) {
          display_.tick(elapsed());
        }
      }
    });
  }
  StderrProgress(const StderrProgress&) = delete;
  StderrProgress& operator=(const StderrProgress&) = delete;
  ~StderrProgress() { stop(); }

  ProgressSink sink() {
    return [this](const ProgressEvent& event) {
      const std::lock_guard lock(mutex_);
      display_.on_event(event, elapsed());
    };
  }
  // The last redraw; after it the cursor is below the block and stderr is plain text again.
  void finish() {
    stop();
    display_.finish(elapsed());
  }

 private:
  std::chrono::milliseconds elapsed() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start_);
  }
  void stop() {
    if (ticker_.joinable()) {
      ticker_.request_stop();
      ticker_.join();
    }
  }

  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::mutex mutex_;
  std::condition_variable_any wake_;
  ProgressDisplay display_;
  std::jthread ticker_;  // last: stopped before what it uses goes
};

DisplayOptions display_options(const RunArgs& args) {
  const bool tty = isatty(STDERR_FILENO) == 1;
  DisplayOptions display;
  display.live = use_live_display(tty, args.quiet, std::getenv("TERM"));
  // --quiet asks for plain lines, so auto colours only the live display; always still colours.
  display.color =
      use_color(parse_color_mode(args.color), tty && !args.quiet, std::getenv("NO_COLOR"));
  display.quiet = args.quiet;
  display.width = terminal_columns();
  return display;
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

// A run's conditions and parameters from the command line; engine facts are the runner's.
RunnerOptions runner_options(const RunArgs& args, const fs::path& repo) {
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
  return options;
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
    std::cerr << "imgbench: recorded the run in " << (results_dir / "history.jsonl").string() << '\n';
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

// Whether a variant can run here, as far as the engine can tell without building anything: its
// required images present ("yes"), missing ("no"), or to be pulled by `run` ("maybe").
struct Availability {
  std::string here;
  std::string why;  // empty for "yes"
};

Availability availability(const Variant& v, DockerCli& docker, bool engine) {
  if (!engine) {
    return {"unknown", "no engine to ask (see the message above)"};
  }
  std::vector<std::string> missing;
  try {
    for (const auto& image : v.requires_images) {
      if (!docker.inspect_image(image)) {
        missing.push_back(image);
      }
    }
  } catch (const Error& e) {
    return {"unknown", e.what()};
  }
  if (missing.empty()) {
    return {"yes", ""};
  }
  const std::string images = join(missing, ", ");
  if (v.requires_registry) {
    return {"maybe", "needs " + images + " from a registry: `imgbench run` tries docker pull and "
                     "skips the variant when it fails"};
  }
  const bool ours = std::all_of(missing.begin(), missing.end(), [](const std::string& image) {
    return image.rfind("imgbench/", 0) == 0;
  });
  return {"no", images + " missing here; " +
                    (ours ? std::string("make it with `make bases`")
                          : std::string("pull or build it first (requires_registry is false, so "
                                        "`imgbench run` will not pull it)"))};
}

int do_list(const std::string& repo_option) {
  const fs::path repo = repo_root_from(repo_option);
  const auto variants = discover_variants(repo / "variants", repo);
  if (variants.empty()) {
    std::cerr << "imgbench: no variants in " << (repo / "variants").string()
              << "; start one with `imgbench init variants/<name>`\n";
    return kExitOk;
  }
  DockerCli docker;
  bool engine = true;
  try {
    (void)docker.engine_info();
  } catch (const Error& e) {
    engine = false;
    std::cerr << "imgbench: " << e.what() << '\n';
  }
  std::size_t name_width = std::string_view("VARIANT").size();
  std::size_t tags_width = std::string_view("TAGS").size();
  std::vector<std::string> tags;
  for (const auto& v : variants) {
    tags.push_back(v.tags.empty() ? "-" : join(v.tags, ","));
    name_width = std::max(name_width, v.name.size());
    tags_width = std::max(tags_width, tags.back().size());
  }
  constexpr int kHereWidth = 9;  // "RUNS HERE"
  const auto width = static_cast<int>(name_width);
  std::cout << std::left << std::setw(width) << "VARIANT" << "  " << std::setw(kHereWidth)
            << "RUNS HERE" << "  " << std::setw(static_cast<int>(tags_width)) << "TAGS"
            << "  DESCRIPTION\n";
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const auto& v = variants[i];
    const Availability a = availability(v, docker, engine);
    std::cout << std::setw(width) << v.name << "  " << std::setw(kHereWidth) << a.here << "  "
              << std::setw(static_cast<int>(tags_width)) << tags[i] << "  " << v.description
              << '\n';
    if (!a.why.empty()) {
      std::cout << std::string(name_width + 2, ' ') << "why: " << a.why << '\n';
    }
  }
  return kExitOk;
}

// Writes DIR/variant.json (on stdout too) and says where each field came from and what to do next.
int do_init(const std::string& dir, bool force) {
  const InitResult r = init_variant(dir, force);
  std::cout << r.text;
  std::cerr << "imgbench: wrote " << r.file.string() << ": port "
            << (r.facts.port ? std::to_string(*r.facts.port) + " from EXPOSE"
                             : std::string("8080 (no EXPOSE in the final stage)"))
            << ", requires_images "
            << (r.facts.base_images.empty() ? std::string("empty (no FROM image but scratch or a stage)")
                                            : "from FROM: " + join(r.facts.base_images, ", "))
            << ", context \"" << r.context << "\"\n";
  for (const auto& image : r.facts.unresolved) {
    std::cerr << "imgbench: FROM " << image << " uses a build argument; add the image it names to "
                                               "requires_images by hand\n";
  }
  if (r.in_repository) {
    std::cerr << "next: edit the description (and health_path, if it is not /healthz), then\n"
              << "  imgbench list\n"
              << "  imgbench run --variants " << r.name << '\n';
  } else {
    std::cerr << "next: edit the description; `imgbench run` measures the variants/<name>/ folders "
                 "of a repository, so move the folder there (with context \"../..\" if the "
                 "Dockerfile copies from the repository), then\n"
              << "  imgbench run --variants " << r.name << '\n';
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
  std::optional<std::string> against;  // REV: its variants beside the working tree's, one run
  RunArgs run;                         // the run --against makes
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
BaselineOutcome compare_with_baseline(const CheckArgs& args, const fs::path& repo,
                                      const Baseline& baseline, const Results& current) {
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

// Budgets of `results` under `variants`, then, given a baseline, the comparison; the exit code
// `check` returns.
int check_results(const CheckArgs& args, const fs::path& repo, const Results& results,
                  const std::vector<Variant>& variants, const Baseline* baseline) {
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
  if (baseline == nullptr) {
    return args.advisory ? kExitOk : report.exit_code;
  }
  const BaselineOutcome outcome = compare_with_baseline(args, repo, *baseline, results);
  // No budget anywhere is "nothing to check" only when budgets are all there is to check; beside a
  // baseline (or REV) the comparison is the check.
  const bool no_budgets = report.checked.empty() && report.over == 0 && report.failed == 0 &&
                          report.not_measured == 0;
  const int budget_code = no_budgets ? kExitOk : report.exit_code;
  // A --strict refusal is the answer, whatever the budgets say.
  const int exit_code =
      outcome.refused ? kExitUsage : combine_check_codes(budget_code, outcome.exit_code);
  if (args.advisory) {
    std::cerr << "imgbench: --advisory: exit " << exit_code << " becomes 0\n";
    return kExitOk;
  }
  return exit_code;
}

// check --against: REV's variants and the working tree's, built and measured interleaved in one
// run, its folder written to results/runs/<id>-against/ (results/latest stays), then the run is
// split into two sides and checked like --baseline. REV's worktree is gone before the verdicts.
int do_check_against(const CheckArgs& args, const fs::path& repo) {
  validate_revision(*args.against);
  const auto current_variants = discover_variants(repo / "variants", repo);
  const RunnerOptions options = runner_options(args.run, repo);
  Results results;
  std::string benchmark_json;
  std::string base_commit;
  bool base_failed = false;
  {
    const RevisionWorktree worktree(repo, *args.against, &g_interrupted);
    base_commit = worktree.commit();
    std::cerr << "imgbench: --against " << *args.against << " is " << base_commit
              << ", checked out in " << worktree.tree().string() << "; its variants run as <name>"
              << kBaseSuffix << '\n';
    std::vector<Variant> base_variants;
    try {
      base_variants = discover_variants(worktree.tree() / "variants", worktree.tree());
    } catch (const Error& e) {
      throw Error(*args.against + ": " + e.what(), e.exit_code());
    }
    const auto variants =
        plan_against(current_variants, base_variants, args.run.variants, *args.against);

    DockerCli docker("docker", &g_interrupted);
    CurlProbe probe;
    StderrProgress progress(display_options(args.run), variants);
    Runner runner(docker, probe, progress.sink());
    std::cerr << "imgbench: run " << options.run.id << ", " << variants.size()
              << " variant(s) of two revisions, " << args.run.repetitions
              << " repetition(s) of " << args.run.requests << " requests\n";
    results = runner.run(variants, options);
    progress.finish();
    if (runner.interrupted()) {
      std::cerr << "imgbench: interrupted; containers and the worktree of " << *args.against
                << " removed, no results written\n";
      return kExitInterrupted;
    }
    benchmark_json = runner.benchmark_json();
  }
  if (g_interrupted != 0) {
    return kExitInterrupted;
  }

  const fs::path out = repo / "results" / "runs" / (results.run.id + "-against");
  if (!publish_run_folder(out, results, benchmark_json, &g_interrupted)) {
    std::cerr << "imgbench: interrupted while writing; no results written\n";
    return kExitInterrupted;
  }
  std::cerr << "imgbench: wrote " << out.string()
            << "/{results.json,results.csv,report.md,report.html,charts/,benchmark.json}\n";
  for (const auto& v : results.variants) {
    if (v.status == VariantStatus::Failed && base_side_variant(v.name)) {
      std::cerr << "imgbench: variant " << v.name << " (" << *args.against
                << ") failed: " << v.reason.value_or("") << '\n';
      base_failed = true;
    }
  }

  const AgainstSides sides = split_sides(results, base_commit);
  const Baseline baseline{sides.baseline, {}};
  const int exit_code = check_results(args, repo, sides.current, current_variants, &baseline);
  if (base_failed && !args.advisory) {
    return combine_check_codes(exit_code, kExitMeasurementFailed);
  }
  return exit_code;
}

int do_check(const CheckArgs& args, const std::string& repo_option) {
  const fs::path repo = repo_root_from(repo_option);
  if (args.against) {
    return do_check_against(args, repo);
  }
  const fs::path current =
      args.current.empty() ? repo / "results" / "latest" / "results.json" : fs::path(args.current);
  if (args.current.empty() && !fs::exists(current)) {
    throw Error(current.string() + ": no results yet; run `make compare` (or `imgbench run`) "
                                   "first, or name a results.json with --current");
  }
  const Results results = load_results(current);
  const auto variants = discover_variants(repo / "variants", repo);
  if (args.baseline.empty()) {
    return check_results(args, repo, results, variants, nullptr);
  }
  const Baseline baseline = load_baseline(args.baseline);
  return check_results(args, repo, results, variants, &baseline);
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

int do_history(const std::string& file_option, const std::string& charts_option,
               const std::string& repo_option) {
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
  // One line chart a metric, beside the history file unless told otherwise.
  const fs::path charts = charts_option.empty() ? file.parent_path() / "history" : fs::path(charts_option);
  std::error_code ec;
  fs::create_directories(charts, ec);
  if (ec) {
    throw Error("cannot create the chart folder " + charts.string() + ": " + ec.message());
  }
  for (const auto metric : kHistoryMetrics) {
    write_file_atomic(charts / (std::string(metric) + ".svg"), trend_chart(points, metric));
  }
  std::cerr << "imgbench: wrote " << std::size(kHistoryMetrics) << " trend charts to "
            << charts.string() << "/\n";
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
  // Then the images such runs built (tags and step images carry the run label too). An image that
  // some other container still uses stays, and is named; that is not a failure of this clean.
  const auto images = docker.images_with_label(kRunLabel, run_id);
  int images_removed = 0;
  for (const auto& id : images) {
    if (docker.remove_image(id)) {
      ++images_removed;
    } else {
      std::cerr << "imgbench: kept image " << id.substr(0, 19)
                << ": still in use, or referenced by a tag outside the run\n";
    }
  }
  std::cerr << "imgbench: removed " << removed << " container(s) and " << images_removed
            << " image(s) left by "
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
      "Exit codes: 0 ok, 1 a regression or over budget, 2 bad input or no engine, 3 a variant failed, "
      "130 interrupted.\n"
      "Examples:\n"
      "  imgbench run                        measure every variant in variants/\n"
      "  imgbench run --variants static,slim --requests 2000\n"
      "  imgbench list                       what each variant is and whether it can run here\n"
      "  imgbench init variants/myservice    a starter variant.json next to its Dockerfile\n"
      "  imgbench report results/latest/results.json\n"
      "  imgbench check                      every variant's budget against the latest run\n"
      "  imgbench check --baseline results/baseline.json\n"
      "  imgbench check --against main       both revisions measured in one run, compared\n"
      "  imgbench baseline promote           make the latest run the baseline\n"
      "  imgbench history                    trends over results/history.jsonl");
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
  run->add_flag("-q,--quiet", run_args.quiet,
                "Only failures and skips on stderr, as plain lines (no live display)");
  run->add_option("--format", run_args.format,
                  "What stdout gets: the markdown report or results.json (the run folder is "
                  "written either way)")
      ->check(CLI::IsMember({"markdown", "json"}))
      ->capture_default_str();
  run->add_option("--color", run_args.color,
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

  auto* list = app.add_subcommand(
      "list", "List the variants: description, tags and whether each can run here (and why not)");
  list->footer("Example:\n  imgbench list");

  std::string init_dir;
  bool init_force = false;
  auto* init = app.add_subcommand(
      "init", "Write a starter DIR/variant.json next to DIR/Dockerfile: the port from EXPOSE, "
              "requires_images from FROM");
  init->add_option("dir", init_dir, "The variant's folder, holding its Dockerfile")->required();
  init->add_flag("--force", init_force, "Overwrite an existing variant.json");
  init->footer(
      "context is \"../..\" (the repository) when DIR is variants/<name> of an imgbench "
      "repository, else \".\".\n"
      "Examples:\n"
      "  imgbench init variants/myservice\n"
      "  imgbench init variants/myservice --force");

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
      "the run with a baseline, or, with --against REV, measure REV and the working tree in one "
      "run and compare the two; exit 1 on a regression or a budget over");
  auto* current_option = check->add_option("--current", check_args.current,
                    "The run's results.json (default: results/latest/results.json)")
      ->check(CLI::ExistingFile);
  auto* baseline_option = check->add_option("--baseline", check_args.baseline,
                    "Also compare the run with this baseline (e.g. results/baseline.json) under "
                    "the policy; prints a markdown table for a pull-request comment")
      ->check(CLI::ExistingFile);
  auto* against_option = check->add_option("--against", check_args.against,
                    "Instead of reading a run, check out REV (a commit, branch or tag) in a "
                    "temporary git worktree, build and measure its variants (as <name>.base) and "
                    "the working tree's interleaved in one run, written to "
                    "results/runs/<id>-against/, and compare the two sides like --baseline")
      ->excludes(current_option)
      ->excludes(baseline_option);
  // The run --against makes; only with --against (CLI11 refuses them otherwise, exit 2).
  check->add_option("--variants", check_args.run.variants,
                    "With --against: only these variants (comma-separated names)")
      ->delimiter(',')
      ->needs(against_option);
  check->add_option("--requests", check_args.run.requests,
                    "With --against: measured requests per repetition")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str()
      ->needs(against_option);
  check->add_option("--warmup", check_args.run.warmup,
                    "With --against: requests sent and discarded before measuring")
      ->check(CLI::Range(0, 10'000'000))
      ->capture_default_str()
      ->needs(against_option);
  check->add_option("--repetitions", check_args.run.repetitions,
                    "With --against: container starts per variant and side, interleaved (noisy "
                    "metrics need 5 a side)")
      ->check(CLI::Range(1, 100))
      ->capture_default_str()
      ->needs(against_option);
  check->add_option("--duration", check_args.run.duration_s,
                    "With --against: seconds of the load phase per repetition (0 skips load)")
      ->check(CLI::Range(0.0, 600.0))
      ->capture_default_str()
      ->needs(against_option);
  check->add_option("--connections", check_args.run.connections,
                    "With --against: keep-alive connections of the load phase")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str()
      ->needs(against_option);
  check->add_option("--cold-requests", check_args.run.cold_requests,
                    "With --against: requests per repetition on a new connection each (0 skips "
                    "them)")
      ->check(CLI::Range(0, 10'000))
      ->capture_default_str()
      ->needs(against_option);
  // These only mean something with a comparison; refused without --baseline or --against (exit 2).
  auto* policy_option = check->add_option("--policy", check_args.policy,
                    "Regression rules (default: imgbench.policy.json at the repository root)")
      ->check(CLI::ExistingFile);
  auto* metrics_option = check->add_option("--metrics", check_args.metrics,
                    "Compare only these policy metrics (comma-separated)")
      ->delimiter(',');
  auto* csv_option =
      check->add_option("--csv", check_args.csv, "Also write the comparison as CSV to this file");
  auto* strict_option = check->add_flag("--strict", check_args.strict,
                  "Refuse (exit 2) when the run conditions differ from the baseline's (Docker "
                  "version, kernel, CPUs, requests, repetitions, via, placement, ...)");
  check->callback([=] {
    if (baseline_option->count() > 0 || against_option->count() > 0) {
      return;
    }
    for (const auto* option : {policy_option, metrics_option, csv_option, strict_option}) {
      if (option->count() > 0) {
        throw CLI::ValidationError(option->get_name() + " needs --baseline or --against");
      }
    }
  });
  check->add_flag("--advisory", check_args.advisory,
                  "Print the same verdicts but exit 0 whatever they are (bad input still exits 2)");
  check->footer(
      "Budgets are the \"budget\" object of each variants/<name>/variant.json: max_size_bytes, "
      "max_compressed_bytes, max_layers, max_shadowed_bytes, min_efficiency (0-1) and non_root.\n"
      "Baseline rules are in imgbench.policy.json: sizes, layers and efficiency regress past a "
      "relative and an absolute threshold; latency, ready and build times, memory and rps also "
      "need a one-sided Mann-Whitney p < alpha over >= 5 repetitions a side.\n"
      "Exit codes: 0 nothing regressed and every budget met, 1 a regression or a rule over "
      "budget, 2 bad input (file, field, no metric matched, a budget rule that could not be "
      "checked, or --strict and differing conditions, or an unknown REV), 3 a variant failed in "
      "the run, 130 interrupted (--against: containers and the worktree removed).\n"
      "Examples:\n"
      "  imgbench check\n"
      "  imgbench check --current results/runs/20261203T181500Z-3f9a/results.json\n"
      "  imgbench check --baseline results/baseline.json --csv comparison.csv\n"
      "  imgbench check --baseline results/baseline.json --metrics size_bytes,layers --advisory\n"
      "  imgbench check --against main --variants static,slim\n"
      "  imgbench check --against HEAD~1 --requests 2000 --duration 0 --advisory");

  std::string promote_from;
  std::string promote_to;
  bool reset_accepted = false;
  auto* baseline = app.add_subcommand("baseline", "Manage results/baseline.json");
  baseline->require_subcommand(1);
  baseline->footer("Example:\n  imgbench baseline promote");
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
  std::string history_charts;
  history->add_option("--file", history_file, "The history file (default: results/history.jsonl)");
  history->add_option("--charts", history_charts,
                      "Folder for one SVG line chart a metric (default: history/ beside the file)");
  history->footer(
      "Prints the trend table on stdout and writes <metric>.svg for size_bytes, compressed_bytes, "
      "layers, efficiency, build_cold_ms, ready_ms, latency_p50_us, latency_p99_us, load_rps and "
      "mem_idle_bytes.\n"
      "Example:\n  imgbench history --file results/history.jsonl --charts /tmp/trends");

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
      "Exit codes: 0 every sequential request answered 200, 2 bad input, 3 some did not, 130 "
      "interrupted.\n"
      "Example:\n"
      "  imgbench probe http://172.17.0.2:8080/healthz --requests 20000 --duration 5 --cpu 1");

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
    if (*init) {
      return do_init(init_dir, init_force);
    }
    if (*report) {
      return do_report(report_file, report_out);
    }
    if (*check) {
      if (check_args.against) {
        install_signal_handlers();  // --against runs containers and holds a worktree
      }
      return do_check(check_args, repo);
    }
    if (*promote) {
      return do_baseline_promote(promote_from, promote_to, reset_accepted, repo);
    }
    if (*history) {
      return do_history(history_file, history_charts, repo);
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
