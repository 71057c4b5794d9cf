#include "curl_pool.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <utility>

#include "error.hpp"

namespace imgbench {

void curl_global_once() {
  // Since 7.84 curl_global_init is thread-safe where libcurl says so; the once-flag covers the
  // rest.
  static std::once_flag once;
  std::call_once(once,
                 [] { curl_check(curl_global_init(CURL_GLOBAL_DEFAULT), "curl_global_init"); });
}

long curl_timeout_ms(std::chrono::milliseconds limit) {
  return static_cast<long>(std::max<std::chrono::milliseconds::rep>(limit.count(), 1));
}

void curl_check(CURLcode rc, const char* what) {
  if (rc != CURLE_OK) {
    throw Error(std::string("libcurl: ") + what + ": " + curl_easy_strerror(rc));
  }
}

void curl_check(CURLMcode rc, const char* what) {
  if (rc != CURLM_OK) {
    throw Error(std::string("libcurl multi: ") + what + ": " + curl_multi_strerror(rc));
  }
}

PoolSlot::Clock::time_point PoolSlot::written() const {
  return stamps.was_written ? stamps.written : sent;
}

PoolSlot::Clock::time_point PoolSlot::arrived(Clock::time_point fallback) const {
  return stamps.answered ? stamps.arrived : fallback;
}

std::string PoolSlot::error_text(CURLcode rc) const {
  // libcurl's own message names the address and the limit; fall back to the code's text.
  if (error_buffer[0] != '\0') {
    return {error_buffer.data()};
  }
  return curl_easy_strerror(rc);
}

bool PoolSlot::opened_connection() const {
  long connects = 0;
  return curl_easy_getinfo(handle.get(), CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK &&
         connects > 0;
}

long PoolSlot::status() const {
  long code = 0;
  if (curl_easy_getinfo(handle.get(), CURLINFO_RESPONSE_CODE, &code) != CURLE_OK) {
    return 0;
  }
  return code;
}

Epoll::Epoll() : fd_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (fd_ < 0) {
    throw Error(std::string("epoll_create1: ") + std::strerror(errno));
  }
}

Epoll::~Epoll() { ::close(fd_); }

CurlPool::CurlPool(const CurlPoolOptions& options) : multi_(curl_multi_init()) {
  curl_global_once();
  if (!multi_) {
    throw Error("libcurl: curl_multi_init failed for " + options.url);
  }
  if (options.connections < 1) {
    throw Error(options.url + ": connections must be at least 1, got " +
                std::to_string(options.connections));
  }
  CURLM* multi = multi_.get();
  const auto connections = static_cast<long>(options.connections);
  // The connection cache belongs to the multi handle: it must hold every connection, or an idle
  // one gets closed and the next request pays for a new handshake.
  curl_check(curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, connections), "CURLMOPT_MAXCONNECTS");
  curl_check(curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, connections),
             "CURLMOPT_MAX_HOST_CONNECTIONS");
  // One request per connection at a time (HTTP/1.1 without pipelining): concurrency is exactly
  // the number of handles in flight, never hidden inside libcurl.
  curl_check(curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_NOTHING),
             "CURLMOPT_PIPELINING");
  curl_check(curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket),
             "CURLMOPT_SOCKETFUNCTION");
  curl_check(curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, static_cast<void*>(this)),
             "CURLMOPT_SOCKETDATA");
  curl_check(curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer), "CURLMOPT_TIMERFUNCTION");
  curl_check(curl_multi_setopt(multi, CURLMOPT_TIMERDATA, static_cast<void*>(this)),
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
    throw Error(options.url + ": not a URL libcurl can parse: " + curl_url_strerror(rc));
  }
  const long timeout_ms = curl_timeout_ms(options.request_timeout);
  slots_.reserve(static_cast<std::size_t>(options.connections));
  for (int i = 0; i < options.connections; ++i) {
    auto slot = std::make_unique<PoolSlot>();
    slot->handle.reset(curl_easy_init());
    if (!slot->handle) {
      throw Error("libcurl: curl_easy_init failed for " + options.url);
    }
    CURL* h = slot->handle.get();
    curl_check(curl_easy_setopt(h, CURLOPT_CURLU, url_.get()), "CURLOPT_CURLU");
    curl_check(curl_easy_setopt(h, CURLOPT_HTTPGET, 1L), "CURLOPT_HTTPGET");
    curl_check(curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1)),
               "CURLOPT_HTTP_VERSION");
    // Small requests must not wait for Nagle; signals (SIGALRM for DNS) are unusable on a
    // measuring thread, and the addresses are numeric anyway.
    curl_check(curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L), "CURLOPT_TCP_NODELAY");
    curl_check(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L), "CURLOPT_NOSIGNAL");
    // An http_proxy in the environment must never divert a measurement.
    curl_check(curl_easy_setopt(h, CURLOPT_NOPROXY, "*"), "CURLOPT_NOPROXY");
    // A redirect is an answer like any other; following it would time a different request.
    curl_check(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L), "CURLOPT_FOLLOWLOCATION");
    // The whole transfer, connect included; a separate connect timeout of the same length would
    // only cost libcurl another timer a request.
    curl_check(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms), "CURLOPT_TIMEOUT_MS");
    // A name is resolved once for the pool's life: libcurl otherwise walks its DNS cache to prune
    // it on every transfer (~2 % of its cost a request), and a measurement must not change its
    // address halfway.
    curl_check(curl_easy_setopt(h, CURLOPT_DNS_CACHE_TIMEOUT, -1L), "CURLOPT_DNS_CACHE_TIMEOUT");
    if (options.fresh_connections) {
      curl_check(curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L), "CURLOPT_FRESH_CONNECT");
      curl_check(curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L), "CURLOPT_FORBID_REUSE");
    }
    // libcurl closes its sockets through the pool, so the pool forgets a closed descriptor at
    // once: its number is reused by the next socket(), which must be watched afresh.
    curl_check(curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, on_close),
               "CURLOPT_CLOSESOCKETFUNCTION");
    curl_check(curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, static_cast<void*>(this)),
               "CURLOPT_CLOSESOCKETDATA");
    slot->stamps.readable_since = &readable_since_;
    curl_check(slot->stamps.install(h), "the transfer callbacks");
    curl_check(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, slot->error_buffer.data()),
               "CURLOPT_ERRORBUFFER");
    curl_check(curl_easy_setopt(h, CURLOPT_PRIVATE, static_cast<void*>(slot.get())),
               "CURLOPT_PRIVATE");
    slots_.push_back(std::move(slot));
  }
}

