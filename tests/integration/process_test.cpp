// run_process and run_process_reading against child_helper (CHILD_HELPER): exit codes, complete
// capture of large output, streaming without holding it, deadlines, cancel, signals, environment,
// verbatim arguments, grandchildren, reader exceptions, concurrent calls.
// No timing assertions: a broken runner makes these tests fail on the outcome or hang until the
// ctest timeout.
#include "process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace imgbench {
namespace {

using std::chrono::milliseconds;

// Generous: an ordinary call must never come near it, and a runner that hangs fails on it.
constexpr milliseconds kSafetyTimeout{30000};

ProcessOptions helper(std::vector<std::string> args) {
  ProcessOptions options;
  options.argv.emplace_back(CHILD_HELPER);
  for (auto& arg : args) {
    options.argv.push_back(std::move(arg));
  }
  options.timeout = kSafetyTimeout;
  return options;
}

// child_helper's flood pattern.
std::string pattern(std::size_t size, char first) {
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    text[i] = static_cast<char>(first + static_cast<char>(i % 26));
  }
  return text;
}

// The number after `label ` in the helper's output, or -1.
pid_t pid_after(const std::string& out, const std::string& label) {
  const auto at = out.find(label + " ");
  if (at == std::string::npos) {
    return -1;
  }
  return static_cast<pid_t>(std::stol(out.substr(at + label.size() + 1)));
}

// Gone, or a zombie: a reaper we do not control (PID 1 here may never reap) may keep the entry.
bool process_is_gone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) {
    return true;
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) {
    return true;
  }
  const auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() &&
         (line[paren + 2] == 'Z' || line[paren + 2] == 'X');
}

