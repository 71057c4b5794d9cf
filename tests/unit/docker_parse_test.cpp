// The Docker CLI parsers against output recorded from this machine's engine (tests/fixtures/docker,
// Docker Engine 20.10 with a 28.x CLI) and against broken input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "docker.hpp"
#include "error.hpp"

namespace imgbench {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string fixture(const std::string& name) {
  const std::string path = std::string(IMGBENCH_FIXTURES) + "/docker/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "missing fixture " << path;
    return {};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The message of the Error that `parse` throws; fails the test when it throws nothing.
template <typename Parse>
std::string error_of(Parse&& parse) {
  try {
    (void)parse();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected imgbench::Error";
  return {};
}

// A recorded document with one change applied, for the missing-field and wrong-type cases.
std::string edited(const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json doc = nlohmann::json::parse(fixture(name));
  edit(doc);
  return doc.dump();
}

// --- docker image inspect ---------------------------------------------------------------------

TEST(ParseImageInspect, BuiltImageHasSizeLayersAndConfig) {
  const ImageInfo image = parse_image_inspect(fixture("image_inspect_app.json"));
  EXPECT_EQ(image.id, "sha256:d9bb5cde9180295192ea1023b4a81d9b1e19e660094d712098068a7645576f56");
  EXPECT_EQ(image.size_bytes, 74502041);
  ASSERT_EQ(image.layers.size(), 3U);
  EXPECT_EQ(image.layers.front(),
            "sha256:18e121c9d027b48768f5b3422b3e924540794d6bddbdca4cfeee8a87666d68be");
  EXPECT_EQ(image.layers.back(),
            "sha256:dbb1dbf3bb193ef295c39d46119a1692ab2785d19fc1c2bb3106c52a9164f383");
  EXPECT_EQ(image.user, "1000:1000");
  EXPECT_THAT(image.exposed_ports, ElementsAre("8080/tcp", "9090/udp"));
  EXPECT_THAT(image.entrypoint, ElementsAre("/bin/sleep"));
  EXPECT_THAT(image.cmd, ElementsAre("300"));
  EXPECT_EQ(image.labels.size(), 3U);
  EXPECT_EQ(image.labels.at("org.imgbench.fixture"), "dock");
  EXPECT_EQ(image.labels.at("run"), "dockrec");
  EXPECT_EQ(image.created, "2026-12-03T18:28:12.747633058Z");
}

TEST(ParseImageInspect, ScratchImageWithoutEntrypointCmdOrLabels) {
  const ImageInfo image = parse_image_inspect(fixture("image_inspect_scratch.json"));
  EXPECT_EQ(image.size_bytes, 6);
  EXPECT_THAT(
      image.layers,
      ElementsAre("sha256:fd3ac5346b874e084bd13ab467c112056673017293ca6d53bfe831c251916287"));
  EXPECT_EQ(image.user, "");
  EXPECT_TRUE(image.entrypoint.empty());
  EXPECT_TRUE(image.cmd.empty());
  EXPECT_TRUE(image.labels.empty());
  EXPECT_TRUE(image.exposed_ports.empty());
}

TEST(ParseImageInspect, ImportedImageWithEmptyConfigObject) {
  const ImageInfo image = parse_image_inspect(fixture("image_inspect_imported.json"));
  EXPECT_EQ(image.id, "sha256:60cf9979999a8b482eff7a245e2aff84098041f276e4ab3038ea6cece3af6325");
  EXPECT_EQ(image.size_bytes, 74502032);
  EXPECT_EQ(image.layers.size(), 1U);
  EXPECT_EQ(image.user, "");
  EXPECT_TRUE(image.cmd.empty());
}

TEST(ParseImageInspect, NullConfigIsTreatedAsEmpty) {
  const ImageInfo image = parse_image_inspect(
      edited("image_inspect_app.json", [](nlohmann::json& d) { d["Config"] = nullptr; }));
  EXPECT_EQ(image.user, "");
  EXPECT_TRUE(image.labels.empty());
}

TEST(ParseImageInspect, NotJsonNamesTheCommand) {
  const std::string message = error_of([] { return parse_image_inspect("Error: oops"); });
  EXPECT_THAT(message, HasSubstr("docker image inspect"));
  EXPECT_THAT(message, HasSubstr("not JSON"));
}

// Found by docker_fuzz (tests/fixtures/fuzz/docker_fuzz/): valid JSON whose number no double
// holds made nlohmann throw out_of_range, which escaped instead of an Error naming the command.
TEST(ParseImageInspect, NumberBeyondDoubleRangeNamesTheCommand) {
  const std::string message = error_of([] { return parse_image_inspect(R"({"Size": 1e400})"); });
  EXPECT_THAT(message, HasSubstr("docker image inspect: a number out of range:"));
  EXPECT_THAT(message, HasSubstr("1e400"));
}

TEST(ParseImageInspect, EmptyOutputIsAnError) {
  EXPECT_THAT(error_of([] { return parse_image_inspect("\n"); }), HasSubstr("empty output"));
}

TEST(ParseImageInspect, ArrayInsteadOfObjectIsAnError) {
  EXPECT_THAT(error_of([] { return parse_image_inspect("[{}]"); }),
              HasSubstr("expected a JSON object, got array"));
}

TEST(ParseImageInspect, MissingIdNamesTheField) {
  const std::string text =
      edited("image_inspect_app.json", [](nlohmann::json& d) { d.erase("Id"); });
  EXPECT_THAT(error_of([&] { return parse_image_inspect(text); }),
              HasSubstr("docker image inspect: .Id: expected a string, but the field is missing"));
}

TEST(ParseImageInspect, LayersNotAnArrayNamesTheField) {
  const std::string text =
      edited("image_inspect_app.json", [](nlohmann::json& d) { d["RootFS"]["Layers"] = "x"; });
  EXPECT_THAT(error_of([&] { return parse_image_inspect(text); }),
              HasSubstr("docker image inspect: .RootFS.Layers: expected an array"));
}

TEST(ParseImageInspect, SizeAsStringNamesTheField) {
  const std::string text =
      edited("image_inspect_app.json", [](nlohmann::json& d) { d["Size"] = "74MB"; });
  EXPECT_THAT(error_of([&] { return parse_image_inspect(text); }),
              HasSubstr(".Size: expected an integer"));
}

TEST(ParseImageInspect, NegativeSizeIsRejected) {
  const std::string text =
      edited("image_inspect_app.json", [](nlohmann::json& d) { d["Size"] = -1; });
  EXPECT_THAT(error_of([&] { return parse_image_inspect(text); }), HasSubstr(".Size"));
}

TEST(ParseImageInspect, EntrypointAsStringNamesTheField) {
  const std::string text = edited("image_inspect_app.json", [](nlohmann::json& d) {
    d["Config"]["Entrypoint"] = "/bin/sleep";
  });
  EXPECT_THAT(error_of([&] { return parse_image_inspect(text); }),
              HasSubstr(".Config.Entrypoint: expected an array of strings"));
}

TEST(ParseImageInspect, LabelWithNumberValueNamesTheField) {
  const std::string text =
      edited("image_inspect_app.json", [](nlohmann::json& d) { d["Config"]["Labels"]["n"] = 1; });
  EXPECT_THAT(error_of([&] { return parse_image_inspect(text); }),
              HasSubstr(".Config.Labels: expected an object of strings"));
}

TEST(ParseImageInspect, ConfigNotAnObjectNamesTheParent) {
  const std::string text =
      edited("image_inspect_app.json", [](nlohmann::json& d) { d["Config"] = "nope"; });
  EXPECT_THAT(error_of([&] { return parse_image_inspect(text); }),
              HasSubstr(".Config: expected an object"));
}

// --- docker history ---------------------------------------------------------------------------

TEST(ParseHistory, RowsNewestFirstWithByteSizes) {
  const std::vector<HistoryRow> rows = parse_history(fixture("history_app.jsonl"));
  ASSERT_EQ(rows.size(), 9U);
  EXPECT_EQ(rows.front().id,
            "sha256:d9bb5cde9180295192ea1023b4a81d9b1e19e660094d712098068a7645576f56");
  EXPECT_EQ(rows.front().created_by, "/bin/sh -c #(nop)  LABEL run=dockrec");
  EXPECT_EQ(rows.front().size_bytes, 0);
  EXPECT_EQ(rows[5].size_bytes, 6);  // COPY hello.txt
  EXPECT_THAT(rows[5].created_by, HasSubstr("COPY file:"));
  EXPECT_EQ(rows[6].created_by, "/bin/sh -c mkdir -p /app && echo 'ok' > /app/ready.txt");
  EXPECT_EQ(rows[6].size_bytes, 3);
  EXPECT_EQ(rows.back().comment, "Imported from -");
  EXPECT_EQ(rows.back().created_by, "");
  EXPECT_EQ(rows.back().size_bytes, 74502032);
}

TEST(ParseHistory, RowSizesAddUpToTheImageSize) {
  std::int64_t total = 0;
  for (const HistoryRow& row : parse_history(fixture("history_app.jsonl"))) {
    total += row.size_bytes;
  }
  EXPECT_EQ(total, parse_image_inspect(fixture("image_inspect_app.json")).size_bytes);
}

TEST(ParseHistory, ScratchImageHasOneRow) {
  const std::vector<HistoryRow> rows = parse_history(fixture("history_scratch.jsonl"));
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].size_bytes, 6);
}

TEST(ParseHistory, EmptyOutputIsNoRows) { EXPECT_TRUE(parse_history("").empty()); }

TEST(ParseHistory, NumericSizeIsAccepted) {
  const auto rows = parse_history(R"({"ID":"<missing>","CreatedBy":"x","Size":42,"Comment":""})");
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].size_bytes, 42);
}

