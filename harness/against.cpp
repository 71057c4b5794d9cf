#include "against.hpp"

#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <iostream>
#include <system_error>
#include <utility>

#include "error.hpp"
#include "process.hpp"
#include "text.hpp"

namespace imgbench {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kShortCommit = 12;
constexpr std::size_t kErrorTailLines = 5;
// rev-parse answers at once; a checkout of a large tree on a slow disk can take a while.
constexpr std::chrono::seconds kResolveTimeout{30};
constexpr std::chrono::seconds kCheckoutTimeout{300};
constexpr std::chrono::seconds kRemoveTimeout{60};

bool ends_with_suffix(std::string_view name) {
  return name.size() > kBaseSuffix.size() &&
         name.substr(name.size() - kBaseSuffix.size()) == kBaseSuffix;
}

std::string quote(std::string_view text) { return "'" + std::string(text) + "'"; }

const Variant* find_variant(const std::vector<Variant>& variants, std::string_view name) {
  const auto it = std::find_if(variants.begin(), variants.end(),
                               [name](const Variant& v) { return v.name == name; });
  return it == variants.end() ? nullptr : &*it;
}

// git's own words for a failure: its exit and the last lines it wrote to stderr.
std::string git_failure(const ProcessResult& result) {
  const std::string err(trim(tail_lines(result.err, kErrorTailLines)));
  return result.describe() + (err.empty() ? "" : ": " + err);
}

// Cleanup must run even after Ctrl-C, so it never gets the cancel flag.
ProcessResult run_git(std::vector<std::string> argv, std::chrono::seconds timeout,
                      const volatile std::sig_atomic_t* cancel) {
  ProcessOptions options;
  options.argv = std::move(argv);
  options.timeout = timeout;
  options.cancel = cancel;
  return run_process(options);
}

}  // namespace

std::string base_side_name(std::string_view name) {
  return std::string(name) + std::string(kBaseSuffix);
}

std::optional<std::string> base_side_variant(std::string_view run_name) {
  if (!ends_with_suffix(run_name)) {
    return std::nullopt;
  }
  return std::string(run_name.substr(0, run_name.size() - kBaseSuffix.size()));
}

void validate_revision(std::string_view rev) {
  if (rev.empty()) {
    throw Error("check --against: the revision is empty; name a commit, branch or tag");
  }
  if (rev.front() == '-') {
    throw Error("check --against: revision " + quote(rev) +
                " starts with '-', which git would read as an option");
  }
  const bool clean = std::none_of(rev.begin(), rev.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f;
  });
  if (!clean) {
    throw Error("check --against: revision " + quote(markdown_inline(rev)) +
                " holds a space or a control character; no git revision does");
  }
}

std::vector<Variant> plan_against(const std::vector<Variant>& current,
                                  const std::vector<Variant>& base,
                                  const std::vector<std::string>& names, std::string_view rev) {
  for (const auto& v : current) {
    if (ends_with_suffix(v.name)) {
      throw Error("check --against: variant " + quote(v.name) + " ends in " + quote(kBaseSuffix) +
                  ", the suffix REV's variants get in the run; rename it");
    }
  }
  std::vector<std::string> order;
  for (const auto* side : {&current, &base}) {
    for (const auto& v : *side) {
      if (std::find(order.begin(), order.end(), v.name) == order.end()) {
        order.push_back(v.name);
      }
    }
  }
  for (const auto& wanted : names) {
    if (std::find(order.begin(), order.end(), wanted) == order.end()) {
      throw Error("check --against: variant " + quote(wanted) +
                  " is in neither the working tree nor " + std::string(rev) +
                  " (variants: " + join(order, ", ") + ")");
    }
  }
  std::vector<Variant> planned;
  for (const auto& name : order) {
    if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end()) {
      continue;
    }
    if (const Variant* v = find_variant(base, name)) {
      Variant renamed = *v;
      renamed.name = base_side_name(name);
      planned.push_back(std::move(renamed));
    }
    if (const Variant* v = find_variant(current, name)) {
      planned.push_back(*v);
    }
  }
  if (planned.empty()) {
    throw Error("check --against: no variants in the working tree or in " + std::string(rev));
  }
  return planned;
}

AgainstSides split_sides(const Results& run, std::string_view base_commit) {
  AgainstSides sides;
  sides.baseline.schema_version = run.schema_version;
  sides.baseline.run = run.run;
  sides.baseline.run.id = run.run.id + "@" + std::string(base_commit.substr(0, kShortCommit));
  sides.baseline.run.git_revision = std::string(base_commit);
  sides.current.schema_version = run.schema_version;
  sides.current.run = run.run;
  for (const auto& v : run.variants) {
    if (auto name = base_side_variant(v.name)) {
      VariantResult renamed = v;
      renamed.name = std::move(*name);
      sides.baseline.variants.push_back(std::move(renamed));
    } else {
      sides.current.variants.push_back(v);
    }
  }
  return sides;
}

