#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <functional>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "unique_fd.hpp"

extern char** environ;  // NOLINT: POSIX declares it nowhere in a header

namespace imgbench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The cancel flag and the child's exit are noticed within one slice.
constexpr milliseconds kPollSlice{50};
// Once the child has exited, a grandchild may still hold the pipes open (a daemon, a stray
// background job). Read its output this long, then kill the group so we do not wait on it.
constexpr milliseconds kDrainAfterExit{250};
// After that kill, give up on EOF after this: a grandchild that left the group survives SIGKILL
// to the group, and we must not wait for it.
constexpr milliseconds kDrainAfterKill{100};
constexpr std::size_t kReadChunk = 64U * 1024U;

struct Pipe {
  UniqueFd read_end;
  UniqueFd write_end;
};

// Owns a posix_spawn attribute or file-actions object: Init in the constructor, Destroy after.
template <typename T, int (*Init)(T*), int (*Destroy)(T*)>
class SpawnObject {
 public:
  SpawnObject() : init_error_(Init(&object_)) {}
  SpawnObject(const SpawnObject&) = delete;
  SpawnObject& operator=(const SpawnObject&) = delete;
  ~SpawnObject() {
    if (init_error_ == 0) {
      Destroy(&object_);
    }
  }
  [[nodiscard]] int init_error() const { return init_error_; }
  [[nodiscard]] T* get() { return &object_; }

 private:
  T object_{};
  int init_error_;
};

using FileActions = SpawnObject<posix_spawn_file_actions_t, ::posix_spawn_file_actions_init,
                                ::posix_spawn_file_actions_destroy>;
using SpawnAttr = SpawnObject<posix_spawnattr_t, ::posix_spawnattr_init, ::posix_spawnattr_destroy>;

// strerror() may share a static buffer between threads; g++ always defines _GNU_SOURCE, so this is
// the GNU strerror_r that returns the text (not necessarily in our buffer).
std::string errno_text(int error) {
  std::array<char, 256> buffer{};
  return ::strerror_r(error, buffer.data(), buffer.size());
}

// If our caller closed its stdio, pipe2 can hand out fd 0-2, and the dup2 actions would then
// clobber each other (e.g. out on fd 2, err on fd 1). Keep every pipe end above stdio.
int lift_above_stdio(UniqueFd& fd) {
  if (fd.get() > STDERR_FILENO) {
    return 0;
  }
  const int lifted = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  if (lifted < 0) {
    return errno;
  }
  fd = UniqueFd(lifted);
  return 0;
}

enum class ReadEnd { NonBlocking, Blocking };

// Both ends are close-on-exec so that a child spawned concurrently by another thread never
// inherits them (it would hold our pipe open and we would never see EOF). The child's copies are
// made by dup2 in the file actions, which clears the flag on the new descriptor only.
int make_pipe(Pipe& pipe, ReadEnd mode) {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    return errno;
  }
  pipe.read_end = UniqueFd(fds[0]);
  pipe.write_end = UniqueFd(fds[1]);
  if (int rc = lift_above_stdio(pipe.read_end); rc != 0) {
    return rc;
  }
  if (int rc = lift_above_stdio(pipe.write_end); rc != 0) {
    return rc;
  }
  if (mode == ReadEnd::Blocking) {
    return 0;
  }
  // Non-blocking on our end only: O_NONBLOCK belongs to the open file description, and the child
  // must see an ordinary blocking stdout.
  const int flags = ::fcntl(pipe.read_end.get(), F_GETFL);
  if (flags < 0 || ::fcntl(pipe.read_end.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
    return errno;
  }
  return 0;
}

std::string_view name_of(std::string_view entry) { return entry.substr(0, entry.find('=')); }

