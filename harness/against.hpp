// `imgbench check --against REV`: REV's variants measured beside the working tree's in one
// interleaved run. Names REV's side, plans the run, splits its Results into a baseline side and a
// current side, and owns the temporary git worktree of REV (git runs through run_process).
#pragma once

#include <csignal>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "results.hpp"
#include "variant.hpp"

namespace imgbench {

// REV's variants run as "<name>.base". The runner derives image tags and container names from the
// variant name, and both must be valid Docker names, which rules out any separator that a variant
// name could not contain ("@", ":"); so a working-tree variant may not end in ".base" itself.
inline constexpr std::string_view kBaseSuffix = ".base";

[[nodiscard]] std::string base_side_name(std::string_view name);  // "static" → "static.base"
// "static.base" → "static"; nullopt for a name without the suffix (a working-tree variant).
[[nodiscard]] std::optional<std::string> base_side_variant(std::string_view run_name);

// REV as typed, checked before git sees it: not empty, no leading '-' (git would read an option),
// no whitespace or control characters. Throws Error naming it.
void validate_revision(std::string_view rev);

// The variants of one run: for each name in order (the working tree's, then names only REV has),
// REV's variant renamed by base_side_name, then the working tree's, so the runner's rounds go
// base, current, base, current, … A non-empty `names` (--variants) keeps only those, each of which
// must be in at least one of the trees. Throws Error for an unknown name, a working-tree variant
// whose name ends in kBaseSuffix, or nothing to run.
[[nodiscard]] std::vector<Variant> plan_against(const std::vector<Variant>& current,
                                                const std::vector<Variant>& base,
                                                const std::vector<std::string>& names,
                                                std::string_view rev);

struct AgainstSides {
  Results baseline;  // REV's variants under their own names; run id "<id>@<commit, 12 digits>"
  Results current;   // the working tree's variants; the run as it was
};

// Splits a run made from plan_against by the suffix. Both sides keep the run's conditions, so
// compare() finds none that differ; the baseline side's git_revision is `base_commit`.
[[nodiscard]] AgainstSides split_sides(const Results& run, std::string_view base_commit);

// The git command lines, as argv vectors (`git -C <repo> …`).
[[nodiscard]] std::vector<std::string> git_resolve_argv(const std::filesystem::path& repo,
                                                        std::string_view rev);
[[nodiscard]] std::vector<std::string> git_prefix_argv(const std::filesystem::path& repo);
[[nodiscard]] std::vector<std::string> git_worktree_add_argv(const std::filesystem::path& repo,
                                                             const std::filesystem::path& dir,
                                                             std::string_view commit);
[[nodiscard]] std::vector<std::string> git_worktree_remove_argv(const std::filesystem::path& repo,
                                                                const std::filesystem::path& dir);
[[nodiscard]] std::vector<std::string> git_worktree_prune_argv(const std::filesystem::path& repo);

// A detached `git worktree` of REV in a fresh temporary folder, removed (`worktree remove --force`,
// the folder, `worktree prune`) when the object goes, however the scope is left. The constructor
// throws Error: exit 2 naming REV when git does not know it (or is missing, or the checkout
// fails), exit 130 when `cancel` was raised meanwhile; it cleans up before it throws.
class RevisionWorktree {
 public:
  RevisionWorktree(const std::filesystem::path& repo, std::string rev,
                   const volatile std::sig_atomic_t* cancel);
  RevisionWorktree(const RevisionWorktree&) = delete;
  RevisionWorktree& operator=(const RevisionWorktree&) = delete;
  ~RevisionWorktree();

  [[nodiscard]] const std::string& commit() const { return commit_; }  // full object id
  // The imgbench repository inside the worktree: its root, or the subfolder `repo` is in.
  [[nodiscard]] const std::filesystem::path& tree() const { return tree_; }

 private:
  void remove() noexcept;

  std::filesystem::path repo_;
  std::string rev_;
  std::filesystem::path dir_;  // the worktree's folder; empty until it exists
  std::filesystem::path tree_;
  std::string commit_;
};

}  // namespace imgbench
