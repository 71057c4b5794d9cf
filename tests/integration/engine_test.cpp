// The whole harness on the real engine: `imgbench run` builds, starts, measures and removes, and
// the figures it writes agree with what `docker image inspect` says. Each case is one scenario.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "engine_helpers.hpp"

extern char** environ;

namespace imgbench {
namespace {

using namespace itest;

// A variant that copies the host-built C++ service onto the local Debian base: builds in seconds.
void add_quick_variant(TempRepo& repo, const std::string& name) {
  repo.add_variant(
      name,
      "FROM imgbench/debian:bookworm-slim\nCOPY healthz /usr/local/bin/healthz\n"
      "CMD [\"/usr/local/bin/healthz\", \"8080\"]\n",
      R"({"description": "quick test image", "requires_images": ["imgbench/debian:bookworm-slim"]})",
      {HEALTHZ_BINARY});
}

void add_broken_variant(TempRepo& repo, const std::string& name) {
  repo.add_variant(name, "FROM imgbench/debian:bookworm-slim\nRUN exit 7\n",
                   R"({"description": "a RUN that fails"})");
}

class Engine : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!engine_available()) {
      GTEST_SKIP() << "no Docker Engine answers here";
    }
    if (!base_image_available()) {
      GTEST_SKIP() << "imgbench/debian:bookworm-slim is missing; run `make bases`";
    }
  }
};

TEST_F(Engine, RunMeasuresAVariantAndItsFiguresMatchTheEngine) {
  TempRepo repo;
  add_quick_variant(repo, "quick");
  const fs::path out = repo.root() / "out";
  auto run = imgbench({"--repo", repo.root().string(), "run", "--requests", "300", "--warmup", "50",
                       "--repetitions", "2", "--keep-images", "--out", out.string()},
                      std::chrono::minutes(10));
  // The kept image goes however the test ends, a failed assertion below included.
  struct RemoveKeptImage {
    fs::path results;
    ~RemoveKeptImage() {
      try {
        const std::string tag = read_json(results).at("variants").at(0).at("image").at("tag");
        (void)docker({"rmi", tag});
      } catch (...) {  // NOLINT(bugprone-empty-catch): no results, nothing was kept
      }
    }
  } remove_image{out / "results.json"};
  ASSERT_TRUE(run.ok()) << run.describe() << "\n" << run.err;

  const json results = read_json(out / "results.json");
  ASSERT_EQ(results.at("schema_version"), 1);
  const std::string run_id = results.at("run").at("id");
  const json& v = results.at("variants").at(0);
  const std::string tag = v.at("image").at("tag");

  EXPECT_EQ(v.at("status"), "ok");
  const json& m = v.at("metrics");
  const auto size = trim(docker({"image", "inspect", "--format", "{{.Size}}", tag}).out);
  EXPECT_EQ(std::to_string(m.at("size_bytes").get<long long>()), size);
  const auto layers =
      trim(docker({"image", "inspect", "--format", "{{len .RootFS.Layers}}", tag}).out);
  EXPECT_EQ(std::to_string(m.at("layers").get<long long>()), layers);
  EXPECT_EQ(v.at("image").at("layers").size(), m.at("layers").get<std::size_t>());
  EXPECT_GT(m.at("latency_p50_us").get<double>(), 0);
  EXPECT_LE(m.at("latency_p50_us").get<double>(), m.at("latency_p99_us").get<double>());
  EXPECT_GT(m.at("ready_ms").get<double>(), 0);
  EXPECT_GT(m.at("mem_idle_bytes").get<double>(), 0);
  EXPECT_EQ(m.at("errors").get<double>(), 0);
  EXPECT_EQ(v.at("samples").at("latency_p50_us").size(), 2U);
  EXPECT_TRUE(fs::exists(out / "report.md"));
  EXPECT_TRUE(fs::exists(out / "results.csv"));
  EXPECT_TRUE(containers_of_run(run_id).empty());

  // The image's facts: a Debian base and no USER, so root; files listed largest first.
  const json& facts = v.at("image").at("facts");
  EXPECT_EQ(facts.at("user"), "");
  EXPECT_EQ(m.at("runs_as_root").get<double>(), 1);
  const json& largest = facts.at("largest_files");
  ASSERT_FALSE(largest.empty());
  for (std::size_t i = 1; i < largest.size(); ++i) {
    EXPECT_GE(largest[i - 1].at("size_bytes").get<long long>(),
              largest[i].at("size_bytes").get<long long>());
  }

  // `imgbench check` reads the budgets of variant.json as it is now against this run.
  const std::string results_file = (out / "results.json").string();
  const auto check = [&](const std::string& budget) {
    repo.set_variant_json("quick",
                          R"({"description": "quick test image", "budget": )" + budget + "}");
    return imgbench({"--repo", repo.root().string(), "check", "--current", results_file},
                    std::chrono::minutes(1));
  };
  auto met = check(R"({"max_size_bytes": )" + size + R"(, "max_layers": )" + layers + "}");
  EXPECT_EQ(met.exit_code, 0) << met.out << met.err;
  EXPECT_NE(met.out.find("| quick | max_size_bytes |"), std::string::npos) << met.out;
  auto over = check(R"({"max_layers": )" + layers + R"(, "non_root": true})");
  EXPECT_EQ(over.exit_code, 1) << over.out << over.err;
  EXPECT_NE(over.out.find("| quick | non_root | non-root | root | runs as root | **OVER** |"),
            std::string::npos)
      << over.out;
  auto bad = check(R"({"min_efficiency": 2})");
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("variant.json: budget.min_efficiency: expected a number from 0 to 1"),
            std::string::npos)
      << bad.err;
}