// The inherited environment with `extra` entries replacing same-named ones; among duplicates in
// `extra` the last wins. Returns a message when an entry is not NAME=value.
std::optional<std::string> build_env(const std::vector<std::string>& extra,
                                     std::vector<std::string>& merged) {
  for (const auto& entry : extra) {
    if (entry.find('=') == std::string::npos || entry.front() == '=') {
      return "environment entry '" + entry + "' is not NAME=value";
    }
  }
  const auto overridden_after = [&extra](std::string_view name, std::size_t from) {
    return std::any_of(extra.begin() + static_cast<std::ptrdiff_t>(from), extra.end(),
                       [name](const std::string& entry) { return name_of(entry) == name; });
  };
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    if (!overridden_after(name_of(*entry), 0)) {
      merged.emplace_back(*entry);
    }
  }
  for (std::size_t i = 0; i < extra.size(); ++i) {
    if (!overridden_after(name_of(extra[i]), i + 1)) {
      merged.push_back(extra[i]);
    }
  }
  return std::nullopt;
}

// Returns 0 or an errno value. posix_spawnp returns only after the exec succeeded or failed, so
// the child is already in its own process group when this returns.
int spawn_child(const std::vector<std::string>& argv, char* const* envp, const Pipe& out,
                const Pipe& err, pid_t& pid) {
  FileActions actions;
  if (actions.init_error() != 0) {
    return actions.init_error();
  }
  int rc =
      ::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (rc == 0) {
    rc = ::posix_spawn_file_actions_adddup2(actions.get(), out.write_end.get(), STDOUT_FILENO);
  }
  if (rc == 0) {
    rc = ::posix_spawn_file_actions_adddup2(actions.get(), err.write_end.get(), STDERR_FILENO);
  }
  if (rc != 0) {
    return rc;
  }

  SpawnAttr attr;
  if (attr.init_error() != 0) {
    return attr.init_error();
  }
  // The child must not inherit our blocked signals or ignored dispositions (an ignored SIGINT or
  // SIGPIPE survives exec), or it could not be stopped and would not die on a broken pipe.
  sigset_t empty_mask;
  sigemptyset(&empty_mask);
  sigset_t all_catchable;
  sigfillset(&all_catchable);
  sigdelset(&all_catchable, SIGKILL);
  sigdelset(&all_catchable, SIGSTOP);
  rc = ::posix_spawnattr_setsigmask(attr.get(), &empty_mask);
  if (rc == 0) {
    rc = ::posix_spawnattr_setsigdefault(attr.get(), &all_catchable);
  }
  if (rc == 0) {
    // Group id 0: the child leads a new group, so one kill(-pid) reaches everything it started.
    rc = ::posix_spawnattr_setpgroup(attr.get(), 0);
  }
  if (rc == 0) {
    rc = ::posix_spawnattr_setflags(
        attr.get(),
        static_cast<short>(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
  }
  if (rc != 0) {
    return rc;
  }

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) {
    // posix_spawn's signature predates const; it does not write through these.
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  return ::posix_spawnp(&pid, argv.front().c_str(), actions.get(), attr.get(), args.data(), envp);
}

// A running child and our read ends of its stdout and stderr; the write ends are already closed,
// since our copies would keep the pipes open and we would never see EOF.
struct Child {
  pid_t pid = -1;
  UniqueFd out;
  UniqueFd err;
};

// Everything from argv to a running child, shared by run_process and run_process_reading so both
// spawn alike. Returns the SpawnFailed message, or nothing with `child` running.
std::optional<std::string> start_child(const ProcessOptions& options, ReadEnd out_mode,
                                       Child& child) {
  if (options.argv.empty()) {
    return "empty argv";
  }
  std::vector<std::string> env_strings;
  if (auto problem = build_env(options.env, env_strings)) {
    return problem;
  }
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& entry : env_strings) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);

  Pipe out_pipe;
  Pipe err_pipe;
  if (int rc = make_pipe(out_pipe, out_mode); rc != 0) {
    return errno_text(rc);
  }
  if (int rc = make_pipe(err_pipe, ReadEnd::NonBlocking); rc != 0) {
    return errno_text(rc);
  }
  pid_t pid = -1;
  if (int rc = spawn_child(options.argv, envp.data(), out_pipe, err_pipe, pid); rc != 0) {
    return errno_text(rc);
  }
  child.pid = pid;
  child.out = std::move(out_pipe.read_end);
  child.err = std::move(err_pipe.read_end);
  return std::nullopt;
}

