#include "load.hpp"

#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "error.hpp"
#include "transfer_stamps.hpp"

namespace imgbench {
namespace {

using Clock = std::chrono::steady_clock;

// The loop never blocks longer than this, so a cancel or the deadline is seen within ~10 ms.
constexpr auto kPollSlice = std::chrono::milliseconds(10);
// Far above what one libcurl thread can send; the bound keeps duration × rate a sane integer.
constexpr double kMaxRateRps = 1e7;

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

void check(CURLcode rc, const char* what) {
  if (rc != CURLE_OK) {
    throw Error(std::string("libcurl: ") + what + ": " + curl_easy_strerror(rc));
  }
}

void check(CURLMcode rc, const char* what) {
  if (rc != CURLM_OK) {
    throw Error(std::string("libcurl multi: ") + what + ": " + curl_multi_strerror(rc));
  }
}

bool cancelled(const volatile std::sig_atomic_t* cancel) {
  return cancel != nullptr && *cancel != 0;
}

double to_us(Clock::duration interval) {
  return std::chrono::duration<double, std::micro>(interval).count();
}

// User + system time of the whole process: the harness's cost includes libcurl's work, which all
// happens on this thread, but also anything else the process runs meanwhile (say so when reading).
double process_cpu_seconds() {
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) {
    return 0;
  }
  const auto seconds = [](const timeval& time) {
    return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Nanoseconds this thread has waited on a run queue (runnable, no CPU), from schedstat's second
// field; nullopt when the file is missing (a kernel without CONFIG_SCHED_INFO) or unreadable.
std::optional<double> thread_wait_seconds() {
  std::FILE* file = std::fopen("/proc/thread-self/schedstat", "re");
  if (file == nullptr) {
    return std::nullopt;
  }
  unsigned long long on_cpu_ns = 0;
  unsigned long long waiting_ns = 0;
  const int fields = std::fscanf(file, "%llu %llu", &on_cpu_ns, &waiting_ns);
  std::fclose(file);
  if (fields != 2) {
    return std::nullopt;
  }
  return static_cast<double>(waiting_ns) / 1e9;
}


// One connection's worth of state. The error buffer lives here because libcurl keeps a pointer to
// it; slots are heap-allocated and never move for the same reason (and for CURLOPT_PRIVATE).
struct Slot {
  CurlEasy handle;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
  Clock::time_point intended;  // the open loop's schedule (== sent in the closed loop)
  Clock::time_point sent;      // handed to libcurl
  // The request's write and the answer's last byte, from libcurl's callbacks. The latency runs to
  // the last byte, from `intended` (open loop, corrected) or from the write (closed loop, and the
  // open loop's uncorrected figure).
  TransferStamps stamps;
  bool active = false;
};

struct Done {
  Slot* slot;
  CURLcode result;
};

// Owns an epoll descriptor.
class Epoll {
 public:
  Epoll() : fd_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (fd_ < 0) {
      throw Error(std::string("load: epoll_create1: ") + std::strerror(errno));
    }
  }
  ~Epoll() { ::close(fd_); }
  Epoll(const Epoll&) = delete;
  Epoll& operator=(const Epoll&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

// The multi handle and its easy handles; removes whatever is still in flight when it goes away, so
// an abandoned phase (cancel, exception) leaves nothing attached.
//
// libcurl is driven with curl_multi_socket_action on an epoll set, not curl_multi_perform: perform
// walks every handle and polls each socket on every call, and curl_multi_poll rebuilds a pollfd
// array of every socket; with 16 connections that was most of the harness's cost a request. Here
// only the socket that became ready is serviced, and libcurl is told which way it is ready, so it
// does not poll it again itself.
class Pool {
 public:
  explicit Pool(const LoadOptions& options) : multi_(curl_multi_init()) {
    if (!multi_) {
      throw Error("libcurl: curl_multi_init failed for " + options.url);
    }
    CURLM* multi = multi_.get();
    const auto connections = static_cast<long>(options.connections);
    // The connection cache belongs to the multi handle: it must hold every connection, or an idle
    // one gets closed and the next request pays for a new handshake.
    check(curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, connections), "CURLMOPT_MAXCONNECTS");
    check(curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, connections),
          "CURLMOPT_MAX_HOST_CONNECTIONS");
    // One request per connection at a time (HTTP/1.1 without pipelining): concurrency is exactly
    // the number of handles in flight, never hidden inside libcurl.
    check(curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_NOTHING), "CURLMOPT_PIPELINING");
    check(curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket), "CURLMOPT_SOCKETFUNCTION");
    check(curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, static_cast<void*>(this)),
          "CURLMOPT_SOCKETDATA");
    check(curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer), "CURLMOPT_TIMERFUNCTION");
    check(curl_multi_setopt(multi, CURLMOPT_TIMERDATA, static_cast<void*>(this)),
          "CURLMOPT_TIMERDATA");

    url_.reset(curl_url());
    if (!url_) {
      throw Error("libcurl: curl_url failed for " + options.url);
    }
    // Parsed once here instead of by every transfer (CURLOPT_URL re-parses it for each request),
    // with the flags CURLOPT_URL uses, so the same strings are accepted; an unparsable URL is an
    // input error before anything is sent.
    if (const CURLUcode rc = curl_url_set(url_.get(), CURLUPART_URL, options.url.c_str(),
                                          CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME);
        rc != CURLUE_OK) {
      throw Error("load " + options.url + ": not a URL libcurl can parse: " +
                  curl_url_strerror(rc));
    }
    const long timeout_ms = static_cast<long>(
        std::max<std::chrono::milliseconds::rep>(options.request_timeout.count(), 1));
    slots_.reserve(static_cast<std::size_t>(options.connections));
    for (int i = 0; i < options.connections; ++i) {
      auto slot = std::make_unique<Slot>();
      slot->handle.reset(curl_easy_init());
      if (!slot->handle) {
        throw Error("libcurl: curl_easy_init failed for " + options.url);
      }
      CURL* h = slot->handle.get();
      check(curl_easy_setopt(h, CURLOPT_CURLU, url_.get()), "CURLOPT_CURLU");
      check(curl_easy_setopt(h, CURLOPT_HTTPGET, 1L), "CURLOPT_HTTPGET");
      check(curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1)),
            "CURLOPT_HTTP_VERSION");
      // Small requests must not wait for Nagle; signals are unusable on a measuring thread.
      check(curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L), "CURLOPT_TCP_NODELAY");
      check(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L), "CURLOPT_NOSIGNAL");
      // An http_proxy in the environment must never divert a measurement.
      check(curl_easy_setopt(h, CURLOPT_NOPROXY, "*"), "CURLOPT_NOPROXY");
      check(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L), "CURLOPT_FOLLOWLOCATION");
      check(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms), "CURLOPT_TIMEOUT_MS");
      check(curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms),
            "CURLOPT_CONNECTTIMEOUT_MS");
      check(slot->stamps.install(h), "the transfer callbacks");
      check(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, slot->error_buffer.data()),
            "CURLOPT_ERRORBUFFER");
      check(curl_easy_setopt(h, CURLOPT_PRIVATE, static_cast<void*>(slot.get())),
            "CURLOPT_PRIVATE");
      slots_.push_back(std::move(slot));
    }
  }

  ~Pool() {
    for (const auto& slot : slots_) {
      if (slot->active) {
        curl_multi_remove_handle(multi_.get(), slot->handle.get());
      }
    }
  }

  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  [[nodiscard]] const std::vector<std::unique_ptr<Slot>>& slots() const { return slots_; }
  [[nodiscard]] int active() const { return active_; }

  // Queues a request on `slot`; libcurl writes it in the next perform().
  void start(Slot& slot, Clock::time_point intended, Clock::time_point sent) {
    slot.error_buffer[0] = '\0';
    slot.intended = intended;
    slot.sent = sent;
    slot.stamps.clear();
    check(curl_multi_add_handle(multi_.get(), slot.handle.get()), "curl_multi_add_handle");
    slot.active = true;
    ++active_;
  }

  // Runs libcurl's due timers: a handle just started is due at once (that is when its request is
  // written), a request past its timeout is failed.
  void perform() {
    if (!timer_armed_ || (!timer_now_ && Clock::now() < timer_due_)) {
      return;
    }
    timer_armed_ = false;  // libcurl re-arms it from inside the call when it needs to
    act(CURL_SOCKET_TIMEOUT, 0);
  }

  // Blocks until socket activity, libcurl's own next timer, or `timeout` (clamped to 0..kPollSlice;
  // 0 returns at once, which is how the open loop spins its last millisecond), then hands every
  // ready socket and due timer to libcurl.
  void wait(std::chrono::milliseconds timeout) {
    auto ms = std::clamp<std::chrono::milliseconds::rep>(timeout.count(), 0, kPollSlice.count());
    if (timer_armed_ && ms > 0) {
      if (timer_now_) {
        ms = 0;
      } else {
        // Rounded up: waking before the timer is due would only spin.
        const auto until = std::chrono::ceil<std::chrono::milliseconds>(timer_due_ - Clock::now());
        ms = std::clamp<std::chrono::milliseconds::rep>(until.count(), 0, ms);
      }
    }
    const int ready = ::epoll_wait(epoll_.get(), events_.data(), static_cast<int>(events_.size()),
                                   static_cast<int>(ms));
    if (ready < 0 && errno != EINTR) {
      throw Error(std::string("load: epoll_wait: ") + std::strerror(errno));
    }
    for (int i = 0; i < ready; ++i) {
      const epoll_event& event = events_[static_cast<std::size_t>(i)];
      const int fd = event.data.fd;
      if (wanted(fd) == 0) {
        // A socket libcurl stopped watching (an idle pooled connection): see on_socket.
        unwatch(fd);
        continue;
      }
      int bits = 0;
      if ((event.events & EPOLLIN) != 0) {
        bits |= CURL_CSELECT_IN;
      }
      if ((event.events & EPOLLOUT) != 0) {
        bits |= CURL_CSELECT_OUT;
      }
      if ((event.events & (EPOLLERR | EPOLLHUP)) != 0) {
        bits |= CURL_CSELECT_ERR;
      }
      act(fd, bits);
    }
    perform();
  }

  // The next finished transfer, detached from the multi handle so its slot can be started again.
  [[nodiscard]] std::optional<Done> next_done() {
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_.get(), &queued)) {
      if (message->msg != CURLMSG_DONE) {
        continue;
      }
      // The message dies with curl_multi_remove_handle: copy what we need first.
      CURL* easy = message->easy_handle;
      const CURLcode result = message->data.result;
      void* slot = nullptr;
      check(curl_easy_getinfo(easy, CURLINFO_PRIVATE, &slot), "CURLINFO_PRIVATE");
      check(curl_multi_remove_handle(multi_.get(), easy), "curl_multi_remove_handle");
      auto* finished = static_cast<Slot*>(slot);
      finished->active = false;
      --active_;
      return Done{finished, result};
    }
    return std::nullopt;
  }

 private:
  void act(curl_socket_t socket, int bits) {
    int running = 0;
    check(curl_multi_socket_action(multi_.get(), socket, bits, &running),
          "curl_multi_socket_action");
    if (!callback_error_.empty()) {
      throw Error(std::exchange(callback_error_, std::string()));
    }
  }

  [[nodiscard]] std::uint32_t wanted(int fd) const {
    const auto index = static_cast<std::size_t>(fd);
    return index < watch_.size() ? watch_[index].wanted : 0;
  }

  void unwatch(int fd) {
    // ENOENT/EBADF: the socket was closed, which removed it from the set already.
    static_cast<void>(::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr));
    watch_[static_cast<std::size_t>(fd)] = {};
  }

  // libcurl says which way it waits on a socket. A connection goes back to the pool after each
  // answer (CURL_POLL_REMOVE) and is asked for again by the next request on it (CURL_POLL_IN): the
  // removal is therefore lazy — the socket stays in the epoll set, only marked unwanted — so a
  // keep-alive request costs no epoll_ctl at all. An unwanted socket that reports readiness (the
  // server closed an idle connection) is removed then; a closed socket leaves the set by itself.
  static int on_socket(CURL* /*easy*/, curl_socket_t fd, int what, void* user, void* /*socketp*/) {
    auto* pool = static_cast<Pool*>(user);
    const auto index = static_cast<std::size_t>(fd);
    if (index >= pool->watch_.size()) {
      pool->watch_.resize(index + 1);
    }
    Watch& watch = pool->watch_[index];
    std::uint32_t events = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) {
      events |= EPOLLIN;
    }
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) {
      events |= EPOLLOUT;
    }
    watch.wanted = events;
    if (events == 0 || events == watch.registered) {
      return 0;
    }
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    int rc = ::epoll_ctl(pool->epoll_.get(), watch.registered != 0 ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
                         fd, &event);
    if (rc != 0 && errno == ENOENT) {
      // The number was closed and reused for a new socket since we last saw it.
      rc = ::epoll_ctl(pool->epoll_.get(), EPOLL_CTL_ADD, fd, &event);
    } else if (rc != 0 && errno == EEXIST) {
      rc = ::epoll_ctl(pool->epoll_.get(), EPOLL_CTL_MOD, fd, &event);
    }
    if (rc != 0) {
      if (pool->callback_error_.empty()) {
        pool->callback_error_ = "load: epoll_ctl on socket " + std::to_string(fd) + ": " +
                                std::strerror(errno);
      }
      watch = {};
      return -1;
    }
    watch.registered = events;
    return 0;
  }

  // libcurl's single timer: -1 disarms it, 0 means "call me now", else that many ms from now.
  static int on_timer(CURLM* /*multi*/, long timeout_ms, void* user) {
    auto* pool = static_cast<Pool*>(user);
    pool->timer_armed_ = timeout_ms >= 0;
    pool->timer_now_ = timeout_ms == 0;
    if (timeout_ms > 0) {
      pool->timer_due_ = Clock::now() + std::chrono::milliseconds(timeout_ms);
    }
    return 0;
  }

  struct Watch {
    std::uint32_t wanted = 0;      // what libcurl asked for last (0: nothing)
    std::uint32_t registered = 0;  // what the epoll set holds (0: not in it)
  };

  // Declared before multi_ so that it outlives curl_multi_cleanup, which may still close sockets.
  Epoll epoll_;
  std::vector<Watch> watch_;
  std::array<epoll_event, 64> events_{};
  bool timer_armed_ = false;
  bool timer_now_ = false;
  Clock::time_point timer_due_;
  std::string callback_error_;
  CurlUrl url_;  // parsed once; every handle reads it (CURLOPT_CURLU), so it outlives them
  CurlMulti multi_;
  std::vector<std::unique_ptr<Slot>> slots_;
  int active_ = 0;
};