TEST_F(Engine, BrokenDockerfileFailsThatVariantOnlyAndLeavesNothing) {
  TempRepo repo;
  add_quick_variant(repo, "quick");
  add_broken_variant(repo, "broken");
  auto run = imgbench({"--repo", repo.root().string(), "run", "--requests", "100", "--warmup", "10",
                       "--repetitions", "1"},
                      std::chrono::minutes(10));
  EXPECT_EQ(run.outcome, Outcome::Exited);
  EXPECT_EQ(run.exit_code, 3) << run.err;

  const fs::path latest = repo.root() / "results" / "latest";
  ASSERT_TRUE(fs::is_symlink(latest));
  const json results = read_json(latest / "results.json");
  for (const auto& v : results.at("variants")) {
    if (v.at("name") == "broken") {
      EXPECT_EQ(v.at("status"), "failed");
      EXPECT_NE(v.at("reason").get<std::string>().find("docker build failed"), std::string::npos);
      EXPECT_NE(v.at("log_tail").get<std::string>().find("exit 7"), std::string::npos)
          << v.at("log_tail");
    } else {
      EXPECT_EQ(v.at("status"), "ok");
    }
  }
  EXPECT_TRUE(containers_of_run(results.at("run").at("id")).empty());
  // The run's images were removed (no --keep-images).
  for (const auto& v : results.at("variants")) {
    const std::string tag = v.at("image").value("tag", "");
    if (!tag.empty()) {
      EXPECT_FALSE(docker({"image", "inspect", tag}).ok()) << tag << " was left behind";
    }
  }
}

TEST_F(Engine, InterruptDuringMeasurementExits130RemovesContainersAndKeepsOldResults) {
  TempRepo repo;
  add_quick_variant(repo, "quick");
  // An earlier run's results that must survive the interrupted one.
  const fs::path old_run = repo.root() / "results" / "runs" / "old";
  write_file(old_run / "results.json", "{\"previous\": true}\n");
  fs::create_directory_symlink("runs/old", repo.root() / "results" / "latest");

  const std::string repo_arg = repo.root().string();
  std::vector<std::string> args{IMGBENCH_BINARY, "--repo",  repo_arg,   "run",
                                "--requests",    "5000000", "--warmup", "0",
                                "--repetitions", "1"};
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, IMGBENCH_BINARY, nullptr, nullptr, argv.data(), environ), 0);

  // Wait until a container of this repository's run exists and is being measured.
  bool measuring = false;
  for (int i = 0; i < 600 && !measuring; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto listed = docker({"ps", "--filter", "label=imgbench.variant=quick", "--filter",
                          "status=running", "--format", "{{.Names}}"});
    measuring = !trim(listed.out).empty();
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  kill(pid, SIGINT);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ASSERT_TRUE(measuring) << "the run never reached the measuring phase";
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);

  auto left =
      docker({"ps", "-a", "--filter", "label=imgbench.variant=quick", "--format", "{{.Names}}"});
  EXPECT_EQ(trim(left.out), "");
  EXPECT_EQ(fs::read_symlink(repo.root() / "results" / "latest"), fs::path("runs/old"));
  std::ifstream old(old_run / "results.json");
  std::string text((std::istreambuf_iterator<char>(old)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "{\"previous\": true}\n");
  // Only the old run folder: the interrupted run wrote nothing.
  int runs = 0;
  for ([[maybe_unused]] const auto& entry :
       fs::directory_iterator(repo.root() / "results" / "runs")) {
    ++runs;
  }
  EXPECT_EQ(runs, 1);
}

