#include "adapters/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/http_server.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace relman {
namespace {

TEST(Credentials, EnvironmentWinsOverFile) {
  test::TempDir dir;
  auto file = dir / "credentials";
  test::write_file(file, "RELMAN_T_TOKEN=from-file\n");
  ::chmod(file.c_str(), 0600);
  {
    test::ScopedEnv env("RELMAN_T_TOKEN", "from-env");
    EXPECT_EQ(credentials::lookup("RELMAN_T_TOKEN", file), "from-env");
  }
  ::unsetenv("RELMAN_T_TOKEN");
  EXPECT_EQ(credentials::lookup("RELMAN_T_TOKEN", file), "from-file");
}

TEST(Credentials, ParsesCommentsBlanksAndSpaces) {
  test::TempDir dir;
  auto file = dir / "credentials";
  test::write_file(file, "# tokens\n\n  GITHUB_TOKEN = ghp_abc=def \nOTHER=x\n");
  ::chmod(file.c_str(), 0600);
  auto values = credentials::read_file(file);
  EXPECT_EQ(values.at("GITHUB_TOKEN"), "ghp_abc=def");
  EXPECT_EQ(values.at("OTHER"), "x");
  EXPECT_EQ(values.size(), 2u);
}

TEST(Credentials, RefusesAFileOthersCanRead) {
  test::TempDir dir;
  auto file = dir / "credentials";
  test::write_file(file, "GITHUB_TOKEN=ghp_secretvalue\n");
  ::chmod(file.c_str(), 0644);
  EXPECT_THAT([&] { credentials::lookup("RELMAN_T_ABSENT", file); },
              ThrowsMessage<std::runtime_error>(
                  AllOf(HasSubstr("chmod 600 " + file.string()), Not(HasSubstr("ghp_secretvalue")))));
}

TEST(Credentials, MalformedLineNamesTheLineNotTheValue) {
  test::TempDir dir;
  auto file = dir / "credentials";
  test::write_file(file, "OK=1\nghp_leakylinewithoutequals\n");
  ::chmod(file.c_str(), 0600);
  EXPECT_THAT([&] { credentials::read_file(file); },
              ThrowsMessage<std::runtime_error>(AllOf(HasSubstr(":2:"), Not(HasSubstr("ghp_leaky")))));
}

TEST(Credentials, AbsentEverywhereIsNothing) {
  test::TempDir dir;
  EXPECT_FALSE(credentials::lookup("RELMAN_T_NOWHERE", dir / "missing").has_value());
  test::ScopedEnv env("RELMAN_CREDENTIALS_FILE", (dir / "c").string());
  EXPECT_EQ(credentials::default_file(), dir / "c");
  EXPECT_THAT(credentials::missing_advice("X_TOKEN"), HasSubstr("X_TOKEN=<token>"));
}

}  // namespace
}  // namespace relman
