// The runner against fake Docker and HTTP: the order of a run, failures as data, guaranteed
// cleanup.
#include "runner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "fake_docker.hpp"

namespace imgbench {
namespace {

using testing::FakeDocker;
using testing::FakeProbe;

Variant make_variant(const std::string& name) {
  Variant v;
  v.name = name;
  v.description = "the " + name + " variant";
  v.dir = "/repo/variants/" + name;
  v.dockerfile = v.dir / "Dockerfile";
  v.context = "/repo";
  v.requires_images = {"imgbench/debian:bookworm-slim"};
  return v;
}

RunnerOptions make_options(int repetitions = 1) {
  RunnerOptions options;
  options.run.id = "20261203T181500Z-abcd";
  options.run.parameters.requests = 100;
  options.run.parameters.warmup = 10;
  options.run.parameters.repetitions = repetitions;
  options.run.parameters.harness_cpu = -1;
  return options;
}

const VariantResult& find(const Results& results, const std::string& name) {
  auto it = std::find_if(results.variants.begin(), results.variants.end(),
                         [&](const VariantResult& v) { return v.name == name; });
  if (it == results.variants.end()) {
    throw std::runtime_error("no variant " + name);
  }
  return *it;
}

class RunnerTest : public ::testing::Test {
 protected:
  FakeDocker docker;
  FakeProbe probe;
  std::vector<ProgressEvent> events;
  Runner runner{docker, probe, [this](const ProgressEvent& e) { events.push_back(e); }};
};

TEST_F(RunnerTest, MeasuredVariantGetsImageAndLatencyMetrics) {
  docker.sizes["static"] = 1'500'000;
  const auto results = runner.run({make_variant("static")}, make_options());
  const auto& r = find(results, "static");
  EXPECT_EQ(r.status, VariantStatus::Ok);
  EXPECT_FALSE(r.reason.has_value());
  EXPECT_EQ(r.metrics.at("size_bytes"), 1'500'000);
  EXPECT_EQ(r.metrics.at("layers"), 2);
  EXPECT_EQ(r.metrics.at("history_entries"), 3);
  EXPECT_EQ(r.metrics.at("build_cold_ms"), 1500);
  EXPECT_EQ(r.metrics.at("ready_ms"), 250);
  EXPECT_EQ(r.metrics.at("mem_idle_bytes"), 5'000'000);
  EXPECT_EQ(r.metrics.at("stop_ms"), 120);
  EXPECT_EQ(r.metrics.at("build_warm_ms"), 1500);
  EXPECT_EQ(r.metrics.at("create_ms"), 300);
  EXPECT_EQ(r.metrics.at("app_ready_ms"),
            -50);  // the fakes disagree; the arithmetic is what counts
  EXPECT_EQ(r.metrics.at("mem_peak_bytes"), 6'000'000);
  // The fake answers 1..100 µs: type-7 p50 = 50.5, p99 = 99.01, max = 100.
  EXPECT_DOUBLE_EQ(r.metrics.at("latency_p50_us"), 50.5);
  EXPECT_DOUBLE_EQ(r.metrics.at("latency_p99_us"), 99.01);
  EXPECT_DOUBLE_EQ(r.metrics.at("latency_max_us"), 100);
  EXPECT_DOUBLE_EQ(r.metrics.at("latency_mean_us"), 50.5);
  EXPECT_EQ(r.metrics.at("errors"), 0);
  EXPECT_EQ(r.image.tag, "imgbench/static:20261203t181500z-abcd");
  EXPECT_EQ(results.run.docker_server_version, "20.10.fake");
  EXPECT_EQ(results.run.builder, "legacy");
}

TEST_F(RunnerTest, WarmingComesBeforeMeasuringAndThereIsNoProgressUnlessAsked) {
  (void)runner.run({make_variant("static")}, make_options());
  std::vector<std::string> stages;
  for (const auto& e : events) {
    if (e.variant == "static") {
      stages.push_back(e.stage);
    }
  }
  const auto warming = std::find(stages.begin(), stages.end(), "warming");
  const auto measuring = std::find(stages.begin(), stages.end(), "measuring");
  ASSERT_NE(warming, stages.end());
  EXPECT_LT(warming, measuring);
  EXPECT_EQ(std::find(stages.begin(), stages.end(), "progress"), stages.end());
}

TEST_F(RunnerTest, MeasuresTheContainerAddressNotAPublishedPort) {
  (void)runner.run({make_variant("static")}, make_options());
  ASSERT_EQ(probe.measured_urls.size(), 1U);
  EXPECT_EQ(probe.measured_urls[0], "http://ip-of-static:8080/healthz");
}

TEST_F(RunnerTest, LayersArePairedWithTheHistoryRowsThatMadeThem) {
  const auto results = runner.run({make_variant("static")}, make_options());
  const auto& layers = find(results, "static").image.layers;
  ASSERT_EQ(layers.size(), 2U);
  EXPECT_EQ(layers[0].digest, "sha256:base");
  EXPECT_EQ(layers[0].size_bytes, 74'000'000);
  EXPECT_EQ(layers[1].digest, "sha256:app");
  EXPECT_EQ(layers[1].size_bytes, 1000);
  EXPECT_NE(layers[1].created_by.find("COPY"), std::string::npos);
}

TEST_F(RunnerTest, EveryContainerIsNamedLabelledAndRemoved) {
  (void)runner.run({make_variant("fat"), make_variant("static")}, make_options(2));
  EXPECT_TRUE(docker.containers.empty());
  EXPECT_EQ(docker.started.size(), 4U);
  for (const auto& name : docker.started) {
    EXPECT_EQ(name.rfind("imgbench-20261203T181500Z-abcd-", 0), 0U) << name;
  }
}

TEST_F(RunnerTest, ContainerGetsThePlacementsCpusetAndStatsAreReadByContainerId) {
  auto options = make_options();
  options.run.parameters.container_cpuset = "0";
  options.run.parameters.harness_cpu = -1;  // pinning the test thread is not the point here
  (void)runner.run({make_variant("a")}, options);
  EXPECT_EQ(docker.cpusets, std::vector<std::string>{"0"});
  EXPECT_EQ(std::count(docker.calls.begin(), docker.calls.end(),
                       "stats-by cid-imgbench-20261203T181500Z-abcd-a-1"),
            2);
}

TEST_F(RunnerTest, LoadPhasesRecordThroughputPercentilesAndHarnessCpu) {
  auto options = make_options(2);
  options.run.parameters.connections = 8;
  options.run.parameters.duration_s = 1.5;
  options.run.parameters.rate_rps = 500;
  const auto results = runner.run({make_variant("a")}, options);
  const auto& m = find(results, "a").metrics;
  ASSERT_EQ(probe.loads.size(), 4U);  // closed then open, in each of two repetitions
  EXPECT_EQ(probe.loads[0].connections, 8);
  EXPECT_EQ(probe.loads[0].duration, std::chrono::milliseconds(1500));
  EXPECT_EQ(probe.loads[0].rate_rps, 0);
  EXPECT_EQ(probe.loads[1].rate_rps, 500);
  EXPECT_EQ(m.at("load_rps"), 1000);
  // Nearest rank 500 of 100..1099 is 599, within the histogram's 0.4 %.
  EXPECT_NEAR(m.at("load_p50_us"), 599, 599 * 0.004);
  EXPECT_NEAR(m.at("load_p99_us"), 1089, 1089 * 0.004);
  EXPECT_NEAR(m.at("open_uncorrected_p50_us"), 299.5, 299.5 * 0.004);
  EXPECT_EQ(m.at("load_harness_cpu_pct"), 50);
  EXPECT_EQ(m.at("load_harness_wait_pct"), 25);
  EXPECT_EQ(m.at("load_errors"), 4);  // summed over repetitions
  EXPECT_EQ(m.at("open_late_starts"), 14);
}

TEST_F(RunnerTest, ZeroDurationSkipsTheLoadPhase) {
  auto options = make_options();
  options.run.parameters.duration_s = 0;
  const auto results = runner.run({make_variant("a")}, options);
  EXPECT_TRUE(probe.loads.empty());
  EXPECT_EQ(find(results, "a").metrics.count("load_rps"), 0U);
}

TEST_F(RunnerTest, AFailedAnatomyLeavesTheVariantMeasuredAndSaysWhy) {
  const auto results = runner.run({make_variant("a")}, make_options());
  const auto& r = find(results, "a");
  EXPECT_EQ(r.status, VariantStatus::Ok);
  EXPECT_EQ(r.metrics.count("compressed_bytes"), 0U);
  EXPECT_EQ(r.metrics.count("latency_p50_us"), 1U);
  EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const ProgressEvent& e) {
    return e.stage == "warning" && e.detail.find("keeps no layers") != std::string::npos;
  }));
}

