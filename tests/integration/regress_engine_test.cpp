// Regression checks on the real engine, end to end through the binary: an image that grows by
// 5 MiB fails `check --baseline` naming the variant and the metric until the file goes again, and a
// service that answers 1 ms slower is flagged by `check --against` its previous revision. The
// variants are fault_server images (FROM scratch, a few seconds to build); the verdicts are read
// from the CSV that `check --csv` writes, one row a variant × metric.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "fault_fixture.hpp"

namespace imgbench::itest {
namespace {

constexpr auto kCheckTimeout = std::chrono::seconds(900);
constexpr std::size_t kGrowthBytes = 5U * 1024U * 1024U;

// One row of `check --csv` (variant,metric,baseline,current,change_pct,p_value,verdict,reason).
struct Verdict {
  double baseline = 0;
  double current = 0;
  std::string p_value;
  std::string verdict;
};

// The CSV's rows by "variant/metric". The fields this test reads hold no commas or quotes.
std::map<std::string, Verdict> read_verdicts(const fs::path& csv) {
  std::map<std::string, Verdict> rows;
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) {
      cells.push_back(cell);
    }
    if (cells.size() < 7) {
      continue;
    }
    Verdict v;
    v.baseline = cells[2].empty() ? 0 : std::stod(cells[2]);
    v.current = cells[3].empty() ? 0 : std::stod(cells[3]);
    v.p_value = cells[5];
    v.verdict = cells[6];
    rows[cells[0] + "/" + cells[1]] = v;
  }
  return rows;
}

// Random bytes, so that the growth shows in the compressed size as well.
void write_random_file(const fs::path& path, std::size_t bytes) {
  std::mt19937_64 random(42);
  std::string data(bytes, '\0');
  for (auto& c : data) {
    c = static_cast<char>(random() & 0xFFU);
  }
  write_file(path, data);
}

ProcessResult git(const TempRepo& repo, std::vector<std::string> args) {
  args.insert(args.begin(), {"git", "-C", repo.root().string()});
  ProcessOptions options;
  options.argv = std::move(args);
  options.timeout = std::chrono::seconds(60);
  return run_process(options);
}

class RegressEngineTest : public FaultTest {
 protected:
  // A run of the repository; its id is remembered so that TearDown removes what it left.
  std::string run_ok() {
    const auto run = imgbench(small_run_args(repo_), kRunTimeout);
    const std::string id = run_id_from(run.err);
    expect_nothing_left(id);
    EXPECT_EQ(run.outcome, Outcome::Exited) << run.describe();
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return id;
  }

  ProcessResult check_baseline(const fs::path& csv) {
    return imgbench({"--repo", repo_.root().string(), "check", "--baseline",
                     (repo_.results() / "baseline.json").string(), "--metrics",
                     "size_bytes,compressed_bytes,layers", "--csv", csv.string()},
                    std::chrono::seconds(60));
  }
};

