// Container memory from cgroup files: folder layouts of both cgroup versions and both drivers.
#include "cgroup.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace imgbench {
namespace {

namespace fs = std::filesystem;

class FakeCgroupRoot {
 public:
  FakeCgroupRoot() {
    std::random_device rd;
    root_ = fs::temp_directory_path() / ("imgbench-cgroup-" + std::to_string(rd()));
    fs::create_directories(root_);
  }
  FakeCgroupRoot(const FakeCgroupRoot&) = delete;
  FakeCgroupRoot& operator=(const FakeCgroupRoot&) = delete;
  ~FakeCgroupRoot() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  void write(const fs::path& relative, const std::string& text) const {
    fs::create_directories((root_ / relative).parent_path());
    std::ofstream(root_ / relative) << text;
  }
  [[nodiscard]] const fs::path& root() const { return root_; }

 private:
  fs::path root_;
};

// Recorded on this machine (cgroup v1, cgroupfs driver) for an idle `sleep` container; docker stats
// showed 536KiB = 548864 = 2445312 - 1896448.
constexpr const char* kV1Stat =
    "cache 1896448\nrss 98304\ninactive_file 1896448\ntotal_cache 1896448\ntotal_rss 98304\n"
    "total_inactive_file 1896448\n";

TEST(Cgroup, MemoryStatValueFindsTheExactKey) {
  EXPECT_EQ(memory_stat_value(kV1Stat, "total_inactive_file"), 1896448);
  EXPECT_EQ(memory_stat_value(kV1Stat, "rss"), 98304);
  EXPECT_EQ(memory_stat_value(kV1Stat, "inactive"), std::nullopt);
  EXPECT_EQ(memory_stat_value("broken line\nrss x\n", "rss"), std::nullopt);
}

TEST(Cgroup, V1CgroupfsSubtractsInactiveFileLikeDockerStats) {
  FakeCgroupRoot fake;
  fake.write("memory/docker/abc/memory.usage_in_bytes", "2445312\n");
  fake.write("memory/docker/abc/memory.max_usage_in_bytes", "3567616\n");
  fake.write("memory/docker/abc/memory.stat", kV1Stat);
  const auto memory = read_container_memory("abc", fake.root());
  ASSERT_TRUE(memory.has_value());
  EXPECT_EQ(memory->usage_bytes, 548864);
  EXPECT_EQ(memory->peak_bytes, 3567616);
}

TEST(Cgroup, V2SystemdScopeUsesMemoryCurrentAndPeak) {
  FakeCgroupRoot fake;
  fake.write("system.slice/docker-abc.scope/memory.current", "10000\n");
  fake.write("system.slice/docker-abc.scope/memory.peak", "25000\n");
  fake.write("system.slice/docker-abc.scope/memory.stat", "anon 6000\ninactive_file 4000\n");
  const auto memory = read_container_memory("abc", fake.root());
  ASSERT_TRUE(memory.has_value());
  EXPECT_EQ(memory->usage_bytes, 6000);
  EXPECT_EQ(memory->peak_bytes, 25000);
}

TEST(Cgroup, V2WithoutPeakFileHasNoPeak) {
  FakeCgroupRoot fake;
  fake.write("docker/abc/memory.current", "10000\n");
  fake.write("docker/abc/memory.stat", "inactive_file 0\n");
  const auto memory = read_container_memory("abc", fake.root());
  ASSERT_TRUE(memory.has_value());
  EXPECT_EQ(memory->usage_bytes, 10000);
  EXPECT_FALSE(memory->peak_bytes.has_value());
}

TEST(Cgroup, MissingContainerOrUnsafeIdGivesNothing) {
  FakeCgroupRoot fake;
  EXPECT_FALSE(read_container_memory("abc", fake.root()).has_value());
  EXPECT_FALSE(read_container_memory("../../etc", fake.root()).has_value());
  EXPECT_FALSE(read_container_memory("", fake.root()).has_value());
}

}  // namespace
}  // namespace imgbench
