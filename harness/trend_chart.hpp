// trend_chart: one SVG line chart a metric from results/history.jsonl — the recorded runs in file
// order along x, the metric's value up y, one line a variant. Pure: points in, SVG text out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "history.hpp"

namespace imgbench {

// The chart of `metric` over `points`. A run in which a variant lacks the metric leaves a gap in
// that variant's line (nothing is drawn as 0); a metric no run has gives a whole SVG that says
// "No data". Byte metrics are shown in MB (10^6 bytes), the rest in the unit their name ends with.
// Every string from the data is XML-escaped.
[[nodiscard]] std::string trend_chart(const std::vector<HistoryPoint>& points,
                                      std::string_view metric);

}  // namespace imgbench
