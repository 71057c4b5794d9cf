// Fault of the output: the results folder cannot be written. The run refuses at once, before it
// builds and measures for nothing: exit 2 with an error that names the path, the previous results
// as they were, nothing of the run in the engine.
#include <gtest/gtest.h>

#include "fault_fixture.hpp"

namespace imgbench::itest {
namespace {

// As root, chmod does not stop a write; a plain file where the folder should be does.
TEST_F(FaultTest, ResultsFolderThatIsAFileFailsNamingThePath) {
  add_healthy();
  fs::remove_all(repo_.results());
  const std::string in_the_way = "not a folder\n";
  write_file(repo_.results(), in_the_way);

  const auto run = imgbench(small_run_args(repo_), kRunTimeout);
  ASSERT_EQ(run.outcome, Outcome::Exited) << run.describe();
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_TRUE(contains(run.err, "imgbench: cannot create results folder " +
                                    (repo_.results() / "runs").string() + ": " +
                                    repo_.results().string() + " is not a folder"))
      << run.err;
  EXPECT_FALSE(contains(run.err, "building")) << run.err;
  EXPECT_EQ(read_file(repo_.results()), in_the_way);
  expect_nothing_left(run_id_from(run.err));
}

TEST_F(FaultTest, RunsFolderThatIsAFileFailsAndLeavesLatestAsItWas) {
  add_healthy();
  // The previous results live outside runs/ so that runs/ can be a file in the way.
  write_file(repo_.results() / "previous" / "results.json", kPreviousResults);
  fs::create_directory_symlink("previous", repo_.results() / "latest");
  write_file(repo_.results() / "runs", "not a folder\n");

  const auto run = imgbench(small_run_args(repo_), kRunTimeout);
  ASSERT_EQ(run.outcome, Outcome::Exited) << run.describe();
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_TRUE(contains(run.err, (repo_.results() / "runs").string() + " is not a folder"))
      << run.err;
  EXPECT_FALSE(contains(run.err, "building")) << run.err;
  EXPECT_EQ(fs::read_symlink(repo_.results() / "latest"), fs::path("previous"));
  EXPECT_EQ(read_file(repo_.results() / "latest" / "results.json"), kPreviousResults);
  expect_nothing_left(run_id_from(run.err));
}

}  // namespace
}  // namespace imgbench::itest
