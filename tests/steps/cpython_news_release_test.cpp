// cpython.news_release on a real repository holding the news fixture: the
// release file blurb writes, the entries removed, and git.commit committing
// exactly that (the deletions included) from the step's `files`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include "test_paths.h"

#include <cstdlib>
#include <filesystem>

#include "core/errors.h"
#include "support/matchers.h"
#include "support/news_fixture.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

namespace fs = std::filesystem;
const std::string kDate = "2026-12-01";  // the day tests/fixtures/news/expected was made
const std::string kOut = "Misc/NEWS.d/3.10.23.rst";

// A repository whose one commit holds the fixture's Misc/NEWS.d.
struct NewsRepo {
  TempDir dir;
  fs::path repo = dir / "cpython";
  NewsRepo() { make_repo(repo, news_fixture_tree()); }
  std::string git(const std::string& args) const { return sh_ok("git " + args, repo); }
  std::string status() const { return git("status --porcelain"); }
};

// PATH set to `value` ("{old}" stands for the PATH before) for one test.
class ScopedPath {
 public:
  explicit ScopedPath(const std::string& value) : old_(std::getenv("PATH") ? std::getenv("PATH") : "") {
    std::string v = value;
    if (auto at = v.find("{old}"); at != std::string::npos) v.replace(at, 5, old_);
    setenv("PATH", v.c_str(), 1);
  }
  ~ScopedPath() { setenv("PATH", old_.c_str(), 1); }
  ScopedPath(const ScopedPath&) = delete;
  ScopedPath& operator=(const ScopedPath&) = delete;

 private:
  std::string old_;
};

json release(StepHarness& h) {
  h.with()["date"] = kDate;
  return h.run();
}

TEST(CpythonNewsRelease, WritesBlurbsFileAndGitCommitCommitsExactlyIt) {
  NewsRepo r;
  StepHarness h("cpython.news_release", r.repo, r.dir / "state", "3.10.23");
  json out = release(h);
  EXPECT_EQ(read_file(r.repo / kOut), read_file(kNews / "expected" / "3.10.23.rst"));
  EXPECT_EQ(out["file"], kOut);
  EXPECT_EQ(out["tool"], "native");
  EXPECT_EQ(out["entries"], 14);
  ASSERT_EQ(out["files"].size(), 15u);
  EXPECT_EQ(out["files"][0], kOut);
  for (size_t i = 1; i < out["files"].size(); ++i)
    EXPECT_FALSE(fs::exists(r.repo / out["files"][i].get<std::string>())) << out["files"][i];
  EXPECT_TRUE(fs::exists(r.repo / "Misc/NEWS.d/next/Library/README.rst")) << "README.rst is not an entry";
  EXPECT_FALSE(fs::exists(r.repo / "Misc/NEWS.d/next/Security")) << "emptied directories go, as with git rm";

  // The commit takes exactly the step's files: the new file and 14 deletions.
  StepHarness commit("git.commit", r.repo, r.dir / "state-commit", "3.10.23");
  commit.with()["message"] = "Python 3.10.23";
  commit.with()["paths"] = out["files"];
  commit.run();
  EXPECT_EQ(r.status(), "");
  std::string changed = r.git("show --name-status --format= HEAD");
  EXPECT_THAT(changed, HasSubstr("A\t" + kOut));
  size_t deletions = 0;
  for (size_t at = 0; (at = changed.find("\nD\t", at)) != std::string::npos; ++at) ++deletions;
  EXPECT_EQ(deletions + (changed.rfind("D\t", 0) == 0), 14u) << changed;
}

TEST(CpythonNewsRelease, ProbeAndASecondRunFindTheReleaseMade) {
  NewsRepo r;
  StepHarness h("cpython.news_release", r.repo, r.dir / "state", "3.10.23");
  json out = release(h);
  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  EXPECT_EQ(p.outputs["files"], out["files"]);
  // Without the checkpoint (relman retry of an earlier step): the deletions
  // still come from git, so the commit still gets them.
  StepHarness again("cpython.news_release", r.repo, r.dir / "state2", "3.10.23");
  json second = release(again);
  EXPECT_EQ(second["tool"], "earlier");
  EXPECT_EQ(std::set<json>(second["files"].begin(), second["files"].end()),
            std::set<json>(out["files"].begin(), out["files"].end()));
  EXPECT_EQ(read_file(r.repo / kOut), read_file(kNews / "expected" / "3.10.23.rst"));
}