TEST(ParseHistory, HumanSizeNamesLineAndField) {
  std::string text = fixture("history_app.jsonl");
  const std::string needle = R"("Size":"3")";
  text.replace(text.find(needle), needle.size(), R"("Size":"3B")");
  const std::string message = error_of([&] { return parse_history(text); });
  EXPECT_THAT(message, HasSubstr("docker history: line 7: .Size: expected a byte count"));
  EXPECT_THAT(message, HasSubstr("\"3B\""));
}

TEST(ParseHistory, BrokenLineNamesTheLine) {
  const std::string text = fixture("history_scratch.jsonl") + "{\"ID\": \n";
  EXPECT_THAT(error_of([&] { return parse_history(text); }),
              HasSubstr("docker history: line 2: not JSON"));
}

TEST(ParseHistory, MissingCreatedByNamesTheField) {
  EXPECT_THAT(error_of([] { return parse_history(R"({"ID":"x","Size":"1"})"); }),
              HasSubstr("docker history: line 1: .CreatedBy: expected a string"));
}

// --- docker container inspect -----------------------------------------------------------------

TEST(ParseContainerInspect, RunningOnDefaultBridgeWithPublishedPort) {
  const ContainerInfo c =
      parse_container_inspect(fixture("container_inspect_bridge_published.json"), 8080);
  EXPECT_EQ(c.id, "ef8b95ec380750c7ecacaf1f354f068ba54bbcbb388a89508b24346160788093");
  EXPECT_EQ(c.status, "running");
  EXPECT_TRUE(c.running);
  EXPECT_EQ(c.exit_code, 0);
  EXPECT_FALSE(c.oom_killed);
  EXPECT_EQ(c.ip_address, "172.17.0.2");
  ASSERT_TRUE(c.host_port.has_value());
  EXPECT_EQ(*c.host_port, 32768);
  EXPECT_EQ(c.started_at, "2026-12-03T18:28:21.311195367Z");
  EXPECT_EQ(c.finished_at, "0001-01-01T00:00:00Z");
}