// Death after SIGKILL is asynchronous for a process we did not reap; allow it a while.
bool wait_until_gone(pid_t pid) {
  for (int i = 0; i < 1000; ++i) {
    if (process_is_gone(pid)) {
      return true;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

class ScopedSignalDisposition {
 public:
  ScopedSignalDisposition(int sig, void (*handler)(int)) : sig_(sig) {
    struct sigaction action {};
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    ::sigaction(sig_, &action, &saved_);
  }
  ScopedSignalDisposition(const ScopedSignalDisposition&) = delete;
  ScopedSignalDisposition& operator=(const ScopedSignalDisposition&) = delete;
  ~ScopedSignalDisposition() { ::sigaction(sig_, &saved_, nullptr); }

 private:
  int sig_;
  struct sigaction saved_ {};
};

TEST(Process, ExitCodesPassThrough) {
  for (int code : {0, 1, 42, 255}) {
    const ProcessResult result = run_process(helper({"exit", std::to_string(code)}));
    EXPECT_EQ(result.outcome, Outcome::Exited) << result.describe();
    EXPECT_EQ(result.exit_code, code);
    EXPECT_EQ(result.ok(), code == 0);
    EXPECT_EQ(result.describe(), "exit " + std::to_string(code));
    EXPECT_GT(result.elapsed.count(), 0);
  }
}

TEST(Process, FloodOnStdoutAndStderrIsCapturedCompletelyAndSeparately) {
  constexpr std::size_t kBytes = 8U * 1024U * 1024U;
  const ProcessResult result = run_process(helper({"flood", std::to_string(kBytes)}));
  ASSERT_EQ(result.outcome, Outcome::Exited) << result.describe();
  EXPECT_EQ(result.exit_code, 0);
  ASSERT_EQ(result.out.size(), kBytes);
  ASSERT_EQ(result.err.size(), kBytes);
  EXPECT_TRUE(result.out == pattern(kBytes, 'a'));
  EXPECT_TRUE(result.err == pattern(kBytes, 'A'));
}

TEST(Process, SleepingChildTimesOutAndIsGone) {
  ProcessOptions options = helper({"sleep", "60000"});
  options.timeout = milliseconds(500);
  const ProcessResult result = run_process(options);
  EXPECT_EQ(result.outcome, Outcome::TimedOut);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.describe(), "timed out after 500 ms (killed by signal 15)");
  const pid_t pid = pid_after(result.out, "pid");
  ASSERT_GT(pid, 0) << "the helper did not start in time: " << result.out;
  EXPECT_EQ(result.signal, SIGTERM);
  EXPECT_TRUE(process_is_gone(pid));
}

TEST(Process, ChildIgnoringSigtermIsKilledAfterTheGrace) {
  ProcessOptions options = helper({"ignore-term", "60000"});
  options.timeout = milliseconds(1000);
  options.kill_grace = milliseconds(200);
  const ProcessResult result = run_process(options);
  EXPECT_EQ(result.outcome, Outcome::TimedOut);
  EXPECT_EQ(result.signal, SIGKILL);
  EXPECT_EQ(result.describe(), "timed out after 1000 ms (killed by signal 9)");
  const pid_t pid = pid_after(result.out, "pid");
  ASSERT_GT(pid, 0) << "the helper did not start in time: " << result.out;
  EXPECT_TRUE(process_is_gone(pid));
}

TEST(Process, ClosedOutputDoesNotEndTheWaitForTheChild) {
  ProcessOptions options = helper({"close-output", "60000"});
  options.timeout = milliseconds(200);
  const ProcessResult result = run_process(options);
  EXPECT_EQ(result.outcome, Outcome::TimedOut) << result.describe();
}

volatile std::sig_atomic_t cancel_requested = 0;
void request_cancel(int /*sig*/) { cancel_requested = 1; }

TEST(Process, CancelFlagSetByASignalFromAnotherThreadStopsTheChild) {
  // As Ctrl-C would: another thread signals ours, whose handler sets the flag. The signal also
  // interrupts the runner's poll, so this covers EINTR. (A plain cross-thread write to a volatile
  // would be a data race.)
  cancel_requested = 0;
  const ScopedSignalDisposition handler(SIGUSR2, request_cancel);
  ProcessOptions options = helper({"sleep", "60000"});
  options.cancel = &cancel_requested;
  const pthread_t runner = ::pthread_self();
  std::thread canceller([runner] {
    std::this_thread::sleep_for(milliseconds(500));
    ::pthread_kill(runner, SIGUSR2);
  });
  const ProcessResult result = run_process(options);
  canceller.join();
  EXPECT_EQ(result.outcome, Outcome::Cancelled) << result.describe();
  EXPECT_EQ(result.describe(), "cancelled (killed by signal 15)");
  const pid_t pid = pid_after(result.out, "pid");
  ASSERT_GT(pid, 0) << "the helper did not start in time: " << result.out;
  EXPECT_TRUE(process_is_gone(pid));
}

TEST(Process, CancelFlagAlreadySetStopsTheChildAtOnce) {
  volatile std::sig_atomic_t cancel = 1;
  ProcessOptions options = helper({"sleep", "60000"});
  options.cancel = &cancel;
  const ProcessResult result = run_process(options);
  EXPECT_EQ(result.outcome, Outcome::Cancelled) << result.describe();
}

TEST(Process, MissingProgramIsSpawnFailedNamingIt) {
  ProcessOptions options;
  options.argv = {"imgbench-no-such-program", "--version"};
  const ProcessResult result = run_process(options);
  EXPECT_EQ(result.outcome, Outcome::SpawnFailed);
  EXPECT_EQ(result.spawn_error, std::strerror(ENOENT));
  EXPECT_EQ(result.describe(),
            std::string("could not start 'imgbench-no-such-program': ") + std::strerror(ENOENT));
}

TEST(Process, NonExecutableFileIsSpawnFailed) {
  ProcessOptions options;
  options.argv = {"/dev/null"};
  const ProcessResult result = run_process(options);
  EXPECT_EQ(result.outcome, Outcome::SpawnFailed);
  EXPECT_EQ(result.spawn_error, std::strerror(EACCES));
}

TEST(Process, EmptyArgvIsSpawnFailed) {
  const ProcessResult result = run_process(ProcessOptions{});
  EXPECT_EQ(result.outcome, Outcome::SpawnFailed);
  EXPECT_EQ(result.describe(), "could not start '': empty argv");
}

TEST(Process, SignalIsReportedAsSignaledWithItsNumber) {
  for (int sig : {SIGTERM, SIGKILL, SIGUSR1}) {
    const ProcessResult result = run_process(helper({"signal", std::to_string(sig)}));
    EXPECT_EQ(result.outcome, Outcome::Signaled) << result.describe() << " " << result.out;
    EXPECT_EQ(result.signal, sig);
    EXPECT_EQ(result.describe(), "killed by signal " + std::to_string(sig));
  }
}

TEST(Process, SignalsIgnoredInTheParentHaveTheirDefaultInTheChild) {
  // An ignored disposition survives exec; without SETSIGDEF the child would shrug these off.
  for (int sig : {SIGINT, SIGTERM, SIGPIPE}) {
    const ScopedSignalDisposition ignore(sig, SIG_IGN);
    const ProcessResult result = run_process(helper({"signal", std::to_string(sig)}));
    EXPECT_EQ(result.outcome, Outcome::Signaled) << result.describe() << " " << result.out;
    EXPECT_EQ(result.signal, sig);
  }
}

TEST(Process, SignalsBlockedInTheParentAreUnblockedInTheChild) {
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigset_t saved;
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &block, &saved), 0);
  const ProcessResult result = run_process(helper({"signal", std::to_string(SIGTERM)}));
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  EXPECT_EQ(result.outcome, Outcome::Signaled) << result.describe() << " " << result.out;
  EXPECT_EQ(result.signal, SIGTERM);
}

