// charts: one SVG chart per question the report answers (size, layers, latency, load), pure
// functions of Results. Only measured variants (status ok) are drawn, in the report's order.
//
// A metric a variant lacks is left out, never drawn as 0: its slot says "not measured", and a
// variant with none of a chart's metrics is named in a note under it. A chart with nothing to draw
// is still a whole SVG that says "No data …", so the run folder always has the same four files and
// report.md's links never break. Every string from the data is XML-escaped.
#pragma once

#include <span>
#include <string>

#include "results.hpp"

namespace imgbench {

// Image size per variant, horizontal bars on a log scale (MB = 10^6 bytes), with the write-up's
// three published sizes as labelled reference lines: 446 MB, 64.3 MB and 55 MB.
[[nodiscard]] std::string size_chart(const Results& results);
// Each variant's image as one stacked bar, a segment per layer (base layers grey, own layers in
// colour), linear in MB; each segment's tooltip names the layer and its instruction.
[[nodiscard]] std::string layers_chart(const Results& results);
// latency_p50_us, _p90_us, _p99_us and _max_us per variant, grouped bars on a log scale in µs.
[[nodiscard]] std::string latency_chart(const Results& results);
// Two panels: load_rps (requests a second) and mem_idle_bytes / mem_peak_bytes (MB), linear.
[[nodiscard]] std::string load_chart(const Results& results);

struct ChartFile {
  const char* path;   // relative to the run folder, e.g. "charts/size.svg"; stable
  const char* title;  // what it shows, the alt text of its link in report.md
  std::string (*render)(const Results&);
};
// The four charts in the order report.md shows them.
[[nodiscard]] std::span<const ChartFile> chart_files();

}  // namespace imgbench