TEST(ParseContainerInspect, UnknownPortTakesFirstLoopbackTcpBinding) {
  const ContainerInfo c =
      parse_container_inspect(fixture("container_inspect_bridge_published.json"), 0);
  EXPECT_EQ(c.host_port, std::optional<int>(32768));
}

TEST(ParseContainerInspect, PortThatIsNotPublishedHasNoHostPort) {
  // 9090 is exposed as udp only; the tcp key does not exist.
  const ContainerInfo c =
      parse_container_inspect(fixture("container_inspect_bridge_published.json"), 9090);
  EXPECT_FALSE(c.host_port.has_value());
}

TEST(ParseContainerInspect, BindingOnAllInterfacesIsNotUsed) {
  const std::string text = edited("container_inspect_bridge_published.json", [](nlohmann::json& d) {
    d["NetworkSettings"]["Ports"]["8080/tcp"][0]["HostIp"] = "0.0.0.0";
  });
  EXPECT_FALSE(parse_container_inspect(text, 8080).host_port.has_value());
}

TEST(ParseContainerInspect, UserNetworkAddressComesFromNetworks) {
  const ContainerInfo c =
      parse_container_inspect(fixture("container_inspect_user_network.json"), 8080);
  EXPECT_TRUE(c.running);
  EXPECT_EQ(c.ip_address, "172.18.0.2");
  EXPECT_FALSE(c.host_port.has_value());  // "8080/tcp": null — exposed, not published
}

