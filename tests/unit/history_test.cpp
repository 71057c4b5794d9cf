// history.jsonl: the line a run adds, appending it (also after a cut-short line), reading it back
// and the trend table.
#include "history.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "baseline.hpp"
#include "error.hpp"

namespace imgbench {
namespace {

namespace fs = std::filesystem;

Results run_with(const std::string& id, double size, double p50) {
  Results r;
  r.run.id = id;
  r.run.started_utc = "2026-12-0" + id + "T00:00:00Z";
  r.run.git_revision = "rev" + id;
  VariantResult v;
  v.name = "static";
  v.metrics = {{"size_bytes", size}, {"latency_p50_us", p50}, {"stop_ms", 150}};
  VariantResult skipped;
  skipped.name = "writeup";
  skipped.status = VariantStatus::Skipped;
  r.variants = {v, skipped};
  return r;
}

TEST(History, ALineHoldsTheRunAndTheKeyMetricsOfMeasuredVariants) {
  // stop_ms is not a key metric and the skipped variant has none: both left out.
  EXPECT_EQ(history_line(run_with("1", 1'060'904, 67.5)),
            R"({"git_revision":"rev1","run_id":"1","started_utc":"2026-12-01T00:00:00Z",)"
            R"("variants":{"static":{"latency_p50_us":67.5,"size_bytes":1060904}}})");
}

TEST(History, AppendedLinesReadBackAsTrends) {
  const fs::path file = fs::temp_directory_path() / "imgbench-history-test.jsonl";
  fs::remove(file);
  append_history(file, history_line(run_with("1", 1'000'000, 60)));
  append_history(file, history_line(run_with("2", 1'200'000, 66)));
  append_history(file, history_line(run_with("3", 1'100'000, 54)));
  const auto points = parse_history(read_text_file(file), file.string());
  ASSERT_EQ(points.size(), 3U);
  EXPECT_EQ(points[1].git_revision, "rev2");

  const auto rows = trends(points);
  ASSERT_EQ(rows.size(), 2U);  // static: size_bytes, latency_p50_us (kHistoryMetrics order)
  EXPECT_EQ(rows[0].metric, "size_bytes");
  EXPECT_EQ(rows[0].runs, 3U);
  EXPECT_EQ(rows[0].first, 1'000'000);
  EXPECT_EQ(rows[0].last, 1'100'000);
  EXPECT_EQ(rows[0].min, 1'000'000);
  EXPECT_EQ(rows[0].max, 1'200'000);
  EXPECT_DOUBLE_EQ(*rows[0].change_pct, 10.0);
  EXPECT_EQ(rows[1].metric, "latency_p50_us");
  EXPECT_DOUBLE_EQ(*rows[1].change_pct, -10.0);

  std::ostringstream out;
  write_trend_table(out, rows);
  EXPECT_EQ(out.str(),
            "| variant | metric | runs | first | last | min | max | change |\n"
            "|---|---|--:|--:|--:|--:|--:|--:|\n"
            "| static | size_bytes | 3 | 1.0 MB | 1.1 MB | 1.0 MB | 1.2 MB | +10.0 % |\n"
            "| static | latency_p50_us | 3 | 60.0 µs | 54.0 µs | 54.0 µs | 66.0 µs | -10.0 % |\n");
  fs::remove(file);
}

TEST(History, AnAppendAfterACutShortLineStartsOnANewLine) {
  const fs::path file = fs::temp_directory_path() / "imgbench-history-cut.jsonl";
  std::ofstream(file, std::ios::binary) << "{\"run_id\":\"0\",\"sta";
  append_history(file, history_line(run_with("1", 1, 1)));
  const std::string text = read_text_file(file);
  EXPECT_EQ(text, "{\"run_id\":\"0\",\"sta\n" + history_line(run_with("1", 1, 1)) + "\n");
  // The cut line is reported by its number, not skipped.
  try {
    (void)parse_history(text, "history.jsonl");
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("history.jsonl:1: expected one JSON object a line", 0),
              0U)
        << e.what();
  }
  fs::remove(file);
}

TEST(History, AMistypedFieldNamesItsLine) {
  const std::string text =
      "\n{\"run_id\":\"1\",\"started_utc\":\"t\",\"git_revision\":\"r\","
      "\"variants\":{\"static\":{\"layers\":\"one\"}}}\n";
  try {
    (void)parse_history(text, "h.jsonl");
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "h.jsonl:2: variants.static.layers: expected a number");
  }
}

}  // namespace
}  // namespace imgbench