// Classifies one finished measured request into the result.
void record(const Done& done, Clock::time_point at, const LoadOptions& options,
            LoadResult& result) {
  CURL* h = done.slot->handle.get();
  long connects = 0;
  if (curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects > 0) {
    ++result.reconnects;
  }
  if (done.result != CURLE_OK) {
    ++result.errors;
    if (result.first_error.empty()) {
      // libcurl's own message names the address and the limit; fall back to the code's text.
      const char* text = done.slot->error_buffer[0] != '\0' ? done.slot->error_buffer.data()
                                                            : curl_easy_strerror(done.result);
      result.first_error = text;
    }
    return;
  }
  long status = 0;
  static_cast<void>(curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status));
  if (status != options.expect_status) {
    ++result.errors;
    if (result.first_error.empty()) {
      result.first_error = "HTTP " + std::to_string(status);
    }
    return;
  }
  ++result.requests;
  const Slot& slot = *done.slot;
  const TransferStamps& stamps = slot.stamps;
  const auto end = stamps.answered ? stamps.last_byte : at;
  const auto written = stamps.was_written && stamps.written <= end ? stamps.written : slot.sent;
  if (options.rate_rps > 0) {
    result.latency_us.record(to_us(end - slot.intended));
    result.uncorrected_latency_us.record(to_us(end - written));
  } else {
    result.latency_us.record(to_us(end - written));
  }
}

