// DockerCli against the real engine: build, inspect, history, run, stats, logs, stop, remove, and
// the failure paths. Skipped when no engine answers. Every image and container gets a unique name
// and is removed by a scope guard, also when an assertion fails.
#include "docker_cli.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "error.hpp"
#include "process.hpp"

namespace imgbench {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kBaseImage = "imgbench/debian:bookworm-slim";
constexpr const char* kTestLabel = "org.imgbench.docker-cli-test";

ProcessResult docker_cmd(std::vector<std::string> args) {
  ProcessOptions options;
  options.argv = {"docker"};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.timeout = std::chrono::seconds(60);
  return run_process(options);
}

bool engine_answers() { return docker_cmd({"version"}).ok(); }

bool image_present(const std::string& ref) { return docker_cmd({"image", "inspect", ref}).ok(); }

// Unique across processes (pid) and within one (counter), so reruns and parallel ctest never clash.
std::string unique_suffix() {
  static std::atomic<int> counter{0};
  const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count() % 100000;
  return std::to_string(::getpid()) + "-" + std::to_string(ticks) + "-" +
         std::to_string(counter.fetch_add(1));
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "imgbench-docker-cli-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Removal through a client of its own, never cancelled, whatever the test did to its client.
class ContainerGuard {
 public:
  explicit ContainerGuard(std::string name) : name_(std::move(name)) {}
  ~ContainerGuard() { (void)DockerCli().remove_container(name_); }
  ContainerGuard(const ContainerGuard&) = delete;
  ContainerGuard& operator=(const ContainerGuard&) = delete;

 private:
  std::string name_;
};

class ImageGuard {
 public:
  explicit ImageGuard(std::string ref) : ref_(std::move(ref)) {}
  ~ImageGuard() { (void)DockerCli().remove_image(ref_); }
  ImageGuard(const ImageGuard&) = delete;
  ImageGuard& operator=(const ImageGuard&) = delete;

 private:
  std::string ref_;
};

class DockerCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!engine_answers()) {
      GTEST_SKIP() << "no Docker Engine answers `docker version` here";
    }
  }

  // Builds `dockerfile` in `context` as a fresh tag (removed by the returned guard's owner).
  BuildResult build(const TempDir& context, const std::string& dockerfile, const std::string& tag,
                    std::map<std::string, std::string> build_args = {}) {
    context.write("Dockerfile", dockerfile);
    BuildRequest request;
    request.context_dir = context.path().string();
    request.dockerfile = (context.path() / "Dockerfile").string();
    request.tag = tag;
    request.labels = {{kTestLabel, "1"}};
    request.build_args = std::move(build_args);
    request.timeout = std::chrono::minutes(5);
    return docker_.build(request);
  }

  void require_base_image() {
    if (!image_present(kBaseImage)) {
      GTEST_SKIP() << kBaseImage << " is not present (scripts/bases makes it)";
    }
  }

  DockerCli docker_;
};

TEST_F(DockerCliTest, EngineInfoHasVersionsBuilderAndStorageDriver) {
  const EngineInfo info = docker_.engine_info();
  EXPECT_FALSE(info.server_version.empty());
  EXPECT_FALSE(info.client_version.empty());
  EXPECT_FALSE(info.storage_driver.empty());
  EXPECT_FALSE(info.cgroup_version.empty());
  const bool has_buildx = docker_cmd({"buildx", "version"}).ok();
  EXPECT_EQ(info.builder, has_buildx ? "buildkit" : "legacy");
}

