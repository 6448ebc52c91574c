#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/matchers.h"
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
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(AllOf(
                                    HasSubstr("a.txt: staged: modified"), HasSubstr("b.txt: not staged: modified"),
                                    HasSubstr("c.txt: not staged: deleted"), HasSubstr("sub/new.txt: untracked"),
                                    HasSubstr("git stash -u"))));
  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::not_done);
  EXPECT_THAT(p.detail, HasSubstr("b.txt"));
}

}  // namespace
}  // namespace relman::test
