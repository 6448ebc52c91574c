#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

// A clone of a bare "origin", with a new commit on main and a new tag.
struct PushRepo {
  TempDir dir;
  std::filesystem::path origin = dir / "origin.git";
  std::filesystem::path repo = dir / "r";
  PushRepo() {
    make_repo(dir / "seed", {{"a.txt", "a\n"}});
    sh_ok("git clone -q --bare seed origin.git && git clone -q origin.git r", dir.path());
    sh_ok(
        "git config user.name 'Test Releaser' && git config user.email rm@example.org && "
        "git commit -q --allow-empty -m 'Python 3.12.0' && git tag -a v3.12.0 -m 'Python 3.12.0'",
        repo);
  }
  std::string remote(const std::string& ref) const { return sh_ok("git rev-parse " + ref, origin).substr(0, 40); }
  std::string local(const std::string& ref) const { return sh_ok("git rev-parse " + ref, repo).substr(0, 40); }
};

TEST(GitPush, PushesBranchAndTagAndReportsThemFirst) {
  PushRepo r;
  std::string old_main = r.remote("main");
  StepHarness h("git.push", r.repo, r.dir / "state");
  h.ctx().mode = RunMode::execute;  // a rehearsal pushes only to sandbox mirrors
  h.with()["refs"] = json({"main"});
  h.with()["tags"] = json({"v3.12.0"});
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
  json out = h.run();
  EXPECT_EQ(r.remote("main"), r.local("main"));
  EXPECT_EQ(r.remote("refs/tags/v3.12.0"), r.local("refs/tags/v3.12.0")) << "the tag object itself, not peeled";
  EXPECT_EQ(out["remote"], "origin");
  EXPECT_EQ(out["updated"], json({"refs/heads/main " + old_main + ".." + r.local("main"),
                                  "refs/tags/v3.12.0 " + std::string(40, '0') + ".." + r.local("refs/tags/v3.12.0")}));
  std::string log = h.log();
  EXPECT_THAT(log, HasSubstr(old_main.substr(0, 10) + ".." + r.local("main").substr(0, 10) +
                             "  refs/heads/main -> refs/heads/main"))
      << log;
  EXPECT_THAT(log, HasSubstr("[new tag]")) << log;
  // Crash after the push, before the journal: probe says done, same outputs.
  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  EXPECT_EQ(p.outputs, out);
  // Pushing again is a no-op.
  StepHarness again("git.push", r.repo, r.dir / "state2");
  again.ctx().mode = RunMode::execute;  // a rehearsal pushes only to sandbox mirrors
  again.with()["refs"] = json({"main"});
  EXPECT_EQ(again.run()["updated"], json::array());
  // Undo on the remote: not done.
  sh_ok("git update-ref refs/heads/main " + old_main, r.origin);
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
}

TEST(GitPush, NonFastForwardIsRejectedPerRefAndNothingPushed) {
  PushRepo r;
  // Someone else pushed to main meanwhile.
  sh_ok(
      "git clone -q origin.git other && cd other && git -c user.name=O -c user.email=o@example.org commit -q "
      "--allow-empty -m theirs && git push -q origin main",
      r.dir.path());
  std::string theirs = r.remote("main");
  StepHarness h("git.push", r.repo, r.dir / "state");
  h.ctx().mode = RunMode::execute;  // a rehearsal pushes only to sandbox mirrors
  h.with()["refs"] = json({"main"});
  h.with()["tags"] = json({"v3.12.0"});
  EXPECT_THAT([&] { h.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("refs/heads/main: non-fast-forward"),
                                             HasSubstr("git fetch origin && git merge origin/BRANCH"),
                                             Not(HasSubstr("pull --rebase")), HasSubstr("Nothing was pushed"))));
  EXPECT_EQ(r.remote("main"), theirs);
  EXPECT_NE(sh(("git rev-parse -q --verify refs/tags/v3.12.0"), r.origin).exit_code, 0);
  EXPECT_THAT(h.log(), HasSubstr("[rejected]"));

  // Same, when the remote's commit is known locally (fetched) but not an ancestor.
  sh_ok("git fetch -q origin", r.repo);
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("non-fast-forward")));
  EXPECT_EQ(r.remote("main"), theirs);
}