TEST(ApplyAnatomy, MetricsAndLayerRowsComeFromTheAnatomy) {
  ImageAnatomy anatomy;
  anatomy.compressed_bytes = 900;
  anatomy.shadowed_bytes = 300;
  anatomy.wasted_bytes = 300;
  anatomy.efficiency = 0.75;
  anatomy.has_shell = false;
  anatomy.runs_as_root = false;
  anatomy.file_count = 12;
  LayerAnatomy layer;
  layer.diff_id = "sha256:x";
  layer.size_bytes = 1200;
  layer.created_by = "COPY a /a";
  layer.compressed_bytes = 900;
  layer.shadowed_bytes = 300;
  layer.base = true;
  anatomy.layers = {layer};
  VariantResult r;
  r.image.layers = {LayerRow{"sha256:x", -1, "", {}, {}, {}}};
  apply_anatomy(anatomy, r);
  EXPECT_EQ(r.metrics.at("compressed_bytes"), 900);
  EXPECT_EQ(r.metrics.at("efficiency"), 0.75);
  EXPECT_EQ(r.metrics.at("has_shell"), 0);
  EXPECT_EQ(r.metrics.at("runs_as_root"), 0);
  EXPECT_EQ(r.metrics.at("file_count"), 12);
  ASSERT_EQ(r.image.layers.size(), 1U);
  EXPECT_EQ(r.image.layers[0].size_bytes, 1200);
  EXPECT_EQ(r.image.layers[0].created_by, "COPY a /a");
  EXPECT_EQ(r.image.layers[0].shadowed_bytes, 300);
  EXPECT_EQ(r.image.layers[0].base, true);
}

