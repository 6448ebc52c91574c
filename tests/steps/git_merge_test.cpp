#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

// main and a release branch 3.12 with a tagged release commit on it.
struct MergeRepo {
  TempDir dir;
  std::filesystem::path repo = dir / "r";
  MergeRepo() {
    make_repo(repo, {{"a.txt", "a\n"}, {"b.txt", "b\n"}});
    sh_ok(
        "git checkout -q -b 3.12 && echo rel > a.txt && git commit -q -am 'Python 3.12.0' && "
        "git tag -a v3.12.0 -m 'Python 3.12.0' && git checkout -q main && echo dev > b.txt && "
        "git commit -q -am 'dev work'",
        repo);
  }
  std::string git(const std::string& args) const { return sh_ok("git " + args, repo); }
};

TEST(GitMerge, MergesATagWithGitsMessage) {
  MergeRepo r;
  std::string parent = r.git("rev-parse HEAD").substr(0, 40);
  std::string theirs = r.git("rev-parse v3.12.0^{commit}").substr(0, 40);
  StepHarness h("git.merge", r.repo, r.dir / "state");
  h.with()["ref"] = "v3.12.0";
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
  json out = h.run();
  EXPECT_EQ(r.git("rev-parse HEAD").substr(0, 40), out["commit"].get<std::string>());
  EXPECT_EQ(r.git("log -1 --format=%P"), parent + " " + theirs + "\n");
  // What `git merge --no-ff v3.12.0` writes on main.
  EXPECT_EQ(r.git("log -1 --format=%B"), "Merge tag 'v3.12.0'\n\nPython 3.12.0\n\n");
  EXPECT_EQ(read_file(r.repo / "a.txt"), "rel\n");
  EXPECT_EQ(r.git("status --porcelain"), "");
  EXPECT_FALSE(std::filesystem::exists(r.repo / ".git/MERGE_HEAD"));
  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  EXPECT_EQ(p.outputs, out);
  r.git("reset -q --hard HEAD~1");
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
}

TEST(GitMerge, BranchIntoAnotherBranchNamesIt) {
  MergeRepo r;
  r.git("checkout -q -b 3.13 && git checkout -q 3.12 && git commit -q --allow-empty -m fix && git checkout -q 3.13");
  StepHarness h("git.merge", r.repo, r.dir / "state");
  h.with()["ref"] = "3.12";
  h.run();
  EXPECT_EQ(r.git("log -1 --format=%s"), "Merge branch '3.12' into 3.13\n");
}

TEST(GitMerge, AlreadyMergedIsDone) {
  MergeRepo r;
  r.git("merge -q --no-edit v3.12.0");
  std::string head = r.git("rev-parse HEAD").substr(0, 40);
  StepHarness h("git.merge", r.repo, r.dir / "state");
  h.with()["ref"] = "v3.12.0";
  EXPECT_EQ(h.probe().result, ProbeResult::done);
  EXPECT_EQ(h.run()["commit"], head);
  EXPECT_EQ(r.git("rev-parse HEAD").substr(0, 40), head);
}

TEST(GitMerge, ConflictStopsThenResumeCommits) {
  MergeRepo r;
  write_file(r.repo / "a.txt", "main's a\n");
  r.git("commit -q -am 'a on main'");
  StepHarness h("git.merge", r.repo, r.dir / "state");
  h.with()["ref"] = "v3.12.0";
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr("a.txt"), HasSubstr("git merge --abort"))));
  EXPECT_TRUE(std::filesystem::exists(r.repo / ".git/MERGE_HEAD"));
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
  write_file(r.repo / "a.txt", "resolved\n");
  r.git("add a.txt");
  json out = h.run();
  EXPECT_EQ(r.git("log -1 --format=%s"), "Merge tag 'v3.12.0'\n");
  EXPECT_EQ(r.git("rev-list --count --merges HEAD"), "1\n");
  EXPECT_FALSE(std::filesystem::exists(r.repo / ".git/MERGE_HEAD"));
  EXPECT_EQ(h.probe().result, ProbeResult::done);
  EXPECT_EQ(out["commit"], r.git("rev-parse HEAD").substr(0, 40));
}

TEST(GitMerge, UnknownRefIsAClearError) {
  MergeRepo r;
  StepHarness h("git.merge", r.repo, r.dir / "state");
  h.with()["ref"] = "v9.9.9";
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("v9.9.9")));
}

}  // namespace
}  // namespace relman::test