void signal_group(pid_t pid, int sig) {
  // ESRCH on the group means the child moved itself out of it; it still deserves the signal.
  if (::kill(-pid, sig) != 0 && errno == ESRCH) {
    ::kill(pid, sig);
  }
}

// True once the child has terminated. WNOWAIT leaves it a zombie: its pid, and so the process
// group id we may still signal, cannot be reused by an unrelated process until we reap it.
bool has_exited(pid_t pid) {
  for (;;) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
      return info.si_pid != 0;
    }
    if (errno != EINTR) {
      return true;  // ECHILD: someone else reaped it (SIGCHLD ignored); nothing left to wait for
    }
  }
}

std::optional<int> reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return std::nullopt;
    }
  }
  return status;
}

// Reads what is available into `sink`, keeping at most `limit` bytes and dropping the rest (the
// child must keep running, so excess output is read, not left in the pipe). False at EOF or error.
bool read_available(int fd, std::string& sink, std::size_t limit, std::vector<char>& buffer) {
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n > 0) {
      const auto got = static_cast<std::size_t>(n);
      if (sink.size() < limit) {
        sink.append(buffer.data(), std::min(got, limit - sink.size()));
      }
      return true;
    }
    if (n == 0) {
      return false;
    }
    if (errno != EINTR) {
      return errno == EAGAIN;
    }
  }
}

// The cancel flag is a volatile sig_atomic_t, which the language keeps race-free only for a signal
// handler on the thread that reads it. run_process_reading reads it on the watchdog thread while
// the handler runs on the caller's (and a process-directed SIGINT may land on any thread even for
// run_process). An aligned int load is one untorn instruction on every target we build for, and
// the flag is re-read every slice, so a stale read delays the stop by a slice at most.
// ThreadSanitizer cannot know that and would report the handler's write; this one load is exempt.
// A lock-free std::atomic flag in ProcessOptions would remove the need (see the report).
[[gnu::noinline, gnu::no_sanitize("thread")]] bool cancel_requested(
    const volatile std::sig_atomic_t* flag) {
  return flag != nullptr && *flag != 0;
}

// Keeps `time_point + limit` representable when a caller passes milliseconds::max() for "none".
milliseconds bounded(milliseconds limit) {
  return std::min(limit, milliseconds{std::chrono::hours(24 * 365)});
}

// Drains both pipes until the child has exited and the pipes are closed, stopping the child's
// group on the deadline or a cancel. Does not reap. Returns TimedOut or Cancelled if it stopped
// the child.
std::optional<Outcome> supervise(pid_t pid, const ProcessOptions& options, Clock::time_point start,
                                 UniqueFd& out_fd, UniqueFd& err_fd, ProcessResult& result) {
  std::optional<Outcome> stop_reason;
  const auto deadline = start + bounded(options.timeout);
  constexpr auto kNever = Clock::time_point::max();
  auto kill_at = kNever;      // SIGKILL due, after SIGTERM
  auto drain_until = kNever;  // set once the child has exited
  bool exited = false;
  bool killed_after_exit = false;
  // With both pipes closed, nothing wakes poll when the child exits, so sleep briefly at first:
  // most children close their output by exiting, and the exit is then a moment away.
  milliseconds idle_wait{1};
  std::vector<char> buffer(kReadChunk);

  for (;;) {
    const auto now = Clock::now();
    if (!exited && has_exited(pid)) {
      exited = true;
      kill_at = kNever;  // nothing left to escalate against; only the drain bound matters now
      drain_until = now + kDrainAfterExit;
    }
    if (exited) {
      if (!out_fd.valid() && !err_fd.valid()) {
        break;
      }
      if (now >= drain_until) {
        if (killed_after_exit) {
          break;
        }
        signal_group(pid, SIGKILL);
        killed_after_exit = true;
        drain_until = now + kDrainAfterKill;
      }
    } else if (!stop_reason) {
      if (cancel_requested(options.cancel)) {
        stop_reason = Outcome::Cancelled;
      } else if (now >= deadline) {
        stop_reason = Outcome::TimedOut;
      }
      if (stop_reason) {
        signal_group(pid, SIGTERM);
        kill_at = now + bounded(options.kill_grace);
      }
    } else if (now >= kill_at) {
      signal_group(pid, SIGKILL);
      kill_at = kNever;
    }

    auto wake = std::min({now + kPollSlice, drain_until, kill_at});
    if (!exited && !stop_reason) {
      wake = std::min(wake, deadline);
    }

    std::array<pollfd, 2> fds{};
    std::array<UniqueFd*, 2> owners{};
    std::array<std::string*, 2> sinks{};
    std::size_t count = 0;
    for (auto [fd, sink] : {std::pair{&out_fd, &result.out}, std::pair{&err_fd, &result.err}}) {
      if (fd->valid()) {
        fds[count] = pollfd{fd->get(), POLLIN, 0};
        owners[count] = fd;
        sinks[count] = sink;
        ++count;
      }
    }
    if (count == 0) {
      wake = std::min(wake, now + idle_wait);
      idle_wait = std::min(idle_wait * 2, kPollSlice);
    }
    const auto wait =
        std::chrono::ceil<milliseconds>(std::max(wake - now, Clock::duration::zero()));
    // EINTR and timeouts both fall through to the checks at the top of the loop.
    if (::poll(fds.data(), static_cast<nfds_t>(count), static_cast<int>(wait.count())) <= 0) {
      continue;
    }
    for (std::size_t i = 0; i < count; ++i) {
      if (fds[i].revents != 0 &&
          !read_available(fds[i].fd, *sinks[i], options.max_output_bytes, buffer)) {
        owners[i]->reset();
      }
    }
  }
  return stop_reason;
}

