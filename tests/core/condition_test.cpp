#include "core/condition.h"

#include <gtest/gtest.h>

using namespace relman;

TEST(Condition, KindsAndLogic) {
  std::map<std::string, nlohmann::json> vars = {{"sign", "yes"}};
  auto ev = [&](const char* c, const char* v) { return Condition::parse(c).eval(Version::parse(v), vars); };
  EXPECT_TRUE(ev("final or rc", "3.12.0"));
  EXPECT_TRUE(ev("final or rc", "3.12.0rc1"));
  EXPECT_FALSE(ev("final or rc", "3.12.0b2"));
  EXPECT_TRUE(ev("beta", "3.12.0b1"));
  EXPECT_TRUE(ev("first_beta", "3.12.0b1"));
  EXPECT_FALSE(ev("first_beta", "3.12.0b2"));
  EXPECT_TRUE(ev("prerelease and not first_beta", "3.14.0a2"));
  EXPECT_FALSE(ev("not (alpha or beta)", "3.14.0a2"));
  EXPECT_TRUE(ev("vars.sign == 'yes' and final", "3.11.2"));
  EXPECT_FALSE(ev("vars.sign != \"yes\"", "3.11.2"));
  EXPECT_TRUE(ev("true", "3.11.2"));
}

TEST(Condition, SyntaxErrorsCarryTheColumn) {
  auto col = [](const char* c) {
    try {
      Condition::parse(c);
    } catch (const ConditionSyntaxError& e) {
      return static_cast<int>(e.column);
    }
    return -1;
  };
  EXPECT_EQ(col("final or gamma"), 9);
  EXPECT_EQ(col("(final"), 6);
  EXPECT_EQ(col("final rc"), 6);
  EXPECT_EQ(col("vars.x = 'a'"), 7);
  EXPECT_EQ(col("final and"), 9);
}
