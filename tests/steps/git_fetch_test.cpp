#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"
#include "support/matchers.h"

namespace relman::test {
namespace {

// A clone "r" of a bare "upstream.git" on branch 3.12, and a second clone
// "other" that pushes a backport to upstream meanwhile.
struct FetchRepo {
  TempDir dir;
  std::filesystem::path upstream = dir / "upstream.git";
  std::filesystem::path repo = dir / "r";
  FetchRepo() {
    make_repo(dir / "seed", {{"a.txt", "a\n"}});
    sh_ok("git -C seed branch 3.12 && git clone -q --bare seed upstream.git && "
          "git clone -q -o upstream -b 3.12 upstream.git r && git clone -q -b 3.12 upstream.git other",
          dir.path());
  }
  std::string backport() {
    sh_ok("git -c user.name=B -c user.email=b@example.org commit -q --allow-empty -m 'gh-1: a backport' && "
          "git push -q origin 3.12",
          dir / "other");
    return sh_ok("git rev-parse HEAD", dir / "other").substr(0, 40);
  }
  std::string git(const std::string& args) const { return sh_ok("git " + args, repo); }
};

TEST(GitFetch, BringsTheRemotesBranchIntoItsRemoteTrackingRef) {
  FetchRepo r;
  const std::string local = r.git("rev-parse 3.12").substr(0, 40);
  const std::string theirs = r.backport();
  StepHarness h("git.fetch", r.repo, r.dir / "state");
  h.ctx().mode = RunMode::execute;
  h.with() = {{"remote", "upstream"}, {"branches", json({"3.12"})}};
  json out = h.run();
  EXPECT_EQ(out["commits"]["upstream/3.12"], theirs);
  EXPECT_EQ(r.git("rev-parse refs/remotes/upstream/3.12").substr(0, 40), theirs);
  EXPECT_EQ(r.git("rev-parse 3.12").substr(0, 40), local) << "the local branch is not moved";
  EXPECT_EQ(h.probe().result, ProbeResult::not_done) << "a fetch is simply made again";
}

TEST(GitFetch, InARehearsalReadsTheSandboxMirrorOnly) {
  FetchRepo r;
  const std::string before = r.git("rev-parse refs/remotes/upstream/3.12").substr(0, 40);
  sh_ok("git clone -q --bare upstream.git sandbox/remotes/upstream.git", r.dir.path());
  const auto mirror = r.dir / "sandbox" / "remotes" / "upstream.git";
  r.backport();  // lands on the real upstream, not on the mirror
  sh_ok("git -c user.name=M -c user.email=m@example.org commit-tree -m 'on the mirror' 3.12^{tree} -p 3.12 | "
        "xargs git update-ref refs/heads/3.12",
        mirror);
  const std::string mirrored = sh_ok("git rev-parse 3.12", mirror).substr(0, 40);
  StepHarness h("git.fetch", r.repo, r.dir / "state");
  h.ctx().sandbox.mirrors = r.dir / "sandbox" / "remotes";
  h.ctx().sandbox.remotes["upstream"] = mirror;
  h.with() = {{"remote", "upstream"}, {"branches", "3.12"}};
  json out = h.run();
  EXPECT_EQ(out["commits"]["upstream/3.12"], mirrored);
  EXPECT_NE(mirrored, before);
}

TEST(GitFetch, AMissingBranchOrAUrlIsRefusedClearly) {
  FetchRepo r;
  StepHarness h("git.fetch", r.repo, r.dir / "state");
  h.ctx().mode = RunMode::execute;
  h.with() = {{"remote", "upstream"}, {"branches", "3.99"}};
  try {
    h.run();
    FAIL();
  } catch (const StepError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("3.99")) << e.what();
  }
  h.with() = {{"remote", r.upstream.string()}, {"branches", "3.12"}};
  try {
    h.run();
    FAIL();
  } catch (const StepError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("must be a remote's name")) << e.what();
  }
}

}  // namespace
}  // namespace relman::test
