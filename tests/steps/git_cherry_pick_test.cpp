#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

// main with a branch "fixes" holding three commits by another author; the
// release branch 3.12 starts before them.
struct PickRepo {
  TempDir dir;
  std::filesystem::path repo = dir / "r";
  std::vector<std::string> fixes;
  PickRepo() {
    make_repo(repo, {{"a.txt", "one\n"}, {"b.txt", "base\n"}});
    sh_ok("git branch 3.12 && git checkout -q -b fixes", repo);
    for (int i = 1; i <= 3; ++i) {
      write_file(repo / ("fix" + std::to_string(i) + ".txt"), "fix\n");
      sh_ok("git add -A && git -c user.name='Ada Author' -c user.email=ada@example.org commit -q -m 'gh-" +
                std::to_string(i) + ": fix " + std::to_string(i) + "'",
            repo);
      fixes.push_back(sh_ok("git rev-parse HEAD", repo).substr(0, 40));
    }
    sh_ok("git checkout -q 3.12", repo);
  }
  std::string git(const std::string& args) const { return sh_ok("git " + args, repo); }
  int count_in_history(const std::string& sha) const {
    return std::stoi(git("log --format=%B | grep -c 'cherry picked from commit " + sha + "' || true"));
  }
};

TEST(GitCherryPick, PicksEachCommitWithAuthorAndLine) {
  PickRepo r;
  StepHarness h("git.cherry_pick", r.repo, r.dir / "state");
  h.with()["commits"] = json(r.fixes);
  json out = h.run();
  ASSERT_EQ(out["commits"].size(), 3u);
  EXPECT_EQ(out["picked"], json(r.fixes));
  EXPECT_EQ(r.git("log -1 --format=%an").substr(0, 10), "Ada Author");
  EXPECT_EQ(r.git("log -1 --format=%cn").substr(0, 13), "Test Releaser");
  EXPECT_EQ(r.git("log -1 --format=%B"), "gh-3: fix 3\n\n(cherry picked from commit " + r.fixes[2] + ")\n\n");
  EXPECT_EQ(r.git("rev-parse HEAD").substr(0, 40), out["commits"][2].get<std::string>());
  EXPECT_EQ(r.git("status --porcelain"), "");
  for (const auto& f : r.fixes) EXPECT_EQ(r.count_in_history(f), 1);
  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  EXPECT_EQ(p.outputs, out);
}

TEST(GitCherryPick, AcceptsARangeAndNeverPicksTwice) {
  PickRepo r;
  StepHarness h("git.cherry_pick", r.repo, r.dir / "state");
  h.with()["commits"] = "3.12..fixes";
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
  json out = h.run();
  EXPECT_EQ(out["picked"], json(r.fixes));
  // A fresh start (relman retry clears the checkpoint) picks nothing again.
  StepHarness again("git.cherry_pick", r.repo, r.dir / "state2");
  again.with()["commits"] = json(r.fixes);
  std::string before = r.git("rev-parse HEAD");
  json out2 = again.run();
  EXPECT_EQ(r.git("rev-parse HEAD"), before);
  EXPECT_EQ(out2["commits"], json::array());
  for (const auto& f : r.fixes) EXPECT_EQ(r.count_in_history(f), 1);
}

TEST(GitCherryPick, ProbeNotDoneAfterUndo) {
  PickRepo r;
  StepHarness h("git.cherry_pick", r.repo, r.dir / "state");
  h.with()["commits"] = json(r.fixes);
  h.run();
  EXPECT_EQ(h.probe().result, ProbeResult::done);
  r.git("reset -q --hard HEAD~1");
  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::not_done);
  EXPECT_THAT(p.detail, HasSubstr(r.fixes[2])) << p.detail;
}

TEST(GitCherryPick, ConflictStopsThenResumeCommitsTheResolution) {
  PickRepo r;
  // A fix on main that conflicts with a change on 3.12.
  r.git("checkout -q fixes");
  write_file(r.repo / "b.txt", "fixed on main\n");
  r.git("commit -q -am 'gh-9: change b'");
  std::string conflicting = r.git("rev-parse HEAD").substr(0, 40);
  r.git("checkout -q 3.12");
  write_file(r.repo / "b.txt", "changed on 3.12\n");
  r.git("commit -q -am 'b on 3.12'");

  StepHarness h("git.cherry_pick", r.repo, r.dir / "state");
  h.with()["commits"] = json({r.fixes[0], conflicting, r.fixes[1]});
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr("b.txt"), HasSubstr("relman resume"),
                                                               HasSubstr("git cherry-pick --abort"))));
  EXPECT_TRUE(std::filesystem::exists(r.repo / ".git/CHERRY_PICK_HEAD"));
  EXPECT_THAT(r.git("status --porcelain"), HasSubstr("UU b.txt"));
  EXPECT_EQ(h.ctx().checkpoint["in_progress"], conflicting);
  EXPECT_EQ(h.ctx().checkpoint["picked"], json({r.fixes[0]}));

  // Resuming without resolving fails again, naming the path.
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("b.txt")));

  write_file(r.repo / "b.txt", "resolved\n");
  r.git("add b.txt");
  json out = h.run();
  EXPECT_EQ(out["picked"], json({r.fixes[0], conflicting, r.fixes[1]}));
  EXPECT_EQ(out["commits"].size(), 3u);
  EXPECT_FALSE(std::filesystem::exists(r.repo / ".git/CHERRY_PICK_HEAD"));
  EXPECT_EQ(read_file(r.repo / "b.txt"), "resolved\n");
  EXPECT_EQ(r.git("log -2 --format=%s").substr(0, 13), "gh-2: fix 2\ng");
  for (const auto& s : {r.fixes[0], conflicting, r.fixes[1]}) EXPECT_EQ(r.count_in_history(s), 1);
  EXPECT_EQ(r.git("status --porcelain"), "");
}

TEST(GitCherryPick, AbortThenFreshStartPicksTheRestOnce) {
  PickRepo r;
  r.git("checkout -q fixes");
  write_file(r.repo / "b.txt", "fixed on main\n");
  r.git("commit -q -am 'gh-9: change b'");
  std::string conflicting = r.git("rev-parse HEAD").substr(0, 40);
  r.git("checkout -q 3.12");
  write_file(r.repo / "b.txt", "changed on 3.12\n");
  r.git("commit -q -am 'b on 3.12'");
  StepHarness h("git.cherry_pick", r.repo, r.dir / "state");
  h.with()["commits"] = json({r.fixes[0], conflicting});
  EXPECT_THROW(h.run(), StepError);
  // The release manager gives up on the pick, fixes b.txt on 3.12, retries
  // without the conflicting commit.
  r.git("cherry-pick --abort");
  StepHarness retry("git.cherry_pick", r.repo, r.dir / "state2");
  retry.with()["commits"] = json({r.fixes[0], r.fixes[1]});
  json out = retry.run();
  EXPECT_EQ(out["commits"].size(), 1u) << "fix 1 was already picked before the conflict";
  EXPECT_EQ(r.count_in_history(r.fixes[0]), 1);
  EXPECT_EQ(r.count_in_history(r.fixes[1]), 1);
}

TEST(GitCherryPick, UnknownCommitIsAClearError) {
  PickRepo r;
  StepHarness h("git.cherry_pick", r.repo, r.dir / "state");
  h.with()["commits"] = json({"deadbeefdeadbeef"});
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("deadbeefdeadbeef")));
}

}  // namespace
}  // namespace relman::test
