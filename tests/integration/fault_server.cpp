// fault_server: a test-only HTTP service whose misbehaviour argv chooses, copied into a `FROM
// scratch` image so that the fault tests can make a container fail in each way the harness must
// survive. Plain POSIX sockets and one poll loop; linked statically; logs a line an event on
// stderr (the tests look for them in the variant's log tail).
//
//   fault_server ok             GET /healthz → 200 {"status":"ok"}, else 404; exits on SIGTERM
//   fault_server status503      every request → 503, forever
//   fault_server silent         accepts and reads, never answers
//   fault_server exit-now       exits with code 3 at once
//   fault_server crash-after N  answers N requests like `ok`, then exits with code 9
//   fault_server ignore-term    like `ok`, but ignores SIGTERM (only SIGKILL stops it)
//   fault_server delay-us N     like `ok`, but sleeps N µs before each answer (a slower release)
//
// The port is $PORT, else 8080.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr int kUsageExit = 64;
constexpr int kExitNowCode = 3;
constexpr int kCrashCode = 9;
constexpr int kDefaultPort = 8080;
constexpr std::size_t kReadChunkBytes = 4096;
constexpr std::size_t kMaxPendingBytes = 64 * 1024;  // a client that never ends its head is dropped

enum class Mode { Ok, Status503, Silent, ExitNow, CrashAfter, IgnoreTerm, DelayUs };

volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_stop(int /*signal*/) { g_stop = 1; }

// One line on stderr, unbuffered, so that `docker logs` has it even when we exit at once.
void log_line(const std::string& text) {
  const std::string line = "fault_server: " + text + "\n";
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

int usage() {
  log_line(
      "usage: fault_server ok | status503 | silent | exit-now | crash-after N | ignore-term | "
      "delay-us N");
  return kUsageExit;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string response(int status, std::string_view reason, std::string_view body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + std::string(body);
}

// The path of a request head's first line ("GET /healthz HTTP/1.1"), empty when malformed.
std::string_view path_of(std::string_view head) {
  const auto first_space = head.find(' ');
  if (first_space == std::string_view::npos) {
    return {};
  }
  const auto second_space = head.find(' ', first_space + 1);
  if (second_space == std::string_view::npos) {
    return {};
  }
  return head.substr(first_space + 1, second_space - first_space - 1);
}

bool asks_to_close(std::string_view head) {
  // Good enough for libcurl: the harness never sends this header, but a curl by hand may.
  return head.find("Connection: close") != std::string_view::npos ||
         head.find("connection: close") != std::string_view::npos;
}

struct Connection {
  int fd = -1;
  std::string pending;
};

class Server {
 public:
  // `count` is crash-after's N or delay-us's N.
  Server(Mode mode, long count) : mode_(mode), count_(count) {}

  int listen_on(int port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0) {
      log_line(std::string("socket: ") + std::strerror(errno));
      return 1;
    }
    const int yes = 1;
    (void)::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::bind(listener_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, SOMAXCONN) != 0) {
      log_line("cannot listen on port " + std::to_string(port) + ": " + std::strerror(errno));
      return 1;
    }
    return 0;
  }

  // Serves until SIGTERM/SIGINT (unless ignored) or the crash; returns the exit code.
  int serve() {
    std::vector<pollfd> fds;
    while (g_stop == 0) {
      fds.clear();
      fds.push_back(pollfd{listener_, POLLIN, 0});
      for (const auto& c : connections_) {
        fds.push_back(pollfd{c.fd, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) {
          continue;  // a signal: the loop condition decides
        }
        log_line(std::string("poll: ") + std::strerror(errno));
        return 1;
      }
      // Connections first, by index from the back, so that closing one does not shift the rest.
      for (std::size_t i = fds.size(); i-- > 1;) {
        if (fds[i].revents != 0 && !on_readable(connections_[i - 1])) {
          ::close(connections_[i - 1].fd);
          connections_.erase(connections_.begin() + static_cast<std::ptrdiff_t>(i - 1));
        }
      }
      if ((fds[0].revents & POLLIN) != 0) {
        const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
          const int yes = 1;
          (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
          connections_.push_back(Connection{fd, {}});
        }
      }
    }
    log_line("stopping on a signal after " + std::to_string(answered_) + " answers");
    return 0;
  }

 private:
  // Reads what arrived and answers each complete request head; false when the connection ends.
  bool on_readable(Connection& c) {
    char chunk[kReadChunkBytes];
    const ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      return n < 0 && errno == EINTR;
    }
    c.pending.append(chunk, static_cast<std::size_t>(n));
    if (c.pending.size() > kMaxPendingBytes) {
      return false;
    }
    for (auto end = c.pending.find("\r\n\r\n"); end != std::string::npos;
         end = c.pending.find("\r\n\r\n")) {
      const std::string head = c.pending.substr(0, end);
      c.pending.erase(0, end + 4);
      if (mode_ == Mode::Silent) {
        if (!said_silent_) {
          log_line("silent: a request arrived and will never be answered");
          said_silent_ = true;
        }
        continue;
      }
      if (!answer(c.fd, head)) {
        return false;
      }
    }
    return true;
  }

  bool answer(int fd, const std::string& head) {
    if (mode_ == Mode::DelayUs) {
      // Whole, even when a signal interrupts the sleep: the delay is the point of the mode.
      timespec left{count_ / 1'000'000, (count_ % 1'000'000) * 1000};
      while (::nanosleep(&left, &left) != 0 && errno == EINTR) {
      }
    }
    std::string text;
    if (mode_ == Mode::Status503) {
      if (!said_503_) {
        log_line("status503: answering 503 to every request");
        said_503_ = true;
      }
      text = response(503, "Service Unavailable", R"({"status":"unavailable"})");
    } else if (path_of(head) == "/healthz") {
      text = response(200, "OK", R"({"status":"ok"})");
    } else {
      text = response(404, "Not Found", R"({"status":"not found"})");
    }
    const bool sent = send_all(fd, text);
    ++answered_;
    if (mode_ == Mode::CrashAfter && answered_ >= count_) {
      log_line("crash-after: answered " + std::to_string(answered_) +
               " requests; exiting with code " + std::to_string(kCrashCode));
      std::_Exit(kCrashCode);
    }
    return sent && !asks_to_close(head);
  }

  Mode mode_;
  long count_;
  int listener_ = -1;
  std::vector<Connection> connections_;
  long answered_ = 0;
  bool said_silent_ = false;
  bool said_503_ = false;
};

