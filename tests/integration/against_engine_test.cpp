// check --against on the real engine: a clone of this repository compared with its own HEAD, the
// `static` variant built on both sides and measured interleaved in one run, and nothing left behind
// (containers, images, the worktree). One scenario; it builds `static` twice (a minute or two).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "process.hpp"

namespace imgbench {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

ProcessResult run(std::vector<std::string> argv, std::chrono::seconds timeout) {
  ProcessOptions options;
  options.argv = std::move(argv);
  options.timeout = timeout;
  return run_process(options);
}

ProcessResult docker(std::vector<std::string> args) {
  args.insert(args.begin(), "docker");
  return run(std::move(args), std::chrono::seconds(60));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) {
      lines.push_back(line);
    }
  }
  return lines;
}

// A folder under the temporary directory, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("imgbench-against-test-" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(AgainstEngine, CheckAgainstHeadMeasuresBothSidesInOneRunAndLeavesNothing) {
  if (!docker({"version"}).ok()) {
    GTEST_SKIP() << "no Docker Engine answers here";
  }
  if (!docker({"image", "inspect", "imgbench/debian:bookworm-slim"}).ok()) {
    GTEST_SKIP() << "imgbench/debian:bookworm-slim is missing; run `make bases`";
  }
  if (!run({"git", "--version"}, std::chrono::seconds(10)).ok()) {
    GTEST_SKIP() << "git is not installed";
  }
  const TempDir temp;
  const fs::path clone = temp.path() / "repo";
  const auto cloned = run({"git", "clone", "--quiet", IMGBENCH_SOURCE_DIR, clone.string()},
                          std::chrono::seconds(120));
  ASSERT_TRUE(cloned.ok()) << cloned.describe() << "\n" << cloned.err;

  const auto check = run({IMGBENCH_BINARY, "--repo", clone.string(), "check", "--against", "HEAD",
                          "--variants", "static", "--requests", "300", "--warmup", "50",
                          "--repetitions", "2", "--duration", "0", "--cold-requests", "0"},
                         std::chrono::seconds(900));
  ASSERT_EQ(check.outcome, Outcome::Exited) << check.describe() << "\n" << check.err;
  // An unchanged tree passes, not --advisory: the same images (sizes, layers, anatomy equal) and
  // the budgets met; two repetitions a side are too few for a timing verdict either way.
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;

  // One run folder, named <id>-against; results/latest untouched (there was none).
  std::vector<fs::path> folders;
  for (const auto& entry : fs::directory_iterator(clone / "results" / "runs")) {
    folders.push_back(entry.path());
  }
  ASSERT_EQ(folders.size(), 1U);
  EXPECT_FALSE(fs::exists(clone / "results" / "latest"));
  std::ifstream in(folders[0] / "results.json");
  const json results = json::parse(in);
  const std::string run_id = results.at("run").at("id");
  EXPECT_EQ(folders[0].filename().string(), run_id + "-against");
  EXPECT_TRUE(fs::exists(folders[0] / "benchmark.json"));

  // Both sides measured, REV's first in each round.
  const json& variants = results.at("variants");
  ASSERT_EQ(variants.size(), 2U);
  EXPECT_EQ(variants.at(0).at("name"), "static.base");
  EXPECT_EQ(variants.at(1).at("name"), "static");
  for (const auto& v : variants) {
    EXPECT_EQ(v.at("status"), "ok") << v.dump(2);
    EXPECT_GT(v.at("metrics").value("latency_p50_us", 0.0), 0) << v.at("name");
    EXPECT_EQ(v.at("samples").at("latency_p50_us").size(), 2U) << v.at("name");
    // The same commit on both sides: the same image, byte for byte in size.
    EXPECT_EQ(v.at("metrics").at("size_bytes"), variants.at(0).at("metrics").at("size_bytes"));
  }
  EXPECT_NE(check.out.find("## Against baseline " + run_id + "@"), std::string::npos) << check.out;

  // Nothing left: no container with the run's label, no image of the run, no worktree.
  EXPECT_TRUE(lines_of(docker({"ps", "-a", "--filter", "label=imgbench.run=" + run_id, "--format",
                               "{{.Names}}"})
                           .out)
                  .empty());
  for (const auto& v : variants) {
    const std::string tag = v.at("image").value("tag", "");
    EXPECT_FALSE(tag.empty());
    EXPECT_FALSE(docker({"image", "inspect", tag}).ok()) << tag << " was left behind";
  }
  const auto worktrees = run({"git", "-C", clone.string(), "worktree", "list", "--porcelain"},
                             std::chrono::seconds(30));
  int count = 0;
  for (const auto& line : lines_of(worktrees.out)) {
    count += line.rfind("worktree ", 0) == 0 ? 1 : 0;
  }
  EXPECT_EQ(count, 1) << worktrees.out;
}

}  // namespace
}  // namespace imgbench
