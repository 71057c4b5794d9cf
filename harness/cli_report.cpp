// `imgbench report` (a run folder's reports again, from its results.json) and `imgbench history`
// (trends over results/history.jsonl): the verbs that read results and measure nothing.
#include <filesystem>
#include <iostream>
#include <iterator>
#include <string>
#include <system_error>

#include "baseline.hpp"
#include "cli.hpp"
#include "cli_common.hpp"
#include "error.hpp"
#include "history.hpp"
#include "report.hpp"
#include "results.hpp"
#include "run_folder.hpp"
#include "trend_chart.hpp"

namespace fs = std::filesystem;

namespace imgbench::cli {

CLI::App* add_report(CLI::App& app, ReportArgs& args) {
  auto* report = app.add_subcommand(
      "report", "Render report.md, results.csv, the charts and report.html from a results.json");
  report->add_option("results", args.file, "A results.json written by `imgbench run`")
      ->required()
      ->check(CLI::ExistingFile);
  report->add_option("--out", args.out, "Folder for the reports (default: next to the file)");
  report->footer("Example:\n  imgbench report results/latest/results.json");
  return report;
}

int do_report(const ReportArgs& args) {
  const Results results = load_results(args.file);
  const fs::path out =
      args.out.empty() ? fs::absolute(args.file).parent_path() : fs::path(args.out);
  write_file_atomic(out / "results.csv", render(results, write_csv));
  write_file_atomic(out / "report.md", render(results, write_markdown));
  write_charts_and_html(out, results);
  std::cout << render(results, write_markdown);
  std::cerr << "imgbench: wrote " << out.string()
            << "/{results.csv,report.md,report.html,charts/}\n";
  return kExitOk;
}

CLI::App* add_history(CLI::App& app, HistoryArgs& args) {
  auto* history = app.add_subcommand(
      "history",
      "Trends over results/history.jsonl: first, last, min, max and change of each "
      "variant's key metrics");
  history->add_option("--file", args.file, "The history file (default: results/history.jsonl)");
  history->add_option("--charts", args.charts,
                      "Folder for one SVG line chart a metric (default: history/ beside the file)");
  history->footer(
      "Prints the trend table on stdout and writes <metric>.svg for size_bytes, compressed_bytes, "
      "layers, efficiency, build_cold_ms, ready_ms, latency_p50_us, latency_p99_us, load_rps and "
      "mem_idle_bytes.\n"
      "Example:\n  imgbench history --file results/history.jsonl --charts /tmp/trends");
  return history;
}

int do_history(const HistoryArgs& args, const std::string& repo_option) {
  const fs::path file = args.file.empty()
                            ? repo_root_from(repo_option) / "results" / "history.jsonl"
                            : fs::path(args.file);
  if (!fs::exists(file)) {
    throw Error(file.string() +
                ": no history yet; each run recorded with --record-history adds "
                "a line");
  }
  const auto points = parse_history(read_text_file(file), file.string());
  if (points.empty()) {
    throw Error(file.string() + ": no runs in the history yet");
  }
  std::cout << "## History: " << points.size() << " run(s), " << points.front().run_id << " to "
            << points.back().run_id << "\n\n";
  write_trend_table(std::cout, trends(points));
  // One line chart a metric, beside the history file unless told otherwise.
  const fs::path charts =
      args.charts.empty() ? file.parent_path() / "history" : fs::path(args.charts);
  std::error_code ec;
  fs::create_directories(charts, ec);
  if (ec) {
    throw Error("cannot create the chart folder " + charts.string() + ": " + ec.message());
  }
  for (const auto metric : kHistoryMetrics) {
    write_file_atomic(charts / (std::string(metric) + ".svg"), trend_chart(points, metric));
  }
  std::cerr << "imgbench: wrote " << std::size(kHistoryMetrics) << " trend charts to "
            << charts.string() << "/\n";
  return kExitOk;
}

}  // namespace imgbench::cli
