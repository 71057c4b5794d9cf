#include "probe.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <thread>

#include "error.hpp"
#include "transfer_stamps.hpp"

namespace imgbench {
namespace {

using Clock = std::chrono::steady_clock;

struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

void check(CURLcode rc, const char* what) {
  if (rc != CURLE_OK) {
    throw Error(std::string("libcurl: ") + what + ": " + curl_easy_strerror(rc));
  }
}

// libcurl's timeouts take whole milliseconds and treat 0 as "no limit": never hand it 0.
long to_curl_ms(std::chrono::milliseconds limit) {
  return static_cast<long>(std::max<std::chrono::milliseconds::rep>(limit.count(), 1));
}

bool cancelled(const volatile std::sig_atomic_t* cancel) {
  return cancel != nullptr && *cancel != 0;
}

// One easy handle with everything the two measurements share. The error buffer and the body counter
// live beside the handle because libcurl keeps pointers to them.
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
    check(stamps_.install(h), "the transfer callbacks");
    check(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer_.data()), "CURLOPT_ERRORBUFFER");
  }

  // libcurl holds pointers to the members: the object never moves.
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  ~Transfer() = default;

  [[nodiscard]] CURL* get() const { return handle_.get(); }
  [[nodiscard]] const TransferStamps& stamps() const { return stamps_; }

  void set_timeout(std::chrono::milliseconds limit) {
    const long ms = to_curl_ms(limit);
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

  [[nodiscard]] long new_connections() const {
    long count = 0;
    if (curl_easy_getinfo(handle_.get(), CURLINFO_NUM_CONNECTS, &count) != CURLE_OK) {
      return 0;
    }
    return count;
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

  [[nodiscard]] std::uint64_t body_bytes() const { return stamps_.body_bytes; }
  void reset_body_bytes() { stamps_.body_bytes = 0; }

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

CurlProbe::CurlProbe() {
  // curl_global_init is not safe to race and must run before any handle exists; it is never paired
  // with curl_global_cleanup because another thread may still own a handle at exit.
  static std::once_flag once;
  std::call_once(once, [] { check(curl_global_init(CURL_GLOBAL_DEFAULT), "curl_global_init"); });
}

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

class CurlSequentialClient final : public SequentialClient {
 public:
  explicit CurlSequentialClient(const LatencyOptions& options)
      : transfer_(options.url), expect_status_(options.expect_status) {
    // Keep-alive: the handle's connection cache carries the connection from one request to the
    // next. TCP_NODELAY so that small requests are not held back by Nagle.
    check(curl_easy_setopt(transfer_.get(), CURLOPT_TCP_NODELAY, 1L), "CURLOPT_TCP_NODELAY");
    fresh_ = options.fresh_connections;
    if (options.fresh_connections) {
      check(curl_easy_setopt(transfer_.get(), CURLOPT_FRESH_CONNECT, 1L), "CURLOPT_FRESH_CONNECT");
      check(curl_easy_setopt(transfer_.get(), CURLOPT_FORBID_REUSE, 1L), "CURLOPT_FORBID_REUSE");
    }
    transfer_.set_timeout(options.request_timeout);
  }

  RequestSample get() override {
    RequestSample sample;
    const auto started = Clock::now();
    const CURLcode rc = transfer_.perform();
    const auto done = Clock::now();
    // On a kept-alive connection: from the moment libcurl writes the request to the answer's last
    // byte, which leaves out libcurl's own bookkeeping before and after the transfer (about 11 µs
    // a request here, more than a tenth of a fast service's answer). A cold request is timed from
    // before libcurl starts, so that opening the connection is part of it.
    const TransferStamps& stamps = transfer_.stamps();
    const auto from = !fresh_ && stamps.was_written ? stamps.written : started;
    const auto to = stamps.answered ? stamps.last_byte : done;
    sample.elapsed = to >= from ? to - from : done - started;
    sample.new_connection = transfer_.new_connections() > 0;
    if (rc != CURLE_OK) {
      sample.error = transfer_.error_text(rc);
      return sample;
    }
    const long status = transfer_.status();
    if (status != expect_status_) {
      sample.error = "HTTP " + std::to_string(status);
      return sample;
    }
    sample.ok = true;
    return sample;
  }

  [[nodiscard]] std::uint64_t body_bytes() const override { return transfer_.body_bytes(); }
  void reset_body_bytes() override { transfer_.reset_body_bytes(); }

 private:
  Transfer transfer_;
  long expect_status_;
  bool fresh_ = false;
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

LoadResult CurlProbe::load(const LoadOptions& options) {
  return run_load(options);
}

}  // namespace imgbench