TEST(ParseContainerInspect, ExitedContainerHasExitCodeAndNoAddress) {
  const ContainerInfo c = parse_container_inspect(fixture("container_inspect_exited.json"), 8080);
  EXPECT_EQ(c.status, "exited");
  EXPECT_FALSE(c.running);
  EXPECT_EQ(c.exit_code, 3);
  EXPECT_EQ(c.ip_address, "");
  EXPECT_EQ(c.finished_at, "2026-12-03T18:28:21.891078613Z");
}

TEST(ParseContainerInspect, RunningAsStringNamesTheField) {
  const std::string text = edited("container_inspect_exited.json",
                                  [](nlohmann::json& d) { d["State"]["Running"] = "yes"; });
  EXPECT_THAT(error_of([&] { return parse_container_inspect(text, 8080); }),
              HasSubstr("docker container inspect: .State.Running: expected a boolean"));
}

TEST(ParseContainerInspect, MissingStateNamesTheField) {
  const std::string text =
      edited("container_inspect_exited.json", [](nlohmann::json& d) { d.erase("State"); });
  EXPECT_THAT(error_of([&] { return parse_container_inspect(text, 8080); }),
              HasSubstr(".State.Status: expected a string, but the field is missing"));
}

TEST(ParseContainerInspect, BadHostPortNamesTheBinding) {
  const std::string text = edited("container_inspect_bridge_published.json", [](nlohmann::json& d) {
    d["NetworkSettings"]["Ports"]["8080/tcp"][0]["HostPort"] = "http";
  });
  EXPECT_THAT(
      error_of([&] { return parse_container_inspect(text, 8080); }),
      HasSubstr(R"(.NetworkSettings.Ports["8080/tcp"][0].HostPort: expected a port number)"));
}

TEST(ParseContainerInspect, NetworksNotAnObjectNamesTheField) {
  const std::string text = edited("container_inspect_user_network.json", [](nlohmann::json& d) {
    d["NetworkSettings"]["Networks"] = nlohmann::json::array();
  });
  EXPECT_THAT(error_of([&] { return parse_container_inspect(text, 8080); }),
              HasSubstr(".NetworkSettings.Networks: expected an object"));
}

// --- docker stats -----------------------------------------------------------------------------

TEST(ParseStats, RunningContainerMemoryUsageAndLimit) {
  const ContainerStats s = parse_stats(fixture("stats_running.json"));
  EXPECT_EQ(s.mem_usage_bytes, 396 * 1024);  // "396KiB / 23.54GiB"
  EXPECT_EQ(s.mem_limit_bytes, std::llround(23.54 * 1073741824.0));
  EXPECT_DOUBLE_EQ(s.cpu_percent, 0.0);
}