TEST(Process, EnvironmentIsInheritedAndEntriesAddOrReplaceByName) {
  ASSERT_EQ(::setenv("IMGBENCH_PROCESS_TEST", "inherited", 1), 0);

  const ProcessResult inherited = run_process(helper({"echo-env", "IMGBENCH_PROCESS_TEST"}));
  EXPECT_EQ(inherited.out, "inherited") << inherited.err;

  ProcessOptions replace = helper({"echo-env", "IMGBENCH_PROCESS_TEST"});
  replace.env = {"IMGBENCH_PROCESS_TEST=first", "IMGBENCH_PROCESS_TEST=replaced"};
  const ProcessResult replaced = run_process(replace);
  EXPECT_EQ(replaced.out, "replaced") << replaced.err;

  ProcessOptions add = helper({"echo-env", "IMGBENCH_PROCESS_TEST_NEW"});
  add.env = {"IMGBENCH_PROCESS_TEST_NEW=a b=c $HOME"};
  const ProcessResult added = run_process(add);
  EXPECT_EQ(added.out, "a b=c $HOME") << added.err;

  // A prefix of an inherited name is a different name.
  ProcessOptions prefix = helper({"echo-env", "IMGBENCH_PROCESS_TEST"});
  prefix.env = {"IMGBENCH_PROCESS=other"};
  EXPECT_EQ(run_process(prefix).out, "inherited");

  ::unsetenv("IMGBENCH_PROCESS_TEST");
  const char* path = std::getenv("PATH");
  ASSERT_NE(path, nullptr);
  EXPECT_EQ(run_process(add).out, "a b=c $HOME");
  EXPECT_EQ(run_process(helper({"echo-env", "PATH"})).out, path);
}

TEST(Process, EnvironmentEntryWithoutEqualsSignIsSpawnFailed) {
  ProcessOptions options = helper({"exit", "0"});
  options.env = {"JUST_A_NAME"};
  const ProcessResult result = run_process(options);
  EXPECT_EQ(result.outcome, Outcome::SpawnFailed);
  EXPECT_NE(result.describe().find("JUST_A_NAME"), std::string::npos) << result.describe();
}

