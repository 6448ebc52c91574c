#include "core/version.h"

#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/matchers.h"

using relman::Version;

TEST(Version, ParsesEveryForm) {
  EXPECT_EQ(Version::parse("3.12.0").str(), "3.12.0");
  EXPECT_EQ(Version::parse("3.14.0a3").str(), "3.14.0a3");
  EXPECT_EQ(Version::parse("3.12.0b1").str(), "3.12.0b1");
  EXPECT_EQ(Version::parse("3.13.0rc2").str(), "3.13.0rc2");
  EXPECT_EQ(Version::parse("3.11.2").micro, 2);
}

TEST(Version, KindBranchAndLongName) {
  auto a = Version::parse("3.14.0a3");
  EXPECT_EQ(a.kind_name(), "alpha");
  EXPECT_EQ(a.branch(), "main");
  EXPECT_EQ(a.long_name(), "3.14.0 alpha 3");
  auto b1 = Version::parse("3.12.0b1");
  EXPECT_EQ(b1.kind_name(), "first_beta");
  EXPECT_EQ(b1.branch(), "main");
  EXPECT_EQ(b1.long_name(), "3.12.0 beta 1");
  auto b2 = Version::parse("3.12.0b2");
  EXPECT_EQ(b2.kind_name(), "beta");
  EXPECT_EQ(b2.branch(), "3.12");
  auto rc = Version::parse("3.12.0rc1");
  EXPECT_EQ(rc.kind_name(), "rc");
  EXPECT_EQ(rc.long_name(), "3.12.0 release candidate 1");
  EXPECT_EQ(rc.branch(), "3.12");
  auto f = Version::parse("3.11.2");
  EXPECT_EQ(f.kind_name(), "final");
  EXPECT_EQ(f.branch(), "3.11");
  EXPECT_EQ(f.long_name(), "3.11.2");
  EXPECT_EQ(f.tag(), "v3.11.2");
}

TEST(Version, NextVersions) {
  EXPECT_EQ(Version::parse("3.12.0b1").next_minor().str(), "3.13.0a0");
  EXPECT_EQ(Version::parse("3.12.0b1").next_in_series().str(), "3.12.0b2");
  EXPECT_EQ(Version::parse("3.12.0rc2").next_in_series().str(), "3.12.0rc3");
  EXPECT_EQ(Version::parse("3.11.2").next_in_series().str(), "3.11.3");
}

TEST(Version, RejectsEverythingElse) {
  for (const char* bad : {"", "3", "3.12", "3.12.0.1", "v3.12.0", "3.12.0c1", "3.12.0a", "3.12.0a0",
                          "03.12.0", "3.12.0-rc1", "3.12.1rc1", " 3.12.0", "3.12.0 ", "99999999999.1.0"}) {
    EXPECT_THROW(Version::parse(bad), relman::ConfigError) << bad;
  }
  try {
    Version::parse("3.12");
    FAIL();
  } catch (const relman::ConfigError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("X.Y.ZrcN"));
  }
}