bool parse_count(const char* text, long& value) {
  char* end = nullptr;
  errno = 0;
  value = std::strtol(text, &end, 10);
  return errno == 0 && end != text && *end == '\0' && value > 0;
}

int port_from_env() {
  const char* text = std::getenv("PORT");
  long port = 0;
  if (text != nullptr && parse_count(text, port) && port < 65536) {
    return static_cast<int>(port);
  }
  return kDefaultPort;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    return usage();
  }
  const std::string_view name = argv[1];
  Mode mode = Mode::Ok;
  long count = 0;
  if (name == "ok") {
    mode = Mode::Ok;
  } else if (name == "status503") {
    mode = Mode::Status503;
  } else if (name == "silent") {
    mode = Mode::Silent;
  } else if (name == "exit-now") {
    log_line("exit-now: exiting with code " + std::to_string(kExitNowCode));
    return kExitNowCode;
  } else if (name == "crash-after") {
    if (argc < 3 || !parse_count(argv[2], count)) {
      return usage();
    }
    mode = Mode::CrashAfter;
  } else if (name == "ignore-term") {
    mode = Mode::IgnoreTerm;
  } else if (name == "delay-us") {
    if (argc < 3 || !parse_count(argv[2], count) || count > 10'000'000) {
      return usage();
    }
    mode = Mode::DelayUs;
  } else {
    return usage();
  }

  // As PID 1 of a container, a signal without a handler is dropped by the kernel: every mode but
  // ignore-term installs one, so that `docker stop` ends it at once as it would a real service.
  struct sigaction stop {};
  stop.sa_handler = mode == Mode::IgnoreTerm ? SIG_IGN : on_stop;
  sigemptyset(&stop.sa_mask);
  sigaction(SIGTERM, &stop, nullptr);
  struct sigaction interrupt {};
  interrupt.sa_handler = on_stop;
  sigemptyset(&interrupt.sa_mask);
  sigaction(SIGINT, &interrupt, nullptr);

  const int port = port_from_env();
  Server server(mode, count);
  if (server.listen_on(port) != 0) {
    return 1;
  }
  const bool counted = mode == Mode::CrashAfter || mode == Mode::DelayUs;
  log_line("mode " + std::string(name) + (counted ? " " + std::to_string(count) : "") +
           ", listening on port " + std::to_string(port));
  return server.serve();
}
