#include "probe.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <thread>

#include "curl_pool.hpp"
#include "error.hpp"

namespace imgbench {
namespace {

using Clock = std::chrono::steady_clock;

void check(CURLcode rc, const char* what) { curl_check(rc, what); }

bool cancelled(const volatile std::sig_atomic_t* cancel) {
  return cancel != nullptr && *cancel != 0;
}

// The readiness poll's easy handle. The error buffer lives beside the handle because libcurl keeps
// a pointer to it.
class Transfer {
 public:
  explicit Transfer(const std::string& url) : handle_(curl_easy_init()) {
    if (!handle_) {
      throw Error("libcurl: curl_easy_init failed for " + url);
    }
    CURL* h = handle_.get();
    check(curl_easy_setopt(h, CURLOPT_URL, url.c_str()), "CURLOPT_URL");
    check(curl_easy_setopt(h, CURLOPT_HTTPGET, 1L), "CURLOPT_HTTPGET");
    check(curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1)),
          "CURLOPT_HTTP_VERSION");
    // The harness runs on many threads' behalf and with short timeouts: signals (SIGALRM for DNS)
    // would be both unsafe and useless, the addresses are numeric anyway.
    check(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L), "CURLOPT_NOSIGNAL");
    // An http_proxy/no_proxy in the environment must never divert a measurement.
    check(curl_easy_setopt(h, CURLOPT_NOPROXY, "*"), "CURLOPT_NOPROXY");
    // A redirect is an answer like any other; following it would time a different request.
    check(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L), "CURLOPT_FOLLOWLOCATION");
    // The callbacks count and drop the body, which libcurl would otherwise print.
    check(stamps_.install(h), "the transfer callbacks");
    check(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer_.data()), "CURLOPT_ERRORBUFFER");
  }

  // libcurl holds pointers to the members: the object never moves.
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  ~Transfer() = default;

  [[nodiscard]] CURL* get() const { return handle_.get(); }

  void set_timeout(std::chrono::milliseconds limit) {
    const long ms = curl_timeout_ms(limit);
    check(curl_easy_setopt(handle_.get(), CURLOPT_TIMEOUT_MS, ms), "CURLOPT_TIMEOUT_MS");
    check(curl_easy_setopt(handle_.get(), CURLOPT_CONNECTTIMEOUT_MS, ms),
          "CURLOPT_CONNECTTIMEOUT_MS");
  }

  [[nodiscard]] CURLcode perform() {
    stamps_.clear();
    return curl_easy_perform(handle_.get());
  }

  [[nodiscard]] long status() const {
    long code = 0;
    if (curl_easy_getinfo(handle_.get(), CURLINFO_RESPONSE_CODE, &code) != CURLE_OK) {
      return 0;
    }
    return code;
  }

  [[nodiscard]] curl_off_t connect_time_us() const {
    curl_off_t us = 0;
    if (curl_easy_getinfo(handle_.get(), CURLINFO_CONNECT_TIME_T, &us) != CURLE_OK) {
      return 0;
    }
    return us;
  }

  // libcurl's own message names the address and the limit; fall back to the code's text.
  [[nodiscard]] std::string error_text(CURLcode rc) const {
    if (error_buffer_[0] != '\0') {
      return {error_buffer_.data()};
    }
    return curl_easy_strerror(rc);
  }

 private:
  CurlEasy handle_;
  std::array<char, CURL_ERROR_SIZE> error_buffer_{};
  TransferStamps stamps_;
};

void require_url(const std::string& url, const char* who) {
  if (url.empty()) {
    throw Error(std::string(who) + ": url is empty (expected e.g. http://172.17.0.2:8080/healthz)");
  }
}

// Sleeps until `until` in short slices so that a cancel is seen within ~10 ms even when the caller
// chose a long interval.
void sleep_until_or_cancel(Clock::time_point until, const volatile std::sig_atomic_t* cancel) {
  constexpr auto kSlice = std::chrono::milliseconds(10);
  while (!cancelled(cancel)) {
    const auto now = Clock::now();
    if (now >= until) {
      return;
    }
    std::this_thread::sleep_until(std::min(until, now + kSlice));
  }
}

}  // namespace

CurlProbe::CurlProbe() { curl_global_once(); }