ProcessResult initial_result(const ProcessOptions& options) {
  ProcessResult result;
  result.timeout = options.timeout;
  if (!options.argv.empty()) {
    result.program = options.argv.front();
  }
  return result;
}

ProcessResult spawn_failed(ProcessResult result, std::string message, Clock::time_point start) {
  result.outcome = Outcome::SpawnFailed;
  result.spawn_error = std::move(message);
  result.elapsed = Clock::now() - start;
  return result;
}

// Fills the outcome from the reaped child's wait status. Without a status (someone else reaped the
// child) it counts as an exit with code -1: not ok. A stop we caused names its reason instead.
void record_end(ProcessResult& result, std::optional<int> status,
                std::optional<Outcome> stop_reason, Clock::time_point start) {
  result.elapsed = Clock::now() - start;
  result.outcome = Outcome::Exited;
  if (status && WIFEXITED(*status)) {
    result.exit_code = WEXITSTATUS(*status);
  } else if (status && WIFSIGNALED(*status)) {
    result.outcome = Outcome::Signaled;
    result.signal = WTERMSIG(*status);
  }
  if (stop_reason) {
    result.outcome = *stop_reason;
  }
}

// What the calling thread tells the watchdog, in one byte, when the reader has returned.
constexpr char kReaderFinished = 'f';
constexpr char kReaderThrew = 't';

// The watchdog's view of the reader's end: closed or not, and whether it stopped by throwing.
struct ReaderNews {
  bool done = false;
  bool threw = false;
};

ReaderNews read_news(int done_fd) {
  char note = kReaderFinished;
  ssize_t n = 0;
  do {
    n = ::read(done_fd, &note, 1);
  } while (n < 0 && errno == EINTR);
  // Hang-up without a note cannot happen while the caller owns the write end; treat it as done.
  return ReaderNews{true, n == 1 && note == kReaderThrew};
}

