// Facts about the machine and the moment, gathered once per run for the record (never in pure
// code).
#pragma once

#include <filesystem>
#include <string>

namespace imgbench {

[[nodiscard]] std::string utc_now_rfc3339();
// "20261203T181500Z-3f9a": UTC time plus 4 random hex digits, so runs started in the same second
// almost never clash.
[[nodiscard]] std::string make_run_id();
[[nodiscard]] std::string kernel_release();
[[nodiscard]] int online_cpus();

// Pins the calling thread to one CPU for the life of the object and restores its previous CPU set
// afterwards. `cpu` < 0 pins nothing. `pinned()` says whether the kernel accepted it.
class ThreadPin {
 public:
  explicit ThreadPin(int cpu);
  ThreadPin(const ThreadPin&) = delete;
  ThreadPin& operator=(const ThreadPin&) = delete;
  ~ThreadPin();
  [[nodiscard]] bool pinned() const { return pinned_; }

 private:
  bool pinned_ = false;
  bool saved_ = false;
  unsigned char previous_[128] = {};  // a cpu_set_t, kept opaque so this header needs no <sched.h>
};
// What `git rev-parse HEAD` would print for `repo`, read from `repo/.git` (HEAD, loose refs,
// packed-refs, worktree "gitdir:" files) without running git. No "-dirty" detection: that needs
// the index and a tree walk. "unknown" when `repo` is not a repository or has no commit yet.
[[nodiscard]] std::string git_revision(const std::filesystem::path& repo);
// The folder holding both `variants/` and `harness/`: walks up from `start` (itself included) until
// it finds one; throws Error otherwise.
[[nodiscard]] std::filesystem::path find_repo_root(const std::filesystem::path& start);

}  // namespace imgbench
