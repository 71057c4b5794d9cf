// Faults before readiness: a service that answers 503 forever, and one that accepts connections but
// never answers. Each fails after its variant's ready_timeout_ms, saying which, with its log tail.
#include <gtest/gtest.h>

#include "fault_fixture.hpp"

namespace imgbench::itest {
namespace {

TEST_F(FaultTest, ServiceAnswering503ForeverIsNotReadyAndSaysSo) {
  add_healthy();
  add_fault("unavailable", {"status503"}, 1500);
  const auto run = imgbench(small_run_args(repo_), kRunTimeout);
  ASSERT_EQ(run.outcome, Outcome::Exited) << run.describe();
  EXPECT_EQ(run.exit_code, 3) << run.err;

  const json results = latest_results();
  const json v = variant_named(results, "unavailable");
  EXPECT_EQ(v.value("status", ""), "failed");
  EXPECT_EQ(text_of(v, "reason"), "not ready after 1500 ms: last answer was HTTP 503");
  EXPECT_TRUE(contains(text_of(v, "log_tail"), "status503: answering 503 to every request"))
      << text_of(v, "log_tail");
  EXPECT_TRUE(measured(variant_named(results, "healthy")));
  expect_nothing_left(results.at("run").at("id"));
}

TEST_F(FaultTest, ServiceThatNeverAnswersIsNotReadyAndSaysSo) {
  add_healthy();
  add_fault("mute", {"silent"}, 1500);
  const auto run = imgbench(small_run_args(repo_), kRunTimeout);
  ASSERT_EQ(run.outcome, Outcome::Exited) << run.describe();
  EXPECT_EQ(run.exit_code, 3) << run.err;

  const json results = latest_results();
  const json v = variant_named(results, "mute");
  EXPECT_EQ(v.value("status", ""), "failed");
  const std::string reason = text_of(v, "reason");
  EXPECT_TRUE(contains(reason, "not ready after 1500 ms: no answer (")) << reason;
  EXPECT_TRUE(
      contains(text_of(v, "log_tail"), "silent: a request arrived and will never be answered"))
      << text_of(v, "log_tail");
  EXPECT_TRUE(measured(variant_named(results, "healthy")));
  expect_nothing_left(results.at("run").at("id"));
}

}  // namespace
}  // namespace imgbench::itest
