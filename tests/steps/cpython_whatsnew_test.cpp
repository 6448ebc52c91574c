// cpython.whatsnew against release-tools' own fixture and what its functions
// make of it (tests/fixtures/cpython/whatsnew/README.md).
#include <gtest/gtest.h>
#include "test_paths.h"

#include "core/errors.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

namespace fs = std::filesystem;
const fs::path golden = fs::path(RELMAN_TEST_DIR) / "fixtures" / "cpython" / "whatsnew";

struct MainAfterFirstBeta {
  TempDir dir;
  fs::path repo = dir / "cpython";
  MainAfterFirstBeta() { make_repo(repo, {{"Doc/whatsnew/index.rst", read_file(golden / "index.rst")}}); }
};

TEST(CpythonWhatsNew, WritesThePageAndTheToctreeEntryAsReleaseToolsDoes) {
  MainAfterFirstBeta m;
  StepHarness h("cpython.whatsnew", m.repo, m.dir / "state", "3.14.0b1");
  json out = h.run();
  EXPECT_EQ(read_file(m.repo / "Doc/whatsnew/3.15.rst"), read_file(golden / "3.15.rst.expected"));
  EXPECT_EQ(read_file(m.repo / "Doc/whatsnew/index.rst"), read_file(golden / "index.rst.expected"));
  EXPECT_EQ(out["files"], json({"Doc/whatsnew/3.15.rst", "Doc/whatsnew/index.rst"}));
}

TEST(CpythonWhatsNew, RunningAgainChangesNothingAndNamesTheSameFiles) {
  MainAfterFirstBeta m;
  StepHarness h("cpython.whatsnew", m.repo, m.dir / "state", "3.14.0b1");
  json first = h.run();
  json again = h.run();  // as a resume after a kill runs it
  EXPECT_EQ(again, first);
  EXPECT_EQ(read_file(m.repo / "Doc/whatsnew/index.rst"), read_file(golden / "index.rst.expected"))
      << "the entry was listed twice";
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
}

TEST(CpythonWhatsNew, APageSomeoneStartedIsKept) {
  MainAfterFirstBeta m;
  write_file(m.repo / "Doc/whatsnew/3.15.rst", "What's new in 3.15, by hand\n");
  StepHarness h("cpython.whatsnew", m.repo, m.dir / "state", "3.14.0b1");
  json out = h.run();
  EXPECT_EQ(read_file(m.repo / "Doc/whatsnew/3.15.rst"), "What's new in 3.15, by hand\n");
  EXPECT_EQ(out["files"], json({"Doc/whatsnew/index.rst"}));
  EXPECT_THAT(h.log(), HasSubstr("already exists with other text: left as it is"));
}

TEST(CpythonWhatsNew, AToctreeWithoutTheReleasedVersionSaysWhatToAdd) {
  MainAfterFirstBeta m;
  write_file(m.repo / "Doc/whatsnew/index.rst", ".. toctree::\n\n   3.13.rst\n");
  StepHarness h("cpython.whatsnew", m.repo, m.dir / "state", "3.14.0b1");
  try {
    h.run();
    FAIL() << "no error";
  } catch (const StepError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("has no `   3.14.rst` line"));
    EXPECT_THAT(std::string(e.what()), HasSubstr("add the line `   3.15.rst`"));
  }
}

TEST(CpythonWhatsNew, ATreeWithoutWhatsNewIsSkippedWithANote) {
  TempDir dir;
  make_repo(dir / "repo", {{"README", "not CPython\n"}});
  StepHarness h("cpython.whatsnew", dir / "repo", dir / "state", "3.14.0b1");
  EXPECT_EQ(h.run()["files"], json::array());
  EXPECT_THAT(h.log(), HasSubstr("no What's New to start"));
  EXPECT_FALSE(fs::exists(dir / "repo" / "Doc"));
}

TEST(CpythonWhatsNew, ABadVersionParameterIsAClearError) {
  MainAfterFirstBeta m;
  StepHarness h("cpython.whatsnew", m.repo, m.dir / "state", "3.14.0b1");
  h.with()["version"] = "three";
  EXPECT_THROW(h.run(), StepError);
}

}  // namespace
}  // namespace relman::test
