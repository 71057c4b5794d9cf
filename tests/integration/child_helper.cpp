// A tiny program for process_test whose behaviour argv chooses, so the tests can provoke every
// outcome of run_process and run_process_reading: exit codes, floods, streams, hangs, ignored
// SIGTERM, signals, grandchildren.
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

namespace {

constexpr int kUsageExit = 64;

int usage() {
  std::fputs(
      "usage: child_helper exit N | sleep MS | flood BYTES | ignore-term MS | echo-env NAME |\n"
      "       print-args ARG... | signal SIG | grandchild MS | stdin | pgid | close-output MS |\n"
      "       stream BYTES | stream-forever\n",
      stderr);
  return kUsageExit;
}

long number(const char* text) {
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < 0) {
    std::fprintf(stderr, "child_helper: not a non-negative number: '%s'\n", text);
    std::exit(kUsageExit);
  }
  return value;
}

void sleep_ms(long ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// Raw write(2) so nothing is buffered: the test counts on output arriving while we sleep.
bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool write_text(int fd, const std::string& text) { return write_all(fd, text.data(), text.size()); }

// Stdout gets "abc...z" repeated, stderr "ABC...Z", in alternating chunks: whichever pipe the
// runner fails to drain fills up and blocks us, so a runner that reads one stream at a time hangs.
int flood(long bytes) {
  constexpr std::size_t kChunk = 4096;
  const auto total = static_cast<std::size_t>(bytes);
  std::string out_chunk;
  std::string err_chunk;
  for (std::size_t done = 0; done < total; done += out_chunk.size()) {
    const std::size_t size = std::min(kChunk, total - done);
    out_chunk.clear();
    err_chunk.clear();
    for (std::size_t i = done; i < done + size; ++i) {
      out_chunk.push_back(static_cast<char>('a' + i % 26));
      err_chunk.push_back(static_cast<char>('A' + i % 26));
    }
    if (!write_text(STDOUT_FILENO, out_chunk) || !write_text(STDERR_FILENO, err_chunk)) {
      return 1;
    }
  }
  return 0;
}

int print_pid_and_sleep(long ms) {
  write_text(STDOUT_FILENO, "pid " + std::to_string(::getpid()) + "\n");
  sleep_ms(ms);
  return 0;
}

int ignore_term(long ms) {
  struct sigaction action {};
  action.sa_handler = SIG_IGN;
  sigemptyset(&action.sa_mask);
  if (::sigaction(SIGTERM, &action, nullptr) != 0) {
    return 1;
  }
  return print_pid_and_sleep(ms);
}

int echo_env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) {
    write_text(STDERR_FILENO, std::string(name) + " is unset\n");
    return 3;
  }
  return write_text(STDOUT_FILENO, value) ? 0 : 1;
}

// NUL after each argument, so arguments containing newlines or spaces stay distinguishable.
int print_args(int argc, char** argv) {
  for (int i = 2; i < argc; ++i) {
    if (!write_all(STDOUT_FILENO, argv[i], std::strlen(argv[i]) + 1)) {
      return 1;
    }
  }
  return 0;
}

int raise_signal(long sig) {
  ::raise(static_cast<int>(sig));
  // Reached only when the signal was ignored or blocked: the test sees this and fails.
  write_text(STDOUT_FILENO, "survived\n");
  return 0;
}

// The grandchild inherits stdout and stderr and keeps them open while it sleeps; the parent exits
// at once. It stays in our process group, as a forgotten background job would.
int grandchild(long ms) {
  const pid_t pid = ::fork();
  if (pid < 0) {
    return 1;
  }
  if (pid == 0) {
    sleep_ms(ms);
    // Seen only by a runner that waited for the grandchild instead of stopping it.
    write_text(STDOUT_FILENO, "grandchild done\n");
    ::_exit(0);
  }
  write_text(STDOUT_FILENO, "grandchild " + std::to_string(pid) + "\n");
  return 0;
}

int count_stdin() {
  std::size_t total = 0;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n == 0) {
      break;
    }
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      write_text(STDERR_FILENO, std::string("stdin: ") + std::strerror(errno) + "\n");
      return 2;
    }
    total += static_cast<std::size_t>(n);
  }
  write_text(STDOUT_FILENO, "stdin bytes " + std::to_string(total) + "\n");
  return 0;
}

int print_pgid() {
  write_text(STDOUT_FILENO, std::to_string(::getpid()) + " " + std::to_string(::getpgrp()) + "\n");
  return 0;
}

// Closes its output but keeps running: EOF on both pipes must not be taken for an exit.
int close_output(long ms) {
  ::close(STDOUT_FILENO);
  ::close(STDERR_FILENO);
  sleep_ms(ms);
  return 0;
}

// Byte `index` of the stream modes' stdout. The period 251 is prime, so a lost or repeated chunk
// of any size short of a multiple of 251 shifts every later byte.
char stream_byte(std::size_t index) { return static_cast<char>(index % 251); }

// Writes `bytes` (or, with a negative count, endlessly) of the stream pattern in 64 KiB chunks,
// never holding more than one chunk. Ends with a line on stderr, so a test sees stderr captured
// alongside the stream. Dies of SIGPIPE when the reader goes away; exits 1 on EPIPE.
int stream(long bytes) {
  constexpr std::size_t kChunk = 64U * 1024U;
  const bool forever = bytes < 0;
  const auto total = static_cast<std::size_t>(forever ? 0 : bytes);
  std::string chunk;
  std::size_t done = 0;
  while (forever || done < total) {
    const std::size_t size = forever ? kChunk : std::min(kChunk, total - done);
    chunk.clear();
    for (std::size_t i = done; i < done + size; ++i) {
      chunk.push_back(stream_byte(i));
    }
    if (!write_text(STDOUT_FILENO, chunk)) {
      return 1;
    }
    done += size;
  }
  write_text(STDERR_FILENO, "streamed " + std::to_string(done) + "\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    return usage();
  }
  const std::string_view mode = argv[1];
  if (mode == "print-args") {
    return print_args(argc, argv);
  }
  if (mode == "stdin") {
    return count_stdin();
  }
  if (mode == "pgid") {
    return print_pgid();
  }
  if (mode == "stream-forever") {
    return stream(-1);
  }
  if (argc != 3) {
    return usage();
  }
  if (mode == "echo-env") {
    return echo_env(argv[2]);
  }
  const long value = number(argv[2]);
  if (mode == "exit") {
    return static_cast<int>(value);
  }
  if (mode == "sleep") {
    return print_pid_and_sleep(value);
  }
  if (mode == "flood") {
    return flood(value);
  }
  if (mode == "ignore-term") {
    return ignore_term(value);
  }
  if (mode == "signal") {
    return raise_signal(value);
  }
  if (mode == "grandchild") {
    return grandchild(value);
  }
  if (mode == "close-output") {
    return close_output(value);
  }
  if (mode == "stream") {
    return stream(value);
  }
  return usage();
}
