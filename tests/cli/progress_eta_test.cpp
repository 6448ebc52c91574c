// The time left shown on a long step's progress line.
#include <gtest/gtest.h>

#include "cli/progress_eta.h"

using relman::cli::leading_percent;
using relman::cli::with_time_left;

TEST(ProgressEta, ReadsOnlyALeadingPercentage) {
  EXPECT_EQ(leading_percent("42% (1800/4300 entries, 12 MB read)"), 42);
  EXPECT_EQ(leading_percent("100% done"), 100);
  EXPECT_EQ(leading_percent("0%"), 0);
  EXPECT_EQ(leading_percent("signed 1/2"), std::nullopt);
  EXPECT_EQ(leading_percent("run 42 in_progress 1m02s"), std::nullopt);
  EXPECT_EQ(leading_percent("1000% nonsense"), std::nullopt);
  EXPECT_EQ(leading_percent("250%"), std::nullopt);
  EXPECT_EQ(leading_percent(""), std::nullopt);
}

TEST(ProgressEta, EstimatesFromThePaceSoFar) {
  // 42 % in 49 s: 58 % more at the same pace is 67.67 s, shown to the second.
  EXPECT_EQ(with_time_left("42% (1800/4300 entries)", 49000), "42% (1800/4300 entries), about 1m07s left");
  EXPECT_EQ(with_time_left("50% x", 10000), "50% x, about 10.0s left");
  EXPECT_EQ(with_time_left("75%", 3 * 3600 * 1000), "75%, about 1h00m left");
}

TEST(ProgressEta, SaysNothingWhereTheEstimateWouldBeNoise) {
  EXPECT_EQ(with_time_left("2% (10/500)", 60000), "2% (10/500)");  // too little done to judge the pace
  EXPECT_EQ(with_time_left("50% x", 1500), "50% x");               // too early
  EXPECT_EQ(with_time_left("100% (4300/4300)", 60000), "100% (4300/4300)");
  EXPECT_EQ(with_time_left("unpacking: 200 files", 60000), "unpacking: 200 files");
}