TEST(Process, ArgumentsArriveVerbatimWithoutAShell) {
  const auto marker = std::filesystem::temp_directory_path() /
                      ("imgbench_process_test_" + std::to_string(::getpid()));
  std::filesystem::remove(marker);
  const std::vector<std::string> args = {"two words",
                                         "'single'",
                                         "\"double\"",
                                         "$(touch " + marker.string() + ")",
                                         "`touch " + marker.string() + "`",
                                         "; touch " + marker.string() + "; exit 3",
                                         "$HOME",
                                         "*",
                                         "",
                                         "line\nbreak",
                                         "back\\slash",
                                         "> out"};
  std::vector<std::string> argv = {"print-args"};
  argv.insert(argv.end(), args.begin(), args.end());
  const ProcessResult result = run_process(helper(argv));
  ASSERT_EQ(result.outcome, Outcome::Exited) << result.describe();
  EXPECT_EQ(result.exit_code, 0);
  std::string expected;
  for (const auto& arg : args) {
    expected += arg;
    expected.push_back('\0');
  }
  EXPECT_EQ(result.out, expected);
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(Process, StdinIsEmptyEvenWhenOursHasData) {
  // Give this process a stdin with data, so a child that inherited it would count bytes.
  std::array<int, 2> fds{};
  ASSERT_EQ(::pipe(fds.data()), 0);
  ASSERT_EQ(::write(fds[1], "data", 4), 4);
  ::close(fds[1]);
  const int saved_stdin = ::dup(STDIN_FILENO);
  ASSERT_GE(saved_stdin, 0);
  ASSERT_EQ(::dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
  ::close(fds[0]);
  const ProcessResult result = run_process(helper({"stdin"}));
  ::dup2(saved_stdin, STDIN_FILENO);
  ::close(saved_stdin);
  EXPECT_TRUE(result.ok()) << result.describe() << " " << result.err;
  EXPECT_EQ(result.out, "stdin bytes 0\n");
}

TEST(Process, ChildLeadsItsOwnProcessGroup) {
  const ProcessResult result = run_process(helper({"pgid"}));
  ASSERT_TRUE(result.ok()) << result.describe();
  std::istringstream fields(result.out);
  long pid = 0;
  long pgid = 0;
  ASSERT_TRUE(fields >> pid >> pgid) << result.out;
  EXPECT_EQ(pid, pgid);
  EXPECT_NE(pgid, static_cast<long>(::getpgrp()));
}

TEST(Process, MaxOutputBytesKeepsTheHeadAndDrainsTheRest) {
  constexpr std::size_t kBytes = 1024U * 1024U;
  ProcessOptions options = helper({"flood", std::to_string(kBytes)});
  options.max_output_bytes = 1000;
  const ProcessResult result = run_process(options);
  // Exiting 0 shows the rest was read: an undrained pipe would block the helper until the
  // deadline, a closed one would kill it with SIGPIPE.
  EXPECT_TRUE(result.ok()) << result.describe();
  EXPECT_EQ(result.out, pattern(1000, 'a'));
  EXPECT_EQ(result.err, pattern(1000, 'A'));

  options.max_output_bytes = 0;
  const ProcessResult nothing = run_process(options);
  EXPECT_TRUE(nothing.ok()) << nothing.describe();
  EXPECT_TRUE(nothing.out.empty());
  EXPECT_TRUE(nothing.err.empty());
}

TEST(Process, GrandchildHoldingThePipeDoesNotHangUsPastTheDeadline) {
  // A runner that waits for EOF either hits the deadline (TimedOut) or, ignoring it, captures the
  // grandchild's last words; a correct one returns the child's own exit and kills the grandchild.
  ProcessOptions options = helper({"grandchild", "60000"});
  options.timeout = milliseconds(20000);
  const ProcessResult result = run_process(options);
  EXPECT_EQ(result.outcome, Outcome::Exited) << result.describe();
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out.find("grandchild done"), std::string::npos) << "waited for the grandchild";
  const pid_t grandchild = pid_after(result.out, "grandchild");
  ASSERT_GT(grandchild, 0) << result.out;
  EXPECT_TRUE(wait_until_gone(grandchild)) << "grandchild " << grandchild << " still runs";
}

TEST(Process, ConcurrentCallsFromFourThreadsDoNotInterfere) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 5;
  constexpr std::size_t kFloodBytes = 256U * 1024U;
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &failures] {
      std::string& failure = failures[static_cast<std::size_t>(t)];
      for (int round = 0; round < kRounds && failure.empty(); ++round) {
        const std::string token = "thread " + std::to_string(t) + " round " + std::to_string(round);
        const ProcessResult args = run_process(helper({"print-args", token}));
        if (args.out != token + std::string(1, '\0')) {
          failure = "print-args: " + args.describe() + " '" + args.out + "'";
        }
        const int code = t * 10 + round;
        const ProcessResult exited = run_process(helper({"exit", std::to_string(code)}));
        if (exited.outcome != Outcome::Exited || exited.exit_code != code) {
          failure = "exit " + std::to_string(code) + ": " + exited.describe();
        }
        const ProcessResult flood = run_process(helper({"flood", std::to_string(kFloodBytes)}));
        if (!flood.ok() || flood.out != pattern(kFloodBytes, 'a') ||
            flood.err != pattern(kFloodBytes, 'A')) {
          failure = "flood: " + flood.describe();
        }
        ProcessOptions slow = helper({"sleep", "60000"});
        slow.timeout = milliseconds(50);
        const ProcessResult timed_out = run_process(slow);
        if (timed_out.outcome != Outcome::TimedOut) {
          failure = "sleep: " + timed_out.describe();
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[static_cast<std::size_t>(t)], "") << "thread " << t;
  }
}

// --- run_process_reading ---------------------------------------------------------------------

// What a test's reader saw: bytes read, whether they matched child_helper's stream pattern (byte i
// is i % 251), and how its last read ended.
struct StreamSeen {
  std::size_t bytes = 0;
  std::size_t first_mismatch = std::string::npos;
  bool eof = false;
  int read_errno = 0;
};

