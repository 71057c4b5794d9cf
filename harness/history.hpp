// results/history.jsonl: one summary line a run (run id, time, git revision, key metrics of each
// measured variant), and the trend table `imgbench history` prints from it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "results.hpp"

namespace imgbench {

// The metrics a history line keeps, in the order the trend table shows them.
inline constexpr std::string_view kHistoryMetrics[] = {
    "size_bytes", "compressed_bytes", "layers",         "efficiency", "build_cold_ms",
    "ready_ms",   "latency_p50_us",   "latency_p99_us", "load_rps",   "mem_idle_bytes"};

// {"run_id":…,"started_utc":…,"git_revision":…,"variants":{"static":{"layers":1,…},…}} on one
// line, no trailing newline; keys sorted. Only variants with status ok, only the metrics above
// that they have. Pure.
[[nodiscard]] std::string history_line(const Results& results);

// Appends `line` and a newline with one write(2) on an O_APPEND descriptor, then fsync: the
// kernel places each write at the end, so concurrent appenders do not overwrite each other and a
// reader sees whole earlier lines. When the file does not end in a newline (a write cut short by
// a crash), one is written first so the new line stays whole. Creates the file (0644) when
// missing. Throws Error naming the file; a short write throws too (the file may then end in a
// partial line, which parse_history reports by line number).
void append_history(const std::filesystem::path& file, std::string_view line);

struct HistoryPoint {
  std::string run_id;
  std::string started_utc;
  std::string git_revision;
  std::map<std::string, std::map<std::string, double>> variants;  // variant → metric → value
};

// One point a non-empty line; Error("<source>:<line>: …") for a line that is not a history line.
[[nodiscard]] std::vector<HistoryPoint> parse_history(std::string_view text,
                                                      std::string_view source);

struct TrendRow {
  std::string variant;
  std::string metric;
  std::size_t runs = 0;  // points that have this variant and metric
  double first = 0;
  double last = 0;
  double min = 0;
  double max = 0;
  std::optional<double> change_pct;  // (last − first) / first · 100; absent when first is 0
  std::string first_run;
  std::string last_run;
};

// Variants sorted by name, metrics in kHistoryMetrics order; points in file order. Pure.
[[nodiscard]] std::vector<TrendRow> trends(const std::vector<HistoryPoint>& points);

// A markdown table: variant, metric, runs, first, last, min, max, change.
void write_trend_table(std::ostream& out, const std::vector<TrendRow>& rows);

}  // namespace imgbench
