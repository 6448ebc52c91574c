#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/http_server.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

struct CommitRepo {
  TempDir dir;
  std::filesystem::path repo = dir / "r";
  CommitRepo() { make_repo(repo, {{"a.txt", "a\n"}, {"gone.txt", "x\n"}}); }
  std::string git(const std::string& args) const { return sh_ok("git " + args, repo); }
};

TEST(GitCommit, CommitsEverythingByDefault) {
  CommitRepo r;
  std::string parent = r.git("rev-parse HEAD").substr(0, 40);
  write_file(r.repo / "a.txt", "b\n");
  write_file(r.repo / "new.txt", "n\n");
  std::filesystem::remove(r.repo / "gone.txt");
  StepHarness h("git.commit", r.repo, r.dir / "state");
  h.with()["message"] = "Python 3.12.0";
  json out = h.run();
  EXPECT_EQ(r.git("rev-parse HEAD").substr(0, 40), out["commit"].get<std::string>());
  EXPECT_EQ(r.git("log -1 --format=%B"), "Python 3.12.0\n\n");
  EXPECT_EQ(r.git("log -1 --format='%an <%ae>'"), "Test Releaser <rm@example.org>\n");
  EXPECT_EQ(r.git("status --porcelain"), "");
  EXPECT_EQ(r.git("show --name-status --format= HEAD"), "M\ta.txt\nD\tgone.txt\nA\tnew.txt\n");
  EXPECT_EQ(h.ctx().checkpoint["parent"], parent);
  // Crash after the commit, before the journal: probe recognises it.
  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  EXPECT_EQ(p.outputs, out);
  // Undo: HEAD back at the parent, probe says not done.
  r.git("reset -q --hard HEAD~1");
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
  // Something else on top: unknown.
  r.git("commit -q --allow-empty -m other");
  EXPECT_EQ(h.probe().result, ProbeResult::unknown);
}

TEST(GitCommit, PathsAndAuthorParameters) {
  CommitRepo r;
  write_file(r.repo / "a.txt", "b\n");
  write_file(r.repo / "other.txt", "o\n");
  StepHarness h("git.commit", r.repo, r.dir / "state");
  h.with()["message"] = "Bump";
  h.with()["paths"] = json({"a.txt"});
  h.with()["author_name"] = "Release Manager";
  h.with()["author_email"] = "rm@python.org";
  h.run();
  EXPECT_EQ(r.git("show --name-only --format= HEAD"), "a.txt\n");
  EXPECT_EQ(r.git("log -1 --format='%an <%ae>|%cn'"), "Release Manager <rm@python.org>|Test Releaser\n");
  EXPECT_EQ(r.git("status --porcelain"), "?? other.txt\n");
}

TEST(GitCommit, NothingToCommitSaysSo) {
  CommitRepo r;
  StepHarness h("git.commit", r.repo, r.dir / "state");
  h.with()["message"] = "Python 3.12.0";
  EXPECT_THAT([&] { h.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("nothing to commit"), HasSubstr("relman skip"))));
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
}

// After `relman retry` of an earlier step, the steps after it run again
// with their checkpoints cleared: the post-release bump changes nothing and
// the commit after it finds its own commit at HEAD. That is done.
TEST(GitCommit, ItsOwnCommitAlreadyAtHeadIsDoneNotNothingToCommit) {
  CommitRepo r;
  write_file(r.repo / "a.txt", "3.12.0+\n");
  StepHarness first("git.commit", r.repo, r.dir / "state");
  first.with()["message"] = "Post 3.12.0";
  json made = first.run();
  StepHarness again("git.commit", r.repo, r.dir / "state2");
  again.with()["message"] = "Post 3.12.0";
  json out = again.run();
  EXPECT_EQ(out, made);
  EXPECT_EQ(r.git("rev-list --count HEAD"), "2\n") << "a second commit was made";
  EXPECT_THAT(again.log(), HasSubstr("is already this commit")) << again.log();
  // A change since then is committed as usual.
  write_file(r.repo / "a.txt", "3.12.0++\n");
  json next = again.run();
  EXPECT_NE(next["commit"], made["commit"]);
  EXPECT_EQ(r.git("rev-list --count HEAD"), "3\n");
}