// Reads `fd` until EOF, an error, or `limit` bytes, retrying reads a signal interrupted. Holds
// one 64 KiB buffer, never the stream.
StreamSeen read_stream(int fd, std::size_t limit = std::numeric_limits<std::size_t>::max()) {
  StreamSeen seen;
  std::vector<char> buffer(64U * 1024U);
  unsigned expected = 0;  // the pattern byte due next, kept as a counter rather than i % 251
  while (seen.bytes < limit) {
    const ssize_t n = ::read(fd, buffer.data(), std::min(buffer.size(), limit - seen.bytes));
    if (n == 0) {
      seen.eof = true;
      break;
    }
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      seen.read_errno = errno;
      break;
    }
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
      if (buffer[i] != static_cast<char>(expected) && seen.first_mismatch == std::string::npos) {
        seen.first_mismatch = seen.bytes + i;
      }
      expected = expected == 250 ? 0 : expected + 1;
    }
    seen.bytes += static_cast<std::size_t>(n);
  }
  return seen;
}

// Reads `fd` to EOF into a string (for the small outputs of the non-stream modes).
std::string read_all(int fd) {
  std::string text;
  std::array<char, 4096> buffer{};
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n > 0) {
      text.append(buffer.data(), static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      return text;
    }
  }
}

// Reads until the helper's "pid N\n" line has arrived (the sleeping modes write nothing else).
pid_t read_pid_line(int fd, std::string& text) {
  std::array<char, 256> buffer{};
  while (text.find('\n') == std::string::npos) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n > 0) {
      text.append(buffer.data(), static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  return pid_after(text, "pid");
}

// Peak resident set of this process in KiB, since the last reset_peak_rss(). Read from VmHWM:
// getrusage's ru_maxrss also keeps the peak of exited threads and of the image before exec, which
// nothing resets, so an earlier test in the same process could hide this one's growth.
long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::stol(line.substr(6));
    }
  }
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

void reset_peak_rss() {
  std::ofstream clear_refs("/proc/self/clear_refs");
  clear_refs << "5";  // resets VmHWM to the current RSS (Linux >= 4.0); harmless if refused
}

TEST(ProcessReading, LargeStreamReachesTheReaderCompleteWithoutBeingHeldInMemory) {
  constexpr std::size_t kBytes = 64U * 1024U * 1024U;
  constexpr long kAllowedGrowthKib = 16L * 1024L;
  reset_peak_rss();
  const long peak_before = peak_rss_kib();
  StreamSeen seen;
  const ProcessResult result = run_process_reading(helper({"stream", std::to_string(kBytes)}),
                                                   [&seen](int fd) { seen = read_stream(fd); });
  const long peak_after = peak_rss_kib();
  EXPECT_TRUE(result.ok()) << result.describe() << " " << result.err;
  EXPECT_TRUE(seen.eof) << "read failed: " << std::strerror(seen.read_errno);
  EXPECT_EQ(seen.bytes, kBytes);
  EXPECT_EQ(seen.first_mismatch, std::string::npos)
      << "stream corrupted at " << seen.first_mismatch;
  EXPECT_TRUE(result.out.empty());
  EXPECT_EQ(result.err, "streamed " + std::to_string(kBytes) + "\n");
  EXPECT_LT(peak_after - peak_before, kAllowedGrowthKib)
      << "peak RSS grew from " << peak_before << " KiB to " << peak_after << " KiB";
}

TEST(ProcessReading, StderrIsDrainedAndCapturedWhileTheReaderReadsStdout) {
  // flood alternates stdout and stderr chunks: unless stderr is drained while the reader reads,
  // the helper blocks on stderr and the reader on stdout until the deadline.
  constexpr std::size_t kBytes = 8U * 1024U * 1024U;
  std::string out;
  const ProcessResult result = run_process_reading(helper({"flood", std::to_string(kBytes)}),
                                                   [&out](int fd) { out = read_all(fd); });
  EXPECT_TRUE(result.ok()) << result.describe();
  EXPECT_TRUE(out == pattern(kBytes, 'a')) << "stdout: " << out.size() << " bytes";
  EXPECT_TRUE(result.err == pattern(kBytes, 'A')) << "stderr: " << result.err.size() << " bytes";
  EXPECT_TRUE(result.out.empty());
}

TEST(ProcessReading, MaxOutputBytesKeepsTheHeadOfStderrAndDrainsTheRest) {
  constexpr std::size_t kBytes = 1024U * 1024U;
  ProcessOptions options = helper({"flood", std::to_string(kBytes)});
  options.max_output_bytes = 1000;
  std::size_t out_bytes = 0;
  const ProcessResult result =
      run_process_reading(options, [&out_bytes](int fd) { out_bytes = read_all(fd).size(); });
  EXPECT_TRUE(result.ok()) << result.describe();
  EXPECT_EQ(out_bytes, kBytes);  // the limit is for what we capture, not for the reader's stream
  EXPECT_EQ(result.err, pattern(1000, 'A'));
}

