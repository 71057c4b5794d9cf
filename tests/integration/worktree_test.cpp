// RevisionWorktree with the real git on a throw-away repository (no engine): it checks out the
// commit REV names, removes the worktree however its scope ends, and names an unknown REV.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "against.hpp"
#include "error.hpp"
#include "process.hpp"

namespace imgbench {
namespace {

namespace fs = std::filesystem;

ProcessResult git(const fs::path& repo, std::vector<std::string> args) {
  ProcessOptions options;
  options.argv = {"git",
                  "-C",
                  repo.string(),
                  "-c",
                  "user.name=imgbench",
                  "-c",
                  "user.email=imgbench@example.invalid"};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.timeout = std::chrono::seconds(30);
  return run_process(options);
}

std::string read(const fs::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int worktree_count(const fs::path& repo) {
  std::istringstream lines(git(repo, {"worktree", "list", "--porcelain"}).out);
  int count = 0;
  for (std::string line; std::getline(lines, line);) {
    count += line.rfind("worktree ", 0) == 0 ? 1 : 0;
  }
  return count;
}

// Two commits: variants/x/variant.json says "one", then "two"; the imgbench repository is the
// subfolder `bench`, as when a project keeps imgbench beside its own code.
class GitRepo : public ::testing::Test {
 protected:
  void SetUp() override {
    ProcessOptions version;
    version.argv = {"git", "--version"};
    if (!run_process(version).ok()) {
      GTEST_SKIP() << "git is not installed";
    }
    std::random_device rd;
    root_ = fs::temp_directory_path() / ("imgbench-worktree-test-" + std::to_string(rd()));
    bench_ = root_ / "bench";
    fs::create_directories(bench_ / "variants" / "x");
    ASSERT_TRUE(git(root_, {"init", "--quiet"}).ok());
    commit("one");
    commit("two");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  void commit(const std::string& text) {
    std::ofstream(bench_ / "variants" / "x" / "variant.json") << text;
    ASSERT_TRUE(git(root_, {"add", "."}).ok());
    ASSERT_TRUE(git(root_, {"commit", "--quiet", "-m", text}).ok());
  }

  fs::path root_;
  fs::path bench_;
};

TEST_F(GitRepo, ChecksOutTheRevisionsTreeAndRemovesTheWorktreeAfterwards) {
  fs::path dir;
  {
    const RevisionWorktree worktree(bench_, "HEAD~1", nullptr);
    dir = worktree.tree();
    EXPECT_EQ(dir.filename(), "bench");
    EXPECT_EQ(read(dir / "variants" / "x" / "variant.json"), "one");
    const auto expected = git(root_, {"rev-parse", "HEAD~1"});
    EXPECT_EQ(worktree.commit() + "\n", expected.out);
    EXPECT_EQ(worktree_count(root_), 2);
  }
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_FALSE(fs::exists(dir.parent_path()));
  EXPECT_EQ(worktree_count(root_), 1);
  EXPECT_EQ(read(bench_ / "variants" / "x" / "variant.json"), "two");  // the working tree stays
}

TEST_F(GitRepo, TheWorktreeIsRemovedWhenTheScopeIsLeftByAnException) {
  fs::path dir;
  try {
    const RevisionWorktree worktree(bench_, "HEAD", nullptr);
    dir = worktree.tree();
    throw Error("something went wrong later");
  } catch (const Error&) {
  }
  ASSERT_FALSE(dir.empty());
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_EQ(worktree_count(root_), 1);
}

TEST_F(GitRepo, AnUnknownRevisionIsABadInputErrorNamingIt) {
  try {
    const RevisionWorktree worktree(bench_, "no-such-branch", nullptr);
    ADD_FAILURE() << "no Error for an unknown revision";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), kExitUsage);
    const std::string message = e.what();
    EXPECT_NE(message.find("unknown revision 'no-such-branch'"), std::string::npos) << message;
  }
  EXPECT_EQ(worktree_count(root_), 1);
}

}  // namespace
}  // namespace imgbench
