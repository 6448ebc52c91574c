#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"
#include "support/upstream_clone.h"

namespace relman::test {
namespace {

TEST(GitFetch, BringsTheRemotesBranchIntoItsRemoteTrackingRef) {
  UpstreamClone r;
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
  UpstreamClone r;
  const std::string before = r.git("rev-parse refs/remotes/upstream/3.12").substr(0, 40);
  sh_ok("git clone -q --bare upstream.git sandbox/remotes/upstream.git", r.dir.path());
  const auto mirror = r.dir / "sandbox" / "remotes" / "upstream.git";
  r.backport();  // lands on the real upstream, not on the mirror
  sh_ok(
      "git -c user.name=M -c user.email=m@example.org commit-tree -m 'on the mirror' 3.12^{tree} -p 3.12 | "
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
  UpstreamClone r;
  StepHarness h("git.fetch", r.repo, r.dir / "state");
  h.ctx().mode = RunMode::execute;
  h.with() = {{"remote", "upstream"}, {"branches", "3.99"}};
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("3.99")));
  h.with() = {{"remote", r.upstream.string()}, {"branches", "3.12"}};
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("must be a remote's name")));
}

}  // namespace
}  // namespace relman::test