TEST(ProcessReading, ExitCodesPassThrough) {
  for (int code : {0, 1, 42, 255}) {
    bool eof = false;
    const ProcessResult result = run_process_reading(helper({"exit", std::to_string(code)}),
                                                     [&eof](int fd) { eof = read_stream(fd).eof; });
    EXPECT_EQ(result.outcome, Outcome::Exited) << result.describe();
    EXPECT_EQ(result.exit_code, code);
    EXPECT_EQ(result.ok(), code == 0);
    EXPECT_TRUE(eof);
  }
}

TEST(ProcessReading, ReaderGetsABlockingFdToAChildInItsOwnProcessGroup) {
  int flags = -1;
  std::string text;
  const ProcessResult result = run_process_reading(helper({"pgid"}), [&](int fd) {
    flags = ::fcntl(fd, F_GETFL);
    text = read_all(fd);
  });
  ASSERT_TRUE(result.ok()) << result.describe();
  ASSERT_GE(flags, 0);
  EXPECT_EQ(flags & O_NONBLOCK, 0);
  std::istringstream fields(text);
  long pid = 0;
  long pgid = 0;
  ASSERT_TRUE(fields >> pid >> pgid) << text;
  EXPECT_EQ(pid, pgid);
  EXPECT_NE(pgid, static_cast<long>(::getpgrp()));
}

TEST(ProcessReading, ReaderStoppingEarlyEndsAWritingChildWithSigpipe) {
  // The grace is long so that only SIGPIPE can end the child before this test's ctest timeout;
  // a runner that leaves our end open would instead stop it with SIGTERM after the grace.
  constexpr std::size_t kWanted = 1024U * 1024U;
  ProcessOptions options = helper({"stream-forever"});
  options.kill_grace = milliseconds(10000);
  StreamSeen seen;
  const ProcessResult result =
      run_process_reading(options, [&seen](int fd) { seen = read_stream(fd, kWanted); });
  EXPECT_EQ(seen.bytes, kWanted);
  EXPECT_EQ(seen.first_mismatch, std::string::npos);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.outcome, Outcome::Signaled) << result.describe();
  EXPECT_EQ(result.signal, SIGPIPE) << result.describe();
}

TEST(ProcessReading, ReaderStoppingEarlyOnASilentChildStopsItAfterTheGrace) {
  ProcessOptions options = helper({"sleep", "60000"});
  options.kill_grace = milliseconds(200);
  pid_t pid = -1;
  std::string text;
  const ProcessResult result =
      run_process_reading(options, [&](int fd) { pid = read_pid_line(fd, text); });
  ASSERT_GT(pid, 0) << text;
  EXPECT_EQ(result.outcome, Outcome::Signaled) << result.describe();
  EXPECT_EQ(result.signal, SIGTERM);
  EXPECT_TRUE(process_is_gone(pid));
}

TEST(ProcessReading, ChildIgnoringSigtermAfterTheReaderStoppedIsKilled) {
  ProcessOptions options = helper({"ignore-term", "60000"});
  options.kill_grace = milliseconds(200);
  pid_t pid = -1;
  std::string text;
  const ProcessResult result =
      run_process_reading(options, [&](int fd) { pid = read_pid_line(fd, text); });
  ASSERT_GT(pid, 0) << text;
  EXPECT_EQ(result.outcome, Outcome::Signaled) << result.describe();
  EXPECT_EQ(result.signal, SIGKILL);
  EXPECT_TRUE(process_is_gone(pid));
}

TEST(ProcessReading, DeadlineEndsTheReadersBlockedReadAndIsTimedOut) {
  ProcessOptions options = helper({"sleep", "60000"});
  options.timeout = milliseconds(500);
  pid_t pid = -1;
  std::string text;
  bool eof = false;
  const ProcessResult result = run_process_reading(options, [&](int fd) {
    pid = read_pid_line(fd, text);
    eof = read_stream(fd).eof;  // blocks: the helper writes nothing more and sleeps
  });
  EXPECT_EQ(result.outcome, Outcome::TimedOut) << result.describe();
  EXPECT_EQ(result.describe(), "timed out after 500 ms (killed by signal 15)");
  EXPECT_TRUE(eof) << "the reader's read did not end with EOF";
  ASSERT_GT(pid, 0) << text;
  EXPECT_TRUE(process_is_gone(pid));
}