// One request per handle, all at once, so that each opens its own connection (sent one after the
// other they would all reuse the first). Answers and failures are not counted: a handle whose warm
// request failed connects during the phase and shows up in `reconnects`. False when cancelled.
bool open_pool(Pool& pool, const volatile std::sig_atomic_t* cancel) {
  for (const auto& slot : pool.slots()) {
    const auto now = Clock::now();
    pool.start(*slot, now, now);
  }
  while (pool.active() > 0) {
    if (cancelled(cancel)) {
      return false;
    }
    pool.perform();
    while (pool.next_done()) {
    }
    if (pool.active() > 0) {
      pool.wait(kPollSlice);
    }
  }
  return !cancelled(cancel);
}

// Returns when the phase ends: the last in-flight answer after the deadline, or a cancel.
Clock::time_point closed_loop(Pool& pool, const LoadOptions& options, Clock::time_point t0,
                              LoadResult& result) {
  const auto deadline = t0 + options.duration;
  if (options.duration.count() > 0) {
    for (const auto& slot : pool.slots()) {
      const auto now = Clock::now();
      pool.start(*slot, now, now);
    }
  }
  while (pool.active() > 0) {
    if (cancelled(options.cancel)) {
      result.cancelled = true;
      break;
    }
    pool.perform();
    bool restarted = false;
    while (const auto done = pool.next_done()) {
      const auto at = Clock::now();
      record(*done, at, options, result);
      // A request that would start after the deadline is not sent, so none is counted either.
      if (at < deadline) {
        pool.start(*done->slot, at, at);
        restarted = true;
      }
    }
    // A restarted handle needs perform() to write its request; waiting first would delay it.
    if (!restarted && pool.active() > 0) {
      pool.wait(kPollSlice);
    }
  }
  return Clock::now();
}

