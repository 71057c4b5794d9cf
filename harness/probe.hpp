// HTTP probing with libcurl: wait until a service answers its health path, then time sequential
// requests on one keep-alive connection. The HTTP seam: `Probe` is the interface, `CurlProbe` the
// real implementation; tests of the runner use a fake.
#pragma once

#include <chrono>
#include <csignal>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "load.hpp"

namespace imgbench {

struct ReadyOptions {
  std::string url;  // numeric address, e.g. http://172.17.0.2:8080/healthz
  long expect_status = 200;
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  // Per-attempt limit; short so that the moment of readiness is not swallowed (MEASURING.md).
  std::chrono::milliseconds attempt_timeout{50};
  // Pause between attempts: the resolution of ready_ms.
  std::chrono::milliseconds interval{2};
  const volatile std::sig_atomic_t* cancel = nullptr;
};

struct ReadyResult {
  bool ready = false;
  bool cancelled = false;
  // From `t0` (given by the caller) to the first expected answer / to the first attempt that was
  // not refused (a connection was accepted); zero when it never happened.
  std::chrono::nanoseconds ready_after{0};
  std::chrono::nanoseconds first_accept_after{0};
  int attempts = 0;
  long last_status = 0;    // last HTTP status seen, 0 if none
  std::string last_error;  // last transport error text, empty if none
};

struct LatencyOptions {
  std::string url;
  long expect_status = 200;
  int warmup = 1000;     // requests sent and discarded before measuring
  int requests = 10000;  // measured requests
  std::chrono::milliseconds request_timeout{std::chrono::seconds(2)};
  // false: one keep-alive connection carries every request. true: every request opens its own
  // connection and the client closes it after the answer (cold latency). The closing side keeps
  // the socket in TIME_WAIT for 60 s, so callers bound the count (MEASURING.md).
  bool fresh_connections = false;
  const volatile std::sig_atomic_t* cancel = nullptr;
};

// One request of a sequential client.
struct RequestSample {
  // The harness's own clock: on a kept-alive connection from libcurl writing the request
  // (CURLOPT_PREREQFUNCTION) to the arrival of the answer's last part (curl_pool.hpp); for a new
  // connection from the start of the request, so the connect is in it.
  std::chrono::nanoseconds elapsed{0};
  bool ok = false;              // no transport error and the expected status
  bool new_connection = false;  // CURLINFO_NUM_CONNECTS > 0: a connection was opened
  std::string error;            // when not ok: libcurl's message or "HTTP <status>"
};

// Sends one request at a time to one URL and times it. Callers decide how many and what to do with
// each, so a benchmark loop can own the iteration (the runner's Google Benchmark loop does).
class SequentialClient {
 public:
  virtual ~SequentialClient() = default;
  SequentialClient() = default;
  SequentialClient(const SequentialClient&) = delete;
  SequentialClient& operator=(const SequentialClient&) = delete;
  [[nodiscard]] virtual RequestSample get() = 0;
  // Response body bytes received since the client was made or since the last reset.
  [[nodiscard]] virtual std::uint64_t body_bytes() const = 0;
  virtual void reset_body_bytes() = 0;
};

struct LatencyResult {
  // One entry per measured request that got `expect_status`: harness time around the request, µs.
  std::vector<double> latency_us;
  int errors = 0;      // non-expected statuses and transport errors among measured requests
  int reconnects = 0;  // measured requests that needed a new connection (CURLINFO_NUM_CONNECTS > 0)
  bool cancelled = false;
  std::string first_error;  // text of the first error, empty if none
  // Response body bytes received during the measured requests (bodies are counted, then discarded).
  std::uint64_t body_bytes = 0;
};

class Probe {
 public:
  virtual ~Probe() = default;
  Probe() = default;
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  [[nodiscard]] virtual ReadyResult wait_ready(const ReadyOptions& options,
                                               std::chrono::steady_clock::time_point t0) = 0;
  // A client for `options.url` with its request timeout and connection mode; nothing is sent yet.
  [[nodiscard]] virtual std::unique_ptr<SequentialClient> open_client(
      const LatencyOptions& options) = 0;
  // Warm-up, then `requests` measured requests through open_client (see measure_with).
  [[nodiscard]] LatencyResult measure_sequential(const LatencyOptions& options);
  // Closed loop (rate_rps == 0) or open loop load; see load.hpp.
  [[nodiscard]] virtual LoadResult load(const LoadOptions& options) = 0;
};

// Sends options.warmup requests and forgets them (failures included: a cold service that fails its
// first requests must still get measured), then options.requests measured ones, checking the cancel
// flag before each. Latency is recorded for answers with the expected status; the rest count as
// errors, and requests that opened a connection as reconnects.
[[nodiscard]] LatencyResult measure_with(SequentialClient& client, const LatencyOptions& options);
// The warm-up part alone; false when it was cancelled.
[[nodiscard]] bool warm_up(SequentialClient& client, const LatencyOptions& options);

class CurlProbe final : public Probe {
 public:
  CurlProbe();  // curl_global_init once per process
  [[nodiscard]] ReadyResult wait_ready(const ReadyOptions& options,
                                       std::chrono::steady_clock::time_point t0) override;
  [[nodiscard]] std::unique_ptr<SequentialClient> open_client(
      const LatencyOptions& options) override;
  [[nodiscard]] LoadResult load(const LoadOptions& options) override;
};

}  // namespace imgbench
