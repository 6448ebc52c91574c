// The closest match for a typo: close enough to be one, and never a guess
// between two equally close candidates.
#include <gtest/gtest.h>

#include "cli/suggest.h"
#include "cli/width.h"

using relman::cli::closest;
using relman::cli::edit_distance;

TEST(Suggest, EditDistanceCountsATranspositionAsOne) {
  EXPECT_EQ(edit_distance("stauts", "status"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("green-lite", "green-light"), 3u);
}

TEST(Suggest, ClosestIsATypoNotAGuess) {
  const std::vector<std::string> commands = {"plan", "rehearse", "start", "resume", "status", "retry",
                                             "skip", "approve",  "graph", "log",    "report", "verify"};
  EXPECT_EQ(closest("stauts", commands), "status");
  EXPECT_EQ(closest("aprove", commands), "approve");
  EXPECT_EQ(closest("app", commands), "approve");
  EXPECT_EQ(closest("rehears", commands), "rehearse");
  EXPECT_EQ(closest("frobnicate", commands), std::nullopt);
  EXPECT_EQ(closest("green-lite", {"green-light", "tag", "export"}), "green-light");
  // Equally close to two: no suggestion.
  EXPECT_EQ(closest("ab", {"ax", "ay"}), std::nullopt);
}

TEST(Width, FitCutsByCharactersOnScreenAndWrapKeepsWords) {
  EXPECT_EQ(relman::cli::fit("short", 10), "short");
  EXPECT_EQ(relman::cli::fit("0123456789abc", 10), "0123456...");
  EXPECT_EQ(relman::cli::display_width(relman::cli::fit(std::string("\xc3\xa9") + std::string(20, 'x'), 10)), 10u);
  EXPECT_EQ(relman::cli::fit("first\nsecond", 40), "first...");
  auto lines = relman::cli::wrap("one two three four five", 9);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "one two");
  EXPECT_EQ(lines[1], "three");
  EXPECT_EQ(lines[2], "four five");
}
