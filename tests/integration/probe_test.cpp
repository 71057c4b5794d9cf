// The probe against the real C++ healthz service on loopback, plus sockets that refuse or never
// answer. No timing assertions: only what happened, never how fast.
#include "probe.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "error.hpp"
#include "loopback.hpp"

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

// Listens and never accepts: the kernel completes each handshake into the backlog, so a client gets
// connected and then silence.
class SilentListener {
 public:
  SilentListener() : SilentListener(bind_loopback()) {}
  [[nodiscard]] int port() const { return port_; }

 private:
  explicit SilentListener(std::pair<Fd, int> bound)
      : socket_(std::move(bound.first)), port_(bound.second) {
    if (::listen(socket_.get(), 64) != 0) {
      throw Error(std::string("listen: ") + std::strerror(errno));
    }
  }

  Fd socket_;
  int port_;
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

ReadyOptions ready_options(std::string target, std::chrono::milliseconds timeout) {
  ReadyOptions options;
  options.url = std::move(target);
  options.timeout = timeout;
  return options;
}

// Starts healthz and waits until it answers; the fixture for tests that need a running service.
class ProbeWithHealthz : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = free_port();
    server_.emplace(port_);
    ASSERT_TRUE(server_->spawned()) << server_->spawn_error();
    const ReadyResult ready = probe_.wait_ready(ready_options(url(port_, "/healthz"), 10s),
                                                std::chrono::steady_clock::now());
    ASSERT_TRUE(ready.ready) << "healthz did not come up on port " << port_ << ": status "
                             << ready.last_status << ", " << ready.last_error;
  }

  CurlProbe probe_;
  int port_ = 0;
  std::optional<Healthz> server_;
};

TEST(CurlProbe, WaitReadyReportsFirstExpectedAnswerFromHealthz) {
  const int port = free_port();
  const auto t0 = std::chrono::steady_clock::now();
  const Healthz server(port);
  ASSERT_TRUE(server.spawned()) << server.spawn_error();
  CurlProbe probe;
  const ReadyResult result = probe.wait_ready(ready_options(url(port, "/healthz"), 10s), t0);
  EXPECT_TRUE(result.ready) << result.last_error;
  EXPECT_FALSE(result.cancelled);
  EXPECT_GE(result.attempts, 1);
  EXPECT_GT(result.ready_after.count(), 0);
  EXPECT_GT(result.first_accept_after.count(), 0);
  EXPECT_LE(result.first_accept_after, result.ready_after);
  EXPECT_EQ(result.last_status, 200);
}

TEST(CurlProbe, WaitReadyAgainstClosedPortGivesUpWithTransportError) {
  CurlProbe probe;
  const ReadyResult result = probe.wait_ready(ready_options(url(free_port(), "/healthz"), 300ms),
                                              std::chrono::steady_clock::now());
  EXPECT_FALSE(result.ready);
  EXPECT_FALSE(result.cancelled);
  EXPECT_GE(result.attempts, 1);
  EXPECT_EQ(result.last_status, 0);
  EXPECT_FALSE(result.last_error.empty());
  EXPECT_EQ(result.ready_after.count(), 0);
  EXPECT_EQ(result.first_accept_after.count(), 0) << "a refused connect is not an accept";
}

TEST(CurlProbe, WaitReadyNoticesServiceStartedAfterPollingBegan) {
  const int port = free_port();
  std::optional<Healthz> server;
  CurlProbe probe;
  const auto t0 = std::chrono::steady_clock::now();
  ReadyResult result;
  {
    const std::jthread starter([&server, port] {
      std::this_thread::sleep_for(200ms);
      server.emplace(port);
    });
    result = probe.wait_ready(ready_options(url(port, "/healthz"), 10s), t0);
  }
  ASSERT_TRUE(server.has_value());
  ASSERT_TRUE(server->spawned()) << server->spawn_error();
  EXPECT_TRUE(result.ready) << result.last_error;
  EXPECT_GT(result.first_accept_after.count(), 0);
  EXPECT_LE(result.first_accept_after, result.ready_after);
  EXPECT_EQ(result.last_status, 200);
}

TEST_F(ProbeWithHealthz, WaitReadyWithUnexpectedStatusIsNotReady) {
  const ReadyResult result = probe_.wait_ready(ready_options(url(port_, "/nope"), 300ms),
                                               std::chrono::steady_clock::now());
  EXPECT_FALSE(result.ready);
  EXPECT_GE(result.attempts, 1);
  EXPECT_EQ(result.last_status, 404);
  EXPECT_TRUE(result.last_error.empty()) << "a 404 is an answer, not a transport error";
  EXPECT_GT(result.first_accept_after.count(), 0);
}

