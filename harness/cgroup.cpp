#include "cgroup.hpp"

#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>

#include "text.hpp"

namespace imgbench {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_text(const fs::path& file) {
  std::ifstream in(file);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  text = trim(text);
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::int64_t> read_int(const fs::path& file) {
  auto text = read_text(file);
  return text ? parse_int(*text) : std::nullopt;
}

}  // namespace

std::vector<fs::path> memory_cgroup_candidates(const fs::path& root, const std::string& id) {
  const std::string scope = "docker-" + id + ".scope";
  return {
      root / "memory" / "docker" / id,           // v1, cgroupfs driver
      root / "memory" / "system.slice" / scope,  // v1, systemd driver
      root / "system.slice" / scope,             // v2, systemd driver
      root / "docker" / id,                      // v2, cgroupfs driver
  };
}

std::optional<std::int64_t> memory_stat_value(std::string_view stat_text, std::string_view key) {
  std::size_t start = 0;
  while (start < stat_text.size()) {
    auto end = stat_text.find('\n', start);
    if (end == std::string_view::npos) {
      end = stat_text.size();
    }
    const std::string_view line = stat_text.substr(start, end - start);
    start = end + 1;
    const auto space = line.find(' ');
    if (space != std::string_view::npos && line.substr(0, space) == key) {
      return parse_int(line.substr(space + 1));
    }
  }
  return std::nullopt;
}

std::optional<CgroupMemory> read_container_memory(const std::string& id, const fs::path& root) {
  if (id.empty() || id.find('/') != std::string::npos) {
    return std::nullopt;
  }
  for (const auto& dir : memory_cgroup_candidates(root, id)) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      continue;
    }
    const bool v1 = fs::exists(dir / "memory.usage_in_bytes", ec);
    const auto usage = read_int(dir / (v1 ? "memory.usage_in_bytes" : "memory.current"));
    const auto stat = read_text(dir / "memory.stat");
    if (!usage || !stat) {
      return std::nullopt;
    }
    const auto inactive = memory_stat_value(*stat, v1 ? "total_inactive_file" : "inactive_file");
    CgroupMemory memory;
    memory.usage_bytes = *usage - (inactive && *inactive < *usage ? *inactive : 0);
    memory.peak_bytes = read_int(dir / (v1 ? "memory.max_usage_in_bytes" : "memory.peak"));
    return memory;
  }
  return std::nullopt;
}

}  // namespace imgbench