TEST_F(RunnerTest, AnEngineErrorMidRunStillRemovesTheImagesBuiltSoFar) {
  docker.history_fails = true;
  EXPECT_THROW((void)runner.run({make_variant("a")}, make_options()), Error);
  const std::vector<std::string> expected{"imgbench/a:20261203t181500z-abcd", "bbbbbbbbbbbb",
                                          "aaaaaaaaaaaa"};
  EXPECT_EQ(docker.removed_images, expected);
}

TEST_F(RunnerTest, AMemoryReadingThatFailsLeavesTheMetricAbsentAndTheRunGoing) {
  docker.stats_fails = true;
  const auto results = runner.run({make_variant("a")}, make_options());
  const auto& r = find(results, "a");
  EXPECT_EQ(r.status, VariantStatus::Ok);
  EXPECT_EQ(r.metrics.count("mem_idle_bytes"), 0U);
  EXPECT_EQ(r.metrics.count("latency_p50_us"), 1U);
}

TEST_F(RunnerTest, EveryFailureIsReportedAsItHappens) {
  docker.exits_at_once.insert("crashy");
  (void)runner.run({make_variant("crashy")}, make_options());
  EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const ProgressEvent& e) {
    return e.variant == "crashy" && e.stage == "failed";
  }));
}

TEST_F(RunnerTest, RepetitionsAreInterleavedAcrossVariants) {
  (void)runner.run({make_variant("a"), make_variant("b")}, make_options(2));
  const std::vector<std::string> expected{
      "imgbench-20261203T181500Z-abcd-a-1", "imgbench-20261203T181500Z-abcd-b-1",
      "imgbench-20261203T181500Z-abcd-a-2", "imgbench-20261203T181500Z-abcd-b-2"};
  EXPECT_EQ(docker.started, expected);
}

