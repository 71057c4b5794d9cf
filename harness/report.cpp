#include "report.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "budget.hpp"
#include "charts.hpp"
#include "summary.hpp"
#include "text.hpp"

namespace imgbench {
namespace {

// The CPU placement in words, for the conditions and the latency note.
std::string placement_text(const RunParameters& p) {
  if (p.placement == "none" || p.container_cpuset.empty()) {
    return "left to the scheduler";
  }
  const std::string harness = p.harness_cpu >= 0
                                  ? "measuring thread on CPU " + std::to_string(p.harness_cpu)
                                  : "measuring thread not pinned (the kernel refused)";
  return "container on CPU " + p.container_cpuset + ", " + harness + " (" + p.placement + ")";
}

constexpr std::string_view kMissing = "–";  // en dash: "not measured", never a zero
constexpr std::size_t kCreatedByLimit = 80;
constexpr std::size_t kLargestFilesShown = 5;

std::string md(std::string_view text) { return markdown_inline(text); }

std::string md_or_missing(std::string_view text) {
  return text.empty() ? std::string(kMissing) : md(text);
}

std::optional<double> metric(const VariantResult& v, const char* name) {
  const auto it = v.metrics.find(name);
  if (it == v.metrics.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::string scaled(const VariantResult& v, const char* name, double divisor, int decimals) {
  const auto value = metric(v, name);
  return value ? fixed(*value / divisor, decimals) : std::string(kMissing);
}

// Size as a share of the largest image. A percentage reads at a glance ("12.3 %"), where a ratio
// like "0.12×" invites misreading as a speed-up.
std::string share_of_largest(std::optional<double> size, double largest) {
  if (!size || largest <= 0) {
    return std::string(kMissing);
  }
  const double percent = 100.0 * *size / largest;
  if (percent > 0 && percent < 0.05) {
    return "< 0.1 %";
  }
  return fixed(percent, 1) + " %";
}

// A fence longer than any backtick run inside, so log text can never close it early.
std::string fence_for(std::string_view text) {
  std::size_t longest = 0;
  std::size_t run = 0;
  for (const char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<std::size_t>(3, longest + 1), '`');
}

// The comparison table's metric columns: header, metric key, divisor into the shown unit, decimals.
struct Column {
  const char* header;
  const char* metric;
  double divisor;
  int decimals;
};
constexpr Column kColumns[] = {
    {"layers", "layers", 1, 0},           {"build cold (s)", "build_cold_ms", 1000, 1},
    {"ready (ms)", "ready_ms", 1, 0},     {"p50 (µs)", "latency_p50_us", 1, 0},
    {"p99 (µs)", "latency_p99_us", 1, 0}, {"memory idle (MB)", "mem_idle_bytes", 1e6, 1},
    {"errors", "errors", 1, 0},
};

// The start-up, shutdown, memory and rebuild costs: they tell images apart as much as latency.
constexpr Column kLifecycleColumns[] = {
    {"create (ms)", "create_ms", 1, 0},
    {"app ready (ms)", "app_ready_ms", 1, 0},
    {"stop (ms)", "stop_ms", 1, 0},
    {"memory peak (MB)", "mem_peak_bytes", 1e6, 1},
    {"build warm (s)", "build_warm_ms", 1000, 1},
};

// "min–max" of a metric's per-repetition samples, or the missing mark.
std::string sample_range(const VariantResult& v, const char* name, int decimals) {
  const auto it = v.samples.find(name);
  if (it == v.samples.end() || it->second.empty()) {
    return std::string(kMissing);
  }
  const auto [lo, hi] = std::minmax_element(it->second.begin(), it->second.end());
  return fixed(*lo, decimals) + "–" + fixed(*hi, decimals);
}

void write_lifecycle(std::ostream& out, const std::vector<const VariantResult*>& rows,
                     int stop_timeout_s) {
  if (rows.empty()) {
    return;
  }
  out << "## Start, stop, memory and rebuild\n\n| variant | ready (ms) | ready range (ms) |";
  for (const auto& column : kLifecycleColumns) {
    out << " " << column.header << " |";
  }
  out << "\n|---|--:|--:|";
  for (std::size_t i = 0; i < std::size(kLifecycleColumns); ++i) {
    out << "--:|";
  }
  out << "\n";
  for (const auto* v : rows) {
    out << "| " << md(v->name) << " | " << scaled(*v, "ready_ms", 1, 0) << " | "
        << sample_range(*v, "ready_ms", 0) << " |";
    for (const auto& column : kLifecycleColumns) {
      out << " " << scaled(*v, column.metric, column.divisor, column.decimals) << " |";
    }
    out << "\n";
  }
  out << "\n*ready* runs from the start of `docker run` to the first expected answer (median over "
         "repetitions, with the range); *create* is the part until `docker run` returned and *app "
         "ready* the rest. *memory peak* is the container's highest usage since it started, page "
         "cache included, read from its cgroup after the load phases. *build warm* is the same "
         "build again with the layer cache.\n\n";
  // A stop that lasted the whole grace period was no shutdown: `docker stop` gave up and killed.
  std::vector<std::string> killed;
  for (const auto* v : rows) {
    const auto stop = metric(*v, "stop_ms");
    if (stop_timeout_s > 0 && stop && *stop >= 1000.0 * stop_timeout_s) {
      killed.push_back(md(v->name));
    }
  }
  if (!killed.empty()) {
    out << join(killed, ", ") << " took the whole stop timeout (" << stop_timeout_s
        << " s): SIGTERM did not end the service, so `docker stop` killed it, and its *stop* is "
           "that timeout, not a shutdown time.\n\n";
  }
}

// Latency at zero load, on a reused connection and on a new one per request.
constexpr Column kLatencyColumns[] = {
    {"min (µs)", "latency_min_us", 1, 0},           {"p50 (µs)", "latency_p50_us", 1, 0},
    {"p90 (µs)", "latency_p90_us", 1, 0},           {"p99 (µs)", "latency_p99_us", 1, 0},
    {"p99.9 (µs)", "latency_p999_us", 1, 0},        {"max (µs)", "latency_max_us", 1, 0},
    {"cold p50 (µs)", "cold_latency_p50_us", 1, 0}, {"cold p99 (µs)", "cold_latency_p99_us", 1, 0},
};

void write_latency(std::ostream& out, const std::vector<const VariantResult*>& rows) {
  const bool any = std::any_of(rows.begin(), rows.end(), [](const VariantResult* v) {
    return v->metrics.count("latency_p50_us") != 0;
  });
  if (!any) {
    return;
  }
  out << "## Latency\n\n| variant |";
  for (const auto& column : kLatencyColumns) {
    out << " " << column.header << " |";
  }
  out << " p50 cv |\n|---|";
  for (std::size_t i = 0; i <= std::size(kLatencyColumns); ++i) {
    out << "--:|";
  }
  out << "\n";
  for (const auto* v : rows) {
    out << "| " << md(v->name) << " |";
    for (const auto& column : kLatencyColumns) {
      out << " " << scaled(*v, column.metric, column.divisor, column.decimals) << " |";
    }
    const auto cv = metric(*v, "latency_p50_cv");
    out << " " << (cv ? fixed(100.0 * *cv, 1) + " %" : std::string(kMissing)) << " |\n";
  }
  out << "\nSequential requests, one at a time, timed by Google Benchmark with the harness's own "
         "clock from libcurl writing the request to the arrival of the answer's last part: min to "
         "max on one "
         "keep-alive connection after the warm-up, each "
         "percentile the median over repetitions of the repetition's own (max: the largest); "
         "*p50 cv* is how much the repetitions' p50 differ (stddev ÷ mean). *cold* requests each "
         "open a new TCP connection, which the harness closes after the answer: what a client "
         "without connection reuse pays. Path and CPU placement: see Conditions.\n\n";
}

// The load phases: throughput, latency under load and whether the harness itself was the limit.
constexpr Column kLoadColumns[] = {
    {"closed rps", "load_rps", 1, 0},
    {"closed p50 (µs)", "load_p50_us", 1, 0},
    {"closed p99 (µs)", "load_p99_us", 1, 0},
    {"open rps", "open_rps", 1, 0},
    {"open p99 (µs)", "open_p99_us", 1, 0},
    {"open p99 uncorrected (µs)", "open_uncorrected_p99_us", 1, 0},
    {"errors", "load_errors", 1, 0},
};

// A harness thread busier than this was more likely the bottleneck than the service.
constexpr double kHarnessSaturatedPct = 90;
// Open-loop p99 this many times the closed-loop p99 gets a sentence of its own: stalls.
constexpr double kStallRatio = 5;

void write_load(std::ostream& out, const std::vector<const VariantResult*>& rows) {
  const bool any = std::any_of(rows.begin(), rows.end(), [](const VariantResult* v) {
    return v->metrics.count("load_rps") != 0;
  });
  if (!any) {
    return;
  }
  out << "## Under load\n\n| variant |";
  for (const auto& column : kLoadColumns) {
    out << " " << column.header << " |";
  }
  out << " harness CPU | CPU wait |\n|---|";
  for (std::size_t i = 0; i < std::size(kLoadColumns); ++i) {
    out << "--:|";
  }
  out << "--:|--:|\n";
  std::vector<std::string> saturated;
  for (const auto* v : rows) {
    out << "| " << md(v->name) << " |";
    for (const auto& column : kLoadColumns) {
      out << " " << scaled(*v, column.metric, column.divisor, column.decimals) << " |";
    }
    const auto cpu = metric(*v, "load_harness_cpu_pct");
    const auto wait = metric(*v, "load_harness_wait_pct");
    out << " " << (cpu ? fixed(*cpu, 0) + " %" : std::string(kMissing)) << " | "
        << (wait ? fixed(*wait, 0) + " %" : std::string(kMissing)) << " |\n";
    // Working or wanting to work nearly the whole phase: the harness set the pace.
    if (cpu && *cpu + wait.value_or(0) >= kHarnessSaturatedPct) {
      saturated.push_back(md(v->name));
    }
  }
  out << "\n*closed*: each connection sends its next request when the last one answered, for the "
         "duration of the phase; latency is send to answer. *open*: requests are sent at a fixed "
         "rate whether or not earlier ones answered, and latency runs from each request's "
         "intended send time, so a stall is charged to every request that had to wait behind it "
         "(the *uncorrected* figure, from the actual send, is what a closed-loop tool would "
         "report). Percentiles come from a log-linear histogram (≤ 0.4 % error). *harness CPU* is "
         "imgbench's own CPU time during the closed-loop phase, per second; *CPU wait* is the time "
         "its measuring thread was ready to run but waited for a CPU (schedstat), per second.\n\n";
  // The gap the open loop exists to show, said for the variants where it is large.
  for (const auto* v : rows) {
    const auto open = metric(*v, "open_p99_us");
    const auto closed = metric(*v, "load_p99_us");
    const auto uncorrected = metric(*v, "open_uncorrected_p99_us");
    if (!open || !closed || *closed <= 0 || *open < kStallRatio * *closed) {
      continue;
    }
    out << "**" << md(v->name) << ":** the open-loop p99 (" << fixed(*open / 1000, 1) << " ms) is "
        << fixed(*open / *closed, 0) << "× the closed-loop p99 (" << fixed(*closed / 1000, 1)
        << " ms)";
    if (uncorrected) {
      out << " and " << fixed(*open / std::max(*uncorrected, 1.0), 0)
          << "× the same requests timed from their actual send (" << fixed(*uncorrected / 1000, 1)
          << " ms)";
    }
    out << ": the service stalls now and then, and at a fixed rate every request that arrives "
           "during a stall waits for it, while a closed loop stops sending during the stall and "
           "counts it in only the few requests that were in flight.\n\n";
  }
  if (!saturated.empty()) {
    out << "**Harness-bound:** the harness was running or waiting for a CPU at least "
        << fixed(kHarnessSaturatedPct, 0) << " % of the phase while loading "
        << join(saturated, ", ")
        << ", so those throughput figures measure imgbench (or a busy machine) at least as much "
           "as the service.\n\n";
  }
}

// What each image is made of, from its `docker save` stream.
constexpr Column kAnatomyColumns[] = {
    {"compressed (MB)", "compressed_bytes", 1e6, 1},
    {"shadowed (MB)", "shadowed_bytes", 1e6, 1},
    {"efficiency", "efficiency", 0.01, 1},
    {"dive efficiency", "dive_efficiency", 0.01, 1},
    {"files", "file_count", 1, 0},
    {"own (MB)", "own_bytes", 1e6, 1},
};

std::string yes_no(const VariantResult& v, const char* name) {
  const auto value = metric(v, name);
  return value ? (*value != 0 ? "yes" : "no") : std::string(kMissing);
}

void write_anatomy(std::ostream& out, const std::vector<const VariantResult*>& rows) {
  const bool any = std::any_of(rows.begin(), rows.end(), [](const VariantResult* v) {
    return v->metrics.count("compressed_bytes") != 0;
  });
  if (!any) {
    return;
  }
  out << "## Image anatomy\n\n| variant |";
  for (const auto& column : kAnatomyColumns) {
    out << " " << column.header << " |";
  }
  out << " shell | root |\n|---|";
  for (std::size_t i = 0; i < std::size(kAnatomyColumns); ++i) {
    out << "--:|";
  }
  out << "---|---|\n";
  for (const auto* v : rows) {
    out << "| " << md(v->name) << " |";
    for (const auto& column : kAnatomyColumns) {
      out << " " << scaled(*v, column.metric, column.divisor, column.decimals)
          << (column.divisor == 0.01 && metric(*v, column.metric) ? " %" : "") << " |";
    }
    out << " " << yes_no(*v, "has_shell") << " | " << yes_no(*v, "runs_as_root") << " |\n";
  }
  out << "\n*compressed* estimates what a push sends: each layer gzip-compressed at level 6, "
         "computed locally. *shadowed* is what layers store that the final filesystem does not "
         "show (overwritten or deleted files, whole deleted directories included); *efficiency* "
         "is final ÷ stored bytes. *dive efficiency* is dive's own figure, which counts every "
         "copy of a repeated path and misses deleted directories. *own* is what the image adds "
         "to its base image. *shell*: `/bin/sh` is present; *root*: the image runs as root.\n\n";
}

// "ok", "2 over", "1 not measured" or the missing mark when the variant sets no budget.
std::string budget_cell(const VariantResult& v) {
  const auto checks = check_budget(v.budget, v.metrics);
  if (checks.empty()) {
    return std::string(kMissing);
  }
  const auto count = [&](BudgetVerdict verdict) {
    return std::count_if(checks.begin(), checks.end(),
                         [&](const BudgetCheck& c) { return c.verdict == verdict; });
  };
  std::vector<std::string> parts;
  if (const auto over = count(BudgetVerdict::Over)) {
    parts.push_back(std::to_string(over) + " over");
  }
  if (const auto unknown = count(BudgetVerdict::NotMeasured)) {
    parts.push_back(std::to_string(unknown) + " not measured");
  }
  return parts.empty() ? std::string("ok") : join(parts, ", ");
}

// "4.2 MB spare" or "1.1 MB over" for byte rules; the same in the rule's own unit otherwise.
std::string budget_margin(const BudgetCheck& check) {
  if (!check.actual) {
    return std::string(kMissing);
  }
  if (check.rule == "non_root") {
    return check.verdict == BudgetVerdict::Pass ? "–" : "runs as root";
  }
  const bool at_most = check.rule != "min_efficiency";
  const double room = at_most ? check.limit - *check.actual : *check.actual - check.limit;
  const std::string amount = format_budget_value(check.rule, std::fabs(room));
  return room >= 0 ? amount + " spare" : amount + " over";
}

}  // namespace

std::vector<const VariantResult*> measured_by_size(const Results& results) {
  std::vector<const VariantResult*> rows;
  for (const auto& v : results.variants) {
    if (v.status == VariantStatus::Ok) {
      rows.push_back(&v);
    }
  }
  // Largest first; a variant without a size goes last, input order kept among equals.
  std::stable_sort(rows.begin(), rows.end(), [](const VariantResult* a, const VariantResult* b) {
    const auto sa = metric(*a, "size_bytes");
    const auto sb = metric(*b, "size_bytes");
    if (sa && sb) {
      return *sa > *sb;
    }
    return sa.has_value() && !sb.has_value();
  });
  return rows;
}

void write_budget_table(std::ostream& out, const std::vector<const VariantResult*>& variants) {
  struct Row {
    const VariantResult* variant;
    BudgetCheck check;
  };
  std::vector<Row> table;
  for (const auto* v : variants) {
    for (auto& check : check_budget(v->budget, v->metrics)) {
      table.push_back({v, std::move(check)});
    }
  }
  if (table.empty()) {
    out << "No variant here sets a budget.\n";
    return;
  }
  // What needs attention first: over, then not measured, then passing; stable within each.
  const auto rank = [](BudgetVerdict verdict) {
    return verdict == BudgetVerdict::Over ? 0 : verdict == BudgetVerdict::NotMeasured ? 1 : 2;
  };
  std::stable_sort(table.begin(), table.end(), [&](const Row& a, const Row& b) {
    return rank(a.check.verdict) < rank(b.check.verdict);
  });
  out << "| variant | rule | limit | measured | margin | verdict |\n|---|---|--:|--:|--:|---|\n";
  for (const auto& row : table) {
    const auto& c = row.check;
    out << "| " << md(row.variant->name) << " | " << c.rule << " | "
        << format_budget_value(c.rule, c.limit) << " | "
        << (c.actual ? format_budget_value(c.rule, *c.actual) : std::string(kMissing)) << " | "
        << budget_margin(c) << " | "
        << (c.verdict == BudgetVerdict::Over ? "**OVER**" : to_string(c.verdict)) << " |\n";
  }
}

namespace {

void write_budgets(std::ostream& out, const Results& results) {
  std::vector<const VariantResult*> checked;
  for (const auto& v : results.variants) {
    if (v.status != VariantStatus::Skipped && !v.budget.empty()) {
      checked.push_back(&v);
    }
  }
  if (checked.empty()) {
    return;
  }
  out << "## Budgets\n\n";
  write_budget_table(out, checked);
  out << "\nLimits come from each variant's `variant.json` as it was when the run started; a "
         "limit is met when the measured value equals it. *efficiency* is the corrected one "
         "(final bytes ÷ stored bytes). `imgbench check` exits 1 when any rule is over.\n\n";
}

void write_comparison(std::ostream& out, const std::vector<const VariantResult*>& rows) {
  out << "## Comparison\n\n";
  if (rows.empty()) {
    out << "No variant was measured.\n\n";
    return;
  }
  double largest = 0;
  for (const auto* v : rows) {
    largest = std::max(largest, metric(*v, "size_bytes").value_or(0));
  }
  out << "| variant | size (MB) | vs largest |";
  for (const auto& column : kColumns) {
    out << " " << column.header << " |";
  }
  out << " budget |\n|---|--:|--:|";
  for (std::size_t i = 0; i < std::size(kColumns); ++i) {
    out << "--:|";
  }
  out << "---|\n";
  for (const auto* v : rows) {
    out << "| " << md(v->name) << " | " << scaled(*v, "size_bytes", 1e6, 1) << " | "
        << share_of_largest(metric(*v, "size_bytes"), largest) << " |";
    for (const auto& column : kColumns) {
      out << " " << scaled(*v, column.metric, column.divisor, column.decimals) << " |";
    }
    out << " " << budget_cell(*v) << " |\n";
  }
  out << "\nSizes are in MB, 1 MB = 10^6 bytes, as `docker images` counts them; *vs largest* is "
         "each image's size as a percentage of the largest one here. Rows are sorted by size. "
         "Memory is the container's after it became ready. *budget* sums up the variant's "
         "budget checks (see Budgets). "
      << kMissing
      << " marks a metric that was not measured. How latency was measured: see Conditions.\n\n";
}

void write_skipped_and_failed(std::ostream& out, const Results& results) {
  const auto reason_of = [](const VariantResult& v) {
    return v.reason ? md(*v.reason) : std::string("no reason recorded");
  };
  bool heading = false;
  for (const auto& v : results.variants) {
    if (v.status == VariantStatus::Skipped) {
      if (!heading) {
        out << "## Skipped\n\n";
        heading = true;
      }
      out << "- **" << md(v.name) << "**: " << reason_of(v) << "\n";
    }
  }
  if (heading) {
    out << "\n";
  }
  heading = false;
  for (const auto& v : results.variants) {
    if (v.status != VariantStatus::Failed) {
      continue;
    }
    if (!heading) {
      out << "## Failed\n\n";
      heading = true;
    }
    out << "**" << md(v.name) << "**: " << reason_of(v) << "\n\n";
    std::string_view tail = v.log_tail;
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) {
      tail.remove_suffix(1);
    }
    if (tail.empty()) {
      out << "No log output was captured.\n\n";
    } else {
      const std::string fence = fence_for(tail);
      out << fence << "text\n" << tail << "\n" << fence << "\n\n";
    }
  }
}

// A command line as the config holds it, e.g. ["/healthz", "--port", "8080"], or the missing mark.
std::string argv_text(const std::vector<std::string>& argv) {
  if (argv.empty()) {
    return std::string(kMissing);
  }
  std::vector<std::string> quoted;
  for (const auto& word : argv) {
    quoted.push_back("\"" + word + "\"");
  }
  return md("[" + join(quoted, ", ") + "]");
}

void write_facts(std::ostream& out, const ImageFacts& facts, std::size_t largest_shown) {
  out << "- runs as: " << (facts.user.empty() ? "root (no USER)" : md(facts.user))
      << "; entrypoint: " << argv_text(facts.entrypoint) << "; cmd: " << argv_text(facts.cmd)
      << "; exposed ports: "
      << (facts.exposed_ports.empty() ? std::string("none") : md(join(facts.exposed_ports, ", ")))
      << "\n";
  if (facts.largest_files.empty()) {
    out << "\n";
    return;
  }
  const std::size_t shown = std::min(largest_shown, facts.largest_files.size());
  out << "- largest files (" << shown << " of the final filesystem's, with the layer that wrote "
      << "each):\n\n| file | size | layer |\n|---|--:|--:|\n";
  for (std::size_t i = 0; i < shown; ++i) {
    const auto& file = facts.largest_files[i];
    out << "| " << md(truncate_utf8(file.path, kCreatedByLimit)) << " | "
        << human_bytes(file.size_bytes) << " | " << file.layer + 1 << " |\n";
  }
  out << "\n";
}

void write_layers(std::ostream& out, const VariantResult& v) {
  out << "### " << md(v.name) << "\n\n";
  out << "- description: " << md_or_missing(v.description) << "\n";
  std::string image = md_or_missing(v.image.tag);
  if (!v.image.id.empty()) {
    // The short id `docker images` shows: 12 hex digits after "sha256:".
    std::string_view id = v.image.id;
    if (id.starts_with("sha256:")) {
      id.remove_prefix(7);
    }
    image += " (" + md(id.substr(0, 12)) + ")";
  }
  out << "- image: " << image << "\n";
  if (v.image.layers.empty()) {
    out << "- layers: none recorded\n\n";
    return;
  }
  std::int64_t total = 0;
  bool all_known = true;
  for (const auto& layer : v.image.layers) {
    all_known = all_known && layer.size_bytes >= 0;
    total += layer.size_bytes;
  }
  out << "- layers: " << v.image.layers.size() << ", "
      << (all_known ? human_bytes(total) + " in total" : std::string("sizes not all known"))
      << ", the base first\n\n";
  const bool analysed = v.image.layers.front().compressed_bytes.has_value();
  out << (analysed ? "| # | size | compressed | shadowed | from | created by "
                     "|\n|--:|--:|--:|--:|---|---|\n"
                   : "| # | size | created by |\n|--:|--:|---|\n");
  for (std::size_t i = 0; i < v.image.layers.size(); ++i) {
    const auto& layer = v.image.layers[i];
    out << "| " << i + 1 << " | "
        << (layer.size_bytes >= 0 ? human_bytes(layer.size_bytes) : std::string(kMissing)) << " | ";
    if (analysed) {
      const auto bytes_or_missing = [](const std::optional<std::int64_t>& b) {
        return b ? human_bytes(*b) : std::string(kMissing);
      };
      out << bytes_or_missing(layer.compressed_bytes) << " | "
          << bytes_or_missing(layer.shadowed_bytes) << " | "
          << (layer.base.value_or(false) ? "base" : "own") << " | ";
    }
    out << md(truncate_utf8(layer.created_by, kCreatedByLimit)) << " |\n";
  }
  out << "\n";
  if (v.image.facts) {
    write_facts(out, *v.image.facts, kLargestFilesShown);
  }
}

void write_conditions(std::ostream& out, const RunInfo& run) {
  const RunParameters& p = run.parameters;
  out << "## Conditions\n\n"
      << "- run id: " << md_or_missing(run.id) << "\n"
      << "- started (UTC): " << md_or_missing(run.started_utc) << "\n"
      << "- git revision: " << md_or_missing(run.git_revision) << "\n"
      << "- Docker server: " << md_or_missing(run.docker_server_version)
      << ", client: " << md_or_missing(run.docker_client_version) << "\n"
      << "- builder: " << md_or_missing(run.builder) << "\n"
      << "- storage driver: " << md_or_missing(run.storage_driver) << "\n"
      << "- kernel: " << md_or_missing(run.kernel) << "\n"
      << "- CPUs: " << run.cpus << "\n"
      << "- requests: " << p.requests << "\n"
      << "- warm-up requests: " << p.warmup << "\n"
      << "- repetitions: " << p.repetitions << "\n"
      << "- via: " << md_or_missing(p.via) << "\n"
      << "- CPU placement: " << md(placement_text(p)) << "\n"
      << "- stop timeout: " << p.stop_timeout_s << " s\n"
      << "- load: "
      << (p.duration_s > 0
              ? std::to_string(p.connections) + " connections, " + fixed(p.duration_s, 1) +
                    " s closed loop" +
                    (p.rate_rps > 0 ? ", then open loop at " + fixed(p.rate_rps, 0) + " requests/s"
                                    : std::string())
              : std::string("none"))
      << "\n\n";

  std::string path;
  if (p.via == "ip") {
    path = "the container's IP on the bridge network (via=ip)";
  } else if (p.via == "port") {
    path = "the port published on 127.0.0.1 (via=port), so docker-proxy's cost is included";
  } else {
    path = "the path named via=" + md(p.via);
  }
  out << "Latency is the harness's own clock from the moment libcurl writes the request to the "
         "moment the socket carrying the answer's last part is reported readable (libcurl's "
         "bookkeeping around each transfer and its parsing of the answer left out; cold requests "
         "from their start, connect included), for sequential requests on one keep-alive "
         "connection to "
      << path << ", after the warm-up requests; CPU placement: " << md(placement_text(p))
      << ". Percentiles use linear interpolation between closest "
         "ranks (type 7), computed within each repetition; the table shows the median over "
         "repetitions. Ready time runs from the start of `docker run` to the first expected "
         "answer on the health path.\n";
}

// RFC 4180: quote a field holding a comma, a quote or a line break, doubling inner quotes.
std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    return std::string(text);
  }
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') {
      out += '"';
    }
    out += c;
  }
  out += '"';
  return out;
}

