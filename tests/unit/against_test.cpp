// check --against without an engine or git: the names REV's variants run under, the plan of the
// interleaved run, the split of its results into two sides, the git command lines, and the checks
// on REV before git sees it.
#include "against.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "error.hpp"
#include "policy.hpp"
#include "regress.hpp"
#include "runner.hpp"

namespace imgbench {
namespace {

Variant make_variant(const std::string& name, const std::string& root) {
  Variant v;
  v.name = name;
  v.dir = root + "/variants/" + name;
  v.dockerfile = v.dir / "Dockerfile";
  v.context = root;
  v.description = name + " in " + root;
  return v;
}

std::vector<std::string> names_of(const std::vector<Variant>& variants) {
  std::vector<std::string> names;
  for (const auto& v : variants) {
    names.push_back(v.name);
  }
  return names;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), kExitUsage);
    return e.what();
  }
  ADD_FAILURE() << "no Error thrown";
  return "";
}

VariantResult measured(const std::string& name, double size_bytes) {
  VariantResult v;
  v.name = name;
  v.metrics["size_bytes"] = size_bytes;
  return v;
}

TEST(AgainstNames, BaseSideNameAppendsTheSuffixAndBaseSideVariantStripsIt) {
  EXPECT_EQ(base_side_name("static"), "static.base");
  EXPECT_EQ(base_side_variant("static.base"), "static");
  EXPECT_EQ(base_side_variant("a.base.base"), "a.base");
  EXPECT_EQ(base_side_variant("static"), std::nullopt);
  EXPECT_EQ(base_side_variant("static-base"), std::nullopt);
  EXPECT_EQ(base_side_variant(".base"), std::nullopt);  // nothing before the suffix: no variant
}