ReadyResult CurlProbe::wait_ready(const ReadyOptions& options, Clock::time_point t0) {
  require_url(options.url, "wait_ready");
  if (options.attempt_timeout.count() <= 0) {
    throw Error("wait_ready " + options.url + ": attempt_timeout must be positive");
  }
  ReadyResult result;
  Transfer transfer(options.url);
  // Every attempt opens its own connection: a connection that a dying or still-starting service
  // left half open must not answer for a new one, and "accepted" must mean accepted now.
  check(curl_easy_setopt(transfer.get(), CURLOPT_FRESH_CONNECT, 1L), "CURLOPT_FRESH_CONNECT");
  check(curl_easy_setopt(transfer.get(), CURLOPT_FORBID_REUSE, 1L), "CURLOPT_FORBID_REUSE");

  const auto deadline = t0 + options.timeout;
  // At least one attempt even when the deadline has already passed: the caller asked a question and
  // one answer is cheap.
  for (bool first = true;; first = false) {
    if (cancelled(options.cancel)) {
      result.cancelled = true;
      return result;
    }
    const auto started = Clock::now();
    if (!first && started >= deadline) {
      return result;
    }
    // An attempt never runs past the deadline by more than libcurl's 1 ms granularity.
    const auto remaining = std::chrono::ceil<std::chrono::milliseconds>(deadline - started);
    transfer.set_timeout(std::min(options.attempt_timeout, remaining));

    const CURLcode rc = transfer.perform();
    const auto done = Clock::now();
    ++result.attempts;
    const long status = transfer.status();
    if (status > 0) {
      result.last_status = status;
    }
    if (rc != CURLE_OK) {
      result.last_error = transfer.error_text(rc);
    }
    // A refused or unanswered SYN leaves the connect time at 0; anything else (an answer, a timeout
    // or reset after the handshake) means the TCP connection was accepted.
    const bool accepted = rc == CURLE_OK || status > 0 || transfer.connect_time_us() > 0;
    if (accepted && result.first_accept_after.count() == 0) {
      result.first_accept_after = done - t0;
    }
    if (rc == CURLE_OK && status == options.expect_status) {
      result.ready = true;
      result.ready_after = done - t0;
      return result;
    }
    sleep_until_or_cancel(std::min(done + options.interval, deadline), options.cancel);
  }
}

namespace {

// One request at a time through a one-handle CurlPool, the load phases' engine, so the two time a
// request alike: a kept-alive request from libcurl writing it (CURLOPT_PREREQFUNCTION) to its
// answer's arrival (the socket reported readable), which leaves libcurl's bookkeeping around each
// transfer (about 11 µs here) and its receive and parsing (about 3 µs) out of the figure. A cold
// request is timed from before libcurl starts it, so that opening the connection is part of it.
class CurlSequentialClient final : public SequentialClient {
 public:
  explicit CurlSequentialClient(const LatencyOptions& options)
      : pool_(CurlPoolOptions{.url = options.url,
                              .connections = 1,
                              .request_timeout = options.request_timeout,
                              .fresh_connections = options.fresh_connections}),
        slot_(*pool_.slots().front()),
        expect_status_(options.expect_status),
        fresh_(options.fresh_connections) {}

  RequestSample get() override {
    RequestSample sample;
    const auto started = Clock::now();
    pool_.start(slot_, started, started);
    // libcurl fails the transfer itself at the request timeout, so this ends.
    std::optional<PoolDone> done;
    while (true) {
      pool_.perform();
      done = pool_.next_done();
      if (done) {
        break;
      }
      pool_.wait(CurlPool::kPollSlice);
    }
    const auto finished = Clock::now();
    const auto from = fresh_ ? started : slot_.written();
    const auto to = slot_.arrived(finished);
    sample.elapsed = to >= from ? to - from : finished - started;
    sample.new_connection = slot_.opened_connection();
    if (done->result != CURLE_OK) {
      sample.error = slot_.error_text(done->result);
      return sample;
    }
    if (const long status = slot_.status(); status != expect_status_) {
      sample.error = "HTTP " + std::to_string(status);
      return sample;
    }
    sample.ok = true;
    return sample;
  }

  [[nodiscard]] std::uint64_t body_bytes() const override { return slot_.stamps.body_bytes; }
  void reset_body_bytes() override { slot_.stamps.body_bytes = 0; }

 private:
  CurlPool pool_;
  PoolSlot& slot_;
  long expect_status_;
  bool fresh_;
};

}  // namespace

std::unique_ptr<SequentialClient> CurlProbe::open_client(const LatencyOptions& options) {
  require_url(options.url, "open_client");
  if (options.request_timeout.count() <= 0) {
    throw Error("open_client " + options.url + ": request_timeout must be positive");
  }
  return std::make_unique<CurlSequentialClient>(options);
}

bool warm_up(SequentialClient& client, const LatencyOptions& options) {
  for (int i = 0; i < options.warmup; ++i) {
    if (cancelled(options.cancel)) {
      return false;
    }
    static_cast<void>(client.get());
  }
  return true;
}

LatencyResult measure_with(SequentialClient& client, const LatencyOptions& options) {
  if (options.requests < 0 || options.warmup < 0) {
    throw Error("measure_sequential " + options.url + ": requests and warmup must be non-negative");
  }
  LatencyResult result;
  result.latency_us.reserve(static_cast<std::size_t>(options.requests));
  if (!warm_up(client, options)) {
    result.cancelled = true;
    return result;
  }
  client.reset_body_bytes();
  for (int i = 0; i < options.requests; ++i) {
    if (cancelled(options.cancel)) {
      result.cancelled = true;
      break;
    }
    const RequestSample sample = client.get();
    if (sample.new_connection) {
      ++result.reconnects;
    }
    if (!sample.ok) {
      ++result.errors;
      if (result.first_error.empty()) {
        result.first_error = sample.error;
      }
      continue;
    }
    result.latency_us.push_back(std::chrono::duration<double, std::micro>(sample.elapsed).count());
  }
  result.body_bytes = client.body_bytes();
  return result;
}

LatencyResult Probe::measure_sequential(const LatencyOptions& options) {
  if (options.requests < 0 || options.warmup < 0) {
    throw Error("measure_sequential " + options.url + ": requests and warmup must be non-negative");
  }
  const auto client = open_client(options);
  return measure_with(*client, options);
}

LoadResult CurlProbe::load(const LoadOptions& options) { return run_load(options); }

}  // namespace imgbench