TEST(CpythonNewsRelease, FinishesAReleaseInterruptedBetweenTheFileAndTheDeletions) {
  NewsRepo r;
  StepHarness h("cpython.news_release", r.repo, r.dir / "state", "3.10.23");
  json out = release(h);
  // As if killed after writing the file and removing only some entries.
  r.git("checkout -- 'Misc/NEWS.d/next/Library' 'Misc/NEWS.d/next/C API'");
  ASSERT_TRUE(fs::exists(r.repo / "Misc/NEWS.d/next/C API/2026-10-12-12-12-12.gh-issue-158860.CaPi01.rst"));
  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::not_done) << p.detail;
  json finished = h.run();
  EXPECT_EQ(finished["files"], out["files"]);
  EXPECT_FALSE(fs::exists(r.repo / "Misc/NEWS.d/next/C API"));
  EXPECT_EQ(read_file(r.repo / kOut), read_file(kNews / "expected" / "3.10.23.rst"));
  // Without the checkpoint the same state is not ours to finish.
  r.git("checkout -- 'Misc/NEWS.d/next/IDLE'");
  StepHarness other("cpython.news_release", r.repo, r.dir / "state2", "3.10.23");
  EXPECT_EQ(other.probe().result, ProbeResult::unknown);
  EXPECT_THAT(
      [&] { release(other); },
      ThrowsMessage<StepError>(AllOf(HasSubstr(kOut + " exists already and 1 entries are still in Misc/NEWS.d/next/"),
                                     HasSubstr("relman retry step"))));
}

TEST(CpythonNewsRelease, WithoutEntriesWritesTheNoChangesFile) {
  NewsRepo r;
  StepHarness first("cpython.news_release", r.repo, r.dir / "state", "3.10.23");
  release(first);
  r.git("add -A && git commit -qm 'Python 3.10.23'");
  StepHarness h("cpython.news_release", r.repo, r.dir / "state2", "3.10.24");
  json out = release(h);
  EXPECT_EQ(read_file(r.repo / "Misc/NEWS.d/3.10.24.rst"), read_file(kNews / "expected" / "3.10.24.rst"));
  EXPECT_EQ(out["files"], json({"Misc/NEWS.d/3.10.24.rst"}));
  EXPECT_EQ(out["entries"], 0);
  EXPECT_THAT(h.log(), HasSubstr("no new changes"));
}

TEST(CpythonNewsRelease, ABadEntryStopsBeforeAnythingChanges) {
  NewsRepo r;
  write_file(r.repo / "Misc/NEWS.d/next/Library/2026-10-20-00-00-00.gh-issue-100.BaD001.rst", "Too low a number.\n");
  StepHarness h("cpython.news_release", r.repo, r.dir / "state", "3.10.23");
  EXPECT_THAT([&] { release(h); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("Invalid gh-issue number: '100' (must be >= 32426)"),
                                             HasSubstr("gh-issue-100.BaD001.rst"), HasSubstr("relman retry step"))));
  EXPECT_FALSE(fs::exists(r.repo / kOut));
  EXPECT_EQ(r.status(), "?? Misc/NEWS.d/next/Library/2026-10-20-00-00-00.gh-issue-100.BaD001.rst\n");
}

// A stand-in for blurb: records its arguments and does what `blurb release`
// does to the files (git rm the entries, write the release file).
fs::path fake_blurb(const fs::path& dir) {
  fs::create_directories(dir);
  write_file(dir / "blurb",
             "#!/bin/sh\n"
             "echo \"$@\" > \"$FAKE_BLURB_LOG\"\n"
             "pwd >> \"$FAKE_BLURB_LOG\"\n"
             "[ \"$1\" = release ] || exit 3\n"
             "printf 'written by the stand-in\\n' > \"Misc/NEWS.d/$2.rst\"\n"
             "git add Misc/NEWS.d/$2.rst\n"
             "git ls-files 'Misc/NEWS.d/next/*/2*.rst' | while read -r f; do git rm -q \"$f\"; done\n");
  fs::permissions(dir / "blurb", fs::perms::owner_all);
  return dir;
}