TEST(ProcessReading, DeadlineKillsAChildIgnoringSigtermAfterTheGrace) {
  ProcessOptions options = helper({"ignore-term", "60000"});
  options.timeout = milliseconds(500);
  options.kill_grace = milliseconds(200);
  bool eof = false;
  const ProcessResult result =
      run_process_reading(options, [&eof](int fd) { eof = read_stream(fd).eof; });
  EXPECT_EQ(result.outcome, Outcome::TimedOut) << result.describe();
  EXPECT_EQ(result.signal, SIGKILL);
  EXPECT_TRUE(eof);
}

TEST(ProcessReading, CancelFlagSetByASignalEndsTheReadersBlockedRead) {
  // As in the run_process test: the signal goes to the calling thread, which here is blocked in
  // the reader's read (and retries it after EINTR); the watchdog thread must notice the flag.
  cancel_requested = 0;
  const ScopedSignalDisposition handler(SIGUSR2, request_cancel);
  ProcessOptions options = helper({"sleep", "60000"});
  options.cancel = &cancel_requested;
  const pthread_t runner = ::pthread_self();
  std::thread canceller([runner] {
    std::this_thread::sleep_for(milliseconds(500));
    ::pthread_kill(runner, SIGUSR2);
  });
  pid_t pid = -1;
  std::string text;
  bool eof = false;
  const ProcessResult result = run_process_reading(options, [&](int fd) {
    pid = read_pid_line(fd, text);
    eof = read_stream(fd).eof;
  });
  canceller.join();
  EXPECT_EQ(result.outcome, Outcome::Cancelled) << result.describe();
  EXPECT_EQ(result.describe(), "cancelled (killed by signal 15)");
  EXPECT_TRUE(eof);
  ASSERT_GT(pid, 0) << text;
  EXPECT_TRUE(process_is_gone(pid));
}

TEST(ProcessReading, CancelFlagAlreadySetStopsTheChildAtOnce) {
  volatile std::sig_atomic_t cancel = 1;
  ProcessOptions options = helper({"stream-forever"});
  options.cancel = &cancel;
  StreamSeen seen;
  const ProcessResult result =
      run_process_reading(options, [&seen](int fd) { seen = read_stream(fd); });
  EXPECT_EQ(result.outcome, Outcome::Cancelled) << result.describe();
  EXPECT_TRUE(seen.eof);
  EXPECT_EQ(seen.first_mismatch, std::string::npos);
}

TEST(ProcessReading, ReaderExceptionPropagatesAfterTheChildIsReaped) {
  // The helper ignores SIGTERM, so this also covers the escalation to SIGKILL before the reap.
  ProcessOptions options = helper({"ignore-term", "60000"});
  options.kill_grace = milliseconds(200);
  pid_t pid = -1;
  std::string text;
  try {
    (void)run_process_reading(options, [&](int fd) {
      pid = read_pid_line(fd, text);
      throw std::runtime_error("reader gave up");
    });
    ADD_FAILURE() << "the reader's exception did not propagate";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "reader gave up");
  }
  ASSERT_GT(pid, 0) << text;
  // Reaped, not merely dead: a zombie would still be our child and waitpid would return it.
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  EXPECT_TRUE(process_is_gone(pid));
}

TEST(ProcessReading, MissingProgramIsSpawnFailedAndTheReaderIsNeverCalled) {
  ProcessOptions options;
  options.argv = {"imgbench-no-such-program", "--version"};
  bool called = false;
  const ProcessResult result = run_process_reading(options, [&called](int) { called = true; });
  EXPECT_EQ(result.outcome, Outcome::SpawnFailed);
  EXPECT_EQ(result.describe(),
            std::string("could not start 'imgbench-no-such-program': ") + std::strerror(ENOENT));
  EXPECT_FALSE(called);

  const ProcessResult empty =
      run_process_reading(ProcessOptions{}, [&called](int) { called = true; });
  EXPECT_EQ(empty.describe(), "could not start '': empty argv");
  EXPECT_FALSE(called);
}

TEST(ProcessReading, GrandchildHoldingStdoutDoesNotKeepTheReaderWaiting) {
  ProcessOptions options = helper({"grandchild", "60000"});
  options.timeout = milliseconds(20000);
  std::string text;
  const ProcessResult result =
      run_process_reading(options, [&text](int fd) { text = read_all(fd); });
  EXPECT_EQ(result.outcome, Outcome::Exited) << result.describe();
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(text.find("grandchild done"), std::string::npos) << "waited for the grandchild";
  const pid_t grandchild = pid_after(text, "grandchild");
  ASSERT_GT(grandchild, 0) << text;
  EXPECT_TRUE(wait_until_gone(grandchild)) << "grandchild " << grandchild << " still runs";
}

