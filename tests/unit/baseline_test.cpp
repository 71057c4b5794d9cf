// results/baseline.json: promote copies a run atomically, keeps the accepted list unless told to
// reset it, refuses a broken run, and load_results still reads the file.
#include "baseline.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "error.hpp"

namespace imgbench {
namespace {

namespace fs = std::filesystem;

class BaselineFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("imgbench-baseline-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const fs::path& file, const std::string& text) {
    std::ofstream(file, std::ios::binary) << text;
  }

  fs::path dir_;
  const fs::path valid_ = fs::path(IMGBENCH_FIXTURES) / "results" / "valid.json";
};

TEST_F(BaselineFiles, PromoteCopiesTheRunWithAnEmptyAcceptedList) {
  const fs::path to = dir_ / "baseline.json";
  const auto outcome = promote_baseline(valid_, to, false);
  EXPECT_EQ(outcome.accepted_kept, 0U);
  const Results original = load_results(valid_);
  EXPECT_EQ(outcome.run_id, original.run.id);
  // The baseline is still a results file, and reads back as the same run.
  EXPECT_EQ(load_results(to), original);
  const Baseline baseline = load_baseline(to);
  EXPECT_EQ(baseline.results, original);
  EXPECT_TRUE(baseline.accepted.empty());
  EXPECT_NE(read_text_file(to).find("\"accepted\": []"), std::string::npos);
}

TEST_F(BaselineFiles, PromoteKeepsTheExistingAcceptedListUnlessReset) {
  const fs::path to = dir_ / "baseline.json";
  (void)promote_baseline(valid_, to, false);
  auto document = nlohmann::json::parse(read_text_file(to));
  document["accepted"] = {{{"variant", "fat"}, {"metric", "layers"}, {"reason", "split"}}};
  write(to, document.dump(2));

  const auto kept = promote_baseline(valid_, to, false);
  EXPECT_EQ(kept.accepted_kept, 1U);
  EXPECT_EQ(load_baseline(to).accepted,
            (std::vector<AcceptedRegression>{{"fat", "layers", "split"}}));

  const auto reset = promote_baseline(valid_, to, true);
  EXPECT_EQ(reset.accepted_kept, 0U);
  EXPECT_TRUE(load_baseline(to).accepted.empty());
}

TEST_F(BaselineFiles, ABrokenRunIsNeverPromoted) {
  const fs::path to = dir_ / "baseline.json";
  (void)promote_baseline(valid_, to, false);
  const std::string before = read_text_file(to);
  const fs::path bad = fs::path(IMGBENCH_FIXTURES) / "results" / "schema_version_2.json";
  EXPECT_THROW((void)promote_baseline(bad, to, false), Error);
  EXPECT_EQ(read_text_file(to), before);
}

TEST_F(BaselineFiles, AnUnreadableAcceptedListStopsPromoteAndSuggestsReset) {
  const fs::path to = dir_ / "baseline.json";
  (void)promote_baseline(valid_, to, false);
  auto document = nlohmann::json::parse(read_text_file(to));
  document["accepted"] = {{{"variant", "fat"}}};
  write(to, document.dump(2));
  try {
    (void)promote_baseline(valid_, to, false);
    FAIL() << "expected Error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(to.string() + ": accepted[0].metric: expected a non-empty string"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("--reset-accepted"), std::string::npos) << message;
  }
  EXPECT_NO_THROW((void)promote_baseline(valid_, to, true));
}

TEST_F(BaselineFiles, AMissingFileIsNamed) {
  try {
    (void)load_baseline(dir_ / "nope.json");
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), (dir_ / "nope.json").string() +
                                         ": cannot open for reading: No such file or "
                                         "directory");
  }
}

}  // namespace
}  // namespace imgbench
