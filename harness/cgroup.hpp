// Reads a container's memory straight from its cgroup (v1 or v2) on this host: exact bytes, no
// 2-second `docker stats` sample, and the peak, which `docker stats` does not report.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgbench {

struct CgroupMemory {
  // What `docker stats` shows: usage minus inactive page cache (v1 total_inactive_file, v2
  // inactive_file), so that files the service merely read do not count.
  std::int64_t usage_bytes = 0;
  // Highest usage since the container started (v1 memory.max_usage_in_bytes, v2 memory.peak),
  // page cache included; absent where the kernel does not keep it.
  std::optional<std::int64_t> peak_bytes;
};

// The folders where the engine may have put container `id`'s memory cgroup under `root`
// (cgroupfs and systemd drivers, v1 and v2), most likely first.
[[nodiscard]] std::vector<std::filesystem::path> memory_cgroup_candidates(
    const std::filesystem::path& root, const std::string& id);

// Parses memory.stat text; the value of `key`, or std::nullopt when absent.
[[nodiscard]] std::optional<std::int64_t> memory_stat_value(std::string_view stat_text,
                                                            std::string_view key);

// Reads the first candidate folder that exists; std::nullopt when none does (a remote engine, or
// a container that is gone).
[[nodiscard]] std::optional<CgroupMemory> read_container_memory(
    const std::string& id, const std::filesystem::path& root = "/sys/fs/cgroup");

}  // namespace imgbench
