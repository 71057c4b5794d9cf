// Faults of a running container: it exits at once, crashes in the middle of the latency loop, or
// crashes under load. Each time the variant is failed with the exit code, the phase and the log
// tail, the healthy variant beside it is still measured, the run exits 3 and nothing is left.
#include <gtest/gtest.h>

#include "fault_fixture.hpp"

namespace imgbench::itest {
namespace {

TEST_F(FaultTest, ContainerThatExitsAtOnceFailsWithItsExitCodeAndLog) {
  add_healthy();
  add_fault("exits", {"exit-now"});
  const auto run = imgbench(small_run_args(repo_), kRunTimeout);
  ASSERT_EQ(run.outcome, Outcome::Exited) << run.describe();
  EXPECT_EQ(run.exit_code, 3) << run.err;

  const json results = latest_results();
  const json exits = variant_named(results, "exits");
  EXPECT_EQ(exits.value("status", ""), "failed");
  // Seen by the first inspect ("exited at once") or while polling for readiness ("before
  // answering"): which depends on how fast the engine notices; the code is the same.
  const std::string reason = text_of(exits, "reason");
  EXPECT_TRUE(contains(reason, "exited at once with code 3") ||
              contains(reason, "exited with code 3 before answering /healthz"))
      << reason;
  EXPECT_TRUE(contains(text_of(exits, "log_tail"), "exit-now: exiting with code 3"))
      << text_of(exits, "log_tail");
  EXPECT_TRUE(measured(variant_named(results, "healthy")));
  expect_nothing_left(results.at("run").at("id"));
}

class CrashTest : public FaultTest {
 protected:
  void expect_crash_during(int answers, const std::string& phase) {
    add_healthy();
    add_fault("crashes", {"crash-after", std::to_string(answers)});
    const auto run = imgbench(small_run_args(repo_), kRunTimeout);
    ASSERT_EQ(run.outcome, Outcome::Exited) << run.describe();
    EXPECT_EQ(run.exit_code, 3) << run.err;

    const json results = latest_results();
    const json crashes = variant_named(results, "crashes");
    EXPECT_EQ(crashes.value("status", ""), "failed");
    EXPECT_EQ(text_of(crashes, "reason"), "the container exited with code 9 during " + phase);
    EXPECT_TRUE(contains(text_of(crashes, "log_tail"),
                         "answered " + std::to_string(answers) + " requests; exiting with code 9"))
        << text_of(crashes, "log_tail");
    EXPECT_TRUE(measured(variant_named(results, "healthy")));
    expect_nothing_left(results.at("run").at("id"));
  }
};

// 1 readiness answer + 20 warm-up requests, then 79 of the 200 measured ones.
TEST_F(CrashTest, CrashInTheMiddleOfTheLatencyLoopFailsWithCodeAndPhase) {
  expect_crash_during(100, "the latency loop");
}

// Past the 1 + 20 + 200 + 10 requests before the load phase, well within half a second of load.
TEST_F(CrashTest, CrashUnderLoadFailsWithCodeAndPhase) {
  expect_crash_during(600, "the load phase");
}

}  // namespace
}  // namespace imgbench::itest