TEST_F(RunnerTest, LatencyIsTimedByGoogleBenchmarkWithItsAggregates) {
  const auto results = runner.run({make_variant("a"), make_variant("b")}, make_options(3));
  const auto& r = find(results, "a");
  // Every repetition of the fake answers 1..100 µs: the same p50 each time, so a cv of 0.
  EXPECT_EQ(r.samples.at("latency_p50_us"), (std::vector<double>{50.5, 50.5, 50.5}));
  EXPECT_DOUBLE_EQ(r.metrics.at("latency_p50_us"), 50.5);
  EXPECT_DOUBLE_EQ(r.metrics.at("latency_p50_cv"), 0.0);
  EXPECT_DOUBLE_EQ(r.metrics.at("latency_p99_cv"), 0.0);
  const auto json = nlohmann::json::parse(runner.benchmark_json());
  const auto& benchmarks = json.at("benchmarks");
  ASSERT_EQ(benchmarks.size(), 14U);  // per variant: 3 repetitions and 4 aggregates
  EXPECT_EQ(benchmarks[0].at("name"), "latency/a/iterations:100/manual_time");
  EXPECT_EQ(benchmarks[0].at("latency_p50_us"), 50.5);
  EXPECT_EQ(benchmarks[3].at("aggregate_name"), "mean");
  EXPECT_EQ(benchmarks[7].at("name"), "latency/b/iterations:100/manual_time");
  // The mean request time of a repetition of 1..100 µs is 50.5 µs.
  EXPECT_NEAR(benchmarks[0].at("real_time").get<double>(), 50.5, 1e-6);
}

TEST_F(RunnerTest, ColdRequestsOpenAConnectionEachAndAreReportedApart) {
  auto options = make_options(2);
  options.run.parameters.cold_requests = 40;
  const auto results = runner.run({make_variant("a")}, options);
  const auto& r = find(results, "a");
  ASSERT_EQ(probe.cold_urls.size(), 2U);
  EXPECT_EQ(probe.cold_urls[0], "http://ip-of-a:8080/healthz");
  // The fake's cold client answers 1..40 µs: type-7 p50 = 20.5.
  EXPECT_DOUBLE_EQ(r.metrics.at("cold_latency_p50_us"), 20.5);
  EXPECT_EQ(r.samples.at("cold_latency_p99_us").size(), 2U);
  EXPECT_EQ(r.metrics.at("cold_errors"), 0);
  EXPECT_EQ(r.metrics.at("cold_reused"), 0);
}

TEST_F(RunnerTest, TheKeepAliveConnectionIsClosedBeforeTheContainerIsStopped) {
  // Left open through stop and removal, it delayed the next container on the same address.
  probe.close_log = &docker.calls;
  auto options = make_options();
  options.run.parameters.cold_requests = 0;
  (void)runner.run({make_variant("a")}, options);
  const auto& calls = docker.calls;
  const auto close = std::find(calls.begin(), calls.end(), "close http://ip-of-a:8080/healthz");
  const auto stop = std::find_if(calls.begin(), calls.end(),
                                 [](const std::string& c) { return c.rfind("stop ", 0) == 0; });
  ASSERT_NE(close, calls.end());
  ASSERT_NE(stop, calls.end());
  EXPECT_LT(close, stop);
}

TEST_F(RunnerTest, NoColdRequestsMeansNoColdMetrics) {
  auto options = make_options();
  options.run.parameters.cold_requests = 0;
  const auto results = runner.run({make_variant("a")}, options);
  EXPECT_TRUE(probe.cold_urls.empty());
  EXPECT_EQ(find(results, "a").metrics.count("cold_latency_p50_us"), 0U);
}

TEST_F(RunnerTest, SamplesKeepOneValuePerRepetition) {
  const auto results = runner.run({make_variant("a")}, make_options(3));
  const auto& r = find(results, "a");
  EXPECT_EQ(r.samples.at("ready_ms").size(), 3U);
  EXPECT_EQ(r.samples.at("latency_p50_us").size(), 3U);
}

TEST_F(RunnerTest, BuildFailureIsRecordedAndOthersAreStillMeasured) {
  docker.build_failures["broken"] =
      "Step 2/3 : RUN false\nThe command returned a non-zero code: 1\n";
  const auto results = runner.run({make_variant("broken"), make_variant("ok")}, make_options());
  const auto& broken = find(results, "broken");
  EXPECT_EQ(broken.status, VariantStatus::Failed);
  EXPECT_NE(broken.reason->find("docker build failed"), std::string::npos);
  EXPECT_NE(broken.log_tail.find("non-zero code"), std::string::npos);
  EXPECT_EQ(broken.metrics.count("latency_p50_us"), 0U);
  EXPECT_EQ(find(results, "ok").status, VariantStatus::Ok);
  EXPECT_EQ(find(results, "ok").metrics.count("latency_p50_us"), 1U);
}