CurlPool::~CurlPool() {
  for (const auto& slot : slots_) {
    if (slot->active) {
      curl_multi_remove_handle(multi_.get(), slot->handle.get());
    }
  }
}

void CurlPool::start(PoolSlot& slot, Clock::time_point intended, Clock::time_point sent) {
  slot.error_buffer[0] = '\0';
  slot.intended = intended;
  slot.sent = sent;
  slot.stamps.clear();
  curl_check(curl_multi_add_handle(multi_.get(), slot.handle.get()), "curl_multi_add_handle");
  slot.active = true;
  ++active_;
}

void CurlPool::perform() {
  if (!timer_armed_ || (!timer_now_ && Clock::now() < timer_due_)) {
    return;
  }
  timer_armed_ = false;  // libcurl re-arms it from inside the call when it needs to
  act(CURL_SOCKET_TIMEOUT, 0);
}

void CurlPool::wait(std::chrono::milliseconds timeout) {
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
  const auto woke = Clock::now();
  if (ready < 0 && errno != EINTR) {
    throw Error(std::string("epoll_wait: ") + std::strerror(errno));
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
    // Every socket in this batch was readable by the time epoll_wait returned, however long the
    // ones before it take to service.
    if ((bits & CURL_CSELECT_IN) != 0) {
      readable_since_ = woke;
    }
    act(fd, bits);
  }
  perform();
}