TEST_F(Engine, AnatomyCountsBytesThatALaterLayerDeletesAsFileOrDirectory) {
  TempRepo repo;
  add_quick_variant(repo, "waste");
  // 5 MB written as a file and 4 MB inside a directory, both deleted by the next layer (the
  // directory is not recreated: on fuse-overlayfs a recreated one would show the old files again).
  write_file(
      repo.root() / "variants" / "waste" / "Dockerfile",
      "FROM imgbench/debian:bookworm-slim\n"
      "RUN head -c 5000000 /dev/zero > /big && mkdir /d && head -c 4000000 /dev/urandom > /d/x\n"
      "RUN rm /big && rm -rf /d\n"
      "COPY healthz /usr/local/bin/healthz\n"
      "CMD [\"/usr/local/bin/healthz\", \"8080\"]\n");
  const fs::path out = repo.root() / "out";
  auto run =
      imgbench({"--repo", repo.root().string(), "run", "--requests", "100", "--warmup", "10",
                "--repetitions", "1", "--duration", "0", "--keep-images", "--out", out.string()},
               std::chrono::minutes(10));
  ASSERT_TRUE(run.ok()) << run.describe() << "\n" << run.err;
  const json v = read_json(out / "results.json").at("variants").at(0);
  const std::string tag = v.at("image").at("tag");
  struct RemoveImage {
    std::string tag;
    ~RemoveImage() { (void)docker({"rmi", tag}); }
  } remove_image{tag};

  const json& m = v.at("metrics");
  EXPECT_GE(m.at("shadowed_bytes").get<long long>(), 9'000'000);
  EXPECT_GT(m.at("compressed_bytes").get<long long>(), 0);
  EXPECT_EQ(m.at("has_shell").get<int>(), 1);
  EXPECT_EQ(m.at("runs_as_root").get<int>(), 1);
  long long sum = 0;
  for (const auto& layer : v.at("image").at("layers")) {
    sum += layer.at("size_bytes").get<long long>();
  }
  EXPECT_EQ(std::to_string(sum),
            trim(docker({"image", "inspect", "--format", "{{.Size}}", tag}).out));
  // The layer that wrote the 9 MB carries them as shadowed; the base layer is marked as such.
  const json& layers = v.at("image").at("layers");
  ASSERT_EQ(layers.size(), 4U);
  EXPECT_TRUE(layers.at(0).at("base").get<bool>());
  EXPECT_GE(layers.at(1).at("shadowed_bytes").get<long long>(), 9'000'000);
}

TEST_F(Engine, ShippedStaticVariantBuildsRunsAndAnswers) {
  const fs::path out = fs::temp_directory_path() / ("imgbench-static-" + std::to_string(getpid()));
  struct RemoveDir {
    fs::path dir;
    ~RemoveDir() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } remove_dir{out};
  auto run =
      imgbench({"--repo", IMGBENCH_SOURCE_DIR, "run", "--variants", "static", "--requests", "500",
                "--warmup", "100", "--repetitions", "1", "--duration", "1", "--out", out.string()},
               std::chrono::minutes(15));
  ASSERT_TRUE(run.ok()) << run.describe() << "\n" << run.err;
  const json results = read_json(out / "results.json");
  const json& v = results.at("variants").at(0);
  EXPECT_EQ(v.at("name"), "static");
  EXPECT_EQ(v.at("status"), "ok");
  EXPECT_EQ(v.at("metrics").at("runs_as_root").get<int>(), 0);
  EXPECT_EQ(v.at("metrics").at("has_shell").get<int>(), 0);
  EXPECT_LE(v.at("metrics").at("size_bytes").get<long long>(), 2'000'000);
  EXPECT_EQ(v.at("metrics").at("errors").get<double>(), 0);
  EXPECT_TRUE(containers_of_run(results.at("run").at("id")).empty());
}

}  // namespace
}  // namespace imgbench
