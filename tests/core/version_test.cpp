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
  for (const char* bad : {"", "3.12.0.1", "v3.12.0", "3.12.0c1", "3.12.0a", "3.12.0-rc1", " 3.12.0", "3.12.0 ",
                          "3.12.0\n", "3.", "3..1", "3.12.0rc", "99999999999.1.0"}) {
    EXPECT_THROW(Version::parse(bad), relman::ConfigError) << bad;
  }
  EXPECT_THAT([&] { Version::parse("3.12.0c1"); }, ThrowsMessage<relman::ConfigError>(HasSubstr("X.Y.ZrcN")));
}

// release-tools' Tag (tag_cre) accepts these; relman used to refuse the micro
// release candidate, serial 0 and the short forms.
TEST(Version, AcceptsWhatReleaseToolsTagAccepts) {
  EXPECT_EQ(Version::parse("3.11.3rc1").str(), "3.11.3rc1");
  EXPECT_EQ(Version::parse("3.9.1rc1").kind_name(), "rc");
  EXPECT_EQ(Version::parse("3.9.1rc1").branch(), "3.9");
  EXPECT_EQ(Version::parse("3.9.1rc1").long_name(), "3.9.1 release candidate 1");
  EXPECT_EQ(Version::parse("3.13.0a0").str(), "3.13.0a0");
  EXPECT_EQ(Version::parse("3.12").str(), "3.12.0");
  EXPECT_EQ(Version::parse("3").str(), "3.0.0");
  EXPECT_EQ(Version::parse("03.012.00").str(), "3.12.0");
  EXPECT_EQ(Version::parse("3.12.2b1").kind_name(), "first_beta") << "Tag: level b, serial 1";
}

TEST(Version, DocVersionAndIncludesDocsAsTagHasThem) {
  EXPECT_EQ(Version::parse("3.13.0a7").doc_version(), "3.13");
  EXPECT_EQ(Version::parse("3.13.0b1").doc_version(), "3.13");
  EXPECT_EQ(Version::parse("3.13.0rc3").doc_version(), "3.13");
  EXPECT_EQ(Version::parse("3.13.0").doc_version(), "3.13");
  EXPECT_EQ(Version::parse("3.13.3").doc_version(), "3.13.3");
  EXPECT_FALSE(Version::parse("3.13.0a7").includes_docs());
  EXPECT_FALSE(Version::parse("3.13.0b1").includes_docs());
  EXPECT_TRUE(Version::parse("3.13.0rc3").includes_docs());
  EXPECT_TRUE(Version::parse("3.13.3").includes_docs());
}

TEST(Version, PostSuffixIsPep440FromThreeFifteen) {
  EXPECT_EQ(Version::parse("3.14.2").post_suffix(), "+");
  EXPECT_EQ(Version::parse("3.14.0b2").post_suffix(), "+");
  EXPECT_EQ(Version::parse("3.15.0a1").post_suffix(), "+dev");
  EXPECT_EQ(Version::parse("3.16.1").post_suffix(), "+dev");
  EXPECT_EQ(Version::parse("4.0.0").post_suffix(), "+dev");
}
