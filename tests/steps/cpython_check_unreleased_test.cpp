#include <gtest/gtest.h>

#include <memory>

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

// release-tools' own cases (tests/test_run_release.py,
// test_check_doc_unreleased_version_*): the HTML archive as its
// prepare_fake_docs makes it, a tar.bz2 holding one index.html.
void fake_docs(const std::filesystem::path& artifacts, const std::string& content) {
  std::filesystem::create_directories(artifacts / "docs");
  write_file(artifacts / "index.html", content);
  sh_ok("tar -cjf docs/python-3.13.0rc1-docs-html.tar.bz2 index.html", artifacts);
}

std::unique_ptr<StepHarness> archive_check(const Tree& t, const std::string& version) {
  auto h = std::make_unique<StepHarness>("cpython.check_unreleased", t.repo, t.dir / "state", version);
  h->with()["archive"] = "docs/python-3.13.0rc1-docs-html.tar.bz2";
  h->ctx().step_id = "check-docs";
  return h;
}

TEST(CpythonCheckUnreleased, ACandidateWithoutItsBuiltDocsFails) {
  Tree t("fine\n");
  auto h = archive_check(t, "3.13.0rc1");
  EXPECT_THAT([&] { h->run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr("python-3.13.0rc1-docs-html.tar.bz2 do not "
                                                                          "exist"),
                                                                HasSubstr("cpython.docs"))));
}

TEST(CpythonCheckUnreleased, AnAlphaNeedsNoBuiltDocs) {
  Tree t("fine\n");
  auto h = archive_check(t, "3.13.0a1");
  json out = h->run();
  EXPECT_EQ(out["checked"], "none");
}

TEST(CpythonCheckUnreleased, BuiltDocsWithoutUnreleasedPass) {
  Tree t("fine\n");
  auto h = archive_check(t, "3.13.0rc1");
  fake_docs(h->ctx().artifacts_dir, "<div>New in 3.13</div>");
  json out = h->run();
  EXPECT_EQ(out["found"], 0);
  EXPECT_EQ(out["checked"], "built");
}

TEST(CpythonCheckUnreleased, BuiltDocsSayingUnreleasedFailAndTheErrorSaysHowToWaive) {
  Tree t("fine\n");
  auto h = archive_check(t, "3.13.0rc1");
  fake_docs(h->ctx().artifacts_dir, "<div>New in 3.13.0rc1 (unreleased)</div>");
  // release-tools asks "Are these `(unreleased)` strings in built docs OK?";
  // here the run stops and `relman skip` is the "yes".
  EXPECT_THAT([&] { h->run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("index.html:1"), HasSubstr("relman skip check-docs"))));
}

TEST(CpythonCheckUnreleased, AZipArchiveIsReadToo) {
  Tree t("fine\n");
  auto h = archive_check(t, "3.13.0");
  h->with()["archive"] = "docs/python-3.13.0-docs-html.zip";
  std::filesystem::create_directories(h->ctx().artifacts_dir / "docs/python-3.13.0-docs-html");
  write_file(h->ctx().artifacts_dir / "docs/python-3.13.0-docs-html/os.html", "a\nb (unreleased)\n");
  sh_ok("python3 -m zipfile -c python-3.13.0-docs-html.zip python-3.13.0-docs-html", h->ctx().artifacts_dir / "docs");
  EXPECT_THAT([&] { h->run(); }, ThrowsMessage<StepError>(HasSubstr("python-3.13.0-docs-html/os.html:2")));
}

TEST(CpythonCheckUnreleased, ADamagedArchiveSaysToMakeTheDocsAgain) {
  Tree t("fine\n");
  auto h = archive_check(t, "3.13.0rc1");
  write_file(h->ctx().artifacts_dir / "docs/python-3.13.0rc1-docs-html.tar.bz2", "BZh9 not really");
  EXPECT_THAT([&] { h->run(); }, ThrowsMessage<StepError>(HasSubstr("cannot read the built docs")));
}

}  // namespace
}  // namespace relman::test