TEST(ParseStats, ExitedContainerIsAllZero) {
  const ContainerStats s = parse_stats(fixture("stats_exited.json"));
  EXPECT_EQ(s.mem_usage_bytes, 0);
  EXPECT_EQ(s.mem_limit_bytes, 0);
}

TEST(ParseStats, CpuPercentWithDecimals) {
  const ContainerStats s = parse_stats(R"({"MemUsage":"1.52MiB / 1GiB","CPUPerc":"12.75%"})");
  EXPECT_DOUBLE_EQ(s.cpu_percent, 12.75);
  EXPECT_EQ(s.mem_usage_bytes, std::llround(1.52 * 1048576.0));
}

TEST(ParseStats, MemUsageWithoutSeparatorNamesTheField) {
  EXPECT_THAT(error_of([] { return parse_stats(R"({"MemUsage":"1MiB","CPUPerc":"0%"})"); }),
              HasSubstr("docker stats: .MemUsage: expected \"<usage> / <limit>\""));
}

TEST(ParseStats, MemUsageWithBadUnitNamesTheField) {
  EXPECT_THAT(error_of([] { return parse_stats(R"({"MemUsage":"1XB / 2GiB","CPUPerc":"0%"})"); }),
              HasSubstr("docker stats: .MemUsage: size \"1XB\""));
}

TEST(ParseStats, DashCpuNamesTheField) {
  EXPECT_THAT(error_of([] { return parse_stats(R"({"MemUsage":"0B / 0B","CPUPerc":"--"})"); }),
              HasSubstr("docker stats: .CPUPerc: expected a percentage"));
}

TEST(ParseStats, MissingMemUsageNamesTheField) {
  EXPECT_THAT(error_of([] { return parse_stats(R"({"CPUPerc":"0%"})"); }),
              HasSubstr(".MemUsage: expected a string, but the field is missing"));
}

// --- docker version / info --------------------------------------------------------------------

TEST(ParseVersion, ServerAndClientVersions) {
  const EngineInfo info = parse_version(fixture("version.json"));
  EXPECT_EQ(info.server_version, "20.10.24+dfsg1");
  EXPECT_EQ(info.client_version, "28.2.2");
  EXPECT_EQ(info.builder, "");  // not in `docker version`; DockerCli fills it
}

TEST(ParseVersion, UnreachableEngineHasNullServer) {
  EXPECT_THAT(error_of([] { return parse_version(fixture("version_unreachable.stdout")); }),
              HasSubstr("docker version: .Server: expected an object (no engine answered)"));
}

TEST(ParseVersion, ServerVersionNumberNamesTheField) {
  const std::string text =
      edited("version.json", [](nlohmann::json& d) { d["Server"]["Version"] = 20; });
  EXPECT_THAT(error_of([&] { return parse_version(text); }),
              HasSubstr("docker version: .Server.Version: expected a string, got number 20"));
}

TEST(ParseInfo, StorageDriverAndCgroupVersion) {
  const DaemonInfo info = parse_info(fixture("info_driver_cgroup.json"));
  EXPECT_EQ(info.storage_driver, "fuse-overlayfs");
  EXPECT_EQ(info.cgroup_version, "1");
}

TEST(ParseInfo, MissingDriverNamesTheField) {
  EXPECT_THAT(error_of([] { return parse_info(R"({"CgroupVersion":"2"})"); }),
              HasSubstr("docker info: .Driver"));
}

// --- sizes ------------------------------------------------------------------------------------