TEST(CpythonNewsRelease, PreferBlurbRunsTheBlurbOnPath) {
  NewsRepo r;
  ScopedPath path(fake_blurb(r.dir / "bin").string() + ":{old}");
  setenv("FAKE_BLURB_LOG", (r.dir / "blurb.log").c_str(), 1);
  StepHarness h("cpython.news_release", r.repo, r.dir / "state", "3.10.23");
  h.with()["prefer"] = "blurb";
  json out = h.run();
  unsetenv("FAKE_BLURB_LOG");
  EXPECT_EQ(read_file(r.dir / "blurb.log"), "release 3.10.23\n" + fs::canonical(r.repo).string() + "\n");
  EXPECT_EQ(out["tool"], "blurb");
  EXPECT_EQ(read_file(r.repo / kOut), "written by the stand-in\n");
  EXPECT_EQ(out["files"].size(), 15u) << out.dump();
  EXPECT_THAT(h.log(), HasSubstr("prefer: blurb: using " + (r.dir / "bin" / "blurb").string()));
}

// A blurb that writes the release file and then fails, as the real one
// does with no entries (it refuses the gh-issue 0 it has just written).
fs::path failing_blurb(const fs::path& dir) {
  fs::create_directories(dir);
  write_file(dir / "blurb",
             "#!/bin/sh\n"
             "printf 'written by the stand-in\\n' > \"Misc/NEWS.d/$2.rst\"\n"
             "echo \"Invalid gh-issue number: '0' (must be >= 32426)\" >&2\n"
             "exit 1\n");
  fs::permissions(dir / "blurb", fs::perms::owner_all);
  return dir;
}

TEST(CpythonNewsRelease, PreferBlurbGoesOnWhenBlurbFailsOnItsOwnNoChangesFile) {
  NewsRepo r;
  StepHarness first("cpython.news_release", r.repo, r.dir / "state", "3.10.23");
  release(first);
  r.git("add -A && git commit -qm 'Python 3.10.23'");
  ScopedPath path(failing_blurb(r.dir / "bin").string() + ":{old}");
  StepHarness h("cpython.news_release", r.repo, r.dir / "state2", "3.10.24");
  h.with()["prefer"] = "blurb";
  json out = h.run();
  EXPECT_EQ(out["files"], json({"Misc/NEWS.d/3.10.24.rst"}));
  EXPECT_THAT(h.log(), HasSubstr("blurb failed after writing Misc/NEWS.d/3.10.24.rst"));
}

TEST(CpythonNewsRelease, PreferBlurbFailsWhenBlurbFailsWithEntriesLeft) {
  NewsRepo r;
  ScopedPath path(failing_blurb(r.dir / "bin").string() + ":{old}");
  StepHarness h("cpython.news_release", r.repo, r.dir / "state", "3.10.23");
  h.with()["prefer"] = "blurb";
  EXPECT_THAT([&] { h.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("failed (exit code 1)"), HasSubstr("prefer: native"))));
}

TEST(CpythonNewsRelease, PreferBlurbWithoutOneOnPathIsNative) {
  NewsRepo r;
  StepHarness h("cpython.news_release", r.repo, r.dir / "state", "3.10.23");
  h.with()["prefer"] = "blurb";
  ScopedPath path((r.dir / "nothing-here").string());  // no blurb anywhere
  json out = release(h);
  EXPECT_EQ(out["tool"], "native");
  EXPECT_EQ(read_file(r.repo / kOut), read_file(kNews / "expected" / "3.10.23.rst"));
  EXPECT_THAT(h.log(), HasSubstr("no `blurb` on PATH"));
}

TEST(CpythonNewsRelease, PreferMustBeNativeOrBlurb) {
  const StepKind* kind = StepRegistry::instance().find("cpython.news_release");
  ASSERT_NE(kind, nullptr);
  EXPECT_THAT(kind->validate({{"prefer", "towncrier"}}),
              ::testing::ElementsAre("'prefer' must be native or blurb, not 'towncrier'"));
  EXPECT_TRUE(kind->validate({{"prefer", "blurb"}}).empty());
}

}  // namespace
}  // namespace relman::test
