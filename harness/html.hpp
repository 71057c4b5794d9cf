// html: report.html — report.md's content as one self-contained page: the charts as inline SVG,
// tables sortable by a small inline script, light and dark colours. Pure: no files, no clock.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <string_view>

#include "results.hpp"

namespace imgbench {

// The page: write_markdown's output converted by markdown_to_html, each chart link replaced by
// that chart's SVG, inside a page whose only style and script are inline; its Content-Security-
// Policy refuses every external script, style, font and image. The same renderer as report.md, so
// the two never disagree on a figure or an escape.
void write_html(std::ostream& out, const Results& results);

// HTML for the markdown subset write_markdown emits: ATX headings, paragraphs, "- " lists, pipe
// tables (the first row is the head; a "--:" column is numeric and right-aligned), backtick fences,
// code spans, *emphasis*, **strong**, backslash escapes and the entities &lt; &gt; &amp;. Every
// character of text comes out HTML-escaped, so text escaped for markdown stays literal. Each "###"
// section is folded into <details> with the heading as its <summary>. A line holding only
// ![alt](src) becomes a <figure> with `image(src, alt)` inside, raw (the caller vouches for it).
[[nodiscard]] std::string markdown_to_html(
    std::string_view markdown,
    const std::function<std::string(std::string_view src, std::string_view alt)>& image);

}  // namespace imgbench