TEST(ParseSizeText, DockerUnitsDecimalAndBinary) {
  const struct {
    const char* text;
    std::int64_t bytes;
  } cases[] = {
      {"0B", 0},
      {"6B", 6},
      {"512kB", 512'000},
      {"512KB", 512'000},
      {"1.5MB", 1'500'000},
      {"74.5MB", 74'500'000},
      {"2GB", 2'000'000'000},
      {"1TB", 1'000'000'000'000},
      {"1KiB", 1024},
      {"396KiB", 405'504},
      {"1.52MiB", 1'593'836},  // 1.52 × 2^20 = 1 593 835.52, rounded
      {"23.47GiB", 25'200'720'609},
      {"1TiB", 1'099'511'627'776},
      {" 7B\n", 7},
      {"10 MB", 10'000'000},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_size_text(c.text), c.bytes) << c.text;
  }
}

TEST(ParseSizeText, GarbageIsAnErrorNamingTheText) {
  for (const char* text :
       {"", "MiB", "abc", "1.2.3MB", "12XB", "-1B", "1e3B", "5", "5 mib", "--", "99999999PiB"}) {
    const std::string message = error_of([&] { return parse_size_text(text); });
    EXPECT_THAT(message, HasSubstr(std::string("size \"") + text + "\"")) << text;
  }
}

// --- failure classification and logs ----------------------------------------------------------

TEST(IsNotFoundMessage, RecordedMissingImageAndContainerMessages) {
  for (const char* name : {"image_inspect_missing.stderr", "history_missing.stderr",
                           "container_inspect_missing.stderr", "stats_missing.stderr",
                           "stop_missing.stderr", "rm_missing.stderr", "rmi_missing.stderr"}) {
    const std::string text = fixture(name);
    ASSERT_FALSE(text.empty()) << name;
    EXPECT_TRUE(is_not_found_message(text)) << name;
  }
}

TEST(IsNotFoundMessage, OtherFailuresAreNotAbsence) {
  for (const char* name :
       {"rmi_in_use.stderr", "version_unreachable.stderr", "buildx_missing.stderr",
        "build_bad_instruction.stderr", "build_run_fails.stderr"}) {
    EXPECT_FALSE(is_not_found_message(fixture(name))) << name;
  }
  EXPECT_FALSE(
      is_not_found_message("unable to prepare context: open /x/Dockerfile: "
                           "no such file or directory"));
  EXPECT_FALSE(is_not_found_message(""));
}

TEST(MergeTimestampedLogs, InterleavesStreamsByTimeAndStripsTimestamps) {
  EXPECT_EQ(
      merge_timestamped_logs(fixture("logs_timestamps.stdout"), fixture("logs_timestamps.stderr")),
      "out-1\nerr-2\nout-3\nerr-4 no newline\n");
}

TEST(MergeTimestampedLogs, StdoutFirstOnEqualTimestamps) {
  EXPECT_EQ(merge_timestamped_logs("2026-01-01T00:00:00.000000000Z a\n",
                                   "2026-01-01T00:00:00.000000000Z b\n"),
            "a\nb\n");
}

TEST(MergeTimestampedLogs, EmptyStreamsGiveEmptyText) {
  EXPECT_EQ(merge_timestamped_logs("", ""), "");
}

}  // namespace
}  // namespace imgbench

namespace imgbench {
namespace {

std::string read_build_fixture(const std::string& name) {
  std::ifstream in(std::string(IMGBENCH_FIXTURES) + "/docker/" + name);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(ParseBuildStepImages, MultiStageLogListsEveryStepImageButNotTheFromImages) {
  // Recorded from this engine: stage 1 FROM imgbench/debian (49a9211cafb9, not ours), stage 2
  // FROM build (6777a8f69d58, listed once as stage 1's last step), stage 3 FROM scratch.
  const std::vector<std::string> expected{"92a8f5ebb21c", "6777a8f69d58", "c2b225eeb120",
                                          "8493d50224e3", "a1138fbbee82", "0b9be6517654",
                                          "f2be2b5bd0a9"};
  EXPECT_EQ(parse_build_step_images(read_build_fixture("build_multistage.stdout")), expected);
}

TEST(ParseBuildStepImages, FailedRunStepLeavesOnlyTheBaseWhichIsNotListed) {
  EXPECT_TRUE(parse_build_step_images(read_build_fixture("build_run_fails.stdout")).empty());
}

}  // namespace
}  // namespace imgbench
