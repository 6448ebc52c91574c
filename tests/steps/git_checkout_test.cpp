#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

TEST(GitCheckout, SwitchesToAnExistingBranchAndProbes) {
  TempDir dir;
  auto repo = dir / "r";
  make_repo(repo, {{"a.txt", "main\n"}});
  std::string main_sha = sh_ok("git rev-parse HEAD", repo).substr(0, 40);
  sh_ok("git checkout -q -b 3.12 && echo branch > a.txt && git commit -qam 'on 3.12'", repo);
  StepHarness h("git.checkout", repo, dir / "state");
  h.with()["name"] = "main";
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
  json out = h.run();
  EXPECT_EQ(out, json({{"branch", "main"}, {"commit", main_sha}}));
  EXPECT_EQ(sh_ok("git symbolic-ref --short HEAD", repo), "main\n");
  EXPECT_EQ(read_file(repo / "a.txt"), "main\n");
  EXPECT_EQ(sh_ok("git status --porcelain", repo), "");
  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  EXPECT_EQ(p.outputs, out);
  sh_ok("git checkout -q 3.12", repo);
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
}

TEST(GitCheckout, RefusesToOverwriteLocalChangesAndNamesMissingBranches) {
  TempDir dir;
  auto repo = dir / "r";
  make_repo(repo, {{"a.txt", "main\n"}});
  sh_ok("git checkout -q -b 3.12 && echo branch > a.txt && git commit -qam 'on 3.12'", repo);
  write_file(repo / "a.txt", "local edit\n");
  StepHarness h("git.checkout", repo, dir / "state");
  h.with()["name"] = "main";
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("relman resume")));
  EXPECT_EQ(read_file(repo / "a.txt"), "local edit\n");
  EXPECT_EQ(sh_ok("git symbolic-ref --short HEAD", repo), "3.12\n");
  h.with()["name"] = "nope";
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("no local branch 'nope'")));
}

// What a checkout killed half-way leaves: some files already as the target
// has them (one changed, one new, one removed), HEAD and the index still on
// the old branch. Resume finishes it; a file that is neither is the user's.
TEST(GitCheckout, FinishesACheckoutKilledHalfWayAndStillRefusesTheUsersChanges) {
  TempDir dir;
  auto repo = dir / "r";
  make_repo(repo, {{"a.txt", "main\n"}, {"b.txt", "b on main\n"}, {"gone.txt", "only on main\n"}});
  sh_ok(
      "git checkout -q -b 3.12 && echo branch > a.txt && echo new > c.txt && git rm -q gone.txt && git add c.txt "
      "&& git commit -qam 'on 3.12'",
      repo);
  sh_ok("git checkout -q main", repo);
  // Half of the switch to 3.12: a.txt written, c.txt cut short while it was
  // written ("ne" of "new\n"), gone.txt removed.
  write_file(repo / "a.txt", "branch\n");
  write_file(repo / "c.txt", "ne");
  std::filesystem::remove(repo / "gone.txt");
  StepHarness h("git.checkout", repo, dir / "state");
  h.with()["name"] = "3.12";
  json out = h.run();
  EXPECT_EQ(out["branch"], "3.12");
  EXPECT_EQ(sh_ok("git symbolic-ref --short HEAD", repo), "3.12\n");
  EXPECT_EQ(sh_ok("git status --porcelain", repo), "");
  EXPECT_EQ(read_file(repo / "c.txt"), "new\n");
  EXPECT_THAT(h.log(), HasSubstr("finished a checkout an earlier relman began"));

  // The same, but a file the switch changes holds the user's edit: nothing
  // is forced.
  sh_ok("git checkout -q main", repo);
  write_file(repo / "c.txt", "new\n");
  write_file(repo / "a.txt", "edited by hand\n");
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("local changes would be overwritten")));
  EXPECT_EQ(read_file(repo / "a.txt"), "edited by hand\n");
  EXPECT_EQ(sh_ok("git symbolic-ref --short HEAD", repo), "main\n");
}

}  // namespace
}  // namespace relman::test