std::uint64_t scheduled_count(std::chrono::milliseconds duration, double rate_rps) {
  // Requests i with i / rate < duration. The small epsilon keeps a product like 0.3 s × 10/s =
  // 3.0000000000000004 from scheduling one request at the deadline itself.
  const double count = std::ceil(static_cast<double>(duration.count()) * rate_rps / 1000.0 - 1e-9);
  return count > 0 ? static_cast<std::uint64_t>(count) : 0;
}

Clock::time_point open_loop(Pool& pool, const LoadOptions& options, Clock::time_point t0,
                            LoadResult& result) {
  const auto deadline = t0 + options.duration;
  const double rate = options.rate_rps;
  const std::uint64_t scheduled = scheduled_count(options.duration, rate);
  // Absolute times from t0, never "previous + period": a slow iteration must not shift the rest.
  const auto intended_at = [t0, rate](std::uint64_t i) {
    return t0 + std::chrono::duration_cast<Clock::duration>(
                    std::chrono::duration<double>(static_cast<double>(i) / rate));
  };
  std::vector<Slot*> idle;
  idle.reserve(pool.slots().size());
  for (const auto& slot : pool.slots()) {
    idle.push_back(slot.get());
  }

  std::uint64_t next = 0;
  while (true) {
    if (cancelled(options.cancel)) {
      result.cancelled = true;
      break;
    }
    auto now = Clock::now();
    // Everything due goes out now, oldest first; a request that waited for a connection keeps its
    // intended time, so the wait is charged to it.
    while (next < scheduled && now < deadline && !idle.empty() && intended_at(next) <= now) {
      Slot* slot = idle.back();
      idle.pop_back();
      const auto intended = intended_at(next);
      if (now - intended > kLateStartThreshold) {
        ++result.late_starts;
      }
      pool.start(*slot, intended, now);
      ++next;
      now = Clock::now();
    }
    const bool sending = next < scheduled && now < deadline;
    if (!sending && pool.active() == 0) {
      break;
    }
    pool.perform();
    bool freed = false;
    while (const auto done = pool.next_done()) {
      record(*done, Clock::now(), options, result);
      idle.push_back(done->slot);
      freed = true;
    }
    if (freed) {
      continue;  // a request may already be waiting for the connection that just came free
    }
    auto wake = now + kPollSlice;
    if (sending) {
      wake = std::min(wake, deadline);
      if (!idle.empty()) {
        wake = std::min(wake, intended_at(next));
      }
    }
    // Poll in whole milliseconds (rounded down) and spin the remainder with zero timeouts: the
    // send then leaves within tens of µs of its time and answers are still timestamped promptly,
    // at the price of a busy loop at high rates (harness_cpu_s shows it).
    pool.wait(std::chrono::floor<std::chrono::milliseconds>(wake - Clock::now()));
  }
  if (result.cancelled) {
    // Only what was already due counts as unsent; the rest of the schedule never came to be.
    const auto end = Clock::now();
    const double due = std::floor(std::chrono::duration<double>(end - t0).count() * rate) + 1;
    const std::uint64_t was_due = std::min(scheduled, static_cast<std::uint64_t>(due));
    result.unsent = was_due > next ? was_due - next : 0;  // rounding must never underflow
    return end;
  }
  result.unsent = scheduled - next;
  // The phase is the scheduled window at least: finishing the last request early must not make
  // 10 requests at 10/s look like 11/s.
  return std::max(Clock::now(), deadline);
}

