#include "core/text.h"

#include <gtest/gtest.h>

namespace relman {
namespace {

TEST(Text, ReplaceAllReplacesEveryOccurrenceOnceAndNeverRescans) {
  EXPECT_EQ(replace_all("3.15a1", "a", " alpha "), "3.15 alpha 1");
  EXPECT_EQ(replace_all("/t/x:/t/y", "/t", "@TREE@"), "@TREE@/x:@TREE@/y");
  // The replacement holds `from`: it is not replaced again.
  EXPECT_EQ(replace_all("aXa", "a", "aa"), "aaXaa");
  EXPECT_EQ(replace_all("aaa", "aa", "b"), "ba");
  EXPECT_EQ(replace_all("abc", "", "x"), "abc");
  EXPECT_EQ(replace_all("", "a", "b"), "");
  EXPECT_EQ(replace_all("abc", "abc", ""), "");
}

TEST(Text, SplitLinesKeepsTheEmptyPiecesSoAJoinGivesTheTextBack) {
  EXPECT_EQ(split_lines("a\nb\n"), (std::vector<std::string>{"a", "b", ""}));
  EXPECT_EQ(split_lines("a\n\nb"), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(split_lines(""), (std::vector<std::string>{""}));
  EXPECT_EQ(split_lines("\n"), (std::vector<std::string>{"", ""}));
  EXPECT_EQ(split_lines("a\r\nb"), (std::vector<std::string>{"a\r", "b"}));
}

}  // namespace
}  // namespace relman
