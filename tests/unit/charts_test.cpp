// charts: the four SVG charts against golden files rendered from a fixture run, plus targeted
// checks of escaping, reference lines, tick placement, absent metrics and empty input.
#include "charts.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "golden.hpp"

namespace imgbench {
namespace {

using test::expect_golden;

// Four variants of a real run on this kind of machine, one measured variant with a hostile name and
// only some figures, three skipped and one failed.
Results sample() {
  return load_results(std::filesystem::path(IMGBENCH_FIXTURES) / "results" / "report_sample.json");
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

VariantResult measured(std::string name, std::map<std::string, double> metrics) {
  VariantResult v;
  v.name = std::move(name);
  v.metrics = std::move(metrics);
  return v;
}

TEST(Charts, EachChartMatchesItsGoldenFile) {
  const Results results = sample();
  for (const auto& chart : chart_files()) {
    SCOPED_TRACE(chart.path);
    expect_golden(chart.render(results), chart.path);
  }
}

TEST(Charts, FilesHaveStablePathsUnderCharts) {
  const auto files = chart_files();
  ASSERT_EQ(files.size(), 4U);
  EXPECT_STREQ(files[0].path, "charts/size.svg");
  EXPECT_STREQ(files[1].path, "charts/layers.svg");
  EXPECT_STREQ(files[2].path, "charts/latency.svg");
  EXPECT_STREQ(files[3].path, "charts/load.svg");
}

TEST(Charts, HostileNamesAreEscapedInEveryChart) {
  const Results results = sample();
  for (const auto& chart : chart_files()) {
    SCOPED_TRACE(chart.path);
    const std::string svg = chart.render(results);
    EXPECT_EQ(svg.find("<script"), std::string::npos);
    EXPECT_EQ(svg.find("& "), std::string::npos);
    EXPECT_EQ(svg.find("'q'"), std::string::npos);
  }
  // The full name goes in the tooltip of the shortened label.
  EXPECT_NE(size_chart(results).find("<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; "
                                     "&amp; &#39;q&#39;</title>"),
            std::string::npos);
  // Layer instructions reach the tooltips escaped too.
  EXPECT_NE(layers_chart(results).find("COPY &lt;b&gt;a&lt;/b&gt; &amp; &quot;b&quot; /"),
            std::string::npos);
}

TEST(Charts, SizeChartPlacesBarsTicksAndWriteUpLinesOnALogScale) {
  Results r;
  r.variants.push_back(measured("big", {{"size_bytes", 1e9}}));
  r.variants.push_back(measured("small", {{"size_bytes", 1e6}}));
  const std::string svg = size_chart(r);
  // 1 MB to 1000 MB over x = 160…650: a decade is 490 / 3 px.
  EXPECT_NE(svg.find("<line x1=\"160\" y1=\"86\" x2=\"160\" y2=\"148\" class=\"ib-grid\"/>\n<text "
                     "x=\"160\" y=\"162\" text-anchor=\"middle\" class=\"ib-small\">1</text>"),
            std::string::npos)
      << svg;
  EXPECT_NE(svg.find("<line x1=\"323.3\" y1=\"86\" x2=\"323.3\""), std::string::npos);
  EXPECT_NE(svg.find(">10</text>"), std::string::npos);
  EXPECT_NE(svg.find("<line x1=\"486.7\""), std::string::npos);  // 100 MB
  // The write-up's sizes: 446 MB at 160 + 490 × log10(446) / 3 = 592.7, 64.3 MB at 455.3, 55 MB
  // at 444.3; each a dashed line with its label.
  EXPECT_EQ(count(svg, "class=\"ib-ref\""), 3U);
  EXPECT_NE(svg.find("<line x1=\"592.7\" y1=\"36\" x2=\"592.7\" y2=\"148\" class=\"ib-ref\"/>"),
            std::string::npos)
      << svg;
  EXPECT_NE(svg.find("<line x1=\"455.3\""), std::string::npos);
  EXPECT_NE(svg.find("<line x1=\"444.3\""), std::string::npos);
  EXPECT_NE(svg.find(">write-up: Ubuntu + toolchain 446 MB</text>"), std::string::npos);
  EXPECT_NE(svg.find(">write-up: python:3.7-alpine 64.3 MB</text>"), std::string::npos);
  EXPECT_NE(svg.find(">write-up: multi-stage 55 MB</text>"), std::string::npos);
  // The 1000 MB bar runs the whole axis, the 1 MB bar has no length; both say their value.
  EXPECT_NE(svg.find("width=\"490\" height=\"16\" class=\"ib-s0\"><title>big: 1000.0 MB</title>"),
            std::string::npos)
      << svg;
  EXPECT_NE(svg.find("width=\"0\" height=\"16\" class=\"ib-s0\"><title>small: 1.0 MB</title>"),
            std::string::npos);
  EXPECT_NE(svg.find(">1.0 MB</text>"), std::string::npos);
}

TEST(Charts, AnAbsentMetricIsSaidNotMeasuredNeverDrawnAsZero) {
  Results r;
  r.variants.push_back(measured("a", {{"latency_p50_us", 100}, {"latency_p99_us", 1000}}));
  const std::string svg = latency_chart(r);
  EXPECT_NE(svg.find("<title>a: p50 100 µs</title>"), std::string::npos) << svg;
  EXPECT_NE(svg.find("<title>a: p99 1000 µs</title>"), std::string::npos);
  EXPECT_NE(svg.find(">p90 not measured</text>"), std::string::npos);
  EXPECT_NE(svg.find(">max not measured</text>"), std::string::npos);
  EXPECT_EQ(svg.find("a: p90"), std::string::npos);
  EXPECT_EQ(svg.find("a: max"), std::string::npos);
  EXPECT_EQ(count(svg, "class=\"ib-s1\""), 1U);  // the legend's swatch only, no p90 bar
}

TEST(Charts, AVariantWithNoneOfAPanelsMetricsIsNamedUnderIt) {
  Results r;
  r.variants.push_back(measured("loaded", {{"load_rps", 5000}, {"mem_idle_bytes", 2e6}}));
  r.variants.push_back(measured("idle<&>", {{"mem_idle_bytes", 1e6}}));
  const std::string svg = load_chart(r);
  EXPECT_NE(svg.find(">not measured: idle&lt;&amp;&gt;</text>"), std::string::npos) << svg;
  EXPECT_EQ(svg.find("idle&lt;&amp;&gt;: throughput"), std::string::npos);
  EXPECT_NE(svg.find("<title>idle&lt;&amp;&gt;: idle 1.0 MB</title>"), std::string::npos);
  EXPECT_NE(svg.find(">peak not measured</text>"), std::string::npos);
}

TEST(Charts, OnlyMeasuredVariantsAreDrawn) {
  Results r;
  r.variants.push_back(measured("ok", {{"size_bytes", 5e6}}));
  VariantResult failed = measured("failed-one", {{"size_bytes", 9e6}});
  failed.status = VariantStatus::Failed;
  r.variants.push_back(failed);
  VariantResult skipped = measured("skipped-one", {});
  skipped.status = VariantStatus::Skipped;
  r.variants.push_back(skipped);
  for (const auto& chart : chart_files()) {
    const std::string svg = chart.render(r);
    EXPECT_EQ(svg.find("failed-one"), std::string::npos) << chart.path;
    EXPECT_EQ(svg.find("skipped-one"), std::string::npos) << chart.path;
  }
}

TEST(Charts, NoMeasuredVariantGivesAChartThatSaysNoData) {
  const Results empty;
  for (const auto& chart : chart_files()) {
    SCOPED_TRACE(chart.path);
    const std::string svg = chart.render(empty);
    EXPECT_NE(svg.find("No data: no measured variant has"), std::string::npos) << svg;
    EXPECT_EQ(count(svg, "<rect"), 1U);  // the background only
    EXPECT_TRUE(svg.ends_with("</svg>\n"));
  }
  EXPECT_NE(
      latency_chart(empty).find("No data: no measured variant has latency_p50_us, latency_p90_us, "
                                "latency_p99_us, latency_max_us."),
      std::string::npos);
}

TEST(Charts, LogChartsLeaveOutZeroRatherThanDrawIt) {
  Results r;
  r.variants.push_back(measured("zero", {{"size_bytes", 0}}));
  const std::string svg = size_chart(r);
  EXPECT_NE(svg.find("No data"), std::string::npos) << svg;
}

TEST(Charts, LayersChartTellsBaseLayersFromOwnOnes) {
  Results r;
  VariantResult v = measured("app", {});
  v.image.layers = {{.digest = "d1",
                     .size_bytes = 75'000'000,
                     .created_by = "base",
                     .compressed_bytes = {},
                     .shadowed_bytes = {},
                     .base = true},
                    {.digest = "d2",
                     .size_bytes = 25'000'000,
                     .created_by = "RUN x",
                     .compressed_bytes = {},
                     .shadowed_bytes = {},
                     .base = false},
                    {.digest = "d3",
                     .size_bytes = 0,
                     .created_by = "WORKDIR /app",
                     .compressed_bytes = {},
                     .shadowed_bytes = {},
                     .base = false}};
  r.variants.push_back(v);
  const std::string svg = layers_chart(r);
  // 100 MB on a 0–100 axis over x = 160…560: the base takes three quarters.
  EXPECT_NE(svg.find("<rect x=\"160\" y=\"70\" width=\"300\" height=\"18\" class=\"ib-base0 "
                     "ib-seg\"><title>app layer 1 of 3, base: 75.0 MB — base</title></rect>"),
            std::string::npos)
      << svg;
  EXPECT_NE(svg.find("<rect x=\"460\" y=\"70\" width=\"100\" height=\"18\" class=\"ib-own0 "
                     "ib-seg\"><title>app layer 2 of 3, own: 25.0 MB — RUN x</title></rect>"),
            std::string::npos);
  EXPECT_EQ(svg.find("layer 3 of 3"), std::string::npos);  // empty: nothing to draw
  EXPECT_NE(svg.find(">100.0 MB, 3 layers (1 base)</text>"), std::string::npos);
  EXPECT_EQ(svg.find("origin not analysed"), std::string::npos);
}

}  // namespace
}  // namespace imgbench