TEST_F(ProbeWithHealthz, FreshConnectionsOpenOneConnectionPerRequest) {
  LatencyOptions options;
  options.url = url(port_, "/healthz");
  options.warmup = 5;
  options.requests = 50;
  options.fresh_connections = true;
  const LatencyResult result = probe_.measure_sequential(options);
  EXPECT_EQ(result.errors, 0) << result.first_error;
  ASSERT_EQ(result.latency_us.size(), 50U);
  EXPECT_EQ(result.reconnects, 50) << "every cold request must open its own connection";
}

TEST_F(ProbeWithHealthz, ClientReportsEachRequestsOutcome) {
  LatencyOptions options;
  options.url = url(port_, "/nope");
  const auto client = probe_.open_client(options);
  const RequestSample first = client->get();
  EXPECT_FALSE(first.ok);
  EXPECT_EQ(first.error, "HTTP 404");
  EXPECT_TRUE(first.new_connection);
  EXPECT_GT(first.elapsed.count(), 0);
  const RequestSample second = client->get();
  EXPECT_FALSE(second.new_connection) << "the second request reuses the keep-alive connection";
}

TEST_F(ProbeWithHealthz, MeasureSequentialTimesEveryRequestOnOneConnection) {
  LatencyOptions options;
  options.url = url(port_, "/healthz");
  options.warmup = 200;
  options.requests = 2000;
  const LatencyResult result = probe_.measure_sequential(options);
  EXPECT_EQ(result.errors, 0) << result.first_error;
  EXPECT_TRUE(result.first_error.empty());
  EXPECT_EQ(result.reconnects, 0);
  EXPECT_FALSE(result.cancelled);
  EXPECT_GT(result.body_bytes, 0U);
  ASSERT_EQ(result.latency_us.size(), 2000U);
  EXPECT_TRUE(std::all_of(result.latency_us.begin(), result.latency_us.end(),
                          [](double us) { return us > 0.0; }));

  // For information only (no timing assertions): what one request costs on this host.
  std::vector<double> sorted = result.latency_us;
  std::sort(sorted.begin(), sorted.end());
  const double p50 = sorted[sorted.size() / 2];
  std::cout << "[ FYI      ] host healthz, 2000 sequential requests: min " << sorted.front()
            << " us, p50 " << p50 << " us, max " << sorted.back() << " us; body "
            << result.body_bytes << " bytes\n";
  RecordProperty("p50_us", std::to_string(p50));
}

TEST_F(ProbeWithHealthz, MeasureSequentialCountsUnexpectedStatusAsErrors) {
  LatencyOptions options;
  options.url = url(port_, "/nope");
  options.warmup = 5;
  options.requests = 50;
  const LatencyResult result = probe_.measure_sequential(options);
  EXPECT_EQ(result.errors, 50);
  EXPECT_TRUE(result.latency_us.empty());
  EXPECT_EQ(result.first_error, "HTTP 404");
}

TEST(CurlProbe, MeasureSequentialStillMeasuresAfterFailedWarmup) {
  CurlProbe probe;
  LatencyOptions options;
  options.url = url(free_port(), "/healthz");
  options.warmup = 3;
  options.requests = 5;
  options.request_timeout = 200ms;
  const LatencyResult result = probe.measure_sequential(options);
  EXPECT_EQ(result.errors, 5);
  EXPECT_TRUE(result.latency_us.empty());
  EXPECT_FALSE(result.first_error.empty());
}

TEST(CurlProbe, WaitReadyReturnsAtOnceWhenCancelled) {
  CurlProbe probe;
  const volatile std::sig_atomic_t cancel = 1;
  ReadyOptions options = ready_options(url(free_port(), "/healthz"), 60s);
  options.cancel = &cancel;
  const ReadyResult result = probe.wait_ready(options, std::chrono::steady_clock::now());
  EXPECT_TRUE(result.cancelled);
  EXPECT_FALSE(result.ready);
  EXPECT_EQ(result.attempts, 0);
}

TEST(CurlProbe, WaitReadyStopsPollingWhenCancelledMidway) {
  CurlProbe probe;
  volatile std::sig_atomic_t cancel = 0;
  ReadyOptions options = ready_options(url(free_port(), "/healthz"), 60s);
  options.interval = 1s;  // a cancel must not wait for a long pause to end
  options.cancel = &cancel;
  ReadyResult result;
  {
    // Stands in for the SIGINT handler, which sets the flag while the probe polls.
    const std::jthread canceller([&cancel] {
      std::this_thread::sleep_for(100ms);
      cancel = 1;
    });
    result = probe.wait_ready(options, std::chrono::steady_clock::now());
  }
  EXPECT_TRUE(result.cancelled);
  EXPECT_FALSE(result.ready);
}

