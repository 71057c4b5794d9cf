// What the real-engine tests share: the docker CLI with a deadline, a throw-away repository with
// variants, the real `imgbench` binary (waited for, or in the background to be signalled), and the
// questions "what of this run is left?" asked by label.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "process.hpp"

namespace imgbench::itest {

namespace fs = std::filesystem;
using json = nlohmann::json;

// `docker ARGS...` with a deadline; never throws.
ProcessResult docker(std::vector<std::string> args,
                     std::chrono::seconds timeout = std::chrono::seconds(60));
[[nodiscard]] bool engine_available();
inline constexpr const char* kBaseImage = "imgbench/debian:bookworm-slim";
[[nodiscard]] bool base_image_available();

[[nodiscard]] std::string trim(std::string s);
[[nodiscard]] std::vector<std::string> lines_of(const std::string& text);
void write_file(const fs::path& path, const std::string& text);
[[nodiscard]] std::string read_file(const fs::path& path);
[[nodiscard]] json read_json(const fs::path& path);

// A throw-away repository: variants/, harness/ (so it is recognised) and results/, removed with
// everything in it when the test ends.
class TempRepo {
 public:
  TempRepo();
  TempRepo(const TempRepo&) = delete;
  TempRepo& operator=(const TempRepo&) = delete;
  ~TempRepo();
  [[nodiscard]] const fs::path& root() const { return root_; }
  [[nodiscard]] fs::path results() const { return root_ / "results"; }

  // variants/<name>/ with this Dockerfile and variant.json, and each file copied in beside them.
  void add_variant(const std::string& name, const std::string& dockerfile,
                   const std::string& variant_json, const std::vector<fs::path>& files = {});
  void set_variant_json(const std::string& name, const std::string& text);
  // An earlier run's results that a failed or interrupted run must leave as they are:
  // results/runs/old/results.json and results/latest -> runs/old.
  void add_previous_run();
  // True when results/latest still points at runs/old and its bytes are unchanged.
  [[nodiscard]] ::testing::AssertionResult previous_run_intact() const;

 private:
  fs::path root_;
};

inline constexpr const char* kPreviousResults = "{\"previous\": true}\n";

// Names of containers (any state) / ids of images carrying imgbench.run=<run_id>.
[[nodiscard]] std::vector<std::string> containers_of_run(const std::string& run_id);
[[nodiscard]] std::vector<std::string> images_of_run(const std::string& run_id);
// Removes what a test's own run left (by its label only); for tests that leave things on purpose.
void remove_run_leftovers(const std::string& run_id);

// The real imgbench binary, waited for. `env` entries ("NAME=value") are added to the child's.
ProcessResult imgbench(const std::vector<std::string>& args, std::chrono::seconds timeout,
                       const std::vector<std::string>& env = {});

// The run id from imgbench's first stderr line ("imgbench: run <id>, ..."), empty when absent.
[[nodiscard]] std::string run_id_from(const std::string& stderr_text);

// imgbench in the background, its stderr in a file, so that a test can wait for a stage and then
// signal it. The destructor kills (SIGKILL) and reaps a child that is still running.
class BackgroundImgbench {
 public:
  // `env` entries ("NAME=value") are added to the child's environment.
  BackgroundImgbench(const std::vector<std::string>& args, const fs::path& stderr_file,
                     const std::vector<std::string>& env = {});
  BackgroundImgbench(const BackgroundImgbench&) = delete;
  BackgroundImgbench& operator=(const BackgroundImgbench&) = delete;
  ~BackgroundImgbench();

  [[nodiscard]] bool started() const { return pid_ > 0; }
  // Waits until stderr contains `text` or the child ends; true when the text appeared.
  bool wait_for_stderr(const std::string& text, std::chrono::seconds timeout);
  [[nodiscard]] std::string stderr_text() const;
  void signal(int signal_number) const;
  // Waits for the child to end: its exit code (128+N for a signal N), std::nullopt on timeout.
  std::optional<int> wait(std::chrono::seconds timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;  // once reaped
  fs::path stderr_file_;
};

// A variant that copies `fault_server` (a static binary) into a `FROM scratch` image and runs it
// with `args` (its mode); `ready_timeout_ms` goes into variant.json.
void add_fault_variant(TempRepo& repo, const fs::path& fault_server, const std::string& name,
                       const std::vector<std::string>& args, int ready_timeout_ms = 3000);

// `args` with the value after `option` replaced (or the pair appended when it is absent).
[[nodiscard]] std::vector<std::string> with_option(std::vector<std::string> args,
                                                   const std::string& option,
                                                   const std::string& value);

// The usual small run: `--repo <repo> run` with numbers that keep a run to seconds.
[[nodiscard]] std::vector<std::string> small_run_args(const TempRepo& repo);

}  // namespace imgbench::itest
