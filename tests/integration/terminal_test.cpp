// `imgbench run` through a pseudo-terminal and through a pipe. A stand-in `docker` (a shell script
// first on PATH) answers the engine queries and knows no image, so the one variant is skipped: the
// run prints progress deterministically without an engine, a build or a container.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"

namespace imgbench {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFakeDocker = R"(#!/bin/sh
case "$1" in
  version) echo '{"Client":{"Version":"0.0-fake"},"Server":{"Version":"0.0-fake"}}' ;;
  buildx) echo 'github.com/docker/buildx v0.0-fake' ;;
  info) echo '{"Driver":"fake","CgroupVersion":"2"}' ;;
  image) echo "Error response from daemon: No such image: $6" >&2; exit 1 ;;
  *) echo "fake docker: not expected here: $*" >&2; exit 99 ;;
esac
)";

struct Captured {
  std::string output;  // stdout and stderr, as one terminal shows them
  int exit_code = -1;
};

class TerminalRun : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("imgbench-terminal-test-" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "bin");
    fs::create_directories(root_ / "harness");
    fs::create_directories(root_ / "variants" / "needsbase");
    std::ofstream(root_ / "bin" / "docker") << kFakeDocker;
    fs::permissions(root_ / "bin" / "docker", fs::perms::owner_all);
    std::ofstream(root_ / "variants" / "needsbase" / "Dockerfile")
        << "FROM imgbench-test/absent:1\n";
    std::ofstream(root_ / "variants" / "needsbase" / "variant.json")
        << R"({"description": "needs a base image nobody has",
               "requires_images": ["imgbench-test/absent:1"]})";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  [[nodiscard]] std::vector<std::string> run_args(std::vector<std::string> extra) const {
    std::vector<std::string> args{
        "--repo", root_.string(), "run", "--out", (root_ / "out").string(), "--placement", "none"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  [[nodiscard]] std::string path_env() const {
    return "PATH=" + (root_ / "bin").string() + ":/usr/bin:/bin";
  }

  // The binary with the pty's slave as stdin, stdout and stderr, and exactly `env` as environment.
  [[nodiscard]] Captured run_in_pty(const std::vector<std::string>& args,
                                    std::vector<std::string> env) const {
    std::vector<std::string> argv_text{IMGBENCH_BINARY};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    env.push_back(path_env());
    // Built before the fork: the child only calls execve and _exit.
    std::vector<char*> argv;
    for (auto& word : argv_text) {
      argv.push_back(word.data());
    }
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& entry : env) {
      envp.push_back(entry.data());
    }
    envp.push_back(nullptr);

    winsize size{};
    size.ws_row = 24;
    size.ws_col = 120;
    int master = -1;
    const pid_t pid = forkpty(&master, nullptr, nullptr, &size);
    if (pid < 0) {
      ADD_FAILURE() << "forkpty failed: " << std::strerror(errno);
      return {};
    }
    if (pid == 0) {
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    Captured captured;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    char buffer[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd fd{master, POLLIN, 0};
      if (poll(&fd, 1, 200) <= 0) {
        continue;
      }
      const ssize_t n = read(master, buffer, sizeof buffer);
      if (n > 0) {
        captured.output.append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        break;  // EIO: every slave end is closed, the child is done
      }
    }
    // The pty's end can close a moment before the child is reapable.
    int status = 0;
    pid_t reaped = 0;
    while ((reaped = waitpid(pid, &status, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (reaped != pid) {
      kill(pid, SIGKILL);
      ADD_FAILURE() << "imgbench did not finish within 60 s on the pty";
      (void)waitpid(pid, &status, 0);
    }
    close(master);
    captured.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return captured;
  }

  [[nodiscard]] ProcessResult run_in_pipe(const std::vector<std::string>& args,
                                          std::vector<std::string> env = {}) const {
    ProcessOptions options;
    options.argv = {IMGBENCH_BINARY};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.env = std::move(env);
    options.env.push_back(path_env());
    options.timeout = std::chrono::seconds(60);
    return run_process(options);
  }

  fs::path root_;
};

TEST_F(TerminalRun, OnAPtyTheBlockIsRedrawnAndSkippedIsYellow) {
  const Captured run = run_in_pty(run_args({}), {"TERM=xterm", "HOME=/nonexistent"});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("\x1b[2K"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("\x1b[33mskipped\x1b[0m"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("needsbase"), std::string::npos) << run.output;
}

TEST_F(TerminalRun, OnAPtyNoColorKeepsTheBlockButDropsTheColours) {
  const Captured run = run_in_pty(run_args({}), {"TERM=xterm", "NO_COLOR=1"});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("\x1b[2K"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("\x1b[33m"), std::string::npos) << run.output;
}

TEST_F(TerminalRun, OnAPtyQuietAndColorNeverWriteNoEscapeByte) {
  const Captured quiet = run_in_pty(run_args({"--quiet"}), {"TERM=xterm"});
  EXPECT_EQ(quiet.exit_code, 0) << quiet.output;
  EXPECT_NE(quiet.output.find("needsbase: skipped"), std::string::npos) << quiet.output;
  EXPECT_EQ(quiet.output.find('\x1b'), std::string::npos) << quiet.output;
  const Captured dumb = run_in_pty(run_args({"--color", "never"}), {"TERM=dumb"});
  EXPECT_EQ(dumb.exit_code, 0) << dumb.output;
  EXPECT_EQ(dumb.output.find('\x1b'), std::string::npos) << dumb.output;
}

TEST_F(TerminalRun, ThroughAPipeTodaysPlainLinesWithoutAnyEscapeByte) {
  const ProcessResult run = run_in_pipe(run_args({}));
  ASSERT_TRUE(run.ok()) << run.describe() << "\n" << run.err;
  EXPECT_NE(run.err.find("] needsbase: skipped — base image imgbench-test/absent:1 is missing"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(run.err.find('\x1b'), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find('\x1b'), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("needsbase"), std::string::npos) << run.out;  // the markdown report
}

TEST_F(TerminalRun, ThroughAPipeColorAlwaysColoursButDrawsNoBlock) {
  const ProcessResult run = run_in_pipe(run_args({"--color", "always"}));
  ASSERT_TRUE(run.ok()) << run.describe() << "\n" << run.err;
  EXPECT_NE(run.err.find("needsbase: \x1b[33mskipped\x1b[0m"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("\x1b[2K"), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find('\x1b'), std::string::npos) << run.out;
}

TEST_F(TerminalRun, FormatJsonPrintsResultsJsonOnStdout) {
  const ProcessResult run = run_in_pipe(run_args({"--format", "json"}));
  ASSERT_TRUE(run.ok()) << run.describe() << "\n" << run.err;
  const auto results = nlohmann::json::parse(run.out);
  ASSERT_EQ(results.at("variants").size(), 1U);
  EXPECT_EQ(results.at("variants").at(0).at("status"), "skipped");
  std::ifstream file(root_ / "out" / "results.json");
  const std::string written{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  EXPECT_EQ(run.out, written);
}

}  // namespace
}  // namespace imgbench
