// The one rule for finding sphinx-build, shared by cpython.docs and doctor.
#include "adapters/sphinx_build.h"

#include <gtest/gtest.h>

#include "support/http_server.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

namespace fs = std::filesystem;

void executable(const fs::path& p) {
  write_file(p, "#!/bin/sh\nexit 0\n");
  fs::permissions(p, fs::perms::owner_all);
}

TEST(SphinxBuild, TheCheckoutsDocVenvComesBeforePath) {
  TempDir t;
  executable(t / "bin/sphinx-build");
  ScopedEnv path{"PATH", (t / "bin").string()};
  EXPECT_EQ(sphinx::find_build(t / "repo", ""), t / "bin/sphinx-build");
  executable(t / "repo/Doc/venv/bin/sphinx-build");
  EXPECT_EQ(sphinx::find_build(t / "repo", ""), t / "repo/Doc/venv/bin/sphinx-build");
}

TEST(SphinxBuild, AGivenPathIsTakenOnlyWhenExecutable) {
  TempDir t;
  write_file(t / "tools/sphinx-build", "not executable\n");
  EXPECT_TRUE(sphinx::find_build(t.path(), "tools/sphinx-build").empty());
  executable(t / "tools/sphinx-build");
  EXPECT_EQ(sphinx::find_build(t.path(), "tools/sphinx-build"), t / "tools/sphinx-build");
  EXPECT_EQ(sphinx::find_build("/elsewhere", (t / "tools/sphinx-build").string()), t / "tools/sphinx-build");
}

TEST(SphinxBuild, AGivenNameIsLookedUpInPath) {
  TempDir t;
  executable(t / "bin/sphinx-build-5");
  ScopedEnv path{"PATH", (t / "bin").string()};
  EXPECT_TRUE(sphinx::find_build(t.path(), "no-such-sphinx-build").empty());
  EXPECT_EQ(sphinx::find_build(t.path(), "sphinx-build-5"), t / "bin/sphinx-build-5");
}

}  // namespace
}  // namespace relman::test
