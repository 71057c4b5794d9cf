// Loopback helpers shared by the integration tests that talk to real servers: an owned fd, a port
// the kernel picks, and the host-built healthz service started and stopped around a test.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
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

}  // namespace imgbench::testing
