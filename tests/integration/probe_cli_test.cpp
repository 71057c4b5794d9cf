// `imgbench probe` end to end: the real binary against the host-built healthz on loopback. Counts
// and exit codes are asserted, never how fast anything was.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "loopback.hpp"
#include "probe.hpp"
#include "process.hpp"

namespace imgbench {
namespace {

using testing::free_port;
using testing::Healthz;
using testing::url;

ProcessResult imgbench(const std::vector<std::string>& args) {
  ProcessOptions options;
  options.argv = {IMGBENCH_BINARY};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.timeout = std::chrono::seconds(60);
  return run_process(options);
}

class ProbeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.spawned()) << server_.spawn_error();
    CurlProbe probe;
    ReadyOptions ready;
    ready.url = url(port_, "/healthz");
    ready.timeout = std::chrono::seconds(10);
    ASSERT_TRUE(probe.wait_ready(ready, std::chrono::steady_clock::now()).ready);
  }
  int port_ = free_port();
  Healthz server_{port_};
};

TEST_F(ProbeCli, PrintsEveryPhasesFiguresAsJson) {
  const auto result = imgbench({"probe", url(port_, "/healthz"), "--requests", "300", "--warmup",
                                "20", "--cold-requests", "25", "--duration", "0.3", "--connections",
                                "4", "--rate", "200"});
  ASSERT_TRUE(result.ok()) << result.err;
  const auto out = nlohmann::json::parse(result.out);
  EXPECT_EQ(out.at("latency_us").at("count"), 300);
  EXPECT_EQ(out.at("errors"), 0);
  EXPECT_EQ(out.at("reconnects"), 0);
  EXPECT_LE(out.at("latency_us").at("p50").get<double>(),
            out.at("latency_us").at("p99").get<double>());
  EXPECT_EQ(out.at("cold_latency_us").at("count"), 25);
  EXPECT_GT(out.at("load").at("requests").get<int>(), 0);
  EXPECT_EQ(out.at("load").at("errors"), 0);
  EXPECT_EQ(out.at("open").at("intended_rps"), 200);
  EXPECT_GT(out.at("open").at("requests").get<int>(), 0);
}

TEST_F(ProbeCli, UnexpectedAnswersExitThreeWithTheFirstError) {
  const auto result = imgbench({"probe", url(port_, "/nope"), "--requests", "10", "--warmup", "0"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  const auto out = nlohmann::json::parse(result.out);
  EXPECT_EQ(out.at("errors"), 10);
  EXPECT_EQ(out.at("first_error"), "HTTP 404");
  EXPECT_TRUE(out.at("latency_us").is_null());
}

TEST(ProbeCliInput, MissingOrNonsenseArgumentsExitTwo) {
  EXPECT_EQ(imgbench({"probe"}).exit_code, 2);
  EXPECT_EQ(imgbench({"probe", "http://127.0.0.1:1/healthz", "--requests", "0"}).exit_code, 2);
  EXPECT_EQ(imgbench({"probe", "http://127.0.0.1:1/healthz", "--cold-requests", "20000"}).exit_code,
            2);
}

}  // namespace
}  // namespace imgbench
