#include "regress_report.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "text.hpp"

namespace imgbench {
namespace {

constexpr std::string_view kMissing = "–";  // en dash, as report.md shows a missing value

constexpr std::array<Verdict, 9> kOrder = {
    Verdict::Regressed,     Verdict::Improved,    Verdict::Accepted,
    Verdict::TooFewSamples, Verdict::NotMeasured, Verdict::New,
    Verdict::Gone,          Verdict::Noise,       Verdict::Unchanged};

std::size_t rank(Verdict verdict) {
  return static_cast<std::size_t>(std::find(kOrder.begin(), kOrder.end(), verdict) -
                                  kOrder.begin());
}

std::string md(std::string_view text) { return markdown_inline(text); }

std::string csv(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    return std::string(text);
  }
  std::string out = "\"";
  for (const char c : text) {
    out += c;
    if (c == '"') {
      out += '"';
    }
  }
  return out + "\"";
}

std::string value_cell(const ComparisonRow& row, const std::optional<double>& value) {
  return value ? format_metric(row.metric, *value) : std::string(kMissing);
}

std::string change_cell(const ComparisonRow& row) {
  if (!row.change_pct) {
    return std::string(kMissing);
  }
  return (*row.change_pct > 0 ? "+" : "") + fixed(*row.change_pct, 1) + " %";
}

std::string p_cell(const ComparisonRow& row) {
  if (!row.p_value) {
    return std::string(kMissing);
  }
  return *row.p_value < 0.0001 ? "< 0.0001" : fixed(*row.p_value, 4);
}

std::string verdict_cell(Verdict verdict) {
  const std::string text = to_string(verdict);
  return verdict == Verdict::Regressed ? "**" + text + "**" : text;
}

void write_table(std::ostream& out, const std::vector<ComparisonRow>& rows) {
  out << "| variant | metric | baseline | current | change | p | verdict | why |\n"
         "|---|---|--:|--:|--:|--:|---|---|\n";
  for (const auto& row : rows) {
    out << "| " << md(row.variant) << " | "
        << (row.metric.empty() ? std::string(kMissing) : md(row.metric)) << " | "
        << value_cell(row, row.baseline) << " | " << value_cell(row, row.current) << " | "
        << change_cell(row) << " | " << p_cell(row) << " | " << verdict_cell(row.verdict) << " | "
        << md(row.reason) << " |\n";
  }
}

}  // namespace

std::vector<ComparisonRow> rows_in_report_order(const Comparison& comparison) {
  std::vector<ComparisonRow> rows = comparison.rows;
  std::stable_sort(rows.begin(), rows.end(), [](const ComparisonRow& a, const ComparisonRow& b) {
    return rank(a.verdict) < rank(b.verdict);
  });
  return rows;
}

void write_comparison_markdown(std::ostream& out, const Comparison& comparison) {
  out << "## Against baseline " << md(comparison.baseline_run) << "\n\n";
  std::vector<std::string> counts;
  for (const Verdict verdict : kOrder) {
    if (const int n = comparison.count(verdict); n > 0) {
      counts.push_back(std::to_string(n) + " " + to_string(verdict));
    }
  }
  out << "Run " << md(comparison.current_run) << ": "
      << (counts.empty() ? std::string("nothing to compare") : join(counts, ", ")) << ".\n\n";
  if (!comparison.conditions.empty()) {
    out << "Run conditions differ, so figures may move for reasons other than the change:\n\n";
    for (const auto& warning : comparison.conditions) {
      out << "- " << md(warning) << '\n';
    }
    out << '\n';
  }

  const auto rows = rows_in_report_order(comparison);
  const auto split = std::find_if(rows.begin(), rows.end(), [](const ComparisonRow& r) {
    return r.verdict != Verdict::Regressed && r.verdict != Verdict::Improved;
  });
  const std::vector<ComparisonRow> shown(rows.begin(), split);
  const std::vector<ComparisonRow> folded(split, rows.end());
  if (shown.empty()) {
    out << "Nothing regressed or improved.\n\n";
  } else {
    write_table(out, shown);
    out << '\n';
  }
  if (!folded.empty()) {
    out << "<details><summary>" << folded.size()
        << " more rows: accepted, too few samples, not measured, new, gone, noise or "
           "unchanged</summary>\n\n";
    write_table(out, folded);
    out << "\n</details>\n";
  }
}

void write_comparison_csv(std::ostream& out, const Comparison& comparison) {
  const auto number = [](const std::optional<double>& value) {
    return value ? number_to_json(*value).dump() : std::string();
  };
  out << "variant,metric,baseline,current,change_pct,p_value,verdict,reason\n";
  for (const auto& row : rows_in_report_order(comparison)) {
    out << csv(row.variant) << ',' << csv(row.metric) << ',' << number(row.baseline) << ','
        << number(row.current) << ',' << number(row.change_pct) << ',' << number(row.p_value) << ','
        << to_string(row.verdict) << ',' << csv(row.reason) << '\n';
  }
}

}  // namespace imgbench