TEST(AgainstNames, BothSidesGetDistinctValidDockerTagsAndContainerNames) {
  const std::string run = "20261203T181500Z-3f9a";
  const std::string base = base_side_name("static");
  EXPECT_TRUE(is_valid_variant_name(base));
  EXPECT_NE(image_tag(run, base), image_tag(run, "static"));
  EXPECT_NE(container_name(run, base, 0), container_name(run, "static", 0));
  // Docker's reference grammar for a repository path component, and its container-name rule.
  const std::regex component("[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*");
  const std::regex container("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
  const std::string tag = image_tag(run, base);
  const std::string repository = tag.substr(0, tag.find(':'));
  EXPECT_TRUE(std::regex_match(repository.substr(repository.find('/') + 1), component)) << tag;
  EXPECT_TRUE(std::regex_match(container_name(run, base, 4), container));
}

TEST(AgainstRevision, AcceptsTheUsualSpellings) {
  for (const char* rev :
       {"HEAD", "HEAD~1", "main", "origin/main", "v1.2.0", "3f9a0c1", "HEAD^2", "@{upstream}"}) {
    EXPECT_NO_THROW(validate_revision(rev)) << rev;
  }
}

TEST(AgainstRevision, RefusesEmptyOptionLikeAndSpacedRevisionsNamingThem) {
  EXPECT_NE(error_of([] { validate_revision(""); }).find("the revision is empty"),
            std::string::npos);
  EXPECT_NE(error_of([] { validate_revision("--output=x"); }).find("'--output=x' starts with '-'"),
            std::string::npos);
  EXPECT_NE(error_of([] { validate_revision("main branch"); }).find("'main branch'"),
            std::string::npos);
  EXPECT_NE(error_of([] { validate_revision("main\n"); }).find("control character"),
            std::string::npos);
}

TEST(AgainstPlan, InterleavesEachNameBaseFirstThenCurrent) {
  const std::vector<Variant> current = {make_variant("fat", "/cur"),
                                        make_variant("static", "/cur")};
  const std::vector<Variant> base = {make_variant("fat", "/rev"), make_variant("static", "/rev")};
  const auto plan = plan_against(current, base, {}, "HEAD~1");
  EXPECT_EQ(names_of(plan), (std::vector<std::string>{"fat.base", "fat", "static.base", "static"}));
  // Each side keeps its own tree's absolute paths.
  EXPECT_EQ(plan[0].context, "/rev");
  EXPECT_EQ(plan[0].dockerfile, "/rev/variants/fat/Dockerfile");
  EXPECT_EQ(plan[1].context, "/cur");
  EXPECT_EQ(plan[0].description, "fat in /rev");
}

TEST(AgainstPlan, AVariantOnOneSideOnlyRunsOnThatSide) {
  const std::vector<Variant> current = {make_variant("new", "/cur"),
                                        make_variant("static", "/cur")};
  const std::vector<Variant> base = {make_variant("gone", "/rev"), make_variant("static", "/rev")};
  EXPECT_EQ(names_of(plan_against(current, base, {}, "main")),
            (std::vector<std::string>{"new", "static.base", "static", "gone.base"}));
}

TEST(AgainstPlan, VariantsOptionLimitsBothSides) {
  const std::vector<Variant> current = {make_variant("fat", "/cur"),
                                        make_variant("static", "/cur")};
  const std::vector<Variant> base = {make_variant("fat", "/rev"), make_variant("static", "/rev")};
  EXPECT_EQ(names_of(plan_against(current, base, {"static"}, "main")),
            (std::vector<std::string>{"static.base", "static"}));
}

TEST(AgainstPlan, AnUnknownVariantIsAnErrorNamingItAndTheKnownOnes) {
  const std::vector<Variant> current = {make_variant("static", "/cur")};
  const std::vector<Variant> base = {make_variant("fat", "/rev")};
  const std::string message = error_of([&] { (void)plan_against(current, base, {"slim"}, "v1"); });
  EXPECT_NE(message.find("'slim' is in neither the working tree nor v1 (variants: static, fat)"),
            std::string::npos)
      << message;
}

TEST(AgainstPlan, RefusesAWorkingTreeVariantEndingInTheSuffix) {
  const std::vector<Variant> current = {make_variant("static.base", "/cur")};
  const std::string message = error_of([&] { (void)plan_against(current, {}, {}, "main"); });
  EXPECT_NE(message.find("'static.base' ends in '.base'"), std::string::npos) << message;
}

TEST(AgainstPlan, NothingToRunIsAnError) {
  const std::string message = error_of([] { (void)plan_against({}, {}, {}, "main"); });
  EXPECT_NE(message.find("no variants in the working tree or in main"), std::string::npos)
      << message;
}

TEST(AgainstSplit, BaseVariantsMakeTheBaselineUnderTheirOwnNames) {
  Results run;
  run.run.id = "20261203T181500Z-3f9a";
  run.run.git_revision = "1111111111111111111111111111111111111111";
  run.run.parameters.repetitions = 5;
  run.variants = {measured("fat.base", 300), measured("fat", 200), measured("static.base", 2),
                  measured("static", 1), measured("new", 7)};
  const std::string commit = "abcdef0123456789abcdef0123456789abcdef01";
  const AgainstSides sides = split_sides(run, commit);

  ASSERT_EQ(sides.baseline.variants.size(), 2U);
  EXPECT_EQ(sides.baseline.variants[0].name, "fat");
  EXPECT_EQ(sides.baseline.variants[0].metrics.at("size_bytes"), 300);
  EXPECT_EQ(sides.baseline.variants[1].name, "static");
  ASSERT_EQ(sides.current.variants.size(), 3U);
  EXPECT_EQ(sides.current.variants[0].name, "fat");
  EXPECT_EQ(sides.current.variants[0].metrics.at("size_bytes"), 200);
  EXPECT_EQ(sides.current.variants[2].name, "new");

  EXPECT_EQ(sides.baseline.run.id, "20261203T181500Z-3f9a@abcdef012345");
  EXPECT_EQ(sides.baseline.run.git_revision, commit);
  EXPECT_EQ(sides.current.run, run.run);
  EXPECT_TRUE(condition_differences(sides.baseline.run, sides.current.run).empty());
}

TEST(AgainstSplit, TheSidesCompareByNameUnderThePolicy) {
  Results run;
  run.run.id = "r";
  run.variants = {measured("static.base", 1'000'000), measured("static", 3'500'000)};
  const AgainstSides sides = split_sides(run, "abc");
  const Comparison comparison = compare(sides.baseline, sides.current, default_policy());
  EXPECT_EQ(comparison.baseline_run, "r@abc");
  EXPECT_EQ(comparison.current_run, "r");
  const auto row = std::find_if(comparison.rows.begin(), comparison.rows.end(),
                                [](const ComparisonRow& r) { return r.metric == "size_bytes"; });
  ASSERT_NE(row, comparison.rows.end());
  EXPECT_EQ(row->variant, "static");
  EXPECT_EQ(row->verdict, Verdict::Regressed);
  EXPECT_EQ(comparison.count(Verdict::New), 0);
  EXPECT_EQ(comparison.count(Verdict::Gone), 0);
}

TEST(AgainstGit, CommandLinesAreArgvVectorsWithTheRepositoryFirst) {
  EXPECT_EQ(git_worktree_add_argv("/repo", "/tmp/imgbench-against-x", "abc"),
            (std::vector<std::string>{"git", "-C", "/repo", "worktree", "add", "--detach",
                                      "/tmp/imgbench-against-x", "abc"}));
  EXPECT_EQ(
      git_worktree_remove_argv("/repo", "/tmp/w"),
      (std::vector<std::string>{"git", "-C", "/repo", "worktree", "remove", "--force", "/tmp/w"}));
  EXPECT_EQ(git_worktree_prune_argv("/repo"),
            (std::vector<std::string>{"git", "-C", "/repo", "worktree", "prune"}));
  // --end-of-options: whatever REV is, git reads it as a revision.
  EXPECT_EQ(git_resolve_argv("/repo", "HEAD~1"),
            (std::vector<std::string>{"git", "-C", "/repo", "rev-parse", "--verify",
                                      "--end-of-options", "HEAD~1^{commit}"}));
  EXPECT_EQ(git_prefix_argv("/repo"),
            (std::vector<std::string>{"git", "-C", "/repo", "rev-parse", "--show-prefix"}));
}

}  // namespace
}  // namespace imgbench
