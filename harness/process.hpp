// Spawns one program from an argv vector (posix_spawnp, never a shell), captures or streams its
// output and enforces a deadline. The only file in the project that spawns processes.
#pragma once

#include <chrono>
#include <csignal>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace imgbench {

enum class Outcome { Exited, Signaled, TimedOut, Cancelled, SpawnFailed };

// "exited", "signaled", "timed_out", "cancelled", "spawn_failed".
[[nodiscard]] const char* to_string(Outcome outcome);

struct ProcessOptions {
  std::vector<std::string> argv;  // argv[0] is looked up on PATH
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  // After the deadline (or a cancel) the process group gets SIGTERM, then SIGKILL after this grace.
  std::chrono::milliseconds kill_grace{std::chrono::seconds(2)};
  // Output beyond this many bytes per stream is drained but dropped (the head is kept).
  std::size_t max_output_bytes = 64U * 1024U * 1024U;
  // Extra "NAME=value" entries added to (or replacing in) the inherited environment.
  std::vector<std::string> env;
  // Polled at least every 50 ms; when it becomes non-zero the child is stopped and the outcome is
  // Cancelled. Lets Ctrl-C reach children that live in their own process group.
  const volatile std::sig_atomic_t* cancel = nullptr;
};

struct ProcessResult {
  Outcome outcome = Outcome::SpawnFailed;
  int exit_code = -1;  // valid when outcome == Exited
  int signal = 0;      // valid when outcome == Signaled
  std::string out;
  std::string err;
  std::chrono::nanoseconds elapsed{0};
  std::string spawn_error;               // strerror text when outcome == SpawnFailed
  std::string program;                   // argv[0] (empty for an empty argv), for messages
  std::chrono::milliseconds timeout{0};  // the limit that applied, for "timed out after N ms"

  [[nodiscard]] bool ok() const { return outcome == Outcome::Exited && exit_code == 0; }
  // One line for error messages: "exit 1", "killed by signal 9", "timed out after 30000 ms", ...
  [[nodiscard]] std::string describe() const;
};

// Never throws for anything the child does or for a bad argv/env (those are SpawnFailed); only
// std::bad_alloc can escape. Safe to call from several threads at once. The child gets stdin from
// /dev/null, its own process group, an empty signal mask and default signal dispositions. A
// grandchild that keeps the output pipes open after the child exits is killed shortly afterwards.
[[nodiscard]] ProcessResult run_process(const ProcessOptions& options);

// Streams the child's stdout instead of capturing it, for output too large to hold in memory
// (`docker save`). Spawns exactly like run_process, then calls `reader` on the calling thread with
// the read end of the child's stdout: an ordinary blocking pipe fd that `reader` must not close.
// stderr is captured in `err` (bounded by max_output_bytes); `out` always stays empty.
//
// A watchdog thread enforces the deadline and the cancel flag while `reader` blocks in read():
// it stops the process group (SIGTERM, kill_grace, SIGKILL), so the reader's next read returns EOF
// (or an error), and the outcome is TimedOut or Cancelled. Note that the watchdog thread, not the
// calling one, reads the cancel flag.
//
// When `reader` returns, whether at EOF or early, our end of the pipe is closed: a child still
// writing dies of SIGPIPE (or gets EPIPE); one still running after kill_grace is stopped as above
// and reported as Signaled with our signal. If `reader` throws, the child is stopped at once
// (SIGTERM, then SIGKILL after kill_grace) and reaped, then the exception is rethrown. A spawn
// failure (missing program, bad env, no thread for the watchdog) is SpawnFailed and `reader` is
// never called. Apart from `reader`'s exceptions, only std::bad_alloc can escape. Safe to call
// from several threads at once. Limit: a grandchild that left the process group and keeps stdout
// open keeps the reader's read blocked until it exits; the group kill cannot reach it.
[[nodiscard]] ProcessResult run_process_reading(const ProcessOptions& options,
                                                const std::function<void(int stdout_fd)>& reader);

// The last `max_lines` lines of `text` (for log tails in error messages and reports). A suffix of
// `text`: a final newline ends the last line rather than starting an empty one, and is kept.
[[nodiscard]] std::string tail_lines(const std::string& text, std::size_t max_lines);

}  // namespace imgbench
