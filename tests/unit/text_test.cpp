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
  EXPECT_EQ(xml_escape(std::string("a\0b\x01"
                                   "c\x1b",
                                   6)),
            "a b c ");
}

TEST(XmlEscape, ReplacesEachInvalidUtf8ByteWithOneReplacementCharacter) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(xml_escape("a\xFF"
                       "b"),
            "a" + fffd + "b");
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

namespace imgbench {
namespace {

TEST(Utf8SequenceLength, AcceptsWellFormedSequencesAndRefusesTheRest) {
  EXPECT_EQ(utf8_sequence_length("a", 0), 1U);
  EXPECT_EQ(utf8_sequence_length("\xC2\xB5", 0), 2U);          // µ
  EXPECT_EQ(utf8_sequence_length("\xE2\x80\x93", 0), 3U);      // –
  EXPECT_EQ(utf8_sequence_length("\xF0\x9F\x98\x80", 0), 4U);  // U+1F600
  EXPECT_EQ(utf8_sequence_length("\xC0\x80", 0), 0U);          // overlong NUL
  EXPECT_EQ(utf8_sequence_length("\xE0\x80\x80", 0), 0U);      // overlong 3-byte
  EXPECT_EQ(utf8_sequence_length("\xED\xA0\x80", 0), 0U);      // surrogate
  EXPECT_EQ(utf8_sequence_length("\xF4\x90\x80\x80", 0), 0U);  // past U+10FFFF
  EXPECT_EQ(utf8_sequence_length("\xE2\x80", 0), 0U);          // cut short
  EXPECT_EQ(utf8_sequence_length("\x80", 0), 0U);              // a lone continuation byte
  EXPECT_EQ(utf8_sequence_length("x\xC2\xB5", 1), 2U);
}

}  // namespace
}  // namespace imgbench
