// imgbench's command line: the app, its verbs registered in the order --help lists them, the
// signal handlers, and the one `try` that turns errors into a message and an exit code. Each verb's
// options and work are in cli_<group>.cpp (cli.hpp).
#include <CLI/CLI.hpp>
#include <csignal>
#include <exception>
#include <iostream>
#include <string>

#include "cli.hpp"
#include "cli_common.hpp"
#include "error.hpp"

using namespace imgbench;

namespace {

extern "C" void on_signal(int /*signal*/) { cli::g_interrupted = 1; }

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGHUP, &action, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "imgbench: builds each Dockerfile variant, records image size and layers, starts the "
      "container and times its health endpoint, then writes comparison tables."};
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 ok, 1 a regression or over budget, 2 bad input or no engine, 3 a variant "
      "failed, 130 interrupted.\n"
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
  app.add_option("--repo", repo,
                 "The imgbench repository (default: found above the current folder)");

  // --help lists the verbs in the order they are added here.
  cli::RunArgs run_args;
  auto* run = cli::add_run(app, run_args);
  auto* list = cli::add_list(app);
  cli::InitArgs init_args;
  auto* init = cli::add_init(app, init_args);
  cli::ReportArgs report_args;
  auto* report = cli::add_report(app, report_args);
  cli::CheckArgs check_args;
  auto* check = cli::add_check(app, check_args);
  cli::PromoteArgs promote_args;
  auto* promote = cli::add_baseline_promote(app, promote_args);
  cli::HistoryArgs history_args;
  auto* history = cli::add_history(app, history_args);
  cli::ProbeArgs probe_args;
  auto* probe = cli::add_probe(app, probe_args);
  cli::CleanArgs clean_args;
  auto* clean = cli::add_clean(app, clean_args);

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
      return cli::do_run(run_args, repo);
    }
    if (*list) {
      return cli::do_list(repo);
    }
    if (*init) {
      return cli::do_init(init_args);
    }
    if (*report) {
      return cli::do_report(report_args);
    }
    if (*check) {
      if (check_args.against) {
        install_signal_handlers();  // --against runs containers and holds a worktree
      }
      return cli::do_check(check_args, repo);
    }
    if (*promote) {
      return cli::do_baseline_promote(promote_args, repo);
    }
    if (*history) {
      return cli::do_history(history_args, repo);
    }
    if (*probe) {
      install_signal_handlers();
      return cli::do_probe(probe_args);
    }
    if (*clean) {
      return cli::do_clean(clean_args);
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