TEST_F(DockerCliTest, BuildScratchImageThenInspectAndHistory) {
  const TempDir context;
  const std::string payload(1234, 'x');
  context.write("payload.txt", payload);
  const std::string tag = "imgbench-docker-cli-test/scratch:" + unique_suffix();
  const ImageGuard image_guard(tag);

  const BuildResult built = build(context,
                                  "FROM scratch\n"
                                  "ARG GREETING=none\n"
                                  "LABEL greeting=$GREETING\n"
                                  "COPY payload.txt /payload.txt\n",
                                  tag, {{"GREETING", "hello"}});
  ASSERT_TRUE(built.ok) << built.failure << "\n" << built.log_tail;
  EXPECT_THAT(built.image_id, StartsWith("sha256:"));
  EXPECT_TRUE(built.failure.empty());
  EXPECT_FALSE(built.log_tail.empty());
  EXPECT_GT(built.elapsed.count(), 0);

  const std::optional<ImageInfo> image = docker_.inspect_image(tag);
  ASSERT_TRUE(image.has_value());
  EXPECT_EQ(image->id, built.image_id);
  const ProcessResult size_text = docker_cmd({"image", "inspect", "--format", "{{.Size}}", tag});
  ASSERT_TRUE(size_text.ok()) << size_text.err;
  EXPECT_EQ(image->size_bytes, std::stoll(size_text.out));
  EXPECT_EQ(image->size_bytes, 1234);
  EXPECT_EQ(image->layers.size(), 1U);  // only COPY writes files
  EXPECT_EQ(image->labels.count(kTestLabel), 1U);
  ASSERT_EQ(image->labels.count("greeting"), 1U);
  EXPECT_EQ(image->labels.at("greeting"), "hello");  // the --build-arg arrived

  const std::vector<HistoryRow> rows = docker_.history(tag);
  ASSERT_GE(rows.size(), 2U);
  std::int64_t total = 0;
  int copy_rows = 0;
  for (const HistoryRow& row : rows) {
    total += row.size_bytes;
    if (row.created_by.find("COPY") != std::string::npos) {
      ++copy_rows;
      EXPECT_EQ(row.size_bytes, 1234);
    }
  }
  EXPECT_EQ(copy_rows, 1);
  EXPECT_EQ(total, image->size_bytes);
}

TEST_F(DockerCliTest, BuildWithoutATagMakesAnUntaggedImageKnownByItsId) {
  const TempDir context;
  context.write("payload.txt", "untagged " + unique_suffix());  // an image nobody else has
  const BuildResult built = build(context, "FROM scratch\nCOPY payload.txt /payload.txt\n", "");
  ASSERT_TRUE(built.ok) << built.failure << "\n" << built.log_tail;
  const ImageGuard image_guard(built.image_id);
  const ProcessResult tags =
      docker_cmd({"image", "inspect", "--format", "{{len .RepoTags}}", built.image_id});
  ASSERT_TRUE(tags.ok()) << tags.err;
  EXPECT_EQ(tags.out, "0\n");
}

TEST_F(DockerCliTest, InspectOfMissingImageIsNullopt) {
  EXPECT_FALSE(docker_.inspect_image("imgbench-docker-cli-test/absent:" + unique_suffix()));
}

TEST_F(DockerCliTest, HistoryOfMissingImageThrowsNamingTheImage) {
  const std::string ref = "imgbench-docker-cli-test/absent:" + unique_suffix();
  try {
    (void)docker_.history(ref);
    FAIL() << "expected imgbench::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("docker history " + ref));
    EXPECT_THAT(e.what(), HasSubstr("No such image"));
  }
}

TEST_F(DockerCliTest, BadDockerfileFailsWithTheEnginesMessage) {
  const TempDir context;
  const std::string tag = "imgbench-docker-cli-test/bad:" + unique_suffix();
  const ImageGuard image_guard(tag);
  const BuildResult built = build(context, "FROM scratch\nFROBNICATE everything\n", tag);
  EXPECT_FALSE(built.ok);
  EXPECT_TRUE(built.image_id.empty());
  EXPECT_THAT(built.failure, StartsWith("exit 1"));
  EXPECT_THAT(built.failure, HasSubstr("unknown instruction"));
  EXPECT_THAT(built.log_tail, HasSubstr("unknown instruction: FROBNICATE"));
  EXPECT_FALSE(docker_.inspect_image(tag).has_value());
}