// Runs on the watchdog thread while the reader runs on the caller's: drains stderr, stops the
// child's group on the deadline or a cancel (which ends the reader's read with EOF), and once the
// reader is done gives the child `kill_grace` to exit before stopping it (at once if the reader
// threw). Returns when the child has exited and stderr and the reader are finished, or when a
// post-exit drain bound has passed. Does not reap. Returns TimedOut or Cancelled if it stopped
// the child for that reason.
std::optional<Outcome> watch_reader(pid_t pid, const ProcessOptions& options,
                                    Clock::time_point start, UniqueFd& err_fd, int done_fd,
                                    std::string& err, std::vector<char>& buffer) {
  std::optional<Outcome> stop_reason;
  const auto deadline = start + bounded(options.timeout);
  const auto grace = bounded(options.kill_grace);
  constexpr auto kNever = Clock::time_point::max();
  auto term_at = kNever;      // SIGTERM due: the reader is done and the child had its grace
  auto kill_at = kNever;      // SIGKILL due, after SIGTERM
  auto drain_until = kNever;  // set once the child has exited
  bool exited = false;
  bool stopping = false;
  bool killed_after_exit = false;
  ReaderNews reader;
  milliseconds idle_wait{1};

  for (;;) {
    const auto now = Clock::now();
    if (!exited && has_exited(pid)) {
      exited = true;
      term_at = kNever;
      kill_at = kNever;
      drain_until = now + kDrainAfterExit;
    }
    if (exited) {
      if (!err_fd.valid() && reader.done) {
        break;
      }
      // A grandchild holding stdout or stderr keeps the reader or us waiting: kill the group, as
      // run_process does. Data already in the pipe stays readable, so the reader loses nothing.
      if (now >= drain_until) {
        if (killed_after_exit) {
          break;
        }
        signal_group(pid, SIGKILL);
        killed_after_exit = true;
        drain_until = now + kDrainAfterKill;
      }
    } else if (!stopping) {
      if (cancel_requested(options.cancel)) {
        stop_reason = Outcome::Cancelled;
      } else if (now >= deadline) {
        stop_reason = Outcome::TimedOut;
      }
      if (stop_reason || now >= term_at) {
        signal_group(pid, SIGTERM);
        stopping = true;
        term_at = kNever;
        kill_at = now + grace;
      }
    } else if (now >= kill_at) {
      signal_group(pid, SIGKILL);
      kill_at = kNever;
    }

    auto wake = std::min({now + kPollSlice, drain_until, kill_at, term_at});
    if (!exited && !stopping) {
      wake = std::min(wake, deadline);
    }
    std::array<pollfd, 2> fds{};
    nfds_t count = 0;
    if (err_fd.valid()) {
      fds[count++] = pollfd{err_fd.get(), POLLIN, 0};
    }
    if (!reader.done) {
      fds[count++] = pollfd{done_fd, POLLIN, 0};
    }
    if (count == 0) {
      // Nothing to wake us when the child exits; it usually does so a moment after closing stderr.
      wake = std::min(wake, now + idle_wait);
      idle_wait = std::min(idle_wait * 2, kPollSlice);
    }
    const auto wait =
        std::chrono::ceil<milliseconds>(std::max(wake - now, Clock::duration::zero()));
    if (::poll(fds.data(), count, static_cast<int>(wait.count())) <= 0) {
      continue;
    }
    for (std::size_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) {
        continue;
      }
      if (fds[i].fd == done_fd) {
        reader = read_news(done_fd);
        // Once exited or already stopping, there is nothing left to schedule.
        if (!exited && !stopping) {
          term_at = reader.threw ? now : now + grace;
        }
      } else if (!read_available(fds[i].fd, err, options.max_output_bytes, buffer)) {
        err_fd.reset();
      }
    }
  }
  return stop_reason;
}

// Tells the watchdog the reader has returned. The watchdog may already have finished, but the
// caller owns the read end until after the join, so this cannot raise SIGPIPE.
void send_news(int done_fd, char note) {
  while (::write(done_fd, &note, 1) < 0 && errno == EINTR) {
  }
}

}  // namespace

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::Exited:
      return "exited";
    case Outcome::Signaled:
      return "signaled";
    case Outcome::TimedOut:
      return "timed_out";
    case Outcome::Cancelled:
      return "cancelled";
    case Outcome::SpawnFailed:
      return "spawn_failed";
  }
  return "unknown";
}

