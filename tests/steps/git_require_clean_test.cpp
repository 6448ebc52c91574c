#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

TEST(GitRequireClean, CleanPasses) {
  TempDir dir;
  make_repo(dir / "r", {{"a.txt", "a\n"}, {".gitignore", "*.o\n"}});
  write_file(dir / "r" / "ignored.o", "x");
  StepHarness h("git.require_clean", dir / "r", dir / "state");
  EXPECT_EQ(h.run(), json::object());
  EXPECT_EQ(h.probe().result, ProbeResult::done);
}

TEST(GitRequireClean, ListsStagedUnstagedAndUntracked) {
  TempDir dir;
  auto repo = dir / "r";
  make_repo(repo, {{"a.txt", "a\n"}, {"b.txt", "b\n"}, {"c.txt", "c\n"}});
  write_file(repo / "a.txt", "staged\n");
  sh_ok("git add a.txt", repo);
  write_file(repo / "b.txt", "unstaged\n");
  std::filesystem::remove(repo / "c.txt");
  write_file(repo / "sub/new.txt", "untracked\n");
  StepHarness h("git.require_clean", repo, dir / "state");
  try {
    h.run();
    FAIL();
  } catch (const StepError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("a.txt: staged: modified"), std::string::npos) << m;
    EXPECT_NE(m.find("b.txt: not staged: modified"), std::string::npos) << m;
    EXPECT_NE(m.find("c.txt: not staged: deleted"), std::string::npos) << m;
    EXPECT_NE(m.find("sub/new.txt: untracked"), std::string::npos) << m;
    EXPECT_NE(m.find("git stash -u"), std::string::npos) << m;
  }
  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::not_done);
  EXPECT_NE(p.detail.find("b.txt"), std::string::npos);
}

}  // namespace
}  // namespace relman::test
