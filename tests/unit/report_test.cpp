// report: markdown and CSV renderers, compared exactly with golden files, plus targeted checks of
// escaping, ordering and number formats.
//
// The golden files tests/fixtures/golden/report.md and results.csv were written once from this
// output and checked by hand; golden.hpp says how to regenerate them after an intended change.
#include "report.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "golden.hpp"

namespace imgbench {
namespace {

using test::expect_golden;

std::string markdown(const Results& r) {
  std::ostringstream out;
  write_markdown(out, r);
  return out.str();
}

std::string csv(const Results& r) {
  std::ostringstream out;
  write_csv(out, r);
  return out.str();
}

VariantResult ok_variant(std::string name, double size_bytes) {
  VariantResult v;
  v.name = std::move(name);
  v.metrics["size_bytes"] = size_bytes;
  return v;
}

// Four variants: two measured (one with a hostile name and description), one skipped, one failed.
Results golden_results() {
  Results r;
  r.run.id = "20261203T181500Z-3f9a";
  r.run.started_utc = "2026-12-03T18:15:00Z";
  r.run.git_revision = "3f9a0c1-dirty";
  r.run.docker_server_version = "20.10.24";
  r.run.docker_client_version = "20.10.24";
  r.run.builder = "legacy";
  r.run.storage_driver = "overlay2";
  r.run.kernel = "6.1.0-18-amd64";
  r.run.cpus = 2;
  r.run.parameters = {.requests = 10000,
                      .warmup = 1000,
                      .repetitions = 5,
                      .via = "ip",
                      .placement = "none",
                      .container_cpuset = "",
                      .harness_cpu = -1,
                      .stop_timeout_s = 10,
                      .connections = 16,
                      .duration_s = 5,
                      .rate_rps = 1000};

  // Measured but listed first while smaller: the table must sort by size.
  VariantResult evil;
  evil.name = "evil|<script>alert(1)</script>\nname";
  evil.description = "pipes | and `ticks` and <b>tags</b> & *stars*\nsecond line";
  evil.status = VariantStatus::Ok;
  evil.image = {.id = "sha256:0123456789abcdef0123",
                .tag = "imgbench/evil:20261203t181500z-3f9a",
                .layers = {{.digest = "sha256:e1",
                            .size_bytes = 2'100'000,
                            .created_by = "COPY healthz /healthz",
                            .compressed_bytes = {},
                            .shadowed_bytes = {},
                            .base = {}},
                           {.digest = "sha256:e2",
                            .size_bytes = 0,
                            .created_by = "/bin/sh -c echo 'a|b' > /x\n&& echo <done> # "
                                          "a very long command line that goes on and on until "
                                          "it must be cut",
                            .compressed_bytes = {},
                            .shadowed_bytes = {},
                            .base = {}}}};
  evil.metrics = {{"size_bytes", 2'100'000},     {"layers", 2},
                  {"build_cold_ms", 4'321},      {"ready_ms", 12.4},
                  {"latency_p50_us", 97.25},     {"latency_p99_us", 180.6},
                  {"mem_idle_bytes", 1'234'567}, {"errors", 0}};
  // A rule whose metric this variant lacks: "not measured", never a pass.
  evil.budget.max_compressed_bytes = 1'000'000;
  r.variants.push_back(evil);

  VariantResult full;
  full.name = "full";
  full.description = "Debian with the full build toolchain, like the write-up's first image";
  full.tags = {"write-up"};
  full.image = {.id = "sha256:aaaabbbbccccddddeeee",
                .tag = "imgbench/full:20261203t181500z-3f9a",
                .layers = {{.digest = "sha256:f1",
                            .size_bytes = 74'800'000,
                            .created_by = "/bin/sh -c #(nop) ADD file:… in / ",
                            .compressed_bytes = 28'300'000,
                            .shadowed_bytes = 1'376'669,
                            .base = true},
                           {.digest = "sha256:f2",
                            .size_bytes = 371'200'000,
                            .created_by = "/bin/sh -c apt-get install -y build-essential "
                                          "python3-dev python3-pip && pip install aiohttp",
                            .compressed_bytes = 160'000'000,
                            .shadowed_bytes = 0,
                            .base = false}}};
  // No memory and no p99: absent metrics must show as "–", never as 0.
  full.metrics = {{"size_bytes", 446'000'000}, {"layers", 2},
                  {"build_cold_ms", 95'300},   {"ready_ms", 812},
                  {"latency_p50_us", 164.5},   {"errors", 3}};
  full.samples = {{"ready_ms", {800, 812, 830}}};
  // Load figures, the harness busy enough to be flagged as the bottleneck.
  full.metrics["load_rps"] = 12'345.6;
  full.metrics["load_p50_us"] = 1'250.4;
  full.metrics["load_p99_us"] = 3'900;
  full.metrics["open_rps"] = 1'000;
  full.metrics["open_p99_us"] = 95'000;
  full.metrics["open_uncorrected_p99_us"] = 2'100;
  full.metrics["load_errors"] = 0;
  full.metrics["load_harness_cpu_pct"] = 97.2;
  // Anatomy figures, so the anatomy table and the analysed layer table are rendered.
  full.metrics["compressed_bytes"] = 188'300'000;
  full.metrics["shadowed_bytes"] = 1'376'669;
  full.metrics["efficiency"] = 0.99764;
  full.metrics["dive_efficiency"] = 0.9912;
  full.metrics["file_count"] = 31'022;
  full.metrics["own_bytes"] = 371'200'000;
  full.metrics["has_shell"] = 1;
  full.metrics["runs_as_root"] = 1;
  // Two rules over (size, root), two met (layers on the line, efficiency).
  full.budget = {
      .max_size_bytes = 400'000'000, .max_layers = 2, .min_efficiency = 0.99, .non_root = true};
  full.image.facts = ImageFacts{
      .user = "",
      .exposed_ports = {"8080/tcp"},
      .entrypoint = {},
      .cmd = {"python3", "/srv/healthz.py"},
      .largest_files = {{.path = "/usr/lib/x86_64-linux-gnu/libLLVM-14.so.1",
                         .size_bytes = 98'765'432,
                         .layer = 1},
                        {.path = "/usr/lib/gcc|x<y>/cc1", .size_bytes = 31'000'000, .layer = 1},
                        {.path = "/usr/bin/python3.11", .size_bytes = 6'500'000, .layer = 1},
                        {.path = "/usr/lib/libc.so.6", .size_bytes = 1'900'000, .layer = 0},
                        {.path = "/usr/bin/perl", .size_bytes = 1'300'000, .layer = 0},
                        {.path = "/not/shown/sixth", .size_bytes = 1'000'000, .layer = 0}}};
  r.variants.push_back(full);

  VariantResult skipped;
  skipped.name = "distroless";
  skipped.description = "needs a registry";
  skipped.status = VariantStatus::Skipped;
  skipped.reason = "requires_registry: no registry reachable; see [docs](http://x) *now*";
  r.variants.push_back(skipped);

  VariantResult failed;
  failed.name = "broken, \"quoted\"";
  failed.description = "does not build";
  failed.status = VariantStatus::Failed;
  failed.reason = "docker build exited 1";
  failed.log_tail = "Step 3/5 : RUN make\n``` not a fence end\n</pre><script>x</script>\nexit 1\n";
  failed.metrics = {{"build_cold_ms", 1500.5}};
  failed.budget.max_layers = 3;
  r.variants.push_back(failed);
  return r;
}

TEST(Report, MarkdownMatchesGoldenFile) { expect_golden(markdown(golden_results()), "report.md"); }

TEST(Report, CsvMatchesGoldenFile) { expect_golden(csv(golden_results()), "results.csv"); }

TEST(Report, HostileTextNeverReachesTheMarkdownRaw) {
  const std::string md = markdown(golden_results());
  // Inside the log tail's fence "<script>" is literal text; everywhere else it must be escaped.
  const auto fence = md.find("````text\n");
  const auto fence_end = md.find("\n````\n", fence + 1);
  ASSERT_NE(fence_end, std::string::npos);
  const std::string outside = md.substr(0, fence) + md.substr(fence_end + 6);
  EXPECT_EQ(outside.find("<script>"), std::string::npos);
  EXPECT_EQ(outside.find("<b>"), std::string::npos);
  EXPECT_NE(md.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  // No live link or emphasis from a reason: the brackets and stars are escaped.
  EXPECT_NE(md.find("see \\[docs\\](http://x) \\*now\\*"), std::string::npos);
  // Every line of the comparison table keeps exactly 12 cell-separating pipes, whatever the
  // variant's name holds. A pipe separates cells unless an odd number of backslashes precede it.
  const auto begin = md.find("| variant |");
  ASSERT_NE(begin, std::string::npos);
  std::istringstream table(md.substr(begin, md.find("\n\n", begin) - begin));
  std::string line;
  int lines = 0;
  while (std::getline(table, line)) {
    int pipes = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      std::size_t backslashes = 0;
      while (backslashes < i && line[i - 1 - backslashes] == '\\') {
        ++backslashes;
      }
      if (line[i] == '|' && backslashes % 2 == 0) {
        ++pipes;
      }
    }
    EXPECT_EQ(pipes, 12) << line;
    ++lines;
  }
  EXPECT_EQ(lines, 4);  // header, alignment, two measured variants
}

TEST(Report, LogTailFenceIsLongerThanAnyBacktickRunInside) {
  Results r;
  VariantResult v;
  v.name = "f";
  v.status = VariantStatus::Failed;
  v.log_tail = "a\n`````\nb";
  r.variants.push_back(v);
  const std::string md = markdown(r);
  EXPECT_NE(md.find("``````text\na\n`````\nb\n``````\n"), std::string::npos) << md;
}

TEST(Report, ComparisonRowsAreSortedBySizeDescendingWithUnsizedLast) {
  Results r;
  r.variants.push_back(ok_variant("small", 1e6));
  VariantResult unsized;
  unsized.name = "unsized";
  r.variants.push_back(unsized);
  r.variants.push_back(ok_variant("large", 100e6));
  r.variants.push_back(ok_variant("medium", 10e6));
  const std::string md = markdown(r);
  const auto large = md.find("| large |");
  const auto medium = md.find("| medium |");
  const auto small = md.find("| small |");
  const auto last = md.find("| unsized |");
  ASSERT_NE(last, std::string::npos);
  EXPECT_LT(large, medium);
  EXPECT_LT(medium, small);
  EXPECT_LT(small, last);
  // 1 MB of 100 MB is 1.0 %; 10 MB is 10.0 %.
  EXPECT_NE(md.find("| small | 1.0 | 1.0 % |"), std::string::npos) << md;
  EXPECT_NE(md.find("| medium | 10.0 | 10.0 % |"), std::string::npos) << md;
  EXPECT_NE(md.find("| unsized | – | – |"), std::string::npos) << md;
}

TEST(Report, TinyShareOfLargestIsShownAsBelowOneTenthPercent) {
  Results r;
  r.variants.push_back(ok_variant("huge", 1e9));
  r.variants.push_back(ok_variant("tiny", 1e5));  // 0.01 % of the largest
  EXPECT_NE(markdown(r).find("| tiny | 0.1 | < 0.1 % |"), std::string::npos) << markdown(r);
}

TEST(Report, LatencyTableShowsKeepAliveColdAndTheRepetitionsSpread) {
  Results r;
  auto v = ok_variant("static", 1e6);
  v.metrics["latency_min_us"] = 41.2;
  v.metrics["latency_p50_us"] = 67.4;
  v.metrics["latency_p90_us"] = 80;
  v.metrics["latency_p99_us"] = 120.6;
  v.metrics["latency_p999_us"] = 300;
  v.metrics["latency_max_us"] = 4100;
  v.metrics["cold_latency_p50_us"] = 170.6;
  v.metrics["cold_latency_p99_us"] = 335;
  v.metrics["latency_p50_cv"] = 0.0234;
  r.variants.push_back(v);
  const std::string md = markdown(r);
  EXPECT_NE(md.find("| static | 41 | 67 | 80 | 121 | 300 | 4100 | 171 | 335 | 2.3 % |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("*cold* requests each open a new TCP connection"), std::string::npos);
}

// Running plus waiting for a CPU is what saturation looks like on a shared machine: 60 % on a CPU
// and 35 % waiting for one is as harness-bound as 95 % on a CPU; 60 % and 10 % is not.
TEST(Report, HarnessThatRanOrWaitedForACpuNearlyAllThePhaseIsFlagged) {
  Results r;
  auto busy = ok_variant("busy", 2e6);
  busy.metrics["load_rps"] = 40'000;
  busy.metrics["load_harness_cpu_pct"] = 60;
  busy.metrics["load_harness_wait_pct"] = 35;
  auto idle = ok_variant("idle", 1e6);
  idle.metrics["load_rps"] = 8'000;
  idle.metrics["load_harness_cpu_pct"] = 60;
  idle.metrics["load_harness_wait_pct"] = 10;
  r.variants = {busy, idle};
  const std::string md = markdown(r);
  EXPECT_NE(md.find("| 60 % | 35 % |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 60 % | 10 % |"), std::string::npos) << md;
  const auto flag = md.find("**Harness-bound:**");
  ASSERT_NE(flag, std::string::npos) << md;
  const std::string sentence = md.substr(flag, md.find('\n', flag) - flag);
  EXPECT_NE(sentence.find("while loading busy,"), std::string::npos) << sentence;
  EXPECT_EQ(sentence.find("idle"), std::string::npos) << sentence;
}

// The stall scenario's figures (100 ms once a second, 1000 rps): open p99 91.4 ms, closed 6.2 ms.
TEST(Report, OpenLoopP99FarAboveClosedLoopIsExplainedInOneSentence) {
  Results r;
  auto stalls = ok_variant("stalls", 2e6);
  stalls.metrics["load_rps"] = 9'000;
  stalls.metrics["load_p99_us"] = 6'200;
  stalls.metrics["open_rps"] = 1'000;
  stalls.metrics["open_p99_us"] = 91'400;
  stalls.metrics["open_uncorrected_p99_us"] = 4'570;
  auto steady = ok_variant("steady", 1e6);
  steady.metrics["load_rps"] = 9'000;
  steady.metrics["load_p99_us"] = 300;
  steady.metrics["open_rps"] = 1'000;
  steady.metrics["open_p99_us"] = 350;
  r.variants = {stalls, steady};
  const std::string md = markdown(r);
  const auto at = md.find(
      "**stalls:** the open-loop p99 (91.4 ms) is 15× the closed-loop p99 "
      "(6.2 ms) and 20× the same requests timed from their actual send "
      "(4.6 ms): the service stalls now and then");
  ASSERT_NE(at, std::string::npos) << md;
  EXPECT_EQ(md.find("**steady:**"), std::string::npos) << md;
}

TEST(Report, NoLatencyMeansNoLatencyTable) {
  Results r;
  r.variants.push_back(ok_variant("static", 1e6));
  EXPECT_EQ(markdown(r).find("## Latency"), std::string::npos);
}

TEST(Report, NoMeasuredVariantSaysSoInsteadOfAnEmptyTable) {
  Results r;
  VariantResult v;
  v.name = "s";
  v.status = VariantStatus::Skipped;
  r.variants.push_back(v);
  const std::string md = markdown(r);
  EXPECT_NE(md.find("No variant was measured."), std::string::npos);
  EXPECT_EQ(md.find("| variant |"), std::string::npos);
  EXPECT_NE(md.find("- **s**: no reason recorded"), std::string::npos);
}

TEST(Report, StopThatTookTheWholeTimeoutSaysTheServiceWasKilled) {
  Results r;
  r.run.parameters.stop_timeout_s = 2;
  auto stubborn = ok_variant("stubborn", 1e6);
  stubborn.metrics["stop_ms"] = 2031;
  auto quick = ok_variant("quick", 1e6);
  quick.metrics["stop_ms"] = 310;
  r.variants = {stubborn, quick};
  const std::string md = markdown(r);
  EXPECT_NE(md.find("stubborn took the whole stop timeout (2 s): SIGTERM did not end the service, "
                    "so `docker stop` killed it"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("quick took the whole stop timeout"), std::string::npos) << md;
}

TEST(Report, StopTimeoutZeroNeverCallsAStopAKill) {
  Results r;
  r.run.parameters.stop_timeout_s = 0;  // docker stop -t 0 kills at once: nothing to say
  auto v = ok_variant("any", 1e6);
  v.metrics["stop_ms"] = 150;
  r.variants = {v};
  EXPECT_EQ(markdown(r).find("took the whole stop timeout"), std::string::npos);
}

TEST(Report, PublishedPortRunSaysSoInConditions) {
  Results r;
  r.run.parameters.via = "port";
  EXPECT_NE(markdown(r).find("the port published on 127.0.0.1 (via=port)"), std::string::npos);
}

TEST(Report, CsvQuotesFieldsPerRfc4180) {
  Results r;
  VariantResult v;
  v.name = "a,b";
  v.status = VariantStatus::Failed;
  v.reason = "said \"no\"\nthen left";
  v.metrics = {{"size_bytes", 55e6}, {"latency_p50_us", 97.25}};
  r.variants.push_back(v);
  EXPECT_EQ(csv(r),
            "variant,status,reason,latency_p50_us,size_bytes\n"
            "\"a,b\",failed,\"said \"\"no\"\"\nthen left\",97.25,55000000\n");
}

TEST(Report, CsvWithoutMetricsHasOnlyTheFixedColumns) {
  Results r;
  VariantResult v;
  v.name = "s";
  v.status = VariantStatus::Skipped;
  r.variants.push_back(v);
  EXPECT_EQ(csv(r), "variant,status,reason\ns,skipped,\n");
}

}  // namespace
}  // namespace imgbench
