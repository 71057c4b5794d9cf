// The baseline comparison as markdown and CSV, compared exactly with golden files, plus the order
// of the rows and the escaping of text from the data.
//
// tests/fixtures/golden/comparison.md and comparison.csv were written once from this output and
// checked by hand. After an intended change to the renderer, regenerate them with
//   IMGBENCH_UPDATE_GOLDEN=1 ./regress_report_test
// and review the diff before committing.
#include "regress_report.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "policy.hpp"
#include "result_builders.hpp"

namespace imgbench {
namespace {

namespace fs = std::filesystem;

const fs::path kGolden = fs::path(IMGBENCH_FIXTURES) / "golden";

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void expect_golden(const std::string& actual, const std::string& name) {
  const fs::path file = kGolden / name;
  const char* update = std::getenv("IMGBENCH_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(file, std::ios::binary) << actual;
    std::cout << "rewrote " << file << "\n";
    return;
  }
  ASSERT_TRUE(fs::exists(file)) << file << " is missing; run with IMGBENCH_UPDATE_GOLDEN=1";
  EXPECT_EQ(actual, read_text(file)) << "rendering differs from " << file;
}

using test::variant;

// One comparison with every verdict: static grew by 5 MiB and got slower (significantly), slim
// got faster, fat has an accepted extra layer, 3-repetition latency, an unchanged size and a new
// and a gone variant; the kernel differs.
Comparison golden_comparison() {
  Results b;
  b.run.id = "20261201T100000Z-aaaa";
  b.run.kernel = "6.1.0";
  Results c;
  c.run.id = "20261204T015210Z-aee7";
  c.run.kernel = "6.18.44";
  const std::vector<double> p50 = {60, 61, 62, 63, 64};
  const std::vector<double> p50_slow = {80, 81, 82, 83, 84};
  b.variants = {
      variant("static", {{"size_bytes", 1'060'904}, {"latency_p50_us", 62}},
              {{"latency_p50_us", p50}}),
      variant("slim", {{"size_bytes", 122'000'000}, {"latency_p50_us", 82}},
              {{"latency_p50_us", p50_slow}}),
      variant("fat", {{"layers", 4}, {"latency_p99_us", 200}},
              {{"latency_p99_us", {190, 200, 210}}}),
      variant("old_one", {{"layers", 1}}),
  };
  c.variants = {
      variant("static", {{"size_bytes", 1'060'904 + 5 * 1024 * 1024}, {"latency_p50_us", 82}},
              {{"latency_p50_us", p50_slow}}),
      variant("slim", {{"size_bytes", 122'000'000}, {"latency_p50_us", 62}},
              {{"latency_p50_us", p50}}),
      variant("fat", {{"layers", 5}, {"latency_p99_us", 260}},
              {{"latency_p99_us", {250, 260, 270}}}),
      variant("new", {{"layers", 1}}),
  };
  return compare(b, c, default_policy(),
                 {{"fat", "layers", "the toolchain | moved to its own layer"}});
}

TEST(RegressReport, MarkdownMatchesGolden) {
  std::ostringstream out;
  write_comparison_markdown(out, golden_comparison());
  expect_golden(out.str(), "comparison.md");
}

TEST(RegressReport, CsvMatchesGolden) {
  std::ostringstream out;
  write_comparison_csv(out, golden_comparison());
  expect_golden(out.str(), "comparison.csv");
}

TEST(RegressReport, RegressionsComeFirstThenImprovementsThenTheRest) {
  const auto rows = rows_in_report_order(golden_comparison());
  ASSERT_EQ(rows.size(), 8U);
  EXPECT_EQ(rows[0].verdict, Verdict::Regressed);
  EXPECT_EQ(rows[0].metric, "size_bytes");
  EXPECT_EQ(rows[1].verdict, Verdict::Regressed);
  EXPECT_EQ(rows[1].metric, "latency_p50_us");
  EXPECT_EQ(rows[2].verdict, Verdict::Improved);
  EXPECT_EQ(rows[2].variant, "slim");
  EXPECT_EQ(rows[3].verdict, Verdict::Accepted);
  EXPECT_EQ(rows.back().verdict, Verdict::Unchanged);
}

TEST(RegressReport, NothingToShowSaysSo) {
  Comparison empty;
  empty.baseline_run = "b";
  empty.current_run = "c";
  std::ostringstream out;
  write_comparison_markdown(out, empty);
  EXPECT_EQ(out.str(),
            "## Against baseline b\n\nRun c: nothing to compare.\n\n"
            "Nothing regressed or improved.\n\n");
}

}  // namespace
}  // namespace imgbench