void validate(const LoadOptions& options) {
  const std::string where = "load " + options.url + ": ";
  if (options.url.empty()) {
    throw Error("load: url is empty (expected e.g. http://172.17.0.2:8080/healthz)");
  }
  if (options.connections < 1) {
    throw Error(where + "connections must be at least 1, got " +
                std::to_string(options.connections));
  }
  if (options.duration.count() < 0) {
    throw Error(where + "duration must not be negative");
  }
  if (options.request_timeout.count() <= 0) {
    throw Error(where + "request_timeout must be positive");
  }
  if (!std::isfinite(options.rate_rps) || options.rate_rps < 0 || options.rate_rps > kMaxRateRps) {
    throw Error(where + "rate_rps must be 0 (closed loop) or a rate up to 1e7, got " +
                std::to_string(options.rate_rps));
  }
}

}  // namespace

LoadResult run_load(const LoadOptions& options) {
  validate(options);
  // Since 7.84 curl_global_init is thread-safe where libcurl says so; the once-flag covers the
  // rest. Never paired with cleanup: another module may still own handles at exit.
  static std::once_flag once;
  std::call_once(once, [] { check(curl_global_init(CURL_GLOBAL_DEFAULT), "curl_global_init"); });

  LoadResult result;
  result.intended_rps = options.rate_rps;
  if (cancelled(options.cancel)) {
    result.cancelled = true;
    return result;
  }
  Pool pool(options);
  if (!open_pool(pool, options.cancel)) {
    result.cancelled = true;
    return result;
  }

  const double cpu_before = process_cpu_seconds();
  const auto wait_before = thread_wait_seconds();
  const auto t0 = Clock::now();
  const auto end = options.rate_rps > 0 ? open_loop(pool, options, t0, result)
                                        : closed_loop(pool, options, t0, result);
  result.harness_cpu_s = process_cpu_seconds() - cpu_before;
  if (const auto wait_after = thread_wait_seconds(); wait_before && wait_after) {
    result.harness_wait_s = std::max(0.0, *wait_after - *wait_before);
  }
  result.elapsed = end - t0;
  const double seconds = std::chrono::duration<double>(result.elapsed).count();
  result.achieved_rps = seconds > 0 ? static_cast<double>(result.requests) / seconds : 0;
  return result;
}

}  // namespace imgbench