TEST(GitPush, UnknownRemoteAndRefAreClearErrors) {
  PushRepo r;
  StepHarness h("git.push", r.repo, r.dir / "state");
  h.ctx().mode = RunMode::execute;  // a rehearsal pushes only to sandbox mirrors
  h.with()["remote"] = "upstream";
  h.with()["refs"] = json({"main"});
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("git remote add upstream")));
  StepHarness h2("git.push", r.repo, r.dir / "state2");
  h2.ctx().mode = RunMode::execute;  // a rehearsal pushes only to sandbox mirrors
  h2.with()["refs"] = json({"no-such-branch"});
  EXPECT_THROW(h2.run(), StepError);
}

TEST(GitPush, ToAPathAndARefspec) {
  PushRepo r;
  StepHarness h("git.push", r.repo, r.dir / "state");
  h.ctx().mode = RunMode::execute;  // a rehearsal pushes only to sandbox mirrors
  h.with()["remote"] = r.origin.string();
  h.with()["refs"] = json({"main:3.12"});
  h.run();
  EXPECT_EQ(r.remote("refs/heads/3.12"), r.local("main"));
}

// In a rehearsal a push reaches only the sandbox mirror mapped to its
// remote: the real remote is never contacted, whatever form it is named in.
TEST(GitPush, InARehearsalOnlyTheMappedSandboxMirrorIsReached) {
  PushRepo r;
  const std::string before = sh_ok("git for-each-ref", r.origin) + sh_ok("find objects -type f | sort", r.origin);
  sh_ok("git clone -q --bare origin.git sandbox/remotes/origin.git", r.dir.path());
  const auto mirror = r.dir / "sandbox" / "remotes" / "origin.git";
  for (const std::string& name : {std::string("origin"), r.origin.string(), "file://" + r.origin.string()}) {
    StepHarness h("git.push", r.repo, r.dir / ("state-" + std::to_string(name.size())));
    h.ctx().sandbox.mirrors = r.dir / "sandbox" / "remotes";
    h.ctx().sandbox.remotes[name] = mirror;
    h.with()["remote"] = name;
    h.with()["refs"] = json({"main"});
    h.with()["tags"] = json({"v3.12.0"});
    h.run();
    EXPECT_EQ(sh_ok("git rev-parse refs/tags/v3.12.0", mirror).substr(0, 40), r.local("refs/tags/v3.12.0")) << name;
    EXPECT_EQ(h.probe().result, ProbeResult::done) << name;
    sh_ok("git tag -d v3.12.0", mirror);
  }
  EXPECT_EQ(sh_ok("git for-each-ref", r.origin) + sh_ok("find objects -type f | sort", r.origin), before);
}

TEST(GitPush, InARehearsalARemoteWithoutAMirrorIsRefused) {
  PushRepo r;
  const std::string before = sh_ok("git for-each-ref", r.origin);
  for (const std::string& name :
       std::vector<std::string>{"origin", r.origin.string(), "ssh://git@example.invalid/r.git"}) {
    StepHarness h("git.push", r.repo, r.dir / "state");
    h.with()["remote"] = name;
    h.with()["tags"] = json({"v3.12.0"});
    EXPECT_THAT([&] { h.run(); },
                ThrowsMessage<StepError>(AllOf(HasSubstr("no sandbox mirror for the remote '" + name + "'"),
                                               HasSubstr("Nothing was pushed"))));
  }
  EXPECT_EQ(sh_ok("git for-each-ref", r.origin), before);
}

TEST(GitPush, InARehearsalAnInsteadOfThatLeadsOutOfTheSandboxIsRefused) {
  PushRepo r;
  sh_ok("git clone -q --bare origin.git sandbox/remotes/origin.git", r.dir.path());
  const auto mirror = r.dir / "sandbox" / "remotes" / "origin.git";
  // git's configuration rewrites the mirror's path to the real remote.
  sh_ok("git config url." + quote(r.origin.string()) + ".insteadOf " + quote(mirror.string()), r.repo);
  const std::string before = sh_ok("git for-each-ref", r.origin);
  StepHarness h("git.push", r.repo, r.dir / "state");
  h.ctx().sandbox.mirrors = r.dir / "sandbox" / "remotes";
  h.ctx().sandbox.remotes["origin"] = mirror;
  h.with()["tags"] = json({"v3.12.0"});
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("instead of its sandbox mirror")));
  EXPECT_EQ(sh_ok("git for-each-ref", r.origin), before);
}

}  // namespace
}  // namespace relman::test
