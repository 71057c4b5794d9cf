// Two `imgbench run` at once on the same repository: both succeed with distinct run ids, and their
// containers, images and run folders never meet.
#include <gtest/gtest.h>

#include "fault_fixture.hpp"

namespace imgbench::itest {
namespace {

TEST_F(FaultTest, TwoRunsAtOnceOnOneRepositoryBothSucceedApart) {
  add_healthy();
  add_healthy("other");
  BackgroundImgbench first(small_run_args(repo_), repo_.root() / "first.err");
  BackgroundImgbench second(small_run_args(repo_), repo_.root() / "second.err");
  ASSERT_TRUE(first.started() && second.started());
  const auto first_code = first.wait(kRunTimeout);
  const auto second_code = second.wait(kRunTimeout);
  const std::string first_id = run_id_from(first.stderr_text());
  const std::string second_id = run_id_from(second.stderr_text());
  clean_up_later(first_id);
  clean_up_later(second_id);
  EXPECT_EQ(first_code, 0) << first.stderr_text();
  EXPECT_EQ(second_code, 0) << second.stderr_text();
  ASSERT_FALSE(first_id.empty());
  ASSERT_NE(first_id, second_id);

  std::vector<std::string> tags;
  for (const auto& id : {first_id, second_id}) {
    const fs::path file = repo_.results() / "runs" / id / "results.json";
    ASSERT_TRUE(fs::exists(file)) << file;
    const json results = read_json(file);
    EXPECT_EQ(results.at("run").at("id"), id);
    for (const auto* name : {"healthy", "other"}) {
      const json v = variant_named(results, name);
      EXPECT_TRUE(measured(v)) << id;
      tags.push_back(v.at("image").value("tag", ""));
    }
    expect_nothing_left(id);
  }
  std::sort(tags.begin(), tags.end());
  EXPECT_EQ(std::adjacent_find(tags.begin(), tags.end()), tags.end()) << "an image tag was shared";
  const fs::path latest = fs::read_symlink(repo_.results() / "latest");
  EXPECT_TRUE(latest == fs::path("runs") / first_id || latest == fs::path("runs") / second_id)
      << latest;
}

}  // namespace
}  // namespace imgbench::itest
