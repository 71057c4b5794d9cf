// text: the shared helpers that escape and cut text, checked against hand-written expectations.
#include "text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace imgbench {
namespace {

TEST(XmlEscape, EscapesTheFiveMarkupCharacters) {
  EXPECT_EQ(xml_escape("<script>alert(\"x\")</script> & 'q'"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;");
}

TEST(XmlEscape, KeepsValidUtf8AndWhitespace) {
  EXPECT_EQ(xml_escape("µs × 2\tok\nnext\r"), "µs × 2\tok\nnext\r");
  EXPECT_EQ(xml_escape("😀"), "😀");  // four-byte sequence
}

TEST(XmlEscape, ReplacesControlBytesThatXmlForbids) {
  EXPECT_EQ(xml_escape(std::string("a\0b\x01" "c\x1b", 6)), "a b c ");
}

TEST(XmlEscape, ReplacesEachInvalidUtf8ByteWithOneReplacementCharacter) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(xml_escape("a\xFF" "b"), "a" + fffd + "b");
  // A sequence cut at the end of the text, an overlong "/" and a UTF-16 surrogate.
  EXPECT_EQ(xml_escape("x\xE2\x82"), "x" + fffd + fffd);
  EXPECT_EQ(xml_escape("\xC0\xAF"), fffd + fffd);
  EXPECT_EQ(xml_escape("\xED\xA0\x80"), fffd + fffd + fffd);
}

TEST(TruncateUtf8, CutsByCodePointsAndMarksTheCut) {
  EXPECT_EQ(truncate_utf8("µµµµ", 2), "µµ…");
  EXPECT_EQ(truncate_utf8("abc", 3), "abc");
  EXPECT_EQ(truncate_utf8("abcd", 0), "…");
}

}  // namespace
}  // namespace imgbench
