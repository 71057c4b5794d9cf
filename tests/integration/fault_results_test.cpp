// Fault of the output: the results folder cannot be written. The run refuses at once, before it
// builds and measures for nothing: exit 2 with an error that names the path, the previous results
// as they were, nothing of the run in the engine. And the disk fills while the results are written:
// exit 2 naming the file, latest, baseline.json and history.jsonl byte for byte as they were, and
// no half-written run folder.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "fault_fixture.hpp"

namespace imgbench::itest {
namespace {

// A small tmpfs mounted over a folder for the test's lifetime: a real disk that fills (ENOSPC).
class SmallDisk {
 public:
  SmallDisk(fs::path at, const std::string& size) : at_(std::move(at)) {
    ProcessOptions options;
    options.argv = {"mount", "-t",        "tmpfs", "-o", "size=" + size + ",mode=0755",
                    "tmpfs", at_.string()};
    options.timeout = std::chrono::seconds(30);
    const auto mounted = run_process(options);
    mounted_ = mounted.ok();
    why_ = mounted.describe() + " " + mounted.err;
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  ~SmallDisk() {
    if (mounted_) {
      ProcessOptions options;
      options.argv = {"umount", "-l", at_.string()};
      options.timeout = std::chrono::seconds(30);
      (void)run_process(options);
    }
  }
  [[nodiscard]] bool mounted() const { return mounted_; }
  [[nodiscard]] const std::string& why() const { return why_; }

  // Fills the disk with `file`, then frees `leave` bytes of it: the next writes run out midway.
  void fill_leaving(const fs::path& file, std::size_t leave) const {
    std::FILE* out = std::fopen(file.c_str(), "wb");
    ASSERT_NE(out, nullptr) << std::strerror(errno);
    const std::string chunk(4096, 'f');
    std::size_t written = 0;
    while (std::fwrite(chunk.data(), 1, chunk.size(), out) == chunk.size() &&
           std::fflush(out) == 0) {
      written += chunk.size();
    }
    std::fclose(out);
    ASSERT_GT(written, leave);
    fs::resize_file(file, written - leave);
  }

 private:
  fs::path at_;
  bool mounted_ = false;
  std::string why_;
};

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

TEST_F(FaultTest, DiskFullWhileWritingResultsLosesNothing) {
  add_healthy();
  const SmallDisk disk(repo_.results(), "2m");
  if (!disk.mounted()) {
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << disk.why();
  }
  repo_.add_previous_run();
  const std::string baseline = "{\"baseline\": \"as promoted\"}\n";
  const std::string history = "{\"run\": 1}\n{\"run\": 2}\n";
  write_file(repo_.results() / "baseline.json", baseline);
  write_file(repo_.results() / "history.jsonl", history);
  // Room for a file or two of the run, not for all of them (report.html alone is larger).
  disk.fill_leaving(repo_.root() / "results" / "filler", 16 * 1024);

  auto args = small_run_args(repo_);
  args.emplace_back("--record-history");
  const auto run = imgbench(args, kRunTimeout);
  expect_nothing_left(run_id_from(run.err));
  ASSERT_EQ(run.outcome, Outcome::Exited) << run.describe();
  EXPECT_EQ(run.exit_code, 2) << run.err;
  // The message names the file that could not be written and why.
  EXPECT_TRUE(contains(run.err, (repo_.results() / "runs").string() + "/.")) << run.err;
  EXPECT_TRUE(contains(run.err, ": cannot write: " + std::string(std::strerror(ENOSPC))))
      << run.err;

  EXPECT_TRUE(repo_.previous_run_intact());
  EXPECT_EQ(read_file(repo_.results() / "baseline.json"), baseline);
  EXPECT_EQ(read_file(repo_.results() / "history.jsonl"), history);
  std::vector<std::string> runs;
  for (const auto& entry : fs::directory_iterator(repo_.results() / "runs")) {
    runs.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(runs, std::vector<std::string>{"old"}) << "a half-written run folder was left";
}

}  // namespace
}  // namespace imgbench::itest
