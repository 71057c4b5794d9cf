// A fixed set of libcurl easy handles driven through one multi handle on an epoll set: the HTTP
// engine of every timed measurement, the sequential client (one handle) and the load phases (one
// handle a connection) alike, so both time a request the same way.
//
// libcurl is driven with curl_multi_socket_action, not curl_multi_perform: perform walks every
// handle and polls each socket on every call, and curl_multi_poll rebuilds a pollfd array of every
// socket; with 16 connections that was most of the harness's cost a request. Here only the socket
// that became ready is serviced, and libcurl is told which way it is ready, so it does not poll it
// again itself.
//
// Each request's latency ends when the socket carrying its answer's last part was reported
// readable (the return of the epoll_wait that saw it), not when libcurl had finished parsing that
// part: libcurl's receive call and header parsing (~3 µs a request here) are the client's cost, not
// the service's, and with many connections ready at once the later ones would otherwise be charged
// for the work done on the earlier ones. A part that arrives while libcurl is still reading the one
// before (it reads on while the socket has data) is stamped with that earlier readiness: early by
// at most one call's processing, and only for answers longer than one read.
#pragma once

#include <curl/curl.h>
#include <sys/epoll.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "transfer_stamps.hpp"

namespace imgbench {

// curl_global_init, once a process, before the first handle; never paired with cleanup, because
// another thread may still own a handle at exit.
void curl_global_once();

struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

struct CurlUrlDeleter {
  void operator()(CURLU* handle) const { curl_url_cleanup(handle); }
};
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;

struct CurlMultiDeleter {
  void operator()(CURLM* handle) const { curl_multi_cleanup(handle); }
};
using CurlMulti = std::unique_ptr<CURLM, CurlMultiDeleter>;

// A limit as libcurl's timeout options take it: whole milliseconds, at least 1, since libcurl
// reads 0 as "no limit".
[[nodiscard]] long curl_timeout_ms(std::chrono::milliseconds limit);

// Throws imgbench::Error naming `what` and libcurl's text when rc is not OK.
void curl_check(CURLcode rc, const char* what);
void curl_check(CURLMcode rc, const char* what);

struct CurlPoolOptions {
  std::string url;
  int connections = 1;
  std::chrono::milliseconds request_timeout{std::chrono::seconds(2)};
  // Every request on a new connection that is closed after the answer (cold latency).
  bool fresh_connections = false;
};

// One connection's worth of state. The error buffer lives here because libcurl keeps a pointer to
// it; slots are heap-allocated and never move for the same reason (and for CURLOPT_PRIVATE).
struct PoolSlot {
  using Clock = std::chrono::steady_clock;

  CurlEasy handle;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
  Clock::time_point intended;  // the open loop's schedule (== sent otherwise)
  Clock::time_point sent;      // handed to libcurl
  TransferStamps stamps;       // the request's write and its answer's arrival
  bool active = false;

  // Where this request's latency starts on a kept-alive connection: libcurl writing it, or `sent`
  // when libcurl never said (a failed transfer).
  [[nodiscard]] Clock::time_point written() const;
  // Where it ends: the arrival of the answer's last part, or `fallback` when none arrived.
  [[nodiscard]] Clock::time_point arrived(Clock::time_point fallback) const;
  // libcurl's message for a failed transfer, else the code's own text.
  [[nodiscard]] std::string error_text(CURLcode rc) const;
  // CURLINFO_NUM_CONNECTS > 0: this transfer opened a connection.
  [[nodiscard]] bool opened_connection() const;
  [[nodiscard]] long status() const;
};

struct PoolDone {
  PoolSlot* slot;
  CURLcode result;
};

// Owns an epoll descriptor.
class Epoll {
 public:
  Epoll();
  ~Epoll();
  Epoll(const Epoll&) = delete;
  Epoll& operator=(const Epoll&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

// The multi handle and its easy handles; removes whatever is still in flight when it goes away, so
// an abandoned phase (cancel, exception) leaves nothing attached.
class CurlPool {
 public:
  using Clock = std::chrono::steady_clock;
  // The longest wait() blocks: a cancel or a deadline is seen within this.
  static constexpr std::chrono::milliseconds kPollSlice{10};

  explicit CurlPool(const CurlPoolOptions& options);
  ~CurlPool();
  CurlPool(const CurlPool&) = delete;
  CurlPool& operator=(const CurlPool&) = delete;

  [[nodiscard]] const std::vector<std::unique_ptr<PoolSlot>>& slots() const { return slots_; }
  [[nodiscard]] int active() const { return active_; }

  // Queues a request on `slot`; libcurl writes it in the next perform().
  void start(PoolSlot& slot, Clock::time_point intended, Clock::time_point sent);

  // Runs libcurl's due timers: a handle just started is due at once (that is when its request is
  // written), a request past its timeout is failed.
  void perform();

  // Blocks until socket activity, libcurl's own next timer, or `timeout` (clamped to 0..kPollSlice;
  // 0 returns at once), then hands every ready socket and due timer to libcurl.
  void wait(std::chrono::milliseconds timeout);

  // The next finished transfer, detached from the multi handle so its slot can be started again.
  [[nodiscard]] std::optional<PoolDone> next_done();

 private:
  struct Watch {
    std::uint32_t wanted = 0;      // what libcurl asked for last (0: nothing)
    std::uint32_t registered = 0;  // what the epoll set holds (0: not in it)
  };

  void act(curl_socket_t socket, int bits);
  [[nodiscard]] std::uint32_t wanted(int fd) const;
  void unwatch(int fd);
  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* user, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* user);
  static int on_close(void* user, curl_socket_t fd);

  // Declared before multi_ so that it outlives curl_multi_cleanup, which may still close sockets.
  Epoll epoll_;
  std::vector<Watch> watch_;
  std::array<epoll_event, 64> events_{};
  bool timer_armed_ = false;
  bool timer_now_ = false;
  Clock::time_point timer_due_;
  // While libcurl services a socket that epoll reported ready: when epoll_wait returned. The
  // transfer callbacks read it through TransferStamps::readable_since; empty otherwise.
  std::optional<Clock::time_point> readable_since_;
  std::string callback_error_;
  CurlUrl url_;  // parsed once; every handle reads it (CURLOPT_CURLU), so it outlives them
  CurlMulti multi_;
  std::vector<std::unique_ptr<PoolSlot>> slots_;
  int active_ = 0;
};

}  // namespace imgbench
