// Small text helpers that several modules need: trimming, joining, cutting, escaping for XML and
// HTML, and number formatting.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace imgbench {

// `text` without leading and trailing spaces, tabs, CRs and LFs.
[[nodiscard]] inline std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

// The items with `separator` between them.
[[nodiscard]] inline std::string join(const std::vector<std::string>& items,
                                      std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) {
      out += separator;
    }
    out += item;
  }
  return out;
}

// The length of the well-formed UTF-8 sequence starting at text[i] (1 for ASCII; RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or 0 when the bytes there are not one.
// `i` must be less than text.size().
[[nodiscard]] std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

// At most `limit` code points of `text`, never cut inside a UTF-8 sequence; a cut is marked "…".
[[nodiscard]] std::string truncate_utf8(std::string_view text, std::size_t limit);

// Inline markdown text that renders as the literal characters it holds: no table breaks (| and
// newlines), no HTML (< > &), no code spans, links, emphasis or headings' closing #. CRLF becomes
// one space, like any other control byte.
[[nodiscard]] std::string markdown_inline(std::string_view text);

// Text safe inside XML and HTML, as element content and as a quoted attribute value: & < > " '
// become entities; control bytes XML 1.0 forbids become spaces (tab, LF and CR are kept) and bytes
// that are not valid UTF-8 become U+FFFD, so an SVG file never fails to parse whatever it holds.
[[nodiscard]] std::string xml_escape(std::string_view text);

// Locale-independent fixed-point text with `decimals` digits after the point (printf would follow
// LC_NUMERIC); a value that rounds to zero prints as "0.0", never "-0.0".
[[nodiscard]] std::string fixed(double value, int decimals);

// Bytes in SI units as `docker images` prints them (1 kB = 1000 B): "512 B", "1.1 MB", "583.2 MB".
[[nodiscard]] std::string human_bytes(std::int64_t bytes);

}  // namespace imgbench