// The same text results.json holds, so the CSV and the JSON never disagree on a figure.
std::string csv_number(double value) {
  if (!std::isfinite(value)) {
    char buffer[16];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
  }
  return number_to_json(value).dump();
}

}  // namespace

void write_markdown(std::ostream& out, const Results& results) {
  std::size_t measured = 0;
  std::size_t skipped = 0;
  std::size_t failed = 0;
  for (const auto& v : results.variants) {
    switch (v.status) {
      case VariantStatus::Ok:
        ++measured;
        break;
      case VariantStatus::Skipped:
        ++skipped;
        break;
      case VariantStatus::Failed:
        ++failed;
        break;
    }
  }
  out << "# imgbench run " << md_or_missing(results.run.id) << "\n\n"
      << md(summary(results)) << "\n\n"
      << measured << " measured, " << skipped << " skipped, " << failed << " failed.\n\n";

  const auto rows = measured_by_size(results);
  if (!rows.empty()) {
    // The files write_run_folder puts next to report.md; they exist even when a chart is empty.
    out << "## Charts\n\n";
    for (const auto& chart : chart_files()) {
      out << "![" << chart.title << "](" << chart.path << ")\n\n";
    }
  }
  write_comparison(out, rows);
  write_latency(out, rows);
  write_lifecycle(out, rows, results.run.parameters.stop_timeout_s);
  write_load(out, rows);
  write_anatomy(out, rows);
  write_budgets(out, results);
  write_skipped_and_failed(out, results);

  // Layers for every measured variant, in table order, then for failed ones that got an image.
  std::vector<const VariantResult*> with_layers = rows;
  for (const auto& v : results.variants) {
    if (v.status == VariantStatus::Failed && !v.image.layers.empty()) {
      with_layers.push_back(&v);
    }
  }
  if (!with_layers.empty()) {
    out << "## Layers\n\n";
    for (const auto* v : with_layers) {
      write_layers(out, *v);
    }
  }
  write_conditions(out, results.run);
}

void write_csv(std::ostream& out, const Results& results) {
  std::set<std::string> names;
  for (const auto& v : results.variants) {
    for (const auto& [name, value] : v.metrics) {
      names.insert(name);
    }
  }
  out << "variant,status,reason";
  for (const auto& name : names) {
    out << "," << csv_field(name);
  }
  out << "\n";
  for (const auto& v : results.variants) {
    out << csv_field(v.name) << "," << to_string(v.status) << ","
        << (v.reason ? csv_field(*v.reason) : std::string());
    for (const auto& name : names) {
      out << ",";
      if (const auto it = v.metrics.find(name); it != v.metrics.end()) {
        out << csv_number(it->second);
      }
    }
    out << "\n";
  }
}

}  // namespace imgbench
