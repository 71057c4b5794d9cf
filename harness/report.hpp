// Renderers: pure functions from Results to text. No clock, no engine, no files.
#pragma once

#include <ostream>
#include <vector>

#include "results.hpp"

namespace imgbench {

// report.md: the summary in words (summary.hpp), the counts, links to the four charts
// (charts/*.svg, see charts.hpp) when a variant was measured, then the comparison table (one row
// per measured variant with a ratio against the largest image), start-up, load and anatomy tables,
// the budget checks, skipped and failed variants with their reasons, per-variant layers with the
// image's facts and largest files, the run's conditions.
// Sizes are in MB of 10^6 bytes like `docker images`; "vs largest" is a percentage of the largest
// image; a metric that was not measured shows "–". Every string from the data (names, descriptions,
// reasons, layer commands, conditions) is escaped so it renders as literal text: it cannot break a
// table, open HTML or a code span. Log tails go in a fence longer than any backtick run inside.
void write_markdown(std::ostream& out, const Results& results);
// The budget checks of `variants` as one markdown table (variant, rule, limit, measured, margin,
// verdict), rules over budget first, then not measured, then passing. Variants without a budget
// add no rows; when no row remains it says so in one line instead.
void write_budget_table(std::ostream& out, const std::vector<const VariantResult*>& variants);
// The measured variants (status ok) in the report's order: largest image first, a variant without
// a size last, input order kept among equals. The charts use the same order.
[[nodiscard]] std::vector<const VariantResult*> measured_by_size(const Results& results);
// results.csv: one row per variant, a column per metric (RFC 4180 quoting).
// Header: variant,status,reason, then every metric name that appears in any variant, sorted.
// Numbers are written exactly as results.json holds them (integers without a decimal point); a
// metric a variant lacks is an empty field. Lines end with "\n" rather than RFC 4180's CRLF, for
// the shell tools (cut, awk, diff) that read these files most.
void write_csv(std::ostream& out, const Results& results);

}  // namespace imgbench
