// Interrupts: SIGINT and SIGTERM while a variant builds, while one waits for readiness, during the
// latency loop, during load and while the results are written. Each time imgbench exits 130 within
// seconds, every container and image of the run is gone, no run folder (or half of one) is left and
// the previous results are untouched. And SIGKILL, which no handler sees: the
// container it leaves is found by its label and removed by `imgbench clean --run <id>`.
#include <gtest/gtest.h>
#include <signal.h>

#include <functional>
#include <thread>

#include "fault_fixture.hpp"

namespace imgbench::itest {
namespace {

using std::chrono::seconds;

// A bound on hanging, not a timing claim: cleanup after Ctrl-C takes a few docker calls.
constexpr auto kInterruptBound = seconds(15);

// For a stage that stderr announces as it begins: a moment later the run is well inside it.
std::function<bool(const std::string&)> after(std::chrono::milliseconds pause) {
  return [pause](const std::string&) {
    std::this_thread::sleep_for(pause);
    return true;
  };
}

// Each scenario runs once with SIGINT (Ctrl-C) and once with SIGTERM (`kill`, a CI runner's
// cancel).
class Interrupt : public FaultTest, public ::testing::WithParamInterface<int> {
 protected:
  // Starts the run, waits for `stage` on stderr and then until `there` says the run is where it
  // should be interrupted, sends the signal and checks the whole promise of an interrupted run.
  void interrupt_at(const std::vector<std::string>& args, const std::string& stage,
                    const std::function<bool(const std::string& run_id)>& there,
                    const std::vector<std::string>& env = {}) {
    repo_.add_previous_run();
    BackgroundImgbench run(args, repo_.root() / "imgbench.err", env);
    ASSERT_TRUE(run.started());
    const bool at_stage = run.wait_for_stderr(stage, seconds(120));
    const std::string run_id = run_id_from(run.stderr_text());
    clean_up_later(run_id);  // before any ASSERT: TearDown removes what a failed test left
    ASSERT_TRUE(at_stage) << run.stderr_text();
    bool arrived = false;
    for (int i = 0; i < 300 && !arrived; ++i) {
      arrived = there(run_id);
      if (!arrived) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    ASSERT_TRUE(arrived) << "never got to the point of the interrupt: " << run.stderr_text();

    const auto sent = std::chrono::steady_clock::now();
    run.signal(GetParam());
    const auto code = run.wait(seconds(60));
    const auto took = std::chrono::steady_clock::now() - sent;
    EXPECT_EQ(code, 130) << run.stderr_text();
    EXPECT_LT(took, kInterruptBound) << run.stderr_text();
    EXPECT_TRUE(contains(run.stderr_text(), "imgbench: interrupted")) << run.stderr_text();
    expect_nothing_left(run_id);
    EXPECT_TRUE(repo_.previous_run_intact());
    EXPECT_EQ(
        std::distance(fs::directory_iterator(repo_.results() / "runs"), fs::directory_iterator()),
        1)
        << "the interrupted run wrote a run folder";
  }
};

std::string signal_name(const ::testing::TestParamInfo<int>& info) {
  return info.param == SIGINT ? "Sigint" : info.param == SIGTERM ? "Sigterm" : "Signal";
}

INSTANTIATE_TEST_SUITE_P(Signals, Interrupt, ::testing::Values(SIGINT, SIGTERM), signal_name);

TEST_P(Interrupt, WhileBuildingExits130AndLeavesNothing) {
  if (!base_image_available()) {
    GTEST_SKIP() << kBaseImage << " is missing; run `make bases`";
  }
  add_healthy();  // built first (names in order), so one image of the run exists already
  // The marker finds the build's own RUN container, which carries no label of the run.
  const std::string marker = "imgbench-sleeper-" + repo_.root().filename().string();
  repo_.add_variant("sleeper",
                    std::string("FROM ") + kBaseImage + "\nRUN sleep 30 && echo " + marker + "\n",
                    std::string(R"({"description": "a slow build", "requires_images": [")") +
                        kBaseImage + "\"]}");
  const auto build_containers = [&] {
    return docker({"ps", "-a", "--no-trunc", "--format", "{{.Command}}"}).out;
  };
  interrupt_at(small_run_args(repo_), "sleeper: building",
               [&](const std::string&) { return contains(build_containers(), marker); });
  EXPECT_FALSE(contains(build_containers(), marker)) << "the build's RUN container was left";
}

TEST_P(Interrupt, WhileWaitingForReadyExits130AndLeavesNothing) {
  add_healthy();
  add_fault("mute", {"silent"}, 120000);
  // Running and past `docker run`: the harness is polling it for readiness.
  interrupt_at(small_run_args(repo_), "mute: starting", [](const std::string& run_id) {
    return !trim(docker({"ps", "--filter", "label=imgbench.run=" + run_id, "--filter",
                         "label=imgbench.variant=mute", "--filter", "status=running", "--format",
                         "{{.Names}}"})
                     .out)
                .empty();
  });
}

TEST_P(Interrupt, DuringTheLatencyLoopExits130AndLeavesNothing) {
  add_healthy();
  interrupt_at(with_option(small_run_args(repo_), "--requests", "5000000"),
               "healthy: measuring — 5000000 requests", after(std::chrono::milliseconds(500)));
}

TEST_P(Interrupt, DuringLoadExits130AndLeavesNothing) {
  add_healthy();
  interrupt_at(with_option(small_run_args(repo_), "--duration", "120"), "healthy: load",
               after(std::chrono::milliseconds(500)));
}

// Every variant measured and every file written, in the staging folder: the failpoint holds the run
// there, just before the rename that would publish it.
TEST_P(Interrupt, WhileWritingTheResultsExits130AndPublishesNothing) {
  add_healthy();
  // interrupt_at counts the entries of runs/: a staging folder left behind would be one more.
  interrupt_at(small_run_args(repo_), "failpoint before-publish",
               after(std::chrono::milliseconds(0)), {"IMGBENCH_FAILPOINT=before-publish"});
}

TEST_F(FaultTest, SigkillLeavesTheContainerAndCleanRunRemovesIt) {
  add_healthy();
  BackgroundImgbench run(with_option(small_run_args(repo_), "--requests", "5000000"),
                         repo_.root() / "imgbench.err");
  ASSERT_TRUE(run.started());
  const bool measuring = run.wait_for_stderr("healthy: measuring — 5000000 requests", seconds(120));
  const std::string run_id = run_id_from(run.stderr_text());
  clean_up_later(run_id);  // the image a killed run leaves is the test's to remove
  ASSERT_TRUE(measuring) << run.stderr_text();
  run.signal(SIGKILL);
  EXPECT_EQ(run.wait(seconds(30)), 128 + SIGKILL);
  ASSERT_EQ(containers_of_run(run_id).size(), 1U) << "SIGKILL should have left the container";

  // --run: other runs' containers (another measurement may be going on) are not touched. The
  // bystander is our own, made from the image the killed run left, under a run id of its own.
  const std::string bystander_run = run_id + "-bystander";
  clean_up_later(bystander_run);
  const auto images = images_of_run(run_id);
  ASSERT_FALSE(images.empty());
  const std::string image = images.front().substr(0, images.front().find(' '));
  ASSERT_TRUE(docker({"create", "--label", "imgbench.run=" + bystander_run, "--name",
                      "imgbench-" + bystander_run, image})
                  .ok());

  const auto clean =
      imgbench({"--repo", repo_.root().string(), "clean", "--run", run_id}, seconds(120));
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_TRUE(contains(clean.err, "removed 1 container(s)")) << clean.err;
  EXPECT_EQ(containers_of_run(run_id), std::vector<std::string>{});
  EXPECT_EQ(containers_of_run(bystander_run).size(), 1U) << "clean --run removed another run's";
  EXPECT_TRUE(contains(clean.err, "kept image"))
      << "the bystander still uses the image: " << clean.err;

  // Once nothing uses it, clean removes the image the killed run left as well.
  ASSERT_TRUE(docker({"rm", "-f", "imgbench-" + bystander_run}).ok());
  const auto again =
      imgbench({"--repo", repo_.root().string(), "clean", "--run", run_id}, seconds(120));
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(images_of_run(run_id), std::vector<std::string>{});
}

}  // namespace
}  // namespace imgbench::itest