std::string ProcessResult::describe() const {
  // A stopped child usually dies of our SIGTERM or SIGKILL; which one tells whether it honoured
  // SIGTERM within the grace period.
  const std::string how_it_died =
      signal != 0 ? " (killed by signal " + std::to_string(signal) + ")" : std::string();
  switch (outcome) {
    case Outcome::Exited:
      return "exit " + std::to_string(exit_code);
    case Outcome::Signaled:
      return "killed by signal " + std::to_string(signal);
    case Outcome::TimedOut: {
      // Results built by hand (fakes) may leave the limit unset; the elapsed time is then the
      // best figure there is.
      const auto limit =
          timeout.count() > 0 ? timeout : std::chrono::duration_cast<milliseconds>(elapsed);
      return "timed out after " + std::to_string(limit.count()) + " ms" + how_it_died;
    }
    case Outcome::Cancelled:
      return "cancelled" + how_it_died;
    case Outcome::SpawnFailed:
      return "could not start '" + program + "': " + spawn_error;
  }
  return "unknown outcome";
}

ProcessResult run_process(const ProcessOptions& options) {
  ProcessResult result = initial_result(options);
  const auto start = Clock::now();
  Child child;
  if (auto problem = start_child(options, ReadEnd::NonBlocking, child)) {
    return spawn_failed(std::move(result), std::move(*problem), start);
  }
  const std::optional<Outcome> stop_reason =
      supervise(child.pid, options, start, child.out, child.err, result);
  child.out.reset();
  child.err.reset();
  record_end(result, reap(child.pid), stop_reason, start);
  return result;
}

ProcessResult run_process_reading(const ProcessOptions& options,
                                  const std::function<void(int stdout_fd)>& reader) {
  ProcessResult result = initial_result(options);
  const auto start = Clock::now();
  // Made before the spawn, so that failing to make it leaves no child to clean up.
  Pipe done;
  if (int rc = make_pipe(done, ReadEnd::Blocking); rc != 0) {
    return spawn_failed(std::move(result), errno_text(rc), start);
  }
  std::vector<char> buffer(kReadChunk);
  Child child;
  if (auto problem = start_child(options, ReadEnd::Blocking, child)) {
    return spawn_failed(std::move(result), std::move(*problem), start);
  }

  // The watchdog owns stderr, `stop_reason` and `result.err` until the join; the calling thread
  // touches them only afterwards.
  std::optional<Outcome> stop_reason;
  std::exception_ptr watchdog_failure;
  const auto watch = [&] {
    try {
      stop_reason = watch_reader(child.pid, options, start, child.err, done.read_end.get(),
                                 result.err, buffer);
    } catch (...) {
      // Without a watchdog nothing would end the reader's read: make it EOF now.
      watchdog_failure = std::current_exception();
      signal_group(child.pid, SIGKILL);
    }
  };
  std::thread watchdog;
  try {
    watchdog = std::thread(watch);
  } catch (const std::system_error& error) {
    signal_group(child.pid, SIGKILL);
    child.out.reset();
    child.err.reset();
    (void)reap(child.pid);
    return spawn_failed(std::move(result),
                        std::string("cannot start the watchdog thread: ") + error.what(), start);
  }

  std::exception_ptr reader_failure;
  try {
    reader(child.out.get());
  } catch (...) {
    reader_failure = std::current_exception();
  }
  // Closed before the news: a child still writing now dies of SIGPIPE (or gets EPIPE) instead of
  // blocking on a full pipe until the watchdog's grace runs out.
  child.out.reset();
  send_news(done.write_end.get(), reader_failure ? kReaderThrew : kReaderFinished);
  watchdog.join();
  child.err.reset();
  record_end(result, reap(child.pid), stop_reason, start);
  if (watchdog_failure) {
    std::rethrow_exception(watchdog_failure);
  }
  if (reader_failure) {
    std::rethrow_exception(reader_failure);
  }
  return result;
}

std::string tail_lines(const std::string& text, std::size_t max_lines) {
  if (max_lines == 0 || text.empty()) {
    return {};
  }
  // `cursor` walks back over line starts; a final '\n' ends the last line, it does not add one.
  std::size_t cursor = text.back() == '\n' ? text.size() - 1 : text.size();
  for (std::size_t lines = 0; lines < max_lines; ++lines) {
    const std::size_t newline = cursor == 0 ? std::string::npos : text.rfind('\n', cursor - 1);
    if (newline == std::string::npos) {
      return text;
    }
    cursor = newline;
  }
  return text.substr(cursor + 1);
}

}  // namespace imgbench
