// cpython.docs on the sample interpreter: a real tarball, its own
// Doc/Makefile's dist-* targets and Debian's sphinx-build (scripts/setup.sh),
// then what the build-release workflow's artifact looks like when given.
#include <gtest/gtest.h>

#include <memory>

#include "adapters/archive_reader.h"
#include "core/errors.h"
#include "support/matchers.h"
#include "support/sample_project.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kDist = {
    "python-3.14.0rc1-docs-html.tar.bz2", "python-3.14.0rc1-docs-html.zip",     "python-3.14.0rc1-docs-texinfo.tar.bz2",
    "python-3.14.0rc1-docs-texinfo.zip",  "python-3.14.0rc1-docs-text.tar.bz2", "python-3.14.0rc1-docs-text.zip",
    "python-3.14.0rc1-docs.epub"};

// The sample tree as 3.14.0rc1's tarball in the state's artifacts, with
// `versionadded:: next` still in its Doc/ unless `bumped`.
struct DocsRelease {
  TempDir dir;
  fs::path repo = dir / "repo";
  fs::path state = dir / "state";
  explicit DocsRelease(bool bumped = false, bool with_makefile = true) {
    make_repo(repo, {{"README.rst", "x\n"}});
    const auto tree = dir / "scratch" / "Minipy-3.14.0rc1";
    fs::create_directories(tree.parent_path());
    sh_ok("cp -R " + quote(sample_fixture_dir().string()) + " " + quote(tree.string()));
    sh_ok("sed -i 's/\"3.14.0a0\"/\"3.14.0rc1\"/' Include/patchlevel.h", tree);
    if (bumped) sh_ok("sed -i 's/:: next/:: 3.14/' Doc/library/mathconst.rst", tree);
    if (!with_makefile) fs::remove(tree / "Doc" / "Makefile");
    fs::create_directories(state / "artifacts");
    sh_ok("tar czf " + quote((state / "artifacts" / "Minipy-3.14.0rc1.tgz").string()) + " Minipy-3.14.0rc1",
          tree.parent_path());
  }
  std::unique_ptr<StepHarness> docs() {
    auto h = std::make_unique<StepHarness>("cpython.docs", repo, state, "3.14.0rc1");
    h->with()["tarball"] = "Minipy-3.14.0rc1.tgz";
    return h;
  }
};

// The members of an archive and the text of one of them.
std::string member(const fs::path& archive, const std::string& name, std::vector<std::string>* names = nullptr) {
  archive::Reader r(archive, archive::ReadFormat::tar);
  archive::EntryInfo e;
  std::string found;
  while (r.next(e)) {
    if (names) names->push_back(e.name);
    if (e.name == name) found = r.read_all();
  }
  return found;
}

TEST(CpythonDocs, BuildsEveryDistArchiveFromTheTarballWithTheTreesOwnMakefile) {
  DocsRelease r(/*bumped=*/true);
  auto h = r.docs();
  json out = h->run();
  std::vector<std::string> files;
  for (const auto& f : kDist) files.push_back("docs/" + f);
  EXPECT_EQ(out["files"], json(files));
  EXPECT_EQ(out["html_archive"], "docs/python-3.14.0rc1-docs-html.tar.bz2");
  EXPECT_EQ(out["html_zip"], "docs/python-3.14.0rc1-docs-html.zip");
  EXPECT_EQ(out["built"], true);
  for (const auto& f : kDist) EXPECT_TRUE(fs::is_regular_file(r.state / "artifacts" / "docs" / f)) << f;
  // The HTML as Sphinx rendered the bumped directive, under the one top
  // folder the docs server's unpack strips.
  const std::string page = member(r.state / "artifacts" / "docs" / "python-3.14.0rc1-docs-html.tar.bz2",
                                  "python-3.14.0rc1-docs-html/library/mathconst.html");
  EXPECT_THAT(page, HasSubstr("New in version 3.14."));
  EXPECT_THAT(page, Not(HasSubstr("(unreleased)")));
  // Built from the tarball, never from the checkout.
  EXPECT_THAT(h->log(), HasSubstr("make -C Doc dist-html"));
  EXPECT_FALSE(fs::exists(r.repo / "Doc"));
}

TEST(CpythonDocs, ANextLeftInTheTarballRendersAsUnreleasedAndTheCheckRefusesTheCandidate) {
  DocsRelease r(/*bumped=*/false);
  auto build = r.docs();
  build->with()["targets"] = json::array({"dist-html"});
  json out = build->run();
  StepHarness check("cpython.check_unreleased", r.repo, r.state, "3.14.0rc1");
  check.with()["archive"] = out["html_archive"];
  check.ctx().step_id = "check-docs";
  EXPECT_THAT([&] { check.run(); }, ThrowsMessage<StepError>(AllOf(
                                        HasSubstr("python-3.14.0rc1-docs-html/library/mathconst.html:"),
                                        HasSubstr("3 \"(unreleased)\" in the built docs"),
                                        HasSubstr("delete the release tag"), HasSubstr("relman skip check-docs"))));
}

