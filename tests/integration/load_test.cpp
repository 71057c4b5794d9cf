// run_load against the real C++ healthz on loopback and against a tiny in-test server that stalls
// now and then. Assertions are about counts and about how the figures relate to each other, never
// about how fast anything was; FYI lines print what this host measured.
#include "load.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "error.hpp"
#include "loopback.hpp"
#include "probe.hpp"

extern char** environ;

namespace imgbench {
namespace {

using testing::bind_loopback;
using testing::Fd;
using testing::free_port;
using testing::Healthz;
using testing::SplitAnswerServer;
using testing::url;

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Answers every request on keep-alive connections with a 2-byte 200, on one thread, except that
// the whole server sleeps `stall` once every `every` of wall time: the requests in flight then wait
// the stall out, and a client at a fixed rate would have queued many more behind them.
class StallingServer {
 public:
  StallingServer(std::chrono::milliseconds stall, std::chrono::milliseconds every)
      : StallingServer(bind_loopback(), stall, every) {}

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] int accepted() const { return accepted_.load(); }
  [[nodiscard]] int stalls() const { return stalls_.load(); }

 private:
  StallingServer(std::pair<Fd, int> bound, std::chrono::milliseconds stall,
                 std::chrono::milliseconds every)
      : listener_(std::move(bound.first)), port_(bound.second), stall_(stall), every_(every) {
    if (::listen(listener_.get(), 64) != 0) {
      throw Error(std::string("listen: ") + std::strerror(errno));
    }
    thread_ = std::jthread([this](const std::stop_token& stop) { serve(stop); });
  }

  struct Connection {
    Fd fd;
    std::string input;
  };