TEST_F(RegressEngineTest, FiveMebibytesMoreFailsCheckNamingVariantAndMetricUntilRemoved) {
  add_fault("grows", {"ok"});
  add_fault("steady", {"ok"});
  const std::string first = run_ok();
  ASSERT_FALSE(first.empty());
  const auto promoted =
      imgbench({"--repo", repo_.root().string(), "baseline", "promote"}, std::chrono::seconds(60));
  ASSERT_EQ(promoted.exit_code, 0) << promoted.err;

  // The same variant with a 5 MiB file copied in.
  const fs::path dir = repo_.root() / "variants" / "grows";
  write_random_file(dir / "blob", kGrowthBytes);
  const std::string dockerfile = read_file(dir / "Dockerfile");
  write_file(dir / "Dockerfile", dockerfile + "COPY blob /blob\n");
  run_ok();
  const fs::path grown_csv = repo_.root() / "grown.csv";
  const auto grown = check_baseline(grown_csv);
  ASSERT_EQ(grown.outcome, Outcome::Exited) << grown.describe();
  EXPECT_EQ(grown.exit_code, 1) << grown.out << grown.err;
  // The markdown names the variant and the metric on the regressed row (markdown escapes "_").
  bool named = false;
  for (const auto& line : lines_of(grown.out)) {
    named = named || (contains(line, "| grows |") && contains(line, "size\\_bytes") &&
                      contains(line, "regressed"));
  }
  EXPECT_TRUE(named) << grown.out;

  auto rows = read_verdicts(grown_csv);
  ASSERT_TRUE(rows.count("grows/size_bytes")) << read_file(grown_csv);
  const Verdict& size = rows["grows/size_bytes"];
  EXPECT_EQ(size.verdict, "regressed");
  // The change is the file, give or take the layer's metadata.
  EXPECT_NEAR(size.current - size.baseline, static_cast<double>(kGrowthBytes), 64 * 1024);
  EXPECT_EQ(rows["grows/compressed_bytes"].verdict, "regressed");
  EXPECT_EQ(rows["grows/layers"].verdict, "regressed");  // one COPY, one layer more
  for (const char* metric : {"size_bytes", "compressed_bytes", "layers"}) {
    EXPECT_EQ(rows[std::string("steady/") + metric].verdict, "unchanged") << metric;
  }

  // The file gone again: the same image as the baseline's, and a pass.
  fs::remove(dir / "blob");
  write_file(dir / "Dockerfile", dockerfile);
  run_ok();
  const fs::path back_csv = repo_.root() / "back.csv";
  const auto back = check_baseline(back_csv);
  ASSERT_EQ(back.outcome, Outcome::Exited) << back.describe();
  EXPECT_EQ(back.exit_code, 0) << back.out << back.err;
  rows = read_verdicts(back_csv);
  EXPECT_EQ(rows["grows/size_bytes"].verdict, "unchanged") << read_file(back_csv);
}

// Five repetitions a side is the policy's minimum; 1 ms on a ~0.1 ms answer is far past its 10 %,
// and five against five fully separated samples give the smallest one-sided p there is, 1/252.
TEST_F(RegressEngineTest, ServiceOneMillisecondSlowerIsFlaggedAgainstItsPreviousRevision) {
  if (!git(repo_, {"--version"}).ok()) {
    GTEST_SKIP() << "git is not installed";
  }
  // git keeps no empty folder, and harness/ is what marks the repository in REV's worktree too.
  write_file(repo_.root() / "harness" / "README", "test repository\n");
  add_fault("svc", {"ok"});
  for (const std::vector<std::string>& step :
       {std::vector<std::string>{"init", "--quiet"},
        {"-c", "user.name=test", "-c", "user.email=test@example.invalid", "add", "-A"},
        {"-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "--quiet", "-m",
         "svc answers at once"}}) {
    const auto done = git(repo_, step);
    ASSERT_TRUE(done.ok()) << done.describe() << "\n" << done.err;
  }
  // The next revision: the same service, 1000 µs slower an answer.
  add_fault("svc", {"delay-us", "1000"});
  const auto committed =
      git(repo_, {"-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit",
                  "--quiet", "-a", "-m", "svc sleeps 1 ms before each answer"});
  ASSERT_TRUE(committed.ok()) << committed.err;

  const fs::path csv = repo_.root() / "against.csv";
  const auto check = imgbench({"--repo",
                               repo_.root().string(),
                               "check",
                               "--against",
                               "HEAD~1",
                               "--variants",
                               "svc",
                               "--requests",
                               "200",
                               "--warmup",
                               "20",
                               "--repetitions",
                               "5",
                               "--duration",
                               "0",
                               "--cold-requests",
                               "0",
                               "--metrics",
                               "latency_p50_us,size_bytes",
                               "--csv",
                               csv.string()},
                              kCheckTimeout);
  expect_nothing_left(run_id_from(check.err));
  ASSERT_EQ(check.outcome, Outcome::Exited) << check.describe();
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;

  auto rows = read_verdicts(csv);
  ASSERT_TRUE(rows.count("svc/latency_p50_us")) << read_file(csv);
  const Verdict& p50 = rows["svc/latency_p50_us"];
  EXPECT_EQ(p50.verdict, "regressed") << read_file(csv);
  // At least the added millisecond, measured from outside.
  EXPECT_GE(p50.current - p50.baseline, 1000.0) << read_file(csv);
  ASSERT_FALSE(p50.p_value.empty());
  EXPECT_LT(std::stod(p50.p_value), 0.01);
  // The image is the same size either way: only the argument changed.
  EXPECT_EQ(rows["svc/size_bytes"].verdict, "unchanged") << read_file(csv);
}

}  // namespace
}  // namespace imgbench::itest
