// Fault: a variant whose build fails. It is failed with the engine's own message and the build's
// log tail, the other variant is still measured, and the run exits 3 leaving nothing behind.
#include <gtest/gtest.h>

#include "fault_fixture.hpp"

namespace imgbench::itest {
namespace {

TEST_F(FaultTest, FailingRunStepFailsThatVariantWithTheEnginesMessage) {
  if (!base_image_available()) {
    GTEST_SKIP() << kBaseImage << " is missing; run `make bases`";
  }
  add_healthy();
  repo_.add_variant("broken", std::string("FROM ") + kBaseImage + "\nRUN false\n",
                    std::string(R"({"description": "a RUN that fails", "requires_images": [")") +
                        kBaseImage + "\"]}");

  const auto run = imgbench(small_run_args(repo_), kRunTimeout);
  ASSERT_EQ(run.outcome, Outcome::Exited) << run.describe();
  EXPECT_EQ(run.exit_code, 3) << run.err;

  const json results = latest_results();
  const json broken = variant_named(results, "broken");
  EXPECT_EQ(broken.value("status", ""), "failed");
  const std::string reason = text_of(broken, "reason");
  EXPECT_TRUE(contains(reason, "docker build failed")) << reason;
  // The legacy builder and BuildKit word it differently; both name the step's exit code.
  EXPECT_TRUE(contains(reason, "returned a non-zero code: 1") ||
              contains(reason, "did not complete successfully: exit code: 1"))
      << reason;
  EXPECT_TRUE(contains(text_of(broken, "log_tail"), "false")) << text_of(broken, "log_tail");
  EXPECT_TRUE(measured(variant_named(results, "healthy")));
  EXPECT_TRUE(contains(run.err, "variant broken failed")) << run.err;
  expect_nothing_left(results.at("run").at("id"));
}

}  // namespace
}  // namespace imgbench::itest
