#include "trend_chart.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace imgbench {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

HistoryPoint point(std::string id, std::map<std::string, std::map<std::string, double>> variants) {
  HistoryPoint p;
  p.run_id = std::move(id);
  p.variants = std::move(variants);
  return p;
}

TEST(TrendChart, OneLineAVariantWithADotARun) {
  const std::vector<HistoryPoint> points{
      point("r1", {{"fat", {{"size_bytes", 583e6}}}, {"static", {{"size_bytes", 1.1e6}}}}),
      point("r2", {{"fat", {{"size_bytes", 590e6}}}, {"static", {{"size_bytes", 1.2e6}}}}),
      point("r3", {{"fat", {{"size_bytes", 600e6}}}, {"static", {{"size_bytes", 1.2e6}}}})};
  const std::string svg = trend_chart(points, "size_bytes");
  EXPECT_EQ(count(svg, "class=\"ib-l0\""), 2U);  // fat: r1→r2, r2→r3
  EXPECT_EQ(count(svg, "class=\"ib-l1\""), 2U);  // static
  EXPECT_NE(svg.find("fat, r3: 600.0 MB"), std::string::npos) << svg;
  EXPECT_NE(svg.find("size_bytes over the recorded runs (MB)"), std::string::npos);
  EXPECT_NE(svg.find(">r1<"), std::string::npos);
  EXPECT_NE(svg.find(">r3<"), std::string::npos);
  EXPECT_NE(svg.find("3 recorded run(s)"), std::string::npos);
}

TEST(TrendChart, AMissingValueLeavesAGapNotAZero) {
  const std::vector<HistoryPoint> points{point("r1", {{"a", {{"latency_p50_us", 70}}}}),
                                         point("r2", {{"a", {}}}),
                                         point("r3", {{"a", {{"latency_p50_us", 72}}}})};
  const std::string svg = trend_chart(points, "latency_p50_us");
  EXPECT_EQ(count(svg, "class=\"ib-l0\""), 0U) << "no segment may bridge the run without a value";
  EXPECT_EQ(count(svg, "class=\"ib-s0\""), 3U);  // two dots and the legend swatch
  EXPECT_EQ(svg.find("a, r2"), std::string::npos);
}

TEST(TrendChart, NoValueAnywhereSaysSo) {
  const std::string svg = trend_chart({point("r1", {{"a", {{"layers", 1}}}})}, "load_rps");
  EXPECT_NE(svg.find("No data: no recorded run has load_rps."), std::string::npos);
  EXPECT_EQ(svg.rfind("<svg", 0), 0U);
}

TEST(TrendChart, VariantNamesAreEscaped) {
  const std::string svg = trend_chart({point("r1", {{"<x&y>", {{"layers", 2}}}})}, "layers");
  EXPECT_EQ(svg.find("<x&y>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;x&amp;y&gt;"), std::string::npos);
}

}  // namespace
}  // namespace imgbench
