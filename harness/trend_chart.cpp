#include "trend_chart.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "svg.hpp"
#include "text.hpp"

namespace imgbench {
namespace {

constexpr double kWidth = 760;
constexpr double kLeft = 70;    // room for the y tick labels
constexpr double kRight = 150;  // room for the legend
constexpr double kTop = 40;
constexpr double kPlotHeight = 220;
constexpr int kColours = 4;  // ib-l0 .. ib-l3 in svg.cpp's style block

struct Unit {
  double divisor;
  int decimals;
  const char* label;
};

Unit unit_of(std::string_view metric) {
  if (metric.ends_with("_bytes")) {
    return {1e6, 1, "MB"};
  }
  if (metric.ends_with("_us")) {
    return {1, 0, "µs"};
  }
  if (metric.ends_with("_ms")) {
    return {1, 0, "ms"};
  }
  if (metric.ends_with("_rps")) {
    return {1, 0, "requests/s"};
  }
  return {1, metric == "efficiency" ? 3 : 0, ""};
}

std::optional<double> value_of(const HistoryPoint& point, const std::string& variant,
                               std::string_view metric) {
  const auto v = point.variants.find(variant);
  if (v == point.variants.end()) {
    return std::nullopt;
  }
  const auto m = v->second.find(std::string(metric));
  if (m == v->second.end()) {
    return std::nullopt;
  }
  return m->second;
}

}  // namespace

std::string trend_chart(const std::vector<HistoryPoint>& points, std::string_view metric) {
  const Unit unit = unit_of(metric);
  const std::string name(metric);
  svg::Writer w(kWidth, "History of " + name);
  w.text(
      10, 22,
      name + " over the recorded runs" + (*unit.label ? std::string(" (") + unit.label + ")" : ""),
      "ib-title");

  std::set<std::string> variants;
  double largest = 0;
  for (const auto& point : points) {
    for (const auto& [variant, metrics] : point.variants) {
      if (const auto value = value_of(point, variant, metric)) {
        variants.insert(variant);
        largest = std::max(largest, *value / unit.divisor);
      }
    }
  }
  if (variants.empty()) {
    w.text(10, 48, "No data: no recorded run has " + name + ".", "ib-muted");
    return w.finish(64);
  }

  const double x0 = kLeft;
  const double x1 = kWidth - kRight;
  const double bottom = kTop + kPlotHeight;
  // The y axis reuses the horizontal scale: values map onto [0, plot height] and are flipped.
  const svg::LinearScale scale(largest, 0, kPlotHeight);
  const auto y_of = [&](double value) { return bottom - scale(value); };
  const auto x_of = [&](std::size_t run) {
    return points.size() == 1
               ? (x0 + x1) / 2
               : x0 + (x1 - x0) * static_cast<double>(run) / static_cast<double>(points.size() - 1);
  };
  for (const double tick : scale.ticks()) {
    const double y = y_of(tick);
    w.line(x0, y, x1, y, "ib-grid");
    w.text(x0 - 6, y + 4, fixed(tick, unit.decimals), "ib-small", svg::Anchor::End);
  }
  w.line(x0, bottom, x1, bottom, "ib-axis");
  w.line(x0, kTop, x0, bottom, "ib-axis");
  w.text(x0, bottom + 16, points.front().run_id, "ib-small ib-muted");
  if (points.size() > 1) {
    w.text(x1, bottom + 16, points.back().run_id, "ib-small ib-muted", svg::Anchor::End);
  }
  w.text((x0 + x1) / 2, bottom + 32,
         std::to_string(points.size()) + " recorded run(s), oldest on the left", "ib-small",
         svg::Anchor::Middle);

  int colour = 0;
  double legend_y = kTop + 4;
  for (const auto& variant : variants) {
    const std::string line_css = "ib-l" + std::to_string(colour % kColours);
    const std::string dot_css = "ib-s" + std::to_string(colour % kColours);
    std::optional<std::pair<double, double>> previous;
    for (std::size_t i = 0; i < points.size(); ++i) {
      const auto value = value_of(points[i], variant, metric);
      if (!value) {
        previous.reset();  // a gap: the run did not measure it
        continue;
      }
      const double x = x_of(i);
      const double y = y_of(*value / unit.divisor);
      if (previous) {
        w.line(previous->first, previous->second, x, y, line_css);
      }
      w.rect(x - 2.5, y - 2.5, 5, 5, dot_css,
             variant + ", " + points[i].run_id + ": " +
                 fixed(*value / unit.divisor, unit.decimals) +
                 (*unit.label ? std::string(" ") + unit.label : ""));
      previous = std::make_pair(x, y);
    }
    w.rect(x1 + 16, legend_y - 8, 10, 10, dot_css);
    w.text(x1 + 32, legend_y + 1, truncate_utf8(variant, 16), "ib-small");
    legend_y += 18;
    ++colour;
  }
  return w.finish(std::max(bottom + 44, legend_y + 8));
}

}  // namespace imgbench
