// What more than one verb of the command line uses: the interrupt flag, the repository root, the
// live progress display on stderr and a run's options from the command line.
#pragma once

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "cli.hpp"
#include "progress.hpp"
#include "results.hpp"
#include "runner.hpp"
#include "variant.hpp"

namespace imgbench::cli {

// Set by main's SIGINT/SIGTERM/SIGHUP handler. One object for the whole program: Docker calls, the
// load loop and the writing of a run folder all poll this address.
extern volatile std::sig_atomic_t g_interrupted;

// --repo as given, else the repository found above the current folder.
std::filesystem::path repo_root_from(const std::string& repo_option);

std::string render(const Results& results, void (*writer)(std::ostream&, const Results&));

// Live display or plain lines, colour and width, from --quiet, --color and the terminal on stderr.
DisplayOptions display_options(const RunArgs& args);

// A run's conditions and parameters from the command line; engine facts are the runner's.
RunnerOptions runner_options(const RunArgs& args, const std::filesystem::path& repo);

// The runner's events on stderr through a ProgressDisplay. Live, a thread of its own redraws about
// once a second so the clocks move during a long build; the mutex serialises it with the runner's
// thread. The thread starts before the runner pins its own thread, so it is not on the harness CPU.
class StderrProgress {
 public:
  StderrProgress(const DisplayOptions& options, const std::vector<Variant>& variants);
  StderrProgress(const StderrProgress&) = delete;
  StderrProgress& operator=(const StderrProgress&) = delete;
  ~StderrProgress() { stop(); }

  ProgressSink sink();
  // The last redraw; after it the cursor is below the block and stderr is plain text again.
  void finish();

 private:
  std::chrono::milliseconds elapsed() const;
  void stop();

  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::mutex mutex_;
  std::condition_variable_any wake_;
  ProgressDisplay display_;
  std::jthread ticker_;  // last: stopped before what it uses goes
};

}  // namespace imgbench::cli
