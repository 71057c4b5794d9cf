// The verbs of imgbench's command line, one group a file (cli_run, cli_check, cli_report,
// cli_probe, cli_misc). Each add_<verb> registers its subcommand and options on the app, bound to
// an argument struct main owns; main dispatches to do_<verb> after the parse, inside the one `try`
// that turns an Error into a message and an exit code. Linked into the imgbench executable only.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace imgbench::cli {

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

struct PromoteArgs {
  std::string from;
  std::string to;
  bool reset_accepted = false;
};

struct ReportArgs {
  std::string file;
  std::string out;
};

struct HistoryArgs {
  std::string file;
  std::string charts;
};

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

struct InitArgs {
  std::string dir;
  bool force = false;
};

struct CleanArgs {
  std::string run;
};

// Each add_<verb> returns the subcommand to test after the parse (`if (*command)`); its options
// write into `args`, which must outlive the parse. `repo_option` is the app's --repo value.

// cli_run.cpp
CLI::App* add_run(CLI::App& app, RunArgs& args);
int do_run(const RunArgs& args, const std::string& repo_option);

// cli_check.cpp: check (budgets, --baseline, --against) and baseline promote.
CLI::App* add_check(CLI::App& app, CheckArgs& args);
int do_check(const CheckArgs& args, const std::string& repo_option);
// Adds `baseline` and returns its `promote`, the only thing the parent verb does.
CLI::App* add_baseline_promote(CLI::App& app, PromoteArgs& args);
int do_baseline_promote(const PromoteArgs& args, const std::string& repo_option);

// cli_report.cpp
CLI::App* add_report(CLI::App& app, ReportArgs& args);
int do_report(const ReportArgs& args);
CLI::App* add_history(CLI::App& app, HistoryArgs& args);
int do_history(const HistoryArgs& args, const std::string& repo_option);

// cli_probe.cpp
CLI::App* add_probe(CLI::App& app, ProbeArgs& args);
int do_probe(const ProbeArgs& args);

// cli_misc.cpp: list, init, clean.
CLI::App* add_list(CLI::App& app);
int do_list(const std::string& repo_option);
CLI::App* add_init(CLI::App& app, InitArgs& args);
int do_init(const InitArgs& args);
CLI::App* add_clean(CLI::App& app, CleanArgs& args);
int do_clean(const CleanArgs& args);

}  // namespace imgbench::cli
