// The one escaping rule of the JUnit and HTML reports.
#include "cli/markup_escape.h"

#include <gtest/gtest.h>

using relman::cli::xml_attribute;
using relman::cli::xml_escape;

TEST(MarkupEscape, MarkupCharactersAreEscaped) {
  EXPECT_EQ(xml_escape("<a&b>\"'"), "&lt;a&amp;b&gt;&quot;&apos;");
  EXPECT_EQ(xml_escape("plain text"), "plain text");
}

TEST(MarkupEscape, ControlsAndInvalidUtf8BecomeTheReplacementCharacter) {
  EXPECT_EQ(xml_escape("x\x01y"), "x\xEF\xBF\xBDy");
  EXPECT_EQ(xml_escape("\xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\x89"), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\x89");
  EXPECT_EQ(xml_escape("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD") << "overlong encodings are not UTF-8";
  EXPECT_EQ(xml_escape("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD") << "surrogates are not UTF-8";
  EXPECT_EQ(xml_escape("cut \xe2\x82"), "cut \xEF\xBF\xBD\xEF\xBF\xBD") << "a sequence cut short";
}

TEST(MarkupEscape, LineBreaksStayInTextAndBecomeReferencesInAttributes) {
  EXPECT_EQ(xml_escape("a\nb\tc\r"), "a\nb\tc&#13;");
  EXPECT_EQ(xml_attribute("a\nb\tc\r"), "a&#10;b&#9;c&#13;");
}
