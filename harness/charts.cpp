#include "charts.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "report.hpp"
#include "svg.hpp"
#include "text.hpp"

namespace imgbench {
namespace {

using svg::Anchor;

constexpr double kWidth = 760;
constexpr double kLabelRight = 150;  // variant names end here, right-aligned
constexpr double kPlotLeft = 160;
constexpr double kPlotRight = 650;    // room on the right for the value written after a bar
constexpr double kLayersRight = 560;  // the layers chart writes a longer text after its bars
constexpr std::size_t kLabelLimit = 18;
constexpr std::size_t kNoteLimit = 110;
constexpr double kLineHeight = 16;

// The write-up's published sizes, in bytes (MB = 10^6 bytes, as it and `docker images` count).
struct Reference {
  double value;
  const char* label;
};
constexpr std::array<Reference, 3> kWriteUpSizes = {{
    {446e6, "write-up: Ubuntu + toolchain 446 MB"},
    {64.3e6, "write-up: python:3.7-alpine 64.3 MB"},
    {55e6, "write-up: multi-stage 55 MB"},
}};

struct Series {
  const char* label;
  const char* metric;
  const char* css;
};

// One block of horizontal bars: a row a variant, a bar a series.
struct Panel {
  std::string_view heading;  // empty: none (the chart's title says it)
  std::vector<Series> series;
  bool log = false;
  double divisor = 1;  // shown value = metric / divisor
  int decimals = 0;
  std::string_view unit;  // after a written value, e.g. " MB"
  std::string_view axis;  // under the ticks
  std::vector<Reference> references{};
};

std::optional<double> metric(const VariantResult& v, const char* name) {
  const auto it = v.metrics.find(name);
  if (it == v.metrics.end() || !std::isfinite(it->second)) {
    return std::nullopt;
  }
  return it->second;
}

// A tick label: whole numbers from 10 up, else at most two decimals without trailing zeros.
std::string compact(double value) {
  if (value >= 10 || value == std::floor(value)) {
    return fixed(value, 0);
  }
  std::string text = fixed(value, 2);
  while (text.ends_with('0')) {
    text.pop_back();
  }
  if (text.ends_with('.')) {
    text.pop_back();
  }
  return text;
}

void title(svg::Writer& w, std::string_view text) { w.text(10, 22, text, "ib-title"); }

double legend(svg::Writer& w, double top,
              const std::vector<std::pair<const char*, const char*>>& entries) {
  double x = kPlotLeft;
  for (const auto& [css, label] : entries) {
    w.rect(x, top + 3, 10, 10, css);
    w.text(x + 14, top + 12, label, "ib-small");
    // About 6.5 px a character at 11 px: enough room without measuring text.
    x += 14 + 6.5 * static_cast<double>(std::string_view(label).size()) + 16;
  }
  return top + 20;
}

void variant_label(svg::Writer& w, double y, const VariantResult& v) {
  const std::string shown = truncate_utf8(v.name, kLabelLimit);
  w.text(kLabelRight, y, shown, "", Anchor::End, shown == v.name ? "" : v.name);
}

// "not measured: a, b" under a chart, for variants that have none of its figures.
double absent_note(svg::Writer& w, double top, std::string_view what,
                   const std::vector<std::string>& names) {
  if (names.empty()) {
    return top;
  }
  w.text(10, top + 12, truncate_utf8(std::string(what) + join(names, ", "), kNoteLimit),
         "ib-small ib-muted");
  return top + kLineHeight + 4;
}

double no_data(svg::Writer& w, double top, std::string_view message) {
  w.text(10, top + 14, message, "ib-muted");
  return top + 26;
}

// Grid lines and labelled ticks across [plot_top, plot_bottom], the axis and its label.
void axis(svg::Writer& w, double plot_top, double plot_bottom, const std::vector<double>& ticks,
          const auto& scale, std::string_view label, double right = kPlotRight) {
  for (const double tick : ticks) {
    const double x = scale(tick);
    w.line(x, plot_top, x, plot_bottom, "ib-grid");
    w.text(x, plot_bottom + 14, compact(tick), "ib-small", Anchor::Middle);
  }
  w.line(kPlotLeft, plot_bottom, right, plot_bottom, "ib-axis");
  w.line(kPlotLeft, plot_top, kPlotLeft, plot_bottom, "ib-axis");
  w.text((kPlotLeft + right) / 2, plot_bottom + 32, label, "", Anchor::Middle);
}

std::string metric_list(const Panel& panel) {
  std::vector<std::string> names;
  for (const auto& s : panel.series) {
    names.emplace_back(s.metric);
  }
  return join(names, ", ");
}

// Draws `panel` from `top` down and returns where it ends.
double draw_panel(svg::Writer& w, double top, const Panel& panel,
                  const std::vector<const VariantResult*>& measured) {
  const auto shown = [&](const VariantResult& v, const Series& s) -> std::optional<double> {
    const auto value = metric(v, s.metric);
    if (!value || (panel.log && *value <= 0)) {
      return std::nullopt;  // a log axis has no place for 0: leave it out rather than lie
    }
    return *value / panel.divisor;
  };
  std::vector<const VariantResult*> rows;
  std::vector<std::string> absent;
  double lo = std::numeric_limits<double>::infinity();
  double hi = 0;
  for (const auto* v : measured) {
    bool any = false;
    for (const auto& s : panel.series) {
      if (const auto value = shown(*v, s)) {
        lo = std::min(lo, *value);
        hi = std::max(hi, *value);
        any = true;
      }
    }
    if (any) {
      rows.push_back(v);
    } else {
      absent.push_back(v->name);
    }
  }
  if (!panel.heading.empty()) {
    w.text(10, top + 14, panel.heading, "ib-title");
    top += 24;
  }
  if (rows.empty()) {
    return no_data(w, top, "No data: no measured variant has " + metric_list(panel) + ".");
  }
  if (panel.series.size() > 1) {
    std::vector<std::pair<const char*, const char*>> entries;
    for (const auto& s : panel.series) {
      entries.emplace_back(s.css, s.label);
    }
    top = legend(w, top, entries);
  }
  for (const auto& ref : panel.references) {
    lo = std::min(lo, ref.value / panel.divisor);
    hi = std::max(hi, ref.value / panel.divisor);
  }
  const double refs_top = top;
  top += kLineHeight * static_cast<double>(panel.references.size());

  const double bar = panel.series.size() > 1 ? 12 : 16;
  const double group = static_cast<double>(panel.series.size()) * (bar + 2) - 2;
  const double gap = 10;
  const double plot_top = top + 4;
  const double plot_bottom = plot_top + gap + static_cast<double>(rows.size()) * (group + gap);

  const auto draw = [&](const auto& scale, double x0) {
    axis(w, plot_top, plot_bottom, scale.ticks(), scale, panel.axis);
    // Under the bars, so a bar and its written value stay on top of a line that crosses them.
    for (std::size_t i = 0; i < panel.references.size(); ++i) {
      const auto& ref = panel.references[i];
      const double x = scale(ref.value / panel.divisor);
      const double label_y = refs_top + kLineHeight * static_cast<double>(i) + 12;
      w.line(x, label_y - 10, x, plot_bottom, "ib-ref");
      const bool right_half = x > (kPlotLeft + kPlotRight) / 2;
      w.text(right_half ? x - 4 : x + 4, label_y, ref.label, "ib-small",
             right_half ? Anchor::End : Anchor::Start);
    }
    double y = plot_top + gap;
    for (const auto* v : rows) {
      variant_label(w, y + group / 2 + 4, *v);
      for (const auto& s : panel.series) {
        const std::string prefix =
            panel.series.size() > 1 ? std::string(s.label) + " " : std::string();
        if (const auto value = shown(*v, s)) {
          const std::string text = prefix + fixed(*value, panel.decimals) + std::string(panel.unit);
          const double x1 = scale(*value);
          w.rect(x0, y, std::max(0.0, x1 - x0), bar, s.css, v->name + ": " + text);
          w.text(x1 + 4, y + bar - 3, text, "ib-small");
        } else {
          w.text(x0 + 4, y + bar - 3, prefix + "not measured", "ib-small ib-muted");
        }
        y += bar + 2;
      }
      y += gap - 2;
    }
  };
  if (panel.log) {
    const svg::LogScale scale(lo, hi, kPlotLeft, kPlotRight);
    draw(scale, scale(scale.lo()));
  } else {
    draw(svg::LinearScale(hi, kPlotLeft, kPlotRight), kPlotLeft);
  }
  return absent_note(w, plot_bottom + 40, "not measured: ", absent);
}

std::vector<const VariantResult*> measured(const Results& results) {
  return measured_by_size(results);
}

}  // namespace

std::string size_chart(const Results& results) {
  svg::Writer w(kWidth, "Image size per variant");
  title(w, "Image size per variant");
  Panel panel{.heading = {},
              .series = {{"size", "size_bytes", "ib-s0"}},
              .log = true,
              .divisor = 1e6,
              .decimals = 1,
              .unit = " MB",
              .axis = "image size (MB = 10^6 bytes, log scale)",
              .references = {kWriteUpSizes.begin(), kWriteUpSizes.end()}};
  const double bottom = draw_panel(w, 34, panel, measured(results));
  return w.finish(bottom + 8);
}

std::string latency_chart(const Results& results) {
  svg::Writer w(kWidth, "Latency percentiles per variant");
  title(w, "Latency per variant: sequential requests on one keep-alive connection");
  Panel panel{.heading = {},
              .series = {{"p50", "latency_p50_us", "ib-s0"},
                         {"p90", "latency_p90_us", "ib-s1"},
                         {"p99", "latency_p99_us", "ib-s2"},
                         {"max", "latency_max_us", "ib-s3"}},
              .log = true,
              .divisor = 1,
              .decimals = 0,
              .unit = " µs",
              .axis = "latency (µs, log scale)"};
  const double bottom = draw_panel(w, 34, panel, measured(results));
  return w.finish(bottom + 8);
}

std::string load_chart(const Results& results) {
  svg::Writer w(kWidth, "Throughput and memory per variant");
  title(w, "Throughput and memory per variant");
  const auto rows = measured(results);
  Panel throughput{.heading = "Throughput under load (closed loop)",
                   .series = {{"throughput", "load_rps", "ib-s0"}},
                   .log = false,
                   .divisor = 1,
                   .decimals = 0,
                   .unit = " /s",
                   .axis = "requests per second"};
  double bottom = draw_panel(w, 34, throughput, rows);
  Panel memory{.heading = "Container memory",
               .series = {{"idle", "mem_idle_bytes", "ib-s0"}, {"peak", "mem_peak_bytes", "ib-s1"}},
               .log = false,
               .divisor = 1e6,
               .decimals = 1,
               .unit = " MB",
               .axis = "memory (MB = 10^6 bytes): idle after ready, peak under load"};
  bottom = draw_panel(w, bottom + 8, memory, rows);
  return w.finish(bottom + 8);
}

std::string layers_chart(const Results& results) {
  svg::Writer w(kWidth, "Layers per variant");
  title(w, "Layers per variant: a segment per layer, the base first");
  std::vector<const VariantResult*> rows;
  std::vector<std::string> absent;
  double largest = 0;
  bool unknown_origin = false;
  for (const auto* v : measured(results)) {
    if (v->image.layers.empty()) {
      absent.push_back(v->name);
      continue;
    }
    rows.push_back(v);
    double total = 0;
    for (const auto& layer : v->image.layers) {
      total += layer.size_bytes > 0 ? static_cast<double>(layer.size_bytes) / 1e6 : 0;
      unknown_origin = unknown_origin || !layer.base.has_value();
    }
    largest = std::max(largest, total);
  }
  double top = 34;
  if (rows.empty()) {
    const double bottom = no_data(w, top, "No data: no measured variant has layers recorded.");
    return w.finish(bottom + 8);
  }
  std::vector<std::pair<const char*, const char*>> entries = {{"ib-base0", "base image layer"},
                                                              {"ib-own0", "own layer"}};
  if (unknown_origin) {
    entries.emplace_back("ib-unk", "origin not analysed");
  }
  top = legend(w, top, entries);

  const double bar = 18;
  const double gap = 12;
  const double plot_top = top + 4;
  const double plot_bottom = plot_top + gap + static_cast<double>(rows.size()) * (bar + gap);
  const svg::LinearScale scale(largest, kPlotLeft, kLayersRight);
  axis(w, plot_top, plot_bottom, scale.ticks(), scale,
       "image size (MB = 10^6 bytes), stacked by layer", kLayersRight);
  double y = plot_top + gap;
  for (const auto* v : rows) {
    variant_label(w, y + bar / 2 + 4, *v);
    const auto& layers = v->image.layers;
    double x = kPlotLeft;
    double total = 0;
    int base = 0;
    int own = 0;
    int unknown_size = 0;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const auto& layer = layers[i];
      const bool is_base = layer.base.value_or(false);
      base += is_base ? 1 : 0;
      if (layer.size_bytes < 0) {
        ++unknown_size;
        continue;
      }
      const double mb = static_cast<double>(layer.size_bytes) / 1e6;
      total += mb;
      // Alternate two shades within base and own layers, so neighbours stay apart.
      const char* css = !layer.base.has_value() ? "ib-unk"
                        : is_base               ? (base % 2 == 1 ? "ib-base0" : "ib-base1")
                                                : (own++ % 2 == 0 ? "ib-own0" : "ib-own1");
      if (layer.size_bytes == 0) {
        continue;  // nothing to see; still counted in the label
      }
      const double width = scale(mb) - kPlotLeft;
      w.rect(x, y, width, bar, std::string(css) + " ib-seg",
             v->name + " layer " + std::to_string(i + 1) + " of " + std::to_string(layers.size()) +
                 (layer.base.has_value() ? (is_base ? ", base: " : ", own: ") : ": ") +
                 human_bytes(layer.size_bytes) + " — " + truncate_utf8(layer.created_by, 100));
      x += width;
    }
    std::string text = fixed(total, 1) + " MB, " + std::to_string(layers.size()) +
                       (layers.size() == 1 ? " layer" : " layers");
    if (base > 0) {
      text += " (" + std::to_string(base) + " base)";
    }
    if (unknown_size > 0) {
      text += ", " + std::to_string(unknown_size) + " of unknown size";
    }
    w.text(x + 4, y + bar - 4, text, "ib-small");
    y += bar + gap;
  }
  const double bottom = absent_note(w, plot_bottom + 40, "no layers recorded: ", absent);
  return w.finish(bottom + 8);
}

std::span<const ChartFile> chart_files() {
  static constexpr ChartFile kFiles[] = {
      {"charts/size.svg", "image size", size_chart},
      {"charts/layers.svg", "layers", layers_chart},
      {"charts/latency.svg", "latency percentiles", latency_chart},
      {"charts/load.svg", "throughput and memory", load_chart},
  };
  return kFiles;
}

}  // namespace imgbench
