#include "cli_common.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stop_token>

#include "host.hpp"

namespace fs = std::filesystem;

namespace imgbench::cli {

// Defined here rather than in main.cpp so that every verb's file links against one object, the
// one main's signal handler writes.
volatile std::sig_atomic_t g_interrupted = 0;

namespace {

// Columns of the terminal on stderr; 80 when it does not say.
int terminal_columns() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  return 80;
}

// Lines of the terminal on stderr; 0 (no limit) when it does not say.
int terminal_lines() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0) {
    return size.ws_row;
  }
  return 0;
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

}  // namespace

fs::path repo_root_from(const std::string& repo_option) {
  return repo_option.empty() ? find_repo_root(fs::current_path()) : fs::absolute(repo_option);
}

std::string render(const Results& results, void (*writer)(std::ostream&, const Results&)) {
  std::ostringstream out;
  writer(out, results);
  return out.str();
}

DisplayOptions display_options(const RunArgs& args) {
  const bool tty = isatty(STDERR_FILENO) == 1;
  DisplayOptions display;
  display.live = use_live_display(tty, args.quiet, std::getenv("TERM"));
  // --quiet asks for plain lines, so auto colours only the live display; always still colours.
  display.color =
      use_color(parse_color_mode(args.color), tty && !args.quiet, std::getenv("NO_COLOR"));
  display.quiet = args.quiet;
  display.width = terminal_columns();
  display.height = terminal_lines();
  return display;
}

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

StderrProgress::StderrProgress(const DisplayOptions& options, const std::vector<Variant>& variants)
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

ProgressSink StderrProgress::sink() {
  return [this](const ProgressEvent& event) {
    const std::lock_guard lock(mutex_);
    display_.on_event(event, elapsed());
  };
}

void StderrProgress::finish() {
  stop();
  display_.finish(elapsed());
}

std::chrono::milliseconds StderrProgress::elapsed() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start_);
}

void StderrProgress::stop() {
  if (ticker_.joinable()) {
    ticker_.request_stop();
    ticker_.join();
  }
}

}  // namespace imgbench::cli