TEST_F(DockerCliTest, RunFailureIsDataNotAnException) {
  // A scratch image has no command, so the engine refuses to create the container.
  const TempDir context;
  context.write("f", "f");
  const std::string tag = "imgbench-docker-cli-test/nocmd:" + unique_suffix();
  const ImageGuard image_guard(tag);
  const BuildResult built = build(context, "FROM scratch\nCOPY f /f\n", tag);
  ASSERT_TRUE(built.ok) << built.failure;

  RunRequest run;
  run.image = tag;
  run.name = "imgbench-docker-cli-test-nocmd-" + unique_suffix();
  const ContainerGuard container_guard(run.name);
  const RunResult started = docker_.run_detached(run);
  EXPECT_FALSE(started.ok);
  EXPECT_TRUE(started.container_id.empty());
  // The first line carries the daemon's reason, not the CLI's "Run 'docker run --help'" hint.
  const std::string first = started.failure.substr(0, started.failure.find('\n'));
  EXPECT_THAT(first, StartsWith("exit 125"));
  EXPECT_THAT(first, HasSubstr("No command specified"));
}

TEST_F(DockerCliTest, ContainerLifecycleInspectStatsStopRemove) {
  require_base_image();
  const TempDir context;
  const std::string tag = "imgbench-docker-cli-test/sleep:" + unique_suffix();
  const ImageGuard image_guard(tag);
  const BuildResult built =
      build(context, std::string("FROM ") + kBaseImage + "\nCMD [\"sleep\", \"30\"]\n", tag);
  ASSERT_TRUE(built.ok) << built.failure << "\n" << built.log_tail;

  const std::string run_id = unique_suffix();
  RunRequest run;
  run.image = tag;
  run.name = "imgbench-docker-cli-test-sleep-" + run_id;
  run.labels = {{kTestLabel, run_id}};
  run.publish = true;
  run.container_port = 8080;
  const ContainerGuard container_guard(run.name);

  const RunResult started = docker_.run_detached(run);
  ASSERT_TRUE(started.ok) << started.failure;
  EXPECT_EQ(started.container_id.size(), 64U);

  const std::optional<ContainerInfo> info = docker_.inspect_container(run.name);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->id, started.container_id);
  EXPECT_TRUE(info->running);
  EXPECT_EQ(info->status, "running");
  EXPECT_FALSE(info->ip_address.empty());
  ASSERT_TRUE(info->host_port.has_value());
  const ProcessResult port = docker_cmd({"port", run.name, "8080/tcp"});
  ASSERT_TRUE(port.ok()) << port.err;
  EXPECT_THAT(port.out, StartsWith("127.0.0.1:" + std::to_string(*info->host_port)));

  const std::optional<ContainerStats> stats = docker_.stats(run.name);
  ASSERT_TRUE(stats.has_value());
  EXPECT_GT(stats->mem_limit_bytes, 0);
  EXPECT_GE(stats->cpu_percent, 0.0);

  EXPECT_EQ(docker_.containers_with_label(kTestLabel, run_id), std::vector<std::string>{run.name});
  const auto any_value = docker_.containers_with_label(kTestLabel, "");
  EXPECT_NE(std::find(any_value.begin(), any_value.end(), run.name), any_value.end());

  const StopResult stopped = docker_.stop(run.name, std::chrono::seconds(1));
  EXPECT_TRUE(stopped.ok) << stopped.failure;
  const std::optional<ContainerInfo> after = docker_.inspect_container(run.name);
  ASSERT_TRUE(after.has_value());
  EXPECT_FALSE(after->running);
  EXPECT_EQ(after->status, "exited");

  EXPECT_TRUE(docker_.remove_container(run.name));
  EXPECT_TRUE(docker_.containers_with_label(kTestLabel, run_id).empty());
  EXPECT_FALSE(docker_.inspect_container(run.name).has_value());
  EXPECT_FALSE(docker_.stats(run.name).has_value());
  EXPECT_TRUE(docker_.remove_container(run.name));  // already gone still counts as gone
  const StopResult stop_missing = docker_.stop(run.name, std::chrono::seconds(1));
  EXPECT_FALSE(stop_missing.ok);
  EXPECT_THAT(stop_missing.failure, HasSubstr("No such container"));
}