std::vector<std::string> git_resolve_argv(const fs::path& repo, std::string_view rev) {
  return {"git",
          "-C",
          repo.string(),
          "rev-parse",
          "--verify",
          "--end-of-options",
          std::string(rev) + "^{commit}"};
}

std::vector<std::string> git_prefix_argv(const fs::path& repo) {
  return {"git", "-C", repo.string(), "rev-parse", "--show-prefix"};
}

std::vector<std::string> git_worktree_add_argv(const fs::path& repo, const fs::path& dir,
                                               std::string_view commit) {
  return {"git", "-C",       repo.string(), "worktree",
          "add", "--detach", dir.string(),  std::string(commit)};
}

std::vector<std::string> git_worktree_remove_argv(const fs::path& repo, const fs::path& dir) {
  return {"git", "-C", repo.string(), "worktree", "remove", "--force", dir.string()};
}

std::vector<std::string> git_worktree_prune_argv(const fs::path& repo) {
  return {"git", "-C", repo.string(), "worktree", "prune"};
}

RevisionWorktree::RevisionWorktree(const fs::path& repo, std::string rev,
                                   const volatile std::sig_atomic_t* cancel)
    : repo_(repo.lexically_normal()), rev_(std::move(rev)) {
  validate_revision(rev_);
  const auto git = [&](std::vector<std::string> argv, std::chrono::seconds timeout,
                       const std::string& what) {
    ProcessResult result = run_git(std::move(argv), timeout, cancel);
    if (result.outcome == Outcome::Cancelled) {
      throw Error("check --against: interrupted during " + what, kExitInterrupted);
    }
    if (result.outcome == Outcome::SpawnFailed) {
      throw Error("check --against needs git: cannot run it: " + result.spawn_error);
    }
    return result;
  };

  const ProcessResult resolved =
      git(git_resolve_argv(repo_, rev_), kResolveTimeout, "git rev-parse");
  if (!resolved.ok()) {
    throw Error("check --against: unknown revision " + quote(rev_) + " in " + repo_.string() +
                " (git rev-parse " + git_failure(resolved) + ")");
  }
  commit_ = std::string(trim(resolved.out));
  const ProcessResult prefix = git(git_prefix_argv(repo_), kResolveTimeout, "git rev-parse");
  if (!prefix.ok()) {
    throw Error("check --against: " + repo_.string() + " is not inside a git work tree (git " +
                git_failure(prefix) + ")");
  }

  std::string pattern = (fs::temp_directory_path() / "imgbench-against-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw Error("check --against: cannot create a temporary folder " + pattern + ": " +
                std::generic_category().message(errno));
  }
  dir_ = pattern;
  try {
    const ProcessResult added =
        git(git_worktree_add_argv(repo_, dir_, commit_), kCheckoutTimeout, "git worktree add");
    if (!added.ok()) {
      throw Error("check --against: cannot check out " + quote(rev_) + " (" + commit_ + ") in " +
                  dir_.string() + " (git worktree add " + git_failure(added) + ")");
    }
    // "bench/" when `repo` is a subfolder of the git work tree, "" at its top.
    std::string subfolder(trim(prefix.out));
    while (!subfolder.empty() && subfolder.back() == '/') {
      subfolder.pop_back();
    }
    tree_ = subfolder.empty() ? dir_ : dir_ / subfolder;
  } catch (...) {
    remove();
    throw;
  }
}

RevisionWorktree::~RevisionWorktree() { remove(); }

void RevisionWorktree::remove() noexcept {
  if (dir_.empty()) {
    return;
  }
  try {
    // `remove` fails when the checkout never got as far as registering the worktree; the folder
    // is then removed by hand and `prune` drops whatever git had recorded of it.
    (void)run_git(git_worktree_remove_argv(repo_, dir_), kRemoveTimeout, nullptr);
    std::error_code ec;
    fs::remove_all(dir_, ec);
    const ProcessResult pruned = run_git(git_worktree_prune_argv(repo_), kRemoveTimeout, nullptr);
    if (ec || !pruned.ok()) {
      std::cerr << "imgbench: warning: the worktree of " << rev_ << " in " << dir_.string()
                << " may be left behind (" << (ec ? ec.message() : git_failure(pruned))
                << "); remove it with `git worktree remove --force` and `git worktree prune`\n";
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): from a destructor; only bad_alloc gets here
  }
  dir_.clear();
}

}  // namespace imgbench