TEST(CpythonDocs, TheProbeIsDoneOnlyWhileEveryFileIsAsBuilt) {
  DocsRelease r(true);
  auto h = r.docs();
  h->with()["targets"] = json::array({"dist-html"});
  EXPECT_EQ(h->probe().result, ProbeResult::not_done);
  json out = h->run();
  auto done = h->probe();
  EXPECT_EQ(done.result, ProbeResult::done) << done.detail;
  EXPECT_EQ(done.outputs, out);
  write_file(r.state / "artifacts" / "docs" / "python-3.14.0rc1-docs-html.zip", "cut short");
  EXPECT_EQ(h->probe().result, ProbeResult::not_done);
}

TEST(CpythonDocs, TakesTheBuildReleaseWorkflowsArtifactWithoutBuilding) {
  DocsRelease r(true, /*with_makefile=*/false);
  for (const auto& f : kDist) write_file(r.dir / "downloaded" / f, "artifact " + f + "\n");
  auto h = r.docs();
  h->with()["from"] = (r.dir / "downloaded").string();
  json out = h->run();
  EXPECT_EQ(out["built"], false);
  EXPECT_EQ(out["files"].size(), kDist.size());
  for (const auto& f : kDist) EXPECT_EQ(read_file(r.state / "artifacts" / "docs" / f), "artifact " + f + "\n");
  EXPECT_THAT(h->log(), Not(HasSubstr("$ make")));
}

TEST(CpythonDocs, ARelativeFromIsRefusedAndALaterAttemptLeavesNothingOfAnEarlierOne) {
  DocsRelease r(true, /*with_makefile=*/false);
  auto relative = r.docs();
  relative->with()["from"] = "downloaded";
  EXPECT_THAT([&] { relative->run(); }, ThrowsMessage<StepError>(HasSubstr("must be an absolute path")));

  for (const auto& f : kDist) write_file(r.dir / "first" / f, "first\n");
  write_file(r.dir / "second" / kDist[0], "second\n");
  write_file(r.dir / "second" / kDist[1], "second\n");
  auto first = r.docs();
  first->with()["from"] = (r.dir / "first").string();
  first->run();
  auto second = r.docs();
  second->with()["from"] = (r.dir / "second").string();
  json out = second->run();
  EXPECT_EQ(out["files"].size(), 2u);
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(r.state / "artifacts" / "docs")) left.push_back(e.path().filename());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{kDist[0], kDist[1]}));
}

TEST(CpythonDocs, AnArtifactOfAnotherVersionIsRefused) {
  DocsRelease r(true);
  for (const auto& f : kDist) write_file(r.dir / "downloaded" / f, "x\n");
  write_file(r.dir / "downloaded" / "python-3.14.0b4-docs-html.zip", "x\n");
  auto h = r.docs();
  h->with()["from"] = (r.dir / "downloaded").string();
  EXPECT_THAT([&] { h->run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr("python-3.14.0b4-docs-html.zip"),
                                                                HasSubstr("right build-release run"))));
  EXPECT_FALSE(fs::exists(r.state / "artifacts" / "docs"));
}

TEST(CpythonDocs, AnArtifactWithoutTheHtmlZipIsRefused) {
  DocsRelease r(true);
  write_file(r.dir / "downloaded" / "python-3.14.0rc1-docs-html.tar.bz2", "x\n");
  auto h = r.docs();
  h->with()["from"] = (r.dir / "downloaded").string();
  EXPECT_THAT([&] { h->run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr("has no python-3.14.0rc1-docs-html.zip"),
                                                                HasSubstr("whole `docs` artifact"))));
}

TEST(CpythonDocs, WithoutSphinxBuildItSaysBothWaysOn) {
  DocsRelease r(true);
  auto h = r.docs();
  h->with()["sphinx_build"] = "no-such-sphinx-build";
  h->ctx().step_id = "docs-build";
  EXPECT_THAT([&] { h->run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("sphinx-build was not found"), HasSubstr("make -C Doc venv"),
                                             HasSubstr("--var sphinx_build="), HasSubstr("--var docs_from="))));
}

TEST(CpythonDocs, ATreeWithoutDocMakefileAsksForTheArtifact) {
  DocsRelease r(true, /*with_makefile=*/false);
  auto h = r.docs();
  EXPECT_THAT([&] { h->run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr("no Doc/Makefile"), HasSubstr("docs_from"))));
}

TEST(CpythonDocs, AFailingTargetStopsWithTheLogsLastLines) {
  DocsRelease r(true);
  auto h = r.docs();
  h->with()["targets"] = json::array({"no-such-target"});
  EXPECT_THAT([&] { h->run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr("`make -C Doc no-such-target` failed"),
                                                                HasSubstr("No rule to make target"))));
  EXPECT_EQ(h->probe().result, ProbeResult::not_done);
}

}  // namespace
}  // namespace relman::test
