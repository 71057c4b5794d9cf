// `imgbench check`: every variant's budget against a run and, with --baseline, the comparison with
// a baseline under the policy, or, with --against REV, REV and the working tree measured in one run
// and compared; and `imgbench baseline promote`, which makes a run the next --baseline.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "against.hpp"
#include "baseline.hpp"
#include "check.hpp"
#include "cli.hpp"
#include "cli_common.hpp"
#include "docker_cli.hpp"
#include "error.hpp"
#include "policy.hpp"
#include "probe.hpp"
#include "regress.hpp"
#include "regress_report.hpp"
#include "report.hpp"
#include "results.hpp"
#include "run_folder.hpp"
#include "runner.hpp"
#include "text.hpp"
#include "variant.hpp"

namespace fs = std::filesystem;

namespace imgbench::cli {

namespace {

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
    std::cerr << "imgbench: variant " << name
              << " failed in this run; its metrics are not "
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
            << " not measured, " << report.failed << " variant(s) failed; exit " << report.exit_code
            << '\n';
  if (baseline == nullptr) {
    return args.advisory ? kExitOk : report.exit_code;
  }
  const BaselineOutcome outcome = compare_with_baseline(args, repo, *baseline, results);
  // No budget anywhere is "nothing to check" only when budgets are all there is to check; beside a
  // baseline (or REV) the comparison is the check.
  const bool no_budgets =
      report.checked.empty() && report.over == 0 && report.failed == 0 && report.not_measured == 0;
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
              << " variant(s) of two revisions, " << args.run.repetitions << " repetition(s) of "
              << args.run.requests << " requests\n";
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

}  // namespace

CLI::App* add_check(CLI::App& app, CheckArgs& args) {
  auto* check = app.add_subcommand(
      "check",
      "Check every variant's budget (variant.json) against a run and, with --baseline, compare "
      "the run with a baseline, or, with --against REV, measure REV and the working tree in one "
      "run and compare the two; exit 1 on a regression or a budget over");
  auto* current_option =
      check
          ->add_option("--current", args.current,
                       "The run's results.json (default: results/latest/results.json)")
          ->check(CLI::ExistingFile);
  auto* baseline_option =
      check
          ->add_option("--baseline", args.baseline,
                       "Also compare the run with this baseline (e.g. results/baseline.json) under "
                       "the policy; prints a markdown table for a pull-request comment")
          ->check(CLI::ExistingFile);
  auto* against_option =
      check
          ->add_option(
              "--against", args.against,
              "Instead of reading a run, check out REV (a commit, branch or tag) in a "
              "temporary git worktree, build and measure its variants (as <name>.base) and "
              "the working tree's interleaved in one run, written to "
              "results/runs/<id>-against/, and compare the two sides like --baseline")
          ->excludes(current_option)
          ->excludes(baseline_option);
  // The run --against makes; only with --against (CLI11 refuses them otherwise, exit 2).
  check
      ->add_option("--variants", args.run.variants,
                   "With --against: only these variants (comma-separated names)")
      ->delimiter(',')
      ->needs(against_option);
  check
      ->add_option("--requests", args.run.requests,
                   "With --against: measured requests per repetition")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str()
      ->needs(against_option);
  check
      ->add_option("--warmup", args.run.warmup,
                   "With --against: requests sent and discarded before measuring")
      ->check(CLI::Range(0, 10'000'000))
      ->capture_default_str()
      ->needs(against_option);
  check
      ->add_option("--repetitions", args.run.repetitions,
                   "With --against: container starts per variant and side, interleaved (noisy "
                   "metrics need 5 a side)")
      ->check(CLI::Range(1, 100))
      ->capture_default_str()
      ->needs(against_option);
  check
      ->add_option("--duration", args.run.duration_s,
                   "With --against: seconds of the load phase per repetition (0 skips load)")
      ->check(CLI::Range(0.0, 600.0))
      ->capture_default_str()
      ->needs(against_option);
  check
      ->add_option("--connections", args.run.connections,
                   "With --against: keep-alive connections of the load phase")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str()
      ->needs(against_option);
  check
      ->add_option("--cold-requests", args.run.cold_requests,
                   "With --against: requests per repetition on a new connection each (0 skips "
                   "them)")
      ->check(CLI::Range(0, 10'000))
      ->capture_default_str()
      ->needs(against_option);
  // These only mean something with a comparison; refused without --baseline or --against (exit 2).
  auto* policy_option =
      check
          ->add_option("--policy", args.policy,
                       "Regression rules (default: imgbench.policy.json at the repository root)")
          ->check(CLI::ExistingFile);
  auto* metrics_option = check
                             ->add_option("--metrics", args.metrics,
                                          "Compare only these policy metrics (comma-separated)")
                             ->delimiter(',');
  auto* csv_option =
      check->add_option("--csv", args.csv, "Also write the comparison as CSV to this file");
  auto* strict_option =
      check->add_flag("--strict", args.strict,
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
  check->add_flag("--advisory", args.advisory,
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
  return check;
}

int do_check(const CheckArgs& args, const std::string& repo_option) {
  const fs::path repo = repo_root_from(repo_option);
  if (args.against) {
    return do_check_against(args, repo);
  }
  const fs::path current =
      args.current.empty() ? repo / "results" / "latest" / "results.json" : fs::path(args.current);
  if (args.current.empty() && !fs::exists(current)) {
    throw Error(current.string() +
                ": no results yet; run `make compare` (or `imgbench run`) "
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

CLI::App* add_baseline_promote(CLI::App& app, PromoteArgs& args) {
  auto* baseline = app.add_subcommand("baseline", "Manage results/baseline.json");
  baseline->require_subcommand(1);
  baseline->footer("Example:\n  imgbench baseline promote");
  auto* promote = baseline->add_subcommand(
      "promote",
      "Make a run the baseline: copy it to results/baseline.json atomically, keeping "
      "the existing baseline's accepted regressions");
  promote
      ->add_option("results", args.from,
                   "The run's results.json (default: results/latest/results.json)")
      ->check(CLI::ExistingFile);
  promote->add_option("--to", args.to, "The baseline file (default: results/baseline.json)");
  promote->add_flag("--reset-accepted", args.reset_accepted,
                    "Start with an empty accepted list instead of keeping the existing one");
  promote->footer(
      "Examples:\n"
      "  imgbench baseline promote\n"
      "  imgbench baseline promote results/runs/20261203T181500Z-3f9a/results.json\n"
      "  make baseline");
  return promote;
}

int do_baseline_promote(const PromoteArgs& args, const std::string& repo_option) {
  const fs::path repo = repo_root_from(repo_option);
  const fs::path from =
      args.from.empty() ? repo / "results" / "latest" / "results.json" : fs::path(args.from);
  if (args.from.empty() && !fs::exists(from)) {
    throw Error(from.string() +
                ": no results yet; run `make compare` first, or name a "
                "results.json to promote");
  }
  const fs::path to = args.to.empty() ? repo / "results" / "baseline.json" : fs::path(args.to);
  const PromoteOutcome outcome = promote_baseline(from, to, args.reset_accepted);
  std::cerr << "imgbench: " << to.string() << " is now run " << outcome.run_id << " ("
            << outcome.accepted_kept << " accepted regression(s) kept"
            << (args.reset_accepted ? ", list reset" : "") << ")\n";
  return kExitOk;
}

}  // namespace imgbench::cli
