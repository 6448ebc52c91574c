// cpython.news_merge: Misc/NEWS for the tree of a tag, as `blurb merge`
// writes it, into the step's work directory; read from the tag, whatever
// the work tree holds.
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

struct TaggedNews {
  TempDir dir;
  fs::path repo = dir / "cpython";
  TaggedNews() {
    make_repo(repo, news_fixture_tree());
    sh_ok("git tag -a v3.10.23rc1 -m 'Python 3.10.23rc1'", repo);
  }
};

TEST(CpythonNewsMerge, WritesBlurbsMiscNewsForTheTagIntoTheWorkDirectory) {
  TaggedNews t;
  // The work tree moves on after the tag: the step reads the tag.
  fs::remove_all(t.repo / "Misc/NEWS.d/next");
  write_file(t.repo / "Misc/NEWS.d/3.10.23.rst", "not a blurb file\n");
  StepHarness h("cpython.news_merge", t.repo, t.dir / "state", "3.10.23");
  h.with()["ref"] = "v3.10.23rc1";
  json out = h.run();
  const fs::path file = out["file"].get<std::string>();
  EXPECT_EQ(file, fs::absolute(h.ctx().work_dir / "NEWS"));
  EXPECT_EQ(read_file(file), read_file(kNews / "expected" / "NEWS.before-release"));
  EXPECT_EQ(out["tool"], "native");
  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  EXPECT_EQ(p.outputs, out);
  // A file that is not the merge is not done.
  write_file(file, "truncated");
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
}

TEST(CpythonNewsMerge, AfterTheReleaseCommitMatchesBlurb) {
  TaggedNews t;
  StepHarness rel("cpython.news_release", t.repo, t.dir / "state-release", "3.10.23");
  rel.with()["date"] = "2026-12-01";
  rel.run();
  sh_ok("git add -A && git commit -qm 'Python 3.10.23' && git tag v3.10.23", t.repo);
  StepHarness h("cpython.news_merge", t.repo, t.dir / "state", "3.10.23");
  h.with()["ref"] = "v3.10.23";
  h.with()["output"] = "Misc-NEWS";
  json out = h.run();
  EXPECT_EQ(read_file(out["file"].get<std::string>()), read_file(kNews / "expected" / "NEWS.after-release"));
  EXPECT_EQ(fs::path(out["file"].get<std::string>()).filename(), "Misc-NEWS");
}

TEST(CpythonNewsMerge, AnUnknownRefSaysHowToCheck) {
  TaggedNews t;
  StepHarness h("cpython.news_merge", t.repo, t.dir / "state", "3.10.23");
  h.with()["ref"] = "v9.9.9";
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr("cannot merge the news of 'v9.9.9'"),
                                                               HasSubstr("rev-parse v9.9.9"))));
}

TEST(CpythonNewsMerge, ABrokenFileInTheTagNamesItself) {
  TaggedNews t;
  write_file(t.repo / "Misc/NEWS.d/3.10.21.rst", ".. gh-issue: 40000\n\nNo section.\n");
  sh_ok("git add -A && git commit -qm broken && git tag -f v3.10.23rc1 >/dev/null 2>&1", t.repo);
  StepHarness h("cpython.news_merge", t.repo, t.dir / "state", "3.10.23");
  h.with()["ref"] = "v3.10.23rc1";
  EXPECT_THAT([&] { h.run(); },
              ThrowsMessage<StepError>(HasSubstr("Error in Misc/NEWS.d/3.10.21.rst:3:\nNo 'section' specified.")));
  EXPECT_FALSE(fs::exists(h.ctx().work_dir / "NEWS"));
}

TEST(CpythonNewsMerge, TheOutputStaysInTheWorkDirectory) {
  const StepKind* kind = StepRegistry::instance().find("cpython.news_merge");
  ASSERT_NE(kind, nullptr);
  EXPECT_FALSE(kind->validate({{"ref", "v1"}, {"output", "../NEWS"}}).empty());
  EXPECT_FALSE(kind->validate({{"ref", "v1"}, {"output", "/tmp/NEWS"}}).empty());
  EXPECT_TRUE(kind->validate({{"ref", "v1"}, {"output", "NEWS"}}).empty());
}

TEST(CpythonNewsMerge, PreferBlurbRunsItOnTheTagsNewsWithWhatItNeedsToFindTheRoot) {
  TaggedNews t;
  const fs::path bin = t.dir / "bin";
  fs::create_directories(bin);
  // The stand-in checks what blurb checks to find a CPython checkout, and
  // writes the tag's release file list as its "merge".
  write_file(bin / "blurb",
             "#!/bin/sh\n"
             "[ \"$1 $2\" = 'merge -f' ] || exit 3\n"
             "head -1 README.rst | grep -q '^This is [A-Za-z]* version [0-9]*\\.[0-9]*' || exit 4\n"
             "[ \"$(head -1 LICENSE)\" = 'A. HISTORY OF THE SOFTWARE' ] || exit 5\n"
             "[ -f Include/Python.h ] && [ -f Python/ceval.c ] || exit 6\n"
             "ls Misc/NEWS.d > \"$3\"; ls Misc/NEWS.d/next/Library >> \"$3\"\n");
  fs::permissions(bin / "blurb", fs::perms::owner_all);
  const std::string old = std::getenv("PATH");
  setenv("PATH", (bin.string() + ":" + old).c_str(), 1);
  StepHarness h("cpython.news_merge", t.repo, t.dir / "state", "3.10.23");
  h.with()["ref"] = "v3.10.23rc1";
  h.with()["prefer"] = "blurb";
  json out;
  try {
    out = h.run();
  } catch (...) {
    setenv("PATH", old.c_str(), 1);
    throw;
  }
  setenv("PATH", old.c_str(), 1);
  EXPECT_EQ(out["tool"], "blurb");
  EXPECT_EQ(read_file(out["file"].get<std::string>()),
            "3.10.22.rst\n3.7.3.rst\nnext\n"
            "2026-10-01-00-00-01.gh-issue-158830.CrLf01.rst\n2026-10-08-10-11-12.gh-issue-158820.LiB001.rst\n"
            "2026-10-09-07-06-05.gh-issue-158825.LiB002.rst\nREADME.rst\n");
  EXPECT_FALSE(fs::exists(h.ctx().work_dir / "blurb-tree")) << "the scratch tree is removed";
}

}  // namespace
}  // namespace relman::test
