// html: report.html against a golden file rendered from a fixture run, and the markdown subset's
// conversion: escaping, tables, fences, folding and the inline charts.
#include "html.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "golden.hpp"

namespace imgbench {
namespace {

using test::expect_golden;

Results sample() {
  return load_results(std::filesystem::path(IMGBENCH_FIXTURES) / "results" / "report_sample.json");
}

std::string html(const Results& r) {
  std::ostringstream out;
  write_html(out, r);
  return out.str();
}

std::string convert(std::string_view markdown) {
  return markdown_to_html(markdown, [](std::string_view src, std::string_view alt) {
    return "[" + std::string(src) + "|" + std::string(alt) + "]";
  });
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST(Html, ReportMatchesGoldenFile) { expect_golden(html(sample()), "report.html"); }

TEST(Html, ReportIsSelfContainedWithTheChartsInline) {
  const std::string page = html(sample());
  EXPECT_EQ(count(page, "<svg xmlns="), 4U);
  EXPECT_EQ(count(page, "<script>"), 1U);  // ours; the hostile names arrive escaped
  EXPECT_EQ(page.find("src="), std::string::npos);
  EXPECT_EQ(page.find("href="), std::string::npos);
  EXPECT_EQ(page.find("@import"), std::string::npos);
  EXPECT_NE(page.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(page.find("@media (prefers-color-scheme:dark)"), std::string::npos);
  // The summary opens the page, as it opens report.md.
  EXPECT_NE(page.find("<h1>imgbench run 20261204T015210Z-aee7</h1>\n<p>static is 550× smaller "
                      "than fat"),
            std::string::npos);
}

TEST(Html, HostileTextIsEscapedEverywhere) {
  const std::string page = html(sample());
  const std::string name = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;";
  EXPECT_NE(page.find("<td>" + name + "</td>"), std::string::npos);
  EXPECT_NE(page.find("<summary>" + name + "</summary>"), std::string::npos);
  // The failed variant's log tail is literal text in a <pre>, its reason escaped.
  EXPECT_NE(page.find("<pre><code>Step 2/3 : RUN false\n&lt;/pre&gt;&lt;script&gt;x&lt;/script&gt;"
                      "\n</code></pre>"),
            std::string::npos);
  EXPECT_NE(page.find("docker build exited 1: &lt;none&gt; &amp; more"), std::string::npos);
  EXPECT_EQ(page.find("</pre><script>"), std::string::npos);
}

TEST(Html, MarkdownEscapesAndEntitiesBecomeLiteralTextOnce) {
  EXPECT_EQ(convert("a \\| b \\*c\\* &lt;d&gt; &amp;lt; & \"e\""),
            "<p>a | b *c* &lt;d&gt; &amp;lt; &amp; &quot;e&quot;</p>\n");
  EXPECT_EQ(convert("*em* and **strong** and `co<de>`"),
            "<p><em>em</em> and <strong>strong</strong> and <code>co&lt;de&gt;</code></p>\n");
  EXPECT_EQ(convert("*never closed"), "<p><em>never closed</em></p>\n");
}

TEST(Html, TablesHaveAHeadNumericColumnsAndKeepEscapedPipes) {
  EXPECT_EQ(convert("| name | size |\n|---|--:|\n| a\\|b | 1.0 |\n| c | – |\n"),
            "<table class=\"sortable\">\n<thead><tr><th>name</th><th class=\"num\">size</th>"
            "</tr></thead>\n<tbody>\n<tr><td>a|b</td><td class=\"num\">1.0</td></tr>\n"
            "<tr><td>c</td><td class=\"num\">–</td></tr>\n</tbody>\n</table>\n");
}

TEST(Html, FencesListsHeadingsAndFoldedSections) {
  EXPECT_EQ(convert("# T\n\n- one\n- *two*\n\n````text\n```\n<x>\n````\n\n## Layers\n\n"
                    "### a\n\ntext\n\n### b\n\n## After\n"),
            "<h1>T</h1>\n<ul>\n<li>one</li>\n<li><em>two</em></li>\n</ul>\n"
            "<pre><code>```\n&lt;x&gt;\n</code></pre>\n<h2>Layers</h2>\n"
            "<details>\n<summary>a</summary>\n<p>text</p>\n</details>\n"
            "<details>\n<summary>b</summary>\n</details>\n<h2>After</h2>\n");
}

TEST(Html, ImageLinesBecomeFiguresFromTheResolver) {
  EXPECT_EQ(convert("![image size](charts/size.svg)\n"),
            "<figure class=\"chart\">\n[charts/size.svg|image size]</figure>\n");
}

}  // namespace
}  // namespace imgbench