// SOURCE_DATE_EPOCH, when set, is the commit's author and committer date
// (so the tarballs exported from it are reproducible); nonsense is refused.
TEST(GitCommit, SourceDateEpochFixesTheDates) {
  CommitRepo r;
  write_file(r.repo / "a.txt", "b\n");
  {
    ScopedEnv epoch("SOURCE_DATE_EPOCH", "yesterday");
    StepHarness h("git.commit", r.repo, r.dir / "state");
    h.with()["message"] = "Python 3.12.0";
    EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("SOURCE_DATE_EPOCH is 'yesterday'")));
  }
  ScopedEnv epoch("SOURCE_DATE_EPOCH", "1700000000");
  StepHarness h("git.commit", r.repo, r.dir / "state2");
  h.with()["message"] = "Python 3.12.0";
  h.run();
  EXPECT_EQ(r.git("log -1 --format='%at %ad|%ct %cd' --date=raw"),
            "1700000000 1700000000 +0000|1700000000 1700000000 +0000\n");
}

}  // namespace
TEST(GitCommit, PathsTakeDirectoriesAndAStepsFilesOutputInsideTheList) {
  CommitRepo r;
  write_file(r.repo / "a.txt", "b\n");
  std::filesystem::create_directories(r.repo / "Misc" / "NEWS.d" / "next");
  write_file(r.repo / "Misc" / "NEWS.d" / "3.12.0.rst", "news\n");
  write_file(r.repo / "stray.txt", "not the release's\n");
  StepHarness h("git.commit", r.repo, r.dir / "state");
  h.with()["message"] = "Python 3.12.0";
  // As pep101.yaml writes it: ["${steps.bump.outputs.files}", Misc/NEWS.d], expanded.
  h.with()["paths"] = json::parse(R"([["a.txt"], "Misc/NEWS.d/", null])");
  h.run();
  EXPECT_EQ(r.git("show --name-status --format= HEAD"), "A\tMisc/NEWS.d/3.12.0.rst\nM\ta.txt\n");
  EXPECT_EQ(r.git("status --porcelain"), "?? stray.txt\n");
  h.with()["paths"] = json({"../outside"});
  EXPECT_THROW(
      try { h.run(); } catch (const StepError& e) {
        EXPECT_THAT(std::string(e.what()), HasSubstr("not inside the repository")) << e.what();
        throw;
      },
      StepError);
}

TEST(GitCommit, RefusesRelmanStateAndTemporaryFiles) {
  // A state directory inside the work tree (--state-dir pointing there), and
  // a temporary file an older relman left beside a bumped file.
  CommitRepo r;
  auto state = r.repo / "relstate" / "3.12.0";
  write_file(state / "journal.jsonl", "{}\n");
  write_file(state / "logs" / "bump.log", "x\n");
  write_file(r.repo / "a.txt", "b\n");
  std::string head = r.git("rev-parse HEAD");
  {
    StepHarness h("git.commit", r.repo, state);
    h.with()["message"] = "Python 3.12.0";
    try {
      h.run();
      ADD_FAILURE() << "committed a state directory";
    } catch (const StepError& e) {
      std::string m = e.what();
      EXPECT_THAT(m, HasSubstr("refusing to commit relman's own files")) << m;
      EXPECT_THAT(m, HasSubstr("relstate/3.12.0/journal.jsonl")) << m;
      EXPECT_THAT(m, HasSubstr("paths")) << m;
    }
    EXPECT_EQ(r.git("rev-parse HEAD"), head);
    // Named outright in `paths`, it is refused too; the other state
    // directory (no journal yet) is this run's, also refused.
    h.with()["paths"] = json({"a.txt", "relstate"});
    EXPECT_THROW(h.run(), StepError);
    EXPECT_EQ(r.git("rev-parse HEAD"), head);
    // Only the release's paths: the commit goes through without them.
    h.with()["paths"] = json({"a.txt"});
    h.run();
    EXPECT_EQ(r.git("show --name-only --format= HEAD"), "a.txt\n");
  }
  std::filesystem::remove_all(r.repo / "relstate");
  write_file(r.repo / "Include" / ".tmp.patchlevel.h.123456", "half a file");
  write_file(r.repo / "a.txt", "c\n");
  StepHarness h("git.commit", r.repo, r.dir / "state");
  h.with()["message"] = "Again";
  try {
    h.run();
    ADD_FAILURE() << "committed a temporary file";
  } catch (const StepError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("Include/.tmp.patchlevel.h.123456: a relman temporary file"))
        << e.what();
  }
}

}  // namespace relman::test
