// Faults of the environment: no engine at the address DOCKER_HOST names, and no docker CLI on PATH.
// Either way the run stops with exit 2 and one clear sentence before anything is built, and writes
// nothing under results/. Neither needs an engine, so neither is skipped.
#include <gtest/gtest.h>

#include <filesystem>

#include "fault_fixture.hpp"

namespace imgbench::itest {
namespace {

// The lines imgbench wrote besides its opening "imgbench: run <id>, ..." line.
std::vector<std::string> lines_after_the_first(const std::string& err) {
  auto lines = lines_of(err);
  if (!lines.empty() && contains(lines.front(), "imgbench: run ")) {
    lines.erase(lines.begin());
  }
  return lines;
}

bool folder_is_empty(const fs::path& dir) { return fs::is_empty(dir); }

TEST(FaultEnvironment, UnreachableEngineExits2WithOneSentenceBeforeAnyBuild) {
  TempRepo repo;
  add_fault_variant(repo, FAULT_SERVER_BINARY, "healthy", {"ok"});
  const auto run = imgbench(small_run_args(repo), std::chrono::seconds(120),
                            {"DOCKER_HOST=unix:///nonexistent.sock"});
  ASSERT_EQ(run.outcome, Outcome::Exited) << run.describe();
  EXPECT_EQ(run.exit_code, 2) << run.err;
  const auto lines = lines_after_the_first(run.err);
  ASSERT_EQ(lines.size(), 1U) << run.err;
  EXPECT_TRUE(
      contains(lines[0], "imgbench: Docker Engine not reachable at unix:///nonexistent.sock"))
      << lines[0];
  EXPECT_FALSE(contains(run.err, "building")) << run.err;
  EXPECT_TRUE(folder_is_empty(repo.results()));
  if (engine_available()) {  // the real engine got nothing of this run either
    EXPECT_EQ(images_of_run(run_id_from(run.err)), std::vector<std::string>{});
  }
}

TEST(FaultEnvironment, MissingDockerCliExits2WithOneSentenceBeforeAnyBuild) {
  TempRepo repo;
  add_fault_variant(repo, FAULT_SERVER_BINARY, "healthy", {"ok"});
  const fs::path empty_bin = repo.root() / "empty-bin";
  fs::create_directories(empty_bin);
  const auto run =
      imgbench(small_run_args(repo), std::chrono::seconds(120), {"PATH=" + empty_bin.string()});
  ASSERT_EQ(run.outcome, Outcome::Exited) << run.describe();
  EXPECT_EQ(run.exit_code, 2) << run.err;
  const auto lines = lines_after_the_first(run.err);
  ASSERT_EQ(lines.size(), 1U) << run.err;
  EXPECT_TRUE(contains(lines[0], "imgbench: docker CLI not found on PATH")) << lines[0];
  EXPECT_FALSE(contains(run.err, "building")) << run.err;
  EXPECT_TRUE(folder_is_empty(repo.results()));
}

}  // namespace
}  // namespace imgbench::itest
