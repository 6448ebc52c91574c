// cpython.news_check: release-tools' make_tag refuses to tag while news
// entries are left in next/ or the release file is missing; relman also
// refuses when the release is not committed (the tag is made of HEAD).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include "test_paths.h"

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

struct NewsRepo {
  TempDir dir;
  fs::path repo = dir / "cpython";
  NewsRepo() { make_repo(repo, news_fixture_tree()); }
};

std::string refusal(StepHarness& h) {
  try {
    h.run();
  } catch (const StepError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(CpythonNewsCheck, RefusesWhileEntriesRemainAndSaysWhatToRun) {
  NewsRepo r;
  StepHarness h("cpython.news_check", r.repo, r.dir / "state", "3.10.23");
  std::string why = refusal(h);
  EXPECT_THAT(why, HasSubstr("it doesn't look like `blurb release 3.10.23` ran yet"));
  EXPECT_THAT(why, HasSubstr("work tree: 14 reST files are still in Misc/NEWS.d/next/"));
  EXPECT_THAT(why, HasSubstr("Misc/NEWS.d/next/Build/2026-10-04-01-02-03.gh-issue-158845.BuIlD1.rst"));
  EXPECT_THAT(why, HasSubstr("... and 4 more"));
  EXPECT_THAT(why, HasSubstr("there is no Misc/NEWS.d/3.10.23.rst file"));
  EXPECT_THAT(why, HasSubstr("blurb release 3.10.23 && git commit"));
  EXPECT_THAT(why, HasSubstr("relman resume"));
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
}

TEST(CpythonNewsCheck, RefusesAReleaseThatIsNotCommittedAndPassesOnceItIs) {
  NewsRepo r;
  StepHarness rel("cpython.news_release", r.repo, r.dir / "state-release", "3.10.23");
  rel.run();
  StepHarness h("cpython.news_check", r.repo, r.dir / "state", "3.10.23");
  std::string why = refusal(h);
  EXPECT_THAT(why, HasSubstr("HEAD: 14 reST files are still in Misc/NEWS.d/next/"));
  EXPECT_THAT(why, HasSubstr("HEAD: there is no Misc/NEWS.d/3.10.23.rst file"));
  EXPECT_THAT(why, Not(HasSubstr("work tree:")));

  sh_ok("git add -A && git commit -qm 'Python 3.10.23'", r.repo);
  EXPECT_NO_THROW(h.run());
  EXPECT_EQ(h.probe().result, ProbeResult::done);
}

TEST(CpythonNewsCheck, CountsEntriesInAnyDirectoryAsMakeTagDoes) {
  NewsRepo r;
  StepHarness rel("cpython.news_release", r.repo, r.dir / "state-release", "3.10.23");
  rel.run();
  // blurb leaves a file in a directory that is no section's; make_tag sees it.
  write_file(r.repo / "Misc/NEWS.d/next/Misc/2026-10-30-00-00-00.gh-issue-158999.StRaY1.rst", "Stray.\n");
  sh_ok("git add -A && git commit -qm 'Python 3.10.23'", r.repo);
  StepHarness h("cpython.news_check", r.repo, r.dir / "state", "3.10.23");
  std::string why = refusal(h);
  EXPECT_THAT(why, HasSubstr("work tree: 1 reST file is still in Misc/NEWS.d/next/"));
  EXPECT_THAT(why, HasSubstr("Misc/NEWS.d/next/Misc/2026-10-30-00-00-00.gh-issue-158999.StRaY1.rst"));
}

}  // namespace
}  // namespace relman::test
