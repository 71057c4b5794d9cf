#include "host.hpp"

#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string_view>
#include <system_error>
#include <thread>

#include "error.hpp"
#include "text.hpp"

namespace imgbench {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxRefHops = 8;  // symbolic refs pointing at symbolic refs; git itself stops at 5

enum class TimeFormat { Rfc3339, Compact };

std::string format_utc(std::chrono::system_clock::time_point when, TimeFormat format) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  std::array<char, 64> text{};
  // Literal formats at each call so -Wformat can check them.
  const std::size_t length =
      format == TimeFormat::Rfc3339
          ? std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &parts)
          : std::strftime(text.data(), text.size(), "%Y%m%dT%H%M%SZ", &parts);
  return {text.data(), length};
}

// Small metadata files only (HEAD, a loose ref, packed-refs); nullopt when unreadable.
std::optional<std::string> read_file(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    return std::nullopt;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool is_object_id(std::string_view text) {
  // SHA-1 (40) or SHA-256 (64) repositories.
  return (text.size() == 40 || text.size() == 64) &&
         std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return text;
}

// A ref name from HEAD becomes a path under .git; refuse anything that could climb out of it.
bool is_safe_ref_name(std::string_view ref) {
  if (ref.substr(0, 5) != "refs/") {
    return false;
  }
  const fs::path path(ref);
  return std::none_of(path.begin(), path.end(), [](const fs::path& part) {
    return part == ".." || part == "." || part.empty();
  });
}

// A path read from a gitdir/commondir file is relative to the folder holding that file.
fs::path resolve_pointer(std::string_view target, const fs::path& base) {
  const fs::path path(target);
  return path.is_absolute() ? path : base / path;
}

struct GitDirs {
  fs::path git_dir;     // holds HEAD (per worktree)
  fs::path common_dir;  // holds refs/ and packed-refs (shared by worktrees)
};

std::optional<GitDirs> find_git_dirs(const fs::path& repo) {
  const fs::path dot_git = repo / ".git";
  std::error_code ec;
  GitDirs dirs;
  if (fs::is_directory(dot_git, ec)) {
    dirs.git_dir = dot_git;
  } else {
    // Worktrees and submodules: .git is a file "gitdir: <path>".
    const auto text = read_file(dot_git);
    constexpr std::string_view kPrefix = "gitdir:";
    if (!text || text->compare(0, kPrefix.size(), kPrefix) != 0) {
      return std::nullopt;
    }
    const std::string first_line = text->substr(kPrefix.size(), text->find('\n') - kPrefix.size());
    dirs.git_dir = resolve_pointer(trim(first_line), repo);
  }
  dirs.common_dir = dirs.git_dir;
  if (const auto common = read_file(dirs.git_dir / "commondir")) {
    dirs.common_dir = resolve_pointer(trim(*common), dirs.git_dir);
  }
  return dirs;
}

std::optional<std::string> find_packed_ref(const fs::path& common_dir, std::string_view ref) {
  const auto text = read_file(common_dir / "packed-refs");
  if (!text) {
    return std::nullopt;
  }
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    // "# pack-refs with: ..." headers and "^<id>" peeled tag lines are not refs.
    if (line.empty() || line[0] == '#' || line[0] == '^') {
      continue;
    }
    const auto space = line.find(' ');
    if (space != std::string::npos && trim(std::string_view(line).substr(space + 1)) == ref) {
      return line.substr(0, space);
    }
  }
  return std::nullopt;
}

}  // namespace

std::string utc_now_rfc3339() {
  return format_utc(std::chrono::system_clock::now(), TimeFormat::Rfc3339);
}

std::string make_run_id() {
  std::random_device device;
  std::uniform_int_distribution<unsigned> digits(0, 0xffff);
  std::array<char, 5> suffix{};
  constexpr std::string_view kHex = "0123456789abcdef";
  unsigned value = digits(device);
  for (std::size_t i = 4; i > 0; --i) {
    suffix[i - 1] = kHex[value & 0xfU];
    value >>= 4U;
  }
  return format_utc(std::chrono::system_clock::now(), TimeFormat::Compact) + "-" +
         std::string(suffix.data(), 4);
}

std::string kernel_release() {
  utsname info{};
  if (uname(&info) != 0) {
    return "unknown";
  }
  return info.release;
}

int online_cpus() {
  const long count = sysconf(_SC_NPROCESSORS_ONLN);
  if (count > 0) {
    return static_cast<int>(count);
  }
  return static_cast<int>(std::thread::hardware_concurrency());
}

std::string git_revision(const fs::path& repo) {
  // Read from .git's files rather than running `git rev-parse`: process.cpp is the only place that
  // spawns, and the harness must not depend on git being installed.
  const auto dirs = find_git_dirs(repo);
  if (!dirs) {
    return "unknown";
  }
  auto content = read_file(dirs->git_dir / "HEAD");
  for (int hop = 0; content && hop < kMaxRefHops; ++hop) {
    const std::string value(trim(*content));
    if (is_object_id(value)) {
      return lowercase(value);
    }
    constexpr std::string_view kRefPrefix = "ref:";
    if (value.compare(0, kRefPrefix.size(), kRefPrefix) != 0) {
      return "unknown";
    }
    const std::string ref(trim(std::string_view(value).substr(kRefPrefix.size())));
    if (!is_safe_ref_name(ref)) {
      return "unknown";
    }
    content = read_file(dirs->git_dir / ref);
    if (!content) {
      content = read_file(dirs->common_dir / ref);
    }
    if (!content) {
      // A branch with no commits yet (unborn) is in neither place: no revision to report.
      content = find_packed_ref(dirs->common_dir, ref);
    }
  }
  return "unknown";
}

fs::path find_repo_root(const fs::path& start) {
  std::error_code ec;
  fs::path folder = fs::weakly_canonical(fs::absolute(start), ec);
  if (ec) {
    folder = fs::absolute(start).lexically_normal();
  }
  while (true) {
    if (fs::is_directory(folder / "variants", ec) && fs::is_directory(folder / "harness", ec)) {
      return folder;
    }
    const fs::path parent = folder.parent_path();
    if (parent == folder || parent.empty()) {
      break;
    }
    folder = parent;
  }
  throw Error("cannot find the imgbench repository (a folder with variants/ and harness/) above " +
              start.string() + "; run from inside it or pass --repo");
}

ThreadPin::ThreadPin(int cpu) {
  static_assert(sizeof(previous_) >= sizeof(cpu_set_t));
  if (cpu < 0 || cpu >= CPU_SETSIZE) {
    return;
  }
  cpu_set_t previous;
  CPU_ZERO(&previous);
  saved_ = sched_getaffinity(0, sizeof(previous), &previous) == 0;
  std::memcpy(previous_, &previous, sizeof(previous));
  cpu_set_t wanted;
  CPU_ZERO(&wanted);
  CPU_SET(static_cast<std::size_t>(cpu), &wanted);
  pinned_ = sched_setaffinity(0, sizeof(wanted), &wanted) == 0;
}

ThreadPin::~ThreadPin() {
  if (pinned_ && saved_) {
    cpu_set_t previous;
    std::memcpy(&previous, previous_, sizeof(previous));
    (void)sched_setaffinity(0, sizeof(previous), &previous);
  }
}

}  // namespace imgbench
