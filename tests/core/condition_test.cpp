#include "core/condition.h"

#include <gtest/gtest.h>
#include "support/matchers.h"

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

TEST(Condition, HostileNestingIsAnErrorNotACrash) {
  auto message = [](const std::string& c) {
    try {
      Condition::parse(c);
    } catch (const ConditionSyntaxError& e) {
      return e.message;
    }
    return std::string("parsed");
  };
  EXPECT_THAT(message(std::string(1000, '(') + "final" + std::string(1000, ')')), HasSubstr("nested more than 64"));
  EXPECT_THAT(message(std::string(20000, '(') + "final" + std::string(20000, ')')), HasSubstr("longer than 4096"));
  std::string nots;
  for (int i = 0; i < 1000; ++i) nots += "not ";
  EXPECT_THAT(message(nots + "final"), HasSubstr("nested more than 64"));
  EXPECT_THAT(message(std::string(5000, ' ') + "final"), HasSubstr("longer than 4096"));
  // 64 levels are fine, and still mean what they say.
  auto c = Condition::parse(std::string(64, '(') + "final" + std::string(64, ')'));
  EXPECT_TRUE(c.eval(Version::parse("3.12.0"), {}));
  std::string even;
  for (int i = 0; i < 64; ++i) even += "not ";
  EXPECT_TRUE(Condition::parse(even + "final").eval(Version::parse("3.12.0"), {}));
}
