// Fault at the end: a service that ignores SIGTERM. `docker stop` waits the whole --stop-timeout
// and kills it; the variant is still measured, stop_ms says how long that took, the report says
// why, and the container is removed.
#include <gtest/gtest.h>

#include "fault_fixture.hpp"

namespace imgbench::itest {
namespace {

TEST_F(FaultTest, ServiceIgnoringSigtermIsKilledAfterTheStopTimeoutAndTheReportSaysSo) {
  add_healthy();
  add_fault("stubborn", {"ignore-term"});
  const auto run = imgbench(small_run_args(repo_), kRunTimeout);  // --stop-timeout 2
  ASSERT_EQ(run.outcome, Outcome::Exited) << run.describe();
  EXPECT_EQ(run.exit_code, 0) << run.err;

  const json results = latest_results();
  const json v = variant_named(results, "stubborn");
  ASSERT_TRUE(measured(v));
  EXPECT_GE(v.at("metrics").at("stop_ms").get<double>(), 2000);
  EXPECT_TRUE(measured(variant_named(results, "healthy")));
  const std::string report = read_file(repo_.results() / "latest" / "report.md");
  EXPECT_TRUE(contains(report, "stubborn took the whole stop timeout (2 s)")) << report;
  EXPECT_FALSE(contains(report, "healthy took the whole stop timeout")) << report;
  expect_nothing_left(results.at("run").at("id"));
}

}  // namespace
}  // namespace imgbench::itest
