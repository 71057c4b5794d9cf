#include "load.hpp"

#include <curl/curl.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <vector>

#include "curl_pool.hpp"
#include "error.hpp"

namespace imgbench {
namespace {

using Clock = std::chrono::steady_clock;

// The loop never blocks longer than this, so a cancel or the deadline is seen within ~10 ms.
constexpr auto kPollSlice = CurlPool::kPollSlice;
// Far above what one libcurl thread can send; the bound keeps duration × rate a sane integer.
constexpr double kMaxRateRps = 1e7;

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

// Classifies one finished measured request into the result.
void record(const PoolDone& done, Clock::time_point at, const LoadOptions& options,
            LoadResult& result) {
  const PoolSlot& slot = *done.slot;
  if (slot.opened_connection()) {
    ++result.reconnects;
  }
  if (done.result != CURLE_OK) {
    ++result.errors;
    if (result.first_error.empty()) {
      result.first_error = slot.error_text(done.result);
    }
    return;
  }
  if (const long status = slot.status(); status != options.expect_status) {
    ++result.errors;
    if (result.first_error.empty()) {
      result.first_error = "HTTP " + std::to_string(status);
    }
    return;
  }
  ++result.requests;
  // From the request's write (or, open loop, its intended time) to its answer's arrival.
  const auto end = slot.arrived(at);
  const auto written = std::min(slot.written(), end);
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
bool open_pool(CurlPool& pool, const volatile std::sig_atomic_t* cancel) {
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
Clock::time_point closed_loop(CurlPool& pool, const LoadOptions& options, Clock::time_point t0,
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

Clock::time_point open_loop(CurlPool& pool, const LoadOptions& options, Clock::time_point t0,
                            LoadResult& result) {
  const auto deadline = t0 + options.duration;
  const double rate = options.rate_rps;
  const std::uint64_t scheduled = scheduled_count(options.duration, rate);
  // Absolute times from t0, never "previous + period": a slow iteration must not shift the rest.
  const auto intended_at = [t0, rate](std::uint64_t i) {
    return t0 + std::chrono::duration_cast<Clock::duration>(
                    std::chrono::duration<double>(static_cast<double>(i) / rate));
  };
  std::vector<PoolSlot*> idle;
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
      PoolSlot* slot = idle.back();
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
  curl_global_once();

  LoadResult result;
  result.intended_rps = options.rate_rps;
  if (cancelled(options.cancel)) {
    result.cancelled = true;
    return result;
  }
  CurlPool pool(CurlPoolOptions{.url = options.url,
                                .connections = options.connections,
                                .request_timeout = options.request_timeout,
                                .fresh_connections = false});
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
