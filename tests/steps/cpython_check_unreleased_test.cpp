#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

struct Tree {
  TempDir dir;
  std::filesystem::path repo = dir / "cpython";
  explicit Tree(const std::string& doc) { make_repo(repo, {{"Doc/library/os.rst", doc}, {"README.rst", "x\n"}}); }
};

const std::string kLeft = "Intro\n\n   .. versionchanged:: next\n      Added *flags*.\n";

TEST(CpythonCheckUnreleased, AFinalWithANextDirectiveLeftFailsNamingTheLine) {
  Tree t(kLeft);
  StepHarness h("cpython.check_unreleased", t.repo, t.dir / "state", "3.14.0");
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr("Doc/library/os.rst:3:"), HasSubstr("3.14"))));
}

TEST(CpythonCheckUnreleased, AMicroReleaseCandidateFailsToo) {
  Tree t(kLeft);
  StepHarness h("cpython.check_unreleased", t.repo, t.dir / "state", "3.13.3rc1");
  EXPECT_THROW(h.run(), StepError);
}

TEST(CpythonCheckUnreleased, ABetaOnlyWarns) {
  Tree t(kLeft);
  StepHarness h("cpython.check_unreleased", t.repo, t.dir / "state", "3.14.0b2");
  json out = h.run();
  EXPECT_EQ(out["found"], 1);
  EXPECT_THAT(h.log(), HasSubstr("warning"));
}

TEST(CpythonCheckUnreleased, ReplacedDirectivesPass) {
  Tree t("   .. versionchanged:: 3.14\n   .. versionchanged:: NEXT\n");
  StepHarness h("cpython.check_unreleased", t.repo, t.dir / "state", "3.14.0");
  json out = h.run();
  EXPECT_EQ(out["found"], 0);
  EXPECT_EQ(out["checked"], "source");
}

TEST(CpythonCheckUnreleased, BuiltDocsAreSearchedForUnreleased) {
  Tree t("fine\n");
  write_file(t.dir / "html/library/os.html", "<p>\n<span>Changed in version 3.14 (unreleased): x</span>\n");
  StepHarness h("cpython.check_unreleased", t.repo, t.dir / "state", "3.14.0rc1");
  h.with()["built"] = (t.dir / "html").string();
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("library/os.html:2")));
}

}  // namespace
}  // namespace relman::test
