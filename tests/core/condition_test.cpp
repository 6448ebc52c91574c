#include "core/condition.h"

#include <gtest/gtest.h>
#include "support/matchers.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/errors.h"

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

TEST(Condition, FeatureVersionComparisons) {
  std::map<std::string, nlohmann::json> vars;
  auto ev = [&](const char* c, const char* v) { return Condition::parse(c).eval(Version::parse(v), vars); };
  EXPECT_TRUE(ev("release.major_minor >= '3.14'", "3.14.0a1")) << "every 3.14 release, the first alpha included";
  EXPECT_TRUE(ev("release.major_minor >= '3.14'", "3.15.0a1"));
  EXPECT_TRUE(ev("release.major_minor >= '3.14'", "4.0.0"));
  EXPECT_FALSE(ev("release.major_minor >= '3.14'", "3.13.9"));
  EXPECT_TRUE(ev("release.major_minor < '3.14'", "3.9.20")) << "compared as numbers, not text";
  EXPECT_FALSE(ev("release.major_minor < \"3.14\"", "3.14.2"));
  EXPECT_TRUE(ev("release.major_minor == '3.12' and final", "3.12.1"));
  EXPECT_TRUE(ev("release.major_minor != '3.12'", "3.13.0"));
  EXPECT_TRUE(ev("release.major_minor > '3.13' and not alpha", "3.14.0b1"));
  EXPECT_TRUE(ev("release.major_minor <= '3.13'", "3.13.0"));
  for (const char* bad : {"release.major_minor >= 'next'", "release.major_minor >= '3'", "release.major_minor",
                          "release.major_minor >= '3.14.1'", "release.version >= '3.14'"})
    EXPECT_THROW(Condition::parse(bad), ConditionSyntaxError) << bad;
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

// `security`: the var when set, else the release-cycle file's status for X.Y
// (release-tools Tag.is_security_release, read from a local file).
TEST(Condition, SecurityFromTheVarOrTheReleaseCycleFile) {
  auto ev = [](const std::map<std::string, nlohmann::json>& vars, const char* v) {
    return Condition::parse("security").eval(Version::parse(v), vars);
  };
  EXPECT_FALSE(ev({}, "3.12.10"));
  EXPECT_TRUE(ev({{"security", "true"}}, "3.12.10"));
  EXPECT_TRUE(ev({{"security", true}}, "3.12.10"));
  EXPECT_FALSE(ev({{"security", "false"}}, "3.12.10"));
  const auto file = std::filesystem::temp_directory_path() / ("relman-cycle-" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream(file) << R"({"3.13": {"status": "bugfix", "pep": 719}, "3.12": {"status": "security", "pep": 693}})";
  }
  std::map<std::string, nlohmann::json> cycle = {{"release_cycle", file.string()}};
  EXPECT_TRUE(ev(cycle, "3.12.10"));
  EXPECT_FALSE(ev(cycle, "3.13.3"));
  EXPECT_FALSE(ev(cycle, "3.9.1")) << "a branch the file does not list";
  cycle["security"] = "false";
  EXPECT_FALSE(ev(cycle, "3.12.10")) << "the var wins";
  EXPECT_TRUE(Condition::parse("not security").eval(Version::parse("3.13.3"), {{"release_cycle", file.string()}}));
  std::filesystem::remove(file);
  EXPECT_THROW(ev({{"release_cycle", file.string()}}, "3.12.10"), relman::ConfigError);
}
