// blurb's wrapping (its tests/test_utils_text.py cases, and Python
// textwrap's rules blurb relies on), and the Python string behaviours
// under it.
#include <gtest/gtest.h>

#include "steps/news/text.h"
#include "steps/news/textwrap.h"

namespace relman::news {
namespace {

struct WrapCase {
  std::string body;
  std::string indent;
  std::string expected;
};

class TextwrapBody : public ::testing::TestWithParam<WrapCase> {};

TEST_P(TextwrapBody, MatchesBlurbsTests) {
  const auto& c = GetParam();
  EXPECT_EQ(textwrap_body(c.body, c.indent), c.expected);
}

// blurb's tests/test_utils_text.py, case by case.
INSTANTIATE_TEST_SUITE_P(
    BlurbTestUtilsText, TextwrapBody,
    ::testing::Values(
        WrapCase{"This is a test of the textwrap_body function with a string. It should wrap the text to 79 "
                 "characters.",
                 "",
                 "This is a test of the textwrap_body function with a string. It should wrap\n"
                 "the text to 79 characters.\n"},
        WrapCase{"This is a test of the textwrap_body function with a string and subsequent indent.", "    ",
                 "This is a test of the textwrap_body function with a string and subsequent\n"
                 "    indent.\n"},
        WrapCase{"This is a test of the textwrap_body function with a bullet list and subsequent indent. The list "
                 "should not be wrapped.\n"
                 "\n"
                 "* Item 1\n"
                 "* Item 2\n",
                 "    ",
                 "This is a test of the textwrap_body function with a bullet list and\n"
                 "    subsequent indent. The list should not be wrapped.\n"
                 "\n"
                 "    * Item 1\n"
                 "    * Item 2\n"}));

TEST(TextwrapBodyLines, JoinsTheLinesFirst) {
  // The iterable case of blurb's test_textwrap_body.
  EXPECT_EQ(textwrap_body_lines({"This is a test of the textwrap_body function", "with an iterable of strings.",
                                 "It should wrap the text to 79 characters."}),
            "This is a test of the textwrap_body function with an iterable of strings. It\n"
            "should wrap the text to 79 characters.\n");
}

TEST(Textwrap, NeverBreaksLongWordsOrHyphens) {
  const std::string word(100, 'x');
  EXPECT_EQ(textwrap_body("a " + word + " b"), "a\n" + word + "\nb\n");
  EXPECT_EQ(textwrap_body("Don't force 3rd party C extensions to be built with "
                          "``-Werror=declaration-after-statement``."),
            "Don't force 3rd party C extensions to be built with\n``-Werror=declaration-after-statement``.\n");
}

TEST(Textwrap, CountsCodePointsNotBytes) {
  // 75 two-byte characters and a word: 75 columns fit, bytes would not.
  std::string wide;
  for (int i = 0; i < 74; ++i) wide += "\xc3\xa9";  // é
  EXPECT_EQ(textwrap_body(wide + " x"), wide + " x\n");
  EXPECT_EQ(textwrap_body(wide + " xy"), wide + "\nxy\n");
}

TEST(Textwrap, KeepsRunsOfSpacesInsideALineAndExpandsTabs) {
  EXPECT_EQ(textwrap_body("a.  b"), "a.  b\n");
  EXPECT_EQ(textwrap_body("The\tnew"), "The     new\n");
}

TEST(Textwrap, SecondPassJoinsWhatTheFirstSplitAfterTwoSpaces) {
  // 71 columns, then "end." and two spaces: the first pass breaks before
  // "x"; the second sees one space there and joins it back.
  std::string words;
  while (words.size() < 66) words += "word ";
  std::string text = words + "end.  x";
  ASSERT_EQ(words.size(), 70u);
  EXPECT_EQ(textwrap_body(text), words + "end. x\n");
}

TEST(Textwrap, LiteralBlockAfterDoubleColonIsLeftAlone) {
  EXPECT_EQ(textwrap_body("Example::\n\n    keep   this\n    as is\n\nthen   wrap"),
            "Example::\n\n    keep   this\n    as is\n\nthen   wrap\n");
}

TEST(Textwrap, NoBreakSpaceIsNotASplitPointButIsStripped) {
  // U+00A0 joins words; at the end of the text it is whitespace to strip().
  EXPECT_EQ(textwrap_body("Python\xc2\xa0"
                          "3.10\xc2\xa0"),
            "Python\xc2\xa0"
            "3.10\n");
}

TEST(PyInt, AcceptsWhatPythonsIntAccepts) {
  EXPECT_EQ(py_int("32426"), 32426);
  EXPECT_EQ(py_int(" +1_000 "), 1000);
  EXPECT_EQ(py_int("-5"), -5);
  EXPECT_EQ(py_int("007"), 7);
  EXPECT_FALSE(py_int(""));
  EXPECT_FALSE(py_int("one-two"));
  EXPECT_FALSE(py_int("1__0"));
  EXPECT_FALSE(py_int("_1"));
  EXPECT_FALSE(py_int("1_"));
  EXPECT_FALSE(py_int("0x10"));
}

TEST(PyRepr, QuotesAsPythonDoes) {
  EXPECT_EQ(py_repr("gh-"), "'gh-'");
  EXPECT_EQ(py_repr("Issue #"), "'Issue #'");
  EXPECT_EQ(py_repr("it's"), "\"it's\"");
  EXPECT_EQ(py_repr("a\tb"), "'a\\tb'");
}

TEST(Utf8, RefusesWhatPythonsCodecRefuses) {
  EXPECT_THROW(decode_utf8("\xff", "f"), NewsError);
  EXPECT_THROW(decode_utf8("\xc0\xaf", "f"), NewsError);      // overlong "/"
  EXPECT_THROW(decode_utf8("\xed\xa0\x80", "f"), NewsError);  // a surrogate
  EXPECT_THROW(decode_utf8("\xe2\x82", "f"), NewsError);      // cut short
  EXPECT_EQ(encode_utf8(decode_utf8("Ł\xe2\x80\x94\xf0\x9f\x90\x8d", "f")), "Ł\xe2\x80\x94\xf0\x9f\x90\x8d");
}

}  // namespace
}  // namespace relman::news
