#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

TEST(GitRequireBranch, OnTheBranch) {
  TempDir dir;
  make_repo(dir / "r", {{"a.txt", "a\n"}});
  StepHarness h("git.require_branch", dir / "r", dir / "state");
  h.with()["name"] = "main";
  json out = h.run();
  EXPECT_EQ(out["branch"], "main");
  EXPECT_EQ(out["commit"], sh_ok("git rev-parse HEAD", dir / "r").substr(0, 40));
  EXPECT_EQ(h.probe().result, ProbeResult::done);
}

TEST(GitRequireBranch, WrongBranchAndDetachedHead) {
  TempDir dir;
  auto repo = dir / "r";
  make_repo(repo, {{"a.txt", "a\n"}});
  StepHarness h("git.require_branch", repo, dir / "state");
  h.with()["name"] = "3.12";
  EXPECT_THAT([&] { h.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("on branch 'main'"), HasSubstr("git switch 3.12"))));
  sh_ok("git checkout -q --detach", repo);
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("HEAD is detached")));
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
}

}  // namespace
}  // namespace relman::test