TEST_F(DockerCliTest, LogsTailMergesStdoutAndStderrInOrder) {
  require_base_image();
  const TempDir context;
  const std::string tag = "imgbench-docker-cli-test/logs:" + unique_suffix();
  const ImageGuard image_guard(tag);
  const BuildResult built = build(context,
                                  std::string("FROM ") + kBaseImage +
                                      "\nCMD [\"sh\", \"-c\", \"echo out-1; sleep 0.3; echo err-2 "
                                      ">&2; sleep 0.3; echo out-3\"]\n",
                                  tag);
  ASSERT_TRUE(built.ok) << built.failure << "\n" << built.log_tail;

  RunRequest run;
  run.image = tag;
  run.name = "imgbench-docker-cli-test-logs-" + unique_suffix();
  const ContainerGuard container_guard(run.name);
  ASSERT_TRUE(docker_.run_detached(run).ok);

  // Wait for the container to exit (bounded; no timing is asserted).
  bool exited = false;
  for (int i = 0; i < 300 && !exited; ++i) {
    const auto info = docker_.inspect_container(run.name);
    ASSERT_TRUE(info.has_value());
    exited = !info->running;
    if (!exited) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ASSERT_TRUE(exited);
  EXPECT_EQ(docker_.logs_tail(run.name, 10), "out-1\nerr-2\nout-3\n");
  EXPECT_EQ(docker_.logs_tail(run.name, 1), "out-3\n");
  EXPECT_EQ(docker_.logs_tail("imgbench-docker-cli-test-absent-" + unique_suffix(), 10), "");
}

TEST_F(DockerCliTest, RemoveImageOfMissingImageIsTrue) {
  EXPECT_TRUE(docker_.remove_image("imgbench-docker-cli-test/absent:" + unique_suffix()));
}

TEST_F(DockerCliTest, CancelStopsBuildButNotCleanup) {
  const TempDir context;
  context.write("f", "f");
  const std::string tag = "imgbench-docker-cli-test/cancel:" + unique_suffix();
  const ImageGuard image_guard(tag);
  ASSERT_TRUE(build(context, "FROM scratch\nCOPY f /f\n", tag).ok);

  volatile std::sig_atomic_t cancelled = 1;  // as if Ctrl-C had already been pressed
  DockerCli interrupted("docker", &cancelled);
  BuildRequest request;
  request.context_dir = context.path().string();
  request.dockerfile = (context.path() / "Dockerfile").string();
  request.tag = tag + "-again";
  const ImageGuard again_guard(request.tag);
  const BuildResult built = interrupted.build(request);
  EXPECT_FALSE(built.ok);
  EXPECT_THAT(built.failure, StartsWith("cancelled"));

  // Cleanup ignores the flag: the image goes away.
  EXPECT_TRUE(interrupted.remove_image(tag));
  EXPECT_FALSE(docker_.inspect_image(tag).has_value());
}

// These two need no engine: they check the messages a user sees when there is none.
TEST(DockerCliNoEngine, UnreachableEngineThrowsOneClearSentence) {
  DockerCli docker("docker", nullptr, {"DOCKER_HOST=unix:///nonexistent.sock"});
  if (!docker_cmd({"--version"}).ok()) {
    GTEST_SKIP() << "no docker CLI on PATH";
  }
  try {
    (void)docker.engine_info();
    FAIL() << "expected imgbench::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), kExitUsage);
    const std::string message = e.what();
    EXPECT_THAT(message, StartsWith("Docker Engine not reachable at unix:///nonexistent.sock ("));
    EXPECT_THAT(message, HasSubstr("Cannot connect to the Docker daemon"));
    EXPECT_THAT(message, HasSubstr("start it with"));
    EXPECT_EQ(message.find('\n'), std::string::npos);
  }
}

TEST(DockerCliNoEngine, MissingCliThrowsAndCleanupReturnsFalse) {
  DockerCli docker("imgbench-no-such-docker-binary");
  try {
    (void)docker.engine_info();
    FAIL() << "expected imgbench::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), kExitUsage);
    EXPECT_THAT(e.what(), StartsWith("docker CLI not found on PATH"));
    EXPECT_THAT(e.what(), HasSubstr("install docker.io"));
  }
  EXPECT_FALSE(docker.remove_container("anything"));
  EXPECT_FALSE(docker.remove_image("anything"));
  EXPECT_FALSE(docker.stop("anything", std::chrono::seconds(1)).ok);
}

}  // namespace
}  // namespace imgbench
