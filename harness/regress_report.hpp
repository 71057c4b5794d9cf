// Renderers of a baseline Comparison: a markdown block to paste into a pull-request comment, and
// CSV. Pure functions writing to a stream.
#pragma once

#include <ostream>
#include <vector>

#include "regress.hpp"

namespace imgbench {

// The rows in report order: regressed, improved, then accepted, too-few-samples, not-measured,
// new, gone, noise, unchanged; the comparison's order within each verdict.
[[nodiscard]] std::vector<ComparisonRow> rows_in_report_order(const Comparison& comparison);

// "## Against baseline <id>", a one-line count of each verdict, the differing run conditions as
// a list, a table of the regressed and improved rows (variant, metric, baseline, current, change,
// p, verdict, why) and every other row in the same table shape inside <details>. Text from the
// data is escaped so it renders literally; a missing value shows "–".
void write_comparison_markdown(std::ostream& out, const Comparison& comparison);

// variant,metric,baseline,current,change_pct,p_value,verdict,reason — one line a row in report
// order, numbers exactly as JSON writes them, absent values empty, RFC 4180 quoting, "\n" endings.
void write_comparison_csv(std::ostream& out, const Comparison& comparison);

}  // namespace imgbench