TEST_F(RunnerTest, MissingBaseImageSkipsWithTheCommandThatMakesIt) {
  docker.images.clear();
  const auto results = runner.run({make_variant("slim")}, make_options());
  const auto& r = find(results, "slim");
  EXPECT_EQ(r.status, VariantStatus::Skipped);
  EXPECT_NE(r.reason->find("make bases"), std::string::npos);
  EXPECT_EQ(std::count(docker.calls.begin(), docker.calls.end(), "build slim"), 0);
}

TEST_F(RunnerTest, RegistryVariantIsSkippedWhenThePullFails) {
  auto v = make_variant("writeup-alpine");
  v.requires_images = {"python:3.7-alpine"};
  v.requires_registry = true;
  const auto results = runner.run({v}, make_options());
  const auto& r = find(results, "writeup-alpine");
  EXPECT_EQ(r.status, VariantStatus::Skipped);
  EXPECT_NE(r.reason->find("python:3.7-alpine"), std::string::npos);
  EXPECT_NE(r.reason->find("docker pull failed"), std::string::npos);
}

TEST_F(RunnerTest, RegistryVariantRunsWhenThePullWorks) {
  auto v = make_variant("writeup-alpine");
  v.requires_images = {"python:3.7-alpine"};
  v.requires_registry = true;
  docker.pullable.insert("python:3.7-alpine");
  const auto results = runner.run({v}, make_options());
  EXPECT_EQ(find(results, "writeup-alpine").status, VariantStatus::Ok);
}

TEST_F(RunnerTest, ContainerThatExitsAtOnceFailsWithItsCodeAndLogAndIsRemoved) {
  docker.exits_at_once.insert("crashy");
  const auto results = runner.run({make_variant("crashy")}, make_options());
  const auto& r = find(results, "crashy");
  EXPECT_EQ(r.status, VariantStatus::Failed);
  EXPECT_NE(r.reason->find("code 127"), std::string::npos);
  EXPECT_NE(r.log_tail.find("no such file"), std::string::npos);
  EXPECT_TRUE(docker.containers.empty());
}

TEST_F(RunnerTest, NeverReadyFailsWithTheLastAnswerAndIsRemoved) {
  probe.never_ready.insert("ip-of-sleepy");
  auto v = make_variant("sleepy");
  v.ready_timeout = std::chrono::milliseconds(700);
  const auto results = runner.run({v, make_variant("fine")}, make_options());
  const auto& r = find(results, "sleepy");
  EXPECT_EQ(r.status, VariantStatus::Failed);
  EXPECT_NE(r.reason->find("not ready after 700 ms"), std::string::npos);
  EXPECT_NE(r.reason->find("HTTP 503"), std::string::npos);
  EXPECT_EQ(find(results, "fine").status, VariantStatus::Ok);
  EXPECT_TRUE(docker.containers.empty());
}

TEST_F(RunnerTest, InterruptStopsTheRunAndStillRemovesContainersAndImages) {
  volatile std::sig_atomic_t flag = 0;
  probe.interrupt_while_measuring = &flag;
  auto options = make_options(3);
  options.cancel = &flag;
  (void)runner.run({make_variant("a"), make_variant("b")}, options);
  EXPECT_TRUE(runner.interrupted());
  EXPECT_EQ(docker.started.size(), 1U);
  EXPECT_TRUE(docker.containers.empty());
  EXPECT_EQ(docker.removed_images.size(), 6U);  // two tags and each build's two step images
}

TEST_F(RunnerTest, AFailedBuildsStepImagesAreRemovedEvenWhenKeepingImages) {
  docker.build_failures["broken"] = "RUN false";
  auto options = make_options();
  options.keep_images = true;
  (void)runner.run({make_variant("broken")}, options);
  const std::vector<std::string> expected{"bbbbbbbbbbbb", "aaaaaaaaaaaa"};
  EXPECT_EQ(docker.removed_images, expected);
}

