// The run folder is published whole or not at all: written in a hidden staging folder, renamed into
// place, and on a failed write, an interrupt or a replaced --out folder, nothing half-written
// stays.
#include "run_folder.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "error.hpp"
#include "temp_dir.hpp"

namespace imgbench {
namespace {

namespace fs = std::filesystem;

using test::entries;
using test::read_text;
using test::TempDir;

Results sample() {
  return load_results(fs::path(IMGBENCH_FIXTURES) / "results" / "report_sample.json");
}

TEST(RunFolder, StagingFolderIsHiddenBesideTheTarget) {
  EXPECT_EQ(staging_folder("/r/results/runs/20261204T050000Z-abcd"),
            fs::path("/r/results/runs/.20261204T050000Z-abcd.partial"));
  EXPECT_EQ(staging_folder("/r/out/"), fs::path("/r/.out.partial"));
  EXPECT_EQ(without_trailing_separator("/r/./out/"), fs::path("/r/out"));
}

TEST(RunFolder, PublishWritesEveryFileAndLeavesNoStaging) {
  const TempDir dir;
  const fs::path runs = dir.path() / "runs";
  const fs::path target = runs / "run-1";
  const volatile std::sig_atomic_t cancel = 0;
  ASSERT_TRUE(publish_run_folder(target, sample(), "{\"benchmarks\": []}\n", &cancel));
  EXPECT_EQ(entries(runs), std::vector<std::string>{"run-1"});
  EXPECT_EQ(entries(target),
            (std::vector<std::string>{"benchmark.json", "charts", "report.html", "report.md",
                                      "results.csv", "results.json"}));
  EXPECT_EQ(load_results(target / "results.json").run.id, sample().run.id);
  EXPECT_EQ(read_text(target / "benchmark.json"), "{\"benchmarks\": []}\n");
}

TEST(RunFolder, NoBenchmarkJsonWhenThereIsNone) {
  const TempDir dir;
  const volatile std::sig_atomic_t cancel = 0;
  ASSERT_TRUE(publish_run_folder(dir.path() / "run", sample(), "", &cancel));
  EXPECT_FALSE(fs::exists(dir.path() / "run" / "benchmark.json"));
}

TEST(RunFolder, InterruptBeforeTheRenamePublishesNothing) {
  const TempDir dir;
  const volatile std::sig_atomic_t cancel = 1;
  EXPECT_FALSE(publish_run_folder(dir.path() / "run", sample(), "{}", &cancel));
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{});
}

TEST(RunFolder, AnEarlierOutFolderIsReplacedWhole) {
  const TempDir dir;
  const fs::path out = dir.path() / "out";
  fs::create_directories(out);
  std::ofstream(out / "stale.txt") << "from an earlier run\n";
  const volatile std::sig_atomic_t cancel = 0;
  ASSERT_TRUE(publish_run_folder(out, sample(), "", &cancel));
  EXPECT_FALSE(fs::exists(out / "stale.txt"));
  EXPECT_TRUE(fs::exists(out / "results.json"));
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"out"});
}

TEST(RunFolder, AStagingFolderAKilledRunLeftIsWrittenOver) {
  const TempDir dir;
  fs::create_directories(dir.path() / ".run.partial" / "charts");
  std::ofstream(dir.path() / ".run.partial" / "junk") << "x";
  const volatile std::sig_atomic_t cancel = 0;
  ASSERT_TRUE(publish_run_folder(dir.path() / "run", sample(), "", &cancel));
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"run"});
  EXPECT_FALSE(fs::exists(dir.path() / "run" / "junk"));
}

// RLIMIT_FSIZE fails a write() partway with EFBIG, as a full disk fails it with ENOSPC, and binds
// root too. The earlier folder stays as it was and no staging folder is left.
TEST(RunFolder, FailedWriteNamesTheFileAndLeavesTheEarlierFolderIntact) {
  const TempDir dir;
  const fs::path out = dir.path() / "out";
  fs::create_directories(out);
  std::ofstream(out / "results.json") << "earlier";

  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto* const saved_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit limited = saved;
  limited.rlim_cur = 2048;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  std::string message;
  try {
    const volatile std::sig_atomic_t cancel = 0;
    static_cast<void>(publish_run_folder(out, sample(), "", &cancel));
  } catch (const Error& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, saved_handler);

  EXPECT_EQ(message, (staging_folder(out) / "results.json").string() +
                         ": cannot write: " + std::strerror(EFBIG));
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"out"});
  EXPECT_EQ(entries(out), std::vector<std::string>{"results.json"});
  EXPECT_EQ(read_text(out / "results.json"), "earlier");
}

}  // namespace
}  // namespace imgbench
