// svg: coordinates, the writer's escaping and the linear and log scales' ticks and placement,
// against hand-computed values.
#include "svg.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace imgbench::svg {
namespace {

TEST(SvgCoord, RoundsToATenthWithoutTrailingZeroOrNegativeZero) {
  EXPECT_EQ(coord(12), "12");
  EXPECT_EQ(coord(12.25), "12.3");
  EXPECT_EQ(coord(-0.01), "0");
  EXPECT_EQ(coord(159.96), "160");
}

TEST(SvgWriter, EscapesTextTooltipsAndTitle) {
  Writer w(100, "a <b> & \"c\"");
  w.text(1, 2, "<script>x</script>", "ib-small", Anchor::End, "it's");
  w.rect(0, 0, 10, 5, "ib-s0", "&amp;");
  const std::string doc = w.finish(50);
  EXPECT_NE(doc.find("<title>a &lt;b&gt; &amp; &quot;c&quot;</title>"), std::string::npos) << doc;
  EXPECT_NE(doc.find("<text x=\"1\" y=\"2\" text-anchor=\"end\" class=\"ib-small\">"
                     "&lt;script&gt;x&lt;/script&gt;<title>it&#39;s</title></text>"),
            std::string::npos)
      << doc;
  EXPECT_NE(doc.find("<rect x=\"0\" y=\"0\" width=\"10\" height=\"5\" class=\"ib-s0\">"
                     "<title>&amp;amp;</title></rect>"),
            std::string::npos)
      << doc;
  EXPECT_EQ(doc.find("<script>"), std::string::npos);
  EXPECT_TRUE(
      doc.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"ib-chart\" "
                      "width=\"100\" height=\"50\" viewBox=\"0 0 100 50\""))
      << doc;
  EXPECT_TRUE(doc.ends_with("</svg>\n"));
}

TEST(LinearScale, TicksAreOneTwoFiveStepsCoveringTheMaximum) {
  EXPECT_EQ(LinearScale(583.2, 0, 600).ticks(),
            (std::vector<double>{0, 100, 200, 300, 400, 500, 600}));
  EXPECT_EQ(LinearScale(21.8, 0, 100).ticks(), (std::vector<double>{0, 5, 10, 15, 20, 25}));
  EXPECT_EQ(LinearScale(20734.8, 0, 100).ticks(),
            (std::vector<double>{0, 5000, 10000, 15000, 20000, 25000}));
  // Exactly on a tick: no extra interval above it.
  EXPECT_EQ(LinearScale(50, 0, 100).ticks(), (std::vector<double>{0, 10, 20, 30, 40, 50}));
  EXPECT_EQ(LinearScale(0, 0, 100).ticks(), (std::vector<double>{0, 1}));
}

TEST(LinearScale, MapsZeroToTheLeftAndTheLastTickToTheRight) {
  const LinearScale scale(583.2, 160, 760);  // domain 0–600
  EXPECT_DOUBLE_EQ(scale(0), 160);
  EXPECT_DOUBLE_EQ(scale(600), 760);
  EXPECT_DOUBLE_EQ(scale(150), 310);
}

TEST(LogScale, WidensToWholeDecadesWithATickAtEachPowerOfTen) {
  // static's 1.06 MB to fat's 583.2 MB: three decades, 1 to 1000 MB.
  const LogScale scale(1.06, 583.2, 100, 400);
  EXPECT_EQ(scale.ticks(), (std::vector<double>{1, 10, 100, 1000}));
  EXPECT_DOUBLE_EQ(scale.lo(), 1);
  EXPECT_DOUBLE_EQ(scale(1), 100);
  EXPECT_DOUBLE_EQ(scale(10), 200);
  EXPECT_DOUBLE_EQ(scale(100), 300);
  EXPECT_DOUBLE_EQ(scale(1000), 400);
  EXPECT_NEAR(scale(446), 100 + 100 * (2 + 0.6493348587), 1e-6);  // log10(4.46) = 0.6493…
}

TEST(LogScale, ExactPowersOfTenAreNotWidenedAnExtraDecade) {
  const LogScale scale(1e-1, 1e3, 0, 1);
  EXPECT_EQ(scale.ticks(), (std::vector<double>{0.1, 1, 10, 100, 1000}));
}

TEST(LogScale, NarrowRangesGetTwoAndFiveTicksBetweenDecades) {
  // 67 µs to 4278 µs spans 10–10000, three decades: powers only.
  EXPECT_EQ(LogScale(67, 4278, 0, 1).ticks(), (std::vector<double>{10, 100, 1000, 10000}));
  // 55 MB to 583 MB spans 10–1000, two decades: 1-2-5 steps.
  EXPECT_EQ(LogScale(55, 583, 0, 1).ticks(),
            (std::vector<double>{10, 20, 50, 100, 200, 500, 1000}));
  const LogScale scale(55, 583, 0, 200);
  EXPECT_NEAR(scale(20), 100 * 0.301029996, 1e-6);
}

TEST(LogScale, OneValueOnAPowerOfTenSpansTheDecadeAbove) {
  const LogScale scale(100, 100, 0, 10);
  EXPECT_EQ(scale.ticks(), (std::vector<double>{100, 200, 500, 1000}));
  EXPECT_DOUBLE_EQ(scale(100), 0);
}

}  // namespace
}  // namespace imgbench::svg
