// Load against one URL with libcurl's multi interface: a closed loop (C keep-alive connections,
// each sending its next request when the last one answered) or an open loop at a fixed rate, which
// times every request from its *intended* send time so a stalled server is charged for the requests
// that had to wait (coordinated omission).
#pragma once

#include <chrono>
#include <csignal>
#include <cstdint>
#include <string>

#include "histogram.hpp"

namespace imgbench {

// Open loop: a request sent more than this after its intended time counts as a late start. It is
// the scheduler's own jitter budget (it wakes up in 1 ms steps and spins the last one), not a
// statement about the service.
inline constexpr std::chrono::microseconds kLateStartThreshold{1000};

// How a phase runs (run_load):
// - The pool is opened first: every connection gets one warm request, sent together so that each
//   opens its own keep-alive connection; warm answers are not counted and their failures ignored.
//   The measured phase starts after that.
// - Closed loop: each connection re-sends as soon as its answer arrives, until `duration` has
//   passed. Nothing is sent after the deadline; requests in flight at the deadline are allowed to
//   finish (at most request_timeout) and are counted, because abandoning them would drop exactly
//   the slowest ones. `elapsed` runs to the last answer.
// - Open loop: request i (i = 0 .. ceil(duration × rate) − 1) is intended at t0 + i / rate and sent
//   then on a free connection. HTTP/1.1 has one request in flight per connection, so `connections`
//   bounds concurrency: when all are busy the request waits (in order), goes out late and the wait
//   is charged to it in `latency_us`. Sending stops at the deadline: what was scheduled but never
//   sent counts in `unsent`; requests in flight then finish and count, as in the closed loop.
// - A cancel (checked at least every 10 ms) abandons requests in flight and returns what was
//   measured so far with `cancelled` set.
struct LoadOptions {
  std::string url;
  long expect_status = 200;
  int connections = 16;
  std::chrono::milliseconds duration{std::chrono::seconds(5)};
  // 0: closed loop. > 0: open loop at this many requests a second, spread over `connections`.
  double rate_rps = 0;
  std::chrono::milliseconds request_timeout{std::chrono::seconds(2)};
  const volatile std::sig_atomic_t* cancel = nullptr;
};

struct LoadResult {
  // Closed loop: send → answer. Open loop: intended send time → answer (corrected).
  Histogram latency_us;
  // Open loop only: actual send → answer (what a tool ignoring coordinated omission reports).
  Histogram uncorrected_latency_us;
  std::uint64_t requests = 0;     // answered with expect_status
  std::uint64_t errors = 0;       // other statuses and transport errors
  std::uint64_t late_starts = 0;  // open loop: sent > kLateStartThreshold after intended time
  double intended_rps = 0;        // open loop: the rate asked for; closed loop: 0
  double achieved_rps = 0;        // answered requests / elapsed seconds
  double harness_cpu_s = 0;       // this process's CPU time (user + system) during the phase
  // Time the measuring thread was runnable but waited for a CPU during the phase (the second field
  // of /proc/thread-self/schedstat); -1 when the kernel does not say. CPU time plus this wait
  // near the phase's length means the harness, not the service, set the pace: it was either
  // working or wanting to work the whole time, whether its own cost or a busy machine held it.
  double harness_wait_s = -1;
  // Measured requests that had to open a new connection (CURLINFO_NUM_CONNECTS > 0): server-side
  // closes or reconnects after a transport error. 0 means every request reused a pooled connection.
  std::uint64_t reconnects = 0;
  // Open loop: scheduled within the duration but never sent because every connection stayed busy
  // until the deadline (after a cancel: those already due). requests + errors + unsent = scheduled
  // when not cancelled.
  std::uint64_t unsent = 0;
  std::chrono::nanoseconds elapsed{0};  // t0 (after the warm-up) to the last answer
  bool cancelled = false;
  std::string first_error;
};

[[nodiscard]] LoadResult run_load(const LoadOptions& options);

}  // namespace imgbench
