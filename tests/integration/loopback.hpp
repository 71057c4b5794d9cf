// Loopback helpers shared by the integration tests that talk to real servers: an owned fd, a port
// the kernel picks, the host-built healthz service started and stopped around a test, and a server
// that sends each answer in two parts with a pause between them.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "error.hpp"

extern char** environ;

namespace imgbench::testing {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&&) = delete;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

// A TCP socket bound to 127.0.0.1 on a port the kernel picks, and that port.
inline std::pair<Fd, int> bind_loopback() {
  Fd socket_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (socket_fd.get() < 0) {
    throw Error(std::string("socket: ") + std::strerror(errno));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  // The sockaddr casts are what the BSD socket API requires.
  if (::bind(socket_fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(socket_fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw Error(std::string("bind 127.0.0.1:0: ") + std::strerror(errno));
  }
  return {std::move(socket_fd), ntohs(address.sin_port)};
}

// A loopback port nothing listens on right now.
inline int free_port() { return bind_loopback().second; }

inline std::string url(int port, const char* path) {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

// The host-built healthz on `port`; SIGTERM (then SIGKILL) and reaped when the object goes away.
class Healthz {
 public:
  explicit Healthz(int port) {
    const std::string binary = HEALTHZ_BINARY;
    const std::string port_text = std::to_string(port);
    std::vector<char*> argv = {const_cast<char*>(binary.c_str()),
                               const_cast<char*>(port_text.c_str()), nullptr};
    const int rc = ::posix_spawn(&pid_, binary.c_str(), nullptr, nullptr, argv.data(), environ);
    if (rc != 0) {
      pid_ = -1;
      spawn_error_ = binary + ": " + std::strerror(rc);
    }
  }
  ~Healthz() {
    if (pid_ <= 0) {
      return;
    }
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  Healthz(const Healthz&) = delete;
  Healthz& operator=(const Healthz&) = delete;

  [[nodiscard]] bool spawned() const { return pid_ > 0; }
  [[nodiscard]] const std::string& spawn_error() const { return spawn_error_; }

 private:
  pid_t pid_ = -1;
  std::string spawn_error_;
};

// Answers every request on a keep-alive connection in two parts: the head (status line and headers,
// Content-Length 4), then after `pause` the body. A client that ends its clock at the first part it
// receives, rather than at the answer's last, times each answer at well under `pause`. One thread
// a connection; all stop and close when the object goes away.
class SplitAnswerServer {
 public:
  explicit SplitAnswerServer(std::chrono::milliseconds pause)
      : SplitAnswerServer(bind_loopback(), pause) {}
  ~SplitAnswerServer() {
    stopping_ = true;
    // The acceptor first (it is the one that adds workers), then the workers: each joins here,
    // before the members they read go away.
    acceptor_ = {};
    workers_.clear();
  }
  SplitAnswerServer(const SplitAnswerServer&) = delete;
  SplitAnswerServer& operator=(const SplitAnswerServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] int answered() const { return answered_.load(); }

 private:
  SplitAnswerServer(std::pair<Fd, int> bound, std::chrono::milliseconds pause)
      : listener_(std::move(bound.first)), port_(bound.second), pause_(pause) {
    if (::listen(listener_.get(), 64) != 0) {
      throw Error(std::string("listen: ") + std::strerror(errno));
    }
    acceptor_ = std::jthread([this] { accept_loop(); });
  }

  // Waits up to 10 ms for `fd` to become readable, so the stop flag is seen promptly.
  [[nodiscard]] bool readable(int fd) const {
    pollfd entry{fd, POLLIN, 0};
    return ::poll(&entry, 1, 10) > 0;
  }

  void accept_loop() {
    while (!stopping_) {
      if (!readable(listener_.get())) {
        continue;
      }
      const int client = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) {
        continue;
      }
      const int one = 1;
      ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      workers_.emplace_back([this, client] { serve(Fd(client)); });
    }
  }

  void serve(const Fd connection) {
    static constexpr std::string_view kHead = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n";
    static constexpr std::string_view kBody = "body";
    std::string input;
    std::array<char, 4096> buffer{};
    while (!stopping_) {
      if (!readable(connection.get())) {
        continue;
      }
      const ssize_t got = ::recv(connection.get(), buffer.data(), buffer.size(), 0);
      if (got <= 0) {
        return;
      }
      input.append(buffer.data(), static_cast<std::size_t>(got));
      for (auto end = input.find("\r\n\r\n"); end != std::string::npos;
           end = input.find("\r\n\r\n")) {
        input.erase(0, end + 4);
        if (!send_all(connection.get(), kHead)) {
          return;
        }
        std::this_thread::sleep_for(pause_);
        if (!send_all(connection.get(), kBody)) {
          return;
        }
        ++answered_;
      }
    }
  }

  static bool send_all(int fd, std::string_view data) {
    return ::send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }

  Fd listener_;
  int port_;
  std::chrono::milliseconds pause_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> answered_{0};
  std::vector<std::jthread> workers_;  // only the acceptor thread adds to it
  std::jthread acceptor_;
};

}  // namespace imgbench::testing