std::optional<PoolDone> CurlPool::next_done() {
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_.get(), &queued)) {
    if (message->msg != CURLMSG_DONE) {
      continue;
    }
    // The message dies with curl_multi_remove_handle: copy what we need first.
    CURL* easy = message->easy_handle;
    const CURLcode result = message->data.result;
    void* slot = nullptr;
    curl_check(curl_easy_getinfo(easy, CURLINFO_PRIVATE, &slot), "CURLINFO_PRIVATE");
    curl_check(curl_multi_remove_handle(multi_.get(), easy), "curl_multi_remove_handle");
    auto* finished = static_cast<PoolSlot*>(slot);
    finished->active = false;
    --active_;
    return PoolDone{finished, result};
  }
  return std::nullopt;
}

void CurlPool::act(curl_socket_t socket, int bits) {
  int running = 0;
  const CURLMcode rc = curl_multi_socket_action(multi_.get(), socket, bits, &running);
  readable_since_.reset();
  curl_check(rc, "curl_multi_socket_action");
  if (!callback_error_.empty()) {
    throw Error(std::exchange(callback_error_, std::string()));
  }
}

std::uint32_t CurlPool::wanted(int fd) const {
  const auto index = static_cast<std::size_t>(fd);
  return index < watch_.size() ? watch_[index].wanted : 0;
}

void CurlPool::unwatch(int fd) {
  // ENOENT/EBADF: the socket was closed, which removed it from the set already.
  static_cast<void>(::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr));
  watch_[static_cast<std::size_t>(fd)] = {};
}

// libcurl says which way it waits on a socket. A connection goes back to the pool after each
// answer (CURL_POLL_REMOVE) and is asked for again by the next request on it (CURL_POLL_IN): the
// removal is therefore lazy — the socket stays in the epoll set, only marked unwanted — so a
// keep-alive request costs no epoll_ctl at all. An unwanted socket that reports readiness (the
// server closed an idle connection) is removed then; a socket libcurl closes is forgotten at once
// (on_close).
int CurlPool::on_socket(CURL* /*easy*/, curl_socket_t fd, int what, void* user, void* /*socketp*/) {
  auto* pool = static_cast<CurlPool*>(user);
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
      pool->callback_error_ =
          "epoll_ctl on socket " + std::to_string(fd) + ": " + std::strerror(errno);
    }
    watch = {};
    return -1;
  }
  watch.registered = events;
  return 0;
}

// Without this, a connection that failed or timed out would leave its number marked as registered
// (closing a descriptor removes it from the epoll set, but the pool would not know): a new socket
// that got the same number and waited the same way would then never be added, and every request
// on it would run into its timeout instead of seeing its connect finish or fail.
int CurlPool::on_close(void* user, curl_socket_t fd) {
  auto* pool = static_cast<CurlPool*>(user);
  const auto index = static_cast<std::size_t>(fd);
  if (index < pool->watch_.size()) {
    if (pool->watch_[index].registered != 0) {
      static_cast<void>(::epoll_ctl(pool->epoll_.get(), EPOLL_CTL_DEL, fd, nullptr));
    }
    pool->watch_[index] = {};
  }
  return ::close(fd);
}

// libcurl's single timer: -1 disarms it, 0 means "call me now", else that many ms from now.
int CurlPool::on_timer(CURLM* /*multi*/, long timeout_ms, void* user) {
  auto* pool = static_cast<CurlPool*>(user);
  pool->timer_armed_ = timeout_ms >= 0;
  pool->timer_now_ = timeout_ms == 0;
  if (timeout_ms > 0) {
    pool->timer_due_ = Clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

}  // namespace imgbench