  void serve(const std::stop_token& stop) {
    static constexpr std::string_view kResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    std::vector<Connection> connections;
    auto next_stall = Clock::now() + every_;
    while (!stop.stop_requested()) {
      if (Clock::now() >= next_stall) {
        std::this_thread::sleep_for(stall_);
        ++stalls_;
        next_stall = Clock::now() + every_;
      }
      std::vector<pollfd> fds;
      fds.push_back({listener_.get(), POLLIN, 0});
      for (const auto& connection : connections) {
        fds.push_back({connection.fd.get(), POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), 10) <= 0) {
        continue;
      }
      // Connections are handled before the accept so that fds[i + 1] still matches connections[i].
      std::vector<Connection> open;
      for (std::size_t i = 0; i < connections.size(); ++i) {
        if ((fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
            !answer(connections[i], kResponse)) {
          continue;  // closed by the peer: dropped (and closed) with the old vector
        }
        open.push_back(std::move(connections[i]));
      }
      connections = std::move(open);
      if ((fds[0].revents & POLLIN) != 0) {
        Fd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (client.get() >= 0) {
          const int one = 1;
          ::setsockopt(client.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          connections.push_back({std::move(client), {}});
          ++accepted_;
        }
      }
    }
  }

  // Reads what arrived and answers each complete request head; false when the peer is gone.
  static bool answer(Connection& connection, std::string_view response) {
    std::array<char, 4096> buffer{};
    const ssize_t got = ::recv(connection.fd.get(), buffer.data(), buffer.size(), 0);
    if (got <= 0) {
      return false;
    }
    connection.input.append(buffer.data(), static_cast<std::size_t>(got));
    for (auto end = connection.input.find("\r\n\r\n"); end != std::string::npos;
         end = connection.input.find("\r\n\r\n")) {
      connection.input.erase(0, end + 4);
      if (::send(connection.fd.get(), response.data(), response.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(response.size())) {
        return false;
      }
    }
    return true;
  }

  Fd listener_;
  int port_;
  std::chrono::milliseconds stall_;
  std::chrono::milliseconds every_;
  std::atomic<int> accepted_{0};
  std::atomic<int> stalls_{0};
  std::jthread thread_;  // last: stopped and joined before anything it uses goes away
};

LoadOptions load_options(std::string target, int connections, std::chrono::milliseconds duration,
                         double rate_rps = 0) {
  LoadOptions options;
  options.url = std::move(target);
  options.connections = connections;
  options.duration = duration;
  options.rate_rps = rate_rps;
  return options;
}

void print_fyi(const std::string& what, const LoadResult& result) {
  std::cout << "[ FYI      ] " << what << ": " << result.requests << " requests, "
            << result.achieved_rps << " rps, p50 " << result.latency_us.percentile(0.5)
            << " us, p99 " << result.latency_us.percentile(0.99) << " us, max "
            << result.latency_us.max() << " us";
  if (result.intended_rps > 0) {
    std::cout << "; uncorrected p50 " << result.uncorrected_latency_us.percentile(0.5)
              << " us, p99 " << result.uncorrected_latency_us.percentile(0.99)
              << " us; late starts " << result.late_starts << ", unsent " << result.unsent;
  }
  std::cout << "; cpu " << result.harness_cpu_s << " s, errors " << result.errors << ", reconnects "
            << result.reconnects << "\n";
}

// Starts healthz and waits until it answers.
class LoadAgainstHealthz : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = free_port();
    server_.emplace(port_);
    ASSERT_TRUE(server_->spawned()) << server_->spawn_error();
    ReadyOptions ready;
    ready.url = url(port_, "/healthz");
    ready.timeout = 10s;
    const ReadyResult result = CurlProbe().wait_ready(ready, Clock::now());
    ASSERT_TRUE(result.ready) << "healthz did not come up on port " << port_ << ": status "
                              << result.last_status << ", " << result.last_error;
  }

  int port_ = 0;
  std::optional<Healthz> server_;
};

TEST_F(LoadAgainstHealthz, ClosedLoopTimesEveryAnswerOnPreopenedConnections) {
  const LoadResult result = run_load(load_options(url(port_, "/healthz"), 4, 500ms));
  print_fyi("closed loop, 4 connections, 500 ms", result);
  EXPECT_FALSE(result.cancelled);
  EXPECT_GT(result.requests, 0U);
  EXPECT_EQ(result.errors, 0U) << result.first_error;
  EXPECT_TRUE(result.first_error.empty());
  EXPECT_EQ(result.latency_us.count(), result.requests);
  EXPECT_EQ(result.uncorrected_latency_us.count(), 0U) << "closed loop has no intended times";
  EXPECT_EQ(result.reconnects, 0U) << "the warm-up opened every connection before the phase";
  EXPECT_EQ(result.late_starts, 0U);
  EXPECT_EQ(result.unsent, 0U);
  EXPECT_EQ(result.intended_rps, 0.0);
  EXPECT_GT(result.achieved_rps, 0.0);
  EXPECT_GT(result.harness_cpu_s, 0.0);
  // Every connection re-sends until an answer arrives after the deadline.
  EXPECT_GE(result.elapsed, 500ms);
}

TEST_F(LoadAgainstHealthz, OpenLoopSendsTheScheduleAndChargesWaitsToIntendedTime) {
  const LoadResult result = run_load(load_options(url(port_, "/healthz"), 4, 500ms, 2000));
  print_fyi("open loop, 2000 rps, 4 connections, 500 ms", result);
  EXPECT_FALSE(result.cancelled);
  EXPECT_EQ(result.intended_rps, 2000.0);
  EXPECT_EQ(result.requests + result.errors + result.unsent, 1000U) << "0.5 s × 2000/s";
  EXPECT_GE(result.requests, 500U);
  EXPECT_LE(result.requests, 1100U);
  EXPECT_EQ(result.errors, 0U) << result.first_error;
  EXPECT_EQ(result.latency_us.count(), result.requests);
  EXPECT_EQ(result.uncorrected_latency_us.count(), result.requests);
  // Each request is sent at or after its intended time, so corrected ≥ uncorrected sample by
  // sample.
  EXPECT_GE(result.latency_us.percentile(0.5), result.uncorrected_latency_us.percentile(0.5));
  EXPECT_GE(result.latency_us.percentile(0.99), result.uncorrected_latency_us.percentile(0.99));
  EXPECT_GE(result.elapsed, 500ms) << "the open-loop phase spans the whole scheduled window";
  EXPECT_GT(result.achieved_rps, 0.0);
}

TEST_F(LoadAgainstHealthz, UnexpectedStatusCountsEveryAttemptAsError) {
  const LoadResult result = run_load(load_options(url(port_, "/nope"), 4, 200ms, 500));
  EXPECT_EQ(result.requests, 0U);
  EXPECT_GT(result.errors, 0U);
  EXPECT_EQ(result.errors + result.unsent, 100U) << "0.2 s × 500/s, every attempt an error";
  EXPECT_EQ(result.latency_us.count(), 0U);
  EXPECT_EQ(result.uncorrected_latency_us.count(), 0U);
  EXPECT_EQ(result.first_error, "HTTP 404");
  EXPECT_EQ(result.achieved_rps, 0.0);
}

TEST_F(LoadAgainstHealthz, ClosedLoopWithUnexpectedStatusMeasuresNothing) {
  const LoadResult result = run_load(load_options(url(port_, "/nope"), 2, 200ms));
  EXPECT_EQ(result.requests, 0U);
  EXPECT_GT(result.errors, 0U);
  EXPECT_EQ(result.latency_us.count(), 0U);
  EXPECT_EQ(result.first_error, "HTTP 404");
}

TEST_F(LoadAgainstHealthz, CancelMidwayReturnsWhatWasMeasured) {
  volatile std::sig_atomic_t cancel = 0;
  LoadOptions options = load_options(url(port_, "/healthz"), 4, 30s);
  options.cancel = &cancel;
  LoadResult result;
  {
    // Stands in for the SIGINT handler, which sets the flag while the load runs.
    const std::jthread canceller([&cancel] {
      std::this_thread::sleep_for(200ms);
      cancel = 1;
    });
    result = run_load(options);
  }
  EXPECT_TRUE(result.cancelled);
  EXPECT_LT(result.elapsed, 30s) << "a cancel ends the phase before its duration";
  EXPECT_EQ(result.latency_us.count(), result.requests);
}

TEST_F(LoadAgainstHealthz, ClosedLoopFiguresAtOneAndSixteenConnections) {
  for (const int connections : {1, 16}) {
    const LoadResult result = run_load(load_options(url(port_, "/healthz"), connections, 1s));
    print_fyi("host healthz, closed loop, " + std::to_string(connections) + " connections, 1 s",
              result);
    EXPECT_EQ(result.errors, 0U) << result.first_error;
    EXPECT_EQ(result.reconnects, 0U);
    EXPECT_GT(result.requests, 0U);
  }
}

TEST_F(LoadAgainstHealthz, OpenLoopCancelCountsOnlyDueRequestsAsUnsent) {
  volatile std::sig_atomic_t cancel = 0;
  LoadOptions options = load_options(url(port_, "/healthz"), 4, 30s, 100);
  options.cancel = &cancel;
  LoadResult result;
  {
    const std::jthread canceller([&cancel] {
      std::this_thread::sleep_for(200ms);
      cancel = 1;
    });
    result = run_load(options);
  }
  EXPECT_TRUE(result.cancelled);
  EXPECT_LT(result.elapsed, 30s);
  // 3000 were scheduled over 30 s and ~20 were due when the cancel came: the ~2980 that never
  // came due are not "unsent".
  EXPECT_LT(result.requests + result.errors + result.unsent, 100U);
  EXPECT_GT(result.requests, 0U);
}

TEST(RunLoad, CancelBeforeStartSendsNothing) {
  const volatile std::sig_atomic_t cancel = 1;
  LoadOptions options = load_options(url(free_port(), "/healthz"), 4, 60s);
  options.cancel = &cancel;
  const LoadResult result = run_load(options);
  EXPECT_TRUE(result.cancelled);
  EXPECT_EQ(result.requests, 0U);
  EXPECT_EQ(result.errors, 0U) << "no request may be sent after a cancel";
  EXPECT_EQ(result.latency_us.count(), 0U);
}

TEST(RunLoad, RefusedConnectionsAreTransportErrors) {
  const LoadResult result = run_load(load_options(url(free_port(), "/healthz"), 2, 200ms));
  EXPECT_FALSE(result.cancelled);
  EXPECT_EQ(result.requests, 0U);
  EXPECT_GT(result.errors, 0U);
  EXPECT_FALSE(result.first_error.empty());
  EXPECT_EQ(result.latency_us.count(), 0U);
}

TEST(RunLoad, InvalidOptionsAreInputErrors) {
  const std::string target = url(free_port(), "/healthz");
  EXPECT_THROW(static_cast<void>(run_load(load_options("", 4, 100ms))), Error);
  EXPECT_THROW(static_cast<void>(run_load(load_options(target, 0, 100ms))), Error);
  EXPECT_THROW(static_cast<void>(run_load(load_options(target, 4, -1ms))), Error);
  EXPECT_THROW(static_cast<void>(run_load(load_options(target, 4, 100ms, -5))), Error);
  LoadOptions no_timeout = load_options(target, 4, 100ms);
  no_timeout.request_timeout = 0ms;
  EXPECT_THROW(static_cast<void>(run_load(no_timeout)), Error);
}

// Coordinated omission. A stall catches at most `connections` (4) requests in flight, while a
// fixed-rate client at 1000/s means ~100 requests during it. Stalls must be rare enough that the
// caught ones stay well under 1 % of all samples, or the uncorrected p99 lands in the stall too:
// one every 200 ms gave ~4 stalls × 4 = 1.6 % of 1000 and both p99s read 96.5 ms. One every 700 ms
// over 2 s gives 2–3 stalls: ≤ 12 caught (≤ 0.6 %) against ~200–300 delayed (10–15 %).
constexpr auto kStall = 100ms;
constexpr auto kStallEvery = 700ms;

// Every answer comes in two parts `pause` apart: each latency, closed and open loop (corrected and
// not), must run to the second part. Several connections at once, so that answers that become
// readable together are each stamped for their own socket.
TEST(RunLoadAgainstSplitAnswers, LatencyRunsToTheAnswersLastPart) {
  constexpr auto kPause = 20ms;
  const SplitAnswerServer server(kPause);
  const double pause_us = 1000.0 * static_cast<double>(kPause.count());
  const LoadResult closed = run_load(load_options(url(server.port(), "/"), 4, 300ms));
  print_fyi("split answers, closed loop, 4 connections", closed);
  EXPECT_EQ(closed.errors, 0U) << closed.first_error;
  ASSERT_GT(closed.requests, 0U);
  EXPECT_GE(closed.latency_us.min(), pause_us);
  const LoadResult open = run_load(load_options(url(server.port(), "/"), 4, 300ms, 50));
  print_fyi("split answers, open loop, 50 rps, 4 connections", open);
  EXPECT_EQ(open.errors, 0U) << open.first_error;
  ASSERT_GT(open.requests, 0U);
  EXPECT_GE(open.latency_us.min(), pause_us);
  EXPECT_GE(open.uncorrected_latency_us.min(), pause_us);
}

TEST(RunLoadAgainstStallingServer, OpenLoopChargesTheStallToEveryRequestThatWaited) {
  const StallingServer server(kStall, kStallEvery);
  const LoadResult result = run_load(load_options(url(server.port(), "/"), 4, 2s, 1000));
  print_fyi("stalling server, open loop, 1000 rps, 4 connections, 2 s", result);
  ASSERT_GE(server.stalls(), 1);
  EXPECT_EQ(result.errors, 0U) << result.first_error;
  EXPECT_EQ(server.accepted(), 4)
      << "one keep-alive connection per handle, opened before the phase";
  EXPECT_EQ(result.reconnects, 0U);
  EXPECT_GT(result.late_starts, 0U) << "requests due during a stall found every connection busy";
  EXPECT_GT(result.latency_us.percentile(0.99), 2 * result.uncorrected_latency_us.percentile(0.99));
}

TEST(RunLoadAgainstStallingServer, ClosedLoopShowsTheStallOnlyInTheFewStalledRequests) {
  const StallingServer server(kStall, kStallEvery);
  const LoadResult result = run_load(load_options(url(server.port(), "/"), 4, 1s));
  print_fyi("stalling server, closed loop, 4 connections, 1 s", result);
  ASSERT_GE(server.stalls(), 1);
  EXPECT_EQ(result.errors, 0U) << result.first_error;
  // The requests in flight during a stall waited it out (a sleep only ever lasts longer) ...
  const double stall_us = std::chrono::duration<double, std::micro>(kStall).count();
  EXPECT_GE(result.latency_us.max(), 0.5 * stall_us);
  // ... but they are a handful among thousands: the p99 does not see the stall at all.
  EXPECT_LT(2 * result.latency_us.percentile(0.99), result.latency_us.max());
}

// The scenario of issue 3: a service that stalls for 100 ms once a second. The same server
// measured both ways: a closed loop barely notices (a handful of requests were in flight), a
// fixed-rate client sees every request that was due during the stall wait for it.
TEST(RunLoadAgainstStallingServer, OpenLoopP99IsFarAboveClosedLoopP99ForTheSameStalls) {
  const StallingServer server(100ms, 1000ms);
  const LoadResult closed = run_load(load_options(url(server.port(), "/"), 4, 2500ms));
  const LoadResult open = run_load(load_options(url(server.port(), "/"), 4, 2500ms, 1000));
  print_fyi("stall 100 ms a second, closed loop", closed);
  print_fyi("stall 100 ms a second, open loop at 1000 rps", open);
  ASSERT_GE(server.stalls(), 3);
  EXPECT_EQ(closed.errors + open.errors, 0U);
  EXPECT_GT(open.latency_us.percentile(0.99), 5 * closed.latency_us.percentile(0.99));
}

}  // namespace
}  // namespace imgbench