TEST_F(RunnerTest, InterruptInTheLastMeasurementStillCountsAsInterrupted) {
  // No later loop iteration re-reads the flag: the probe's "cancelled" must be enough.
  volatile std::sig_atomic_t flag = 0;
  probe.interrupt_while_measuring = &flag;
  auto options = make_options(1);
  options.cancel = &flag;
  const auto results = runner.run({make_variant("only")}, options);
  EXPECT_TRUE(runner.interrupted());
  EXPECT_EQ(find(results, "only").metrics.count("errors"), 0U);
  EXPECT_TRUE(docker.containers.empty());
}

TEST_F(RunnerTest, CachedRebuildIsUntaggedAndADifferentImageFromItIsRemovedAtOnce) {
  docker.warm_image_id = "eeeeeeeeeeee0123456789";  // the cache held another run's steps
  auto options = make_options();
  options.keep_images = true;
  const auto results = runner.run({make_variant("a")}, options);
  const std::vector<std::string> tags{"imgbench/a:20261203t181500z-abcd", ""};
  EXPECT_EQ(docker.build_tags, tags);
  ASSERT_FALSE(docker.removed_images.empty());
  EXPECT_EQ(docker.removed_images.front(), "sha256:eeeeeeeeeeee0123456789");
  EXPECT_EQ(find(results, "a").status, VariantStatus::Ok);
  EXPECT_EQ(docker.images.count("imgbench/a:20261203t181500z-abcd"), 1U);  // kept, as measured
}

TEST_F(RunnerTest, ImagesAreRemovedUnlessAskedToKeepThem) {
  auto options = make_options();
  (void)runner.run({make_variant("a")}, options);
  const std::vector<std::string> expected{"imgbench/a:20261203t181500z-abcd", "bbbbbbbbbbbb",
                                          "aaaaaaaaaaaa"};
  EXPECT_EQ(docker.removed_images, expected);
  docker.removed_images.clear();
  options.keep_images = true;
  (void)runner.run({make_variant("a")}, options);
  // The tag stays; step images are still offered for removal (the engine refuses the kept image's
  // parents, and removes earlier stages that nothing uses).
  const std::vector<std::string> steps_only{"bbbbbbbbbbbb", "aaaaaaaaaaaa"};
  EXPECT_EQ(docker.removed_images, steps_only);
  EXPECT_EQ(docker.images.count("imgbench/a:20261203t181500z-abcd"), 1U);
}

TEST_F(RunnerTest, UnreachableEngineIsAnErrorBeforeAnythingIsBuilt) {
  docker.engine_up = false;
  EXPECT_THROW((void)runner.run({make_variant("a")}, make_options()), Error);
  EXPECT_EQ(std::count(docker.calls.begin(), docker.calls.end(), "build a"), 0);
}

TEST(MatchLayers, MetadataRowsAreNotLayers) {
  EXPECT_TRUE(is_metadata_instruction("/bin/sh -c #(nop)  CMD [\"python3\"]"));
  EXPECT_TRUE(is_metadata_instruction("/bin/sh -c #(nop)  EXPOSE 8080"));
  EXPECT_TRUE(is_metadata_instruction("ENV PATH=/usr/bin"));
  EXPECT_FALSE(is_metadata_instruction("/bin/sh -c #(nop) COPY file:1 in / "));
  EXPECT_FALSE(is_metadata_instruction("/bin/sh -c apt-get install -y gcc"));
  EXPECT_FALSE(is_metadata_instruction(""));
  EXPECT_FALSE(is_metadata_instruction("/bin/sh -c #(nop)  CMDX"));
}

TEST(MatchLayers, UnalignedHistoryKeepsDigestsAndMarksSizesUnknown) {
  const std::vector<HistoryRow> history{{"<missing>", "/bin/sh -c true", 0, ""}};
  const auto rows = match_layers({"sha256:a", "sha256:b"}, history);
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[1].digest, "sha256:b");
  EXPECT_EQ(rows[1].size_bytes, -1);
}

TEST(RunnerNames, ContainerNameAndImageTagCarryTheRunAndVariant) {
  EXPECT_EQ(container_name("20261203T181500Z-abcd", "slim", 0),
            "imgbench-20261203T181500Z-abcd-slim-1");
  EXPECT_EQ(image_tag("20261203T181500Z-abcd", "slim"), "imgbench/slim:20261203t181500z-abcd");
}

}  // namespace
}  // namespace imgbench