TEST(CurlProbe, MeasureSequentialReturnsEarlyWhenCancelled) {
  CurlProbe probe;
  const volatile std::sig_atomic_t cancel = 1;
  LatencyOptions options;
  options.url = url(free_port(), "/healthz");
  options.requests = 100000;
  options.cancel = &cancel;
  const LatencyResult result = probe.measure_sequential(options);
  EXPECT_TRUE(result.cancelled);
  EXPECT_TRUE(result.latency_us.empty());
  EXPECT_EQ(result.errors, 0) << "no request may be sent after a cancel";
}

TEST(CurlProbe, WaitReadyAgainstSilentServerTimesOutAfterAccept) {
  const SilentListener silent;
  CurlProbe probe;
  ReadyOptions options = ready_options(url(silent.port(), "/healthz"), 300ms);
  options.attempt_timeout = 50ms;
  const ReadyResult result = probe.wait_ready(options, std::chrono::steady_clock::now());
  EXPECT_FALSE(result.ready);
  EXPECT_GE(result.attempts, 1);
  EXPECT_EQ(result.last_status, 0);
  EXPECT_NE(lower(result.last_error).find("time"), std::string::npos) << result.last_error;
  EXPECT_GT(result.first_accept_after.count(), 0) << "the kernel accepted the connection";
}

TEST(CurlProbe, MeasureSequentialCountsTimeoutsFromSilentServer) {
  const SilentListener silent;
  CurlProbe probe;
  LatencyOptions options;
  options.url = url(silent.port(), "/healthz");
  options.warmup = 1;
  options.requests = 3;
  options.request_timeout = 50ms;
  const LatencyResult result = probe.measure_sequential(options);
  EXPECT_EQ(result.errors, 3);
  EXPECT_EQ(result.reconnects, 3) << "libcurl drops a connection that timed out";
  EXPECT_TRUE(result.latency_us.empty());
  EXPECT_NE(lower(result.first_error).find("time"), std::string::npos) << result.first_error;
}

// The clock stops at the answer's last part, not its first: the head arrives at once, the body
// `pause` later, and every request must have waited for the body. (A lower bound only: a sleep
// never ends early, so this holds on any machine however loaded.)
TEST(CurlProbe, SequentialLatencyRunsToTheAnswersLastPart) {
  constexpr auto kPause = 20ms;
  const SplitAnswerServer server(kPause);
  CurlProbe probe;
  for (const bool fresh : {false, true}) {
    LatencyOptions options;
    options.url = url(server.port(), "/");
    options.warmup = 1;
    options.requests = 5;
    options.fresh_connections = fresh;
    const LatencyResult result = probe.measure_sequential(options);
    EXPECT_EQ(result.errors, 0) << result.first_error;
    ASSERT_EQ(result.latency_us.size(), 5U) << (fresh ? "cold" : "kept alive");
    EXPECT_EQ(result.body_bytes, 5U * 4U);
    for (const double us : result.latency_us) {
      EXPECT_GE(us, 1000.0 * static_cast<double>(kPause.count()))
          << (fresh ? "cold" : "kept alive") << ": ended before the body arrived";
    }
  }
}

// A listener whose backlog is full drops further SYNs, so a new connection to it never completes:
// the request timeout must end each request in the connect phase too (a crashed container's
// address behaves like this). Before the fix it waited forever.
TEST(CurlProbe, RequestTimeoutEndsAConnectThatNeverCompletes) {
  auto [listener, port] = bind_loopback();
  ASSERT_EQ(::listen(listener.get(), 0), 0) << std::strerror(errno);
  // Fill the accept queue (never accepted) until a connect no longer completes at once.
  std::vector<Fd> fillers;
  for (int i = 0; i < 8; ++i) {
    Fd filler(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    static_cast<void>(
        ::connect(filler.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)));
    fillers.push_back(std::move(filler));
  }
  CurlProbe probe;
  for (const bool fresh : {false, true}) {
    LatencyOptions options;
    options.url = url(port, "/healthz");
    options.warmup = 0;
    options.requests = 2;
    options.fresh_connections = fresh;
    options.request_timeout = 200ms;
    const auto started = std::chrono::steady_clock::now();
    const LatencyResult result = probe.measure_sequential(options);
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(result.errors, 2) << (fresh ? "cold" : "kept alive");
    EXPECT_TRUE(result.latency_us.empty());
    EXPECT_NE(lower(result.first_error).find("time"), std::string::npos) << result.first_error;
    // Not a timing assertion on the service: a hang is what this catches, with room for a slow
    // machine.
    EXPECT_LT(took, 30s) << "the timeout did not end the connect";
  }
}

TEST(CurlProbe, EmptyUrlIsAnInputError) {
  CurlProbe probe;
  const auto now = std::chrono::steady_clock::now();
  EXPECT_THROW(static_cast<void>(probe.wait_ready(ReadyOptions{}, now)), Error);
  EXPECT_THROW(static_cast<void>(probe.measure_sequential(LatencyOptions{})), Error);
}

}  // namespace
}  // namespace imgbench