TEST(ProcessReading, ConcurrentStreamsFromThreeThreadsDoNotInterfere) {
  constexpr int kThreads = 3;
  constexpr int kRounds = 3;
  constexpr std::size_t kBytes = 4U * 1024U * 1024U;
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &failures] {
      std::string& failure = failures[static_cast<std::size_t>(t)];
      for (int round = 0; round < kRounds && failure.empty(); ++round) {
        StreamSeen seen;
        const ProcessResult streamed =
            run_process_reading(helper({"stream", std::to_string(kBytes)}),
                                [&seen](int fd) { seen = read_stream(fd); });
        if (!streamed.ok() || seen.bytes != kBytes || seen.first_mismatch != std::string::npos) {
          failure = "stream: " + streamed.describe() + ", " + std::to_string(seen.bytes) + " bytes";
        }
        ProcessOptions slow = helper({"sleep", "60000"});
        slow.timeout = milliseconds(50);
        const ProcessResult timed_out =
            run_process_reading(slow, [](int fd) { (void)read_stream(fd); });
        if (timed_out.outcome != Outcome::TimedOut) {
          failure = "sleep: " + timed_out.describe();
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[static_cast<std::size_t>(t)], "") << "thread " << t;
  }
}

TEST(ProcessResult, DescribeGivesOneLinePerOutcome) {
  ProcessResult result;
  result.outcome = Outcome::Exited;
  result.exit_code = 1;
  EXPECT_EQ(result.describe(), "exit 1");

  result = ProcessResult{};
  result.outcome = Outcome::Signaled;
  result.signal = 9;
  EXPECT_EQ(result.describe(), "killed by signal 9");

  result = ProcessResult{};
  result.outcome = Outcome::TimedOut;
  result.timeout = milliseconds(3000);
  EXPECT_EQ(result.describe(), "timed out after 3000 ms");

  result = ProcessResult{};
  result.outcome = Outcome::Cancelled;
  EXPECT_EQ(result.describe(), "cancelled");

  result = ProcessResult{};
  result.program = "foo";
  result.spawn_error = "No such file or directory";
  EXPECT_EQ(result.describe(), "could not start 'foo': No such file or directory");
}

TEST(Outcome, ToStringNamesEachValue) {
  EXPECT_STREQ(to_string(Outcome::Exited), "exited");
  EXPECT_STREQ(to_string(Outcome::Signaled), "signaled");
  EXPECT_STREQ(to_string(Outcome::TimedOut), "timed_out");
  EXPECT_STREQ(to_string(Outcome::Cancelled), "cancelled");
  EXPECT_STREQ(to_string(Outcome::SpawnFailed), "spawn_failed");
}

TEST(TailLines, ZeroLinesOrEmptyTextGiveNothing) {
  EXPECT_EQ(tail_lines("a\nb\n", 0), "");
  EXPECT_EQ(tail_lines("", 3), "");
}

TEST(TailLines, FewerLinesThanAskedGiveTheWholeText) {
  EXPECT_EQ(tail_lines("a\nb\n", 5), "a\nb\n");
  EXPECT_EQ(tail_lines("a\nb", 2), "a\nb");
  EXPECT_EQ(tail_lines("single", 1), "single");
}

TEST(TailLines, TrailingNewlineEndsTheLastLineAndIsKept) {
  EXPECT_EQ(tail_lines("a\nb\nc\n", 2), "b\nc\n");
  EXPECT_EQ(tail_lines("a\nb\nc\n", 1), "c\n");
}

TEST(TailLines, TextWithoutTrailingNewline) {
  EXPECT_EQ(tail_lines("a\nb\nc", 2), "b\nc");
  EXPECT_EQ(tail_lines("a\nb\nc", 1), "c");
}

TEST(TailLines, EmptyLinesCountAsLines) {
  EXPECT_EQ(tail_lines("a\n\n\nb\n", 2), "\nb\n");
  EXPECT_EQ(tail_lines("a\n\n", 1), "\n");
  EXPECT_EQ(tail_lines("\n\n\n", 2), "\n\n");
  EXPECT_EQ(tail_lines("\n", 1), "\n");
}

}  // namespace
}  // namespace imgbench
