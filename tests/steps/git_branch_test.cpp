#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

TEST(GitBranch, CreatesAndChecksOut) {
  TempDir dir;
  auto repo = dir / "r";
  make_repo(repo, {{"a.txt", "a\n"}});
  std::string first = sh_ok("git rev-parse HEAD", repo).substr(0, 40);
  sh_ok("git commit -q --allow-empty -m second", repo);
  StepHarness h("git.branch", repo, dir / "state");
  h.with()["name"] = "3.12";
  h.with()["from"] = first;
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
  json out = h.run();
  EXPECT_EQ(out, json({{"branch", "3.12"}, {"commit", first}}));
  EXPECT_EQ(sh_ok("git symbolic-ref --short HEAD", repo), "3.12\n");
  EXPECT_EQ(sh_ok("git rev-parse HEAD", repo).substr(0, 40), first);
  EXPECT_EQ(sh_ok("git status --porcelain", repo), "");
  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  EXPECT_EQ(p.outputs, out);
  // Running again (a crash before the journal) changes nothing and succeeds.
  EXPECT_EQ(h.run(), out);
  // Undo.
  sh_ok("git checkout -q main && git branch -D 3.12", repo);
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
}

TEST(GitBranch, ExistingElsewhereIsUnknownAndAnError) {
  TempDir dir;
  auto repo = dir / "r";
  make_repo(repo, {{"a.txt", "a\n"}});
  std::string first = sh_ok("git rev-parse HEAD", repo).substr(0, 40);
  sh_ok("git commit -q --allow-empty -m second && git branch 3.12", repo);
  std::string second = sh_ok("git rev-parse HEAD", repo).substr(0, 40);
  StepHarness h("git.branch", repo, dir / "state");
  h.with()["name"] = "3.12";
  h.with()["from"] = first;
  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::unknown);
  EXPECT_THAT(p.detail, HasSubstr(first)) << p.detail;
  EXPECT_THAT(p.detail, HasSubstr(second)) << p.detail;
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr(second), HasSubstr("git branch -D 3.12"))));
}

}  // namespace
}  // namespace relman::test
