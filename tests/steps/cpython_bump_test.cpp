#include "test_paths.h"
#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"
#include "support/matchers.h"

namespace relman::test {
namespace {

const std::filesystem::path fixtures = std::filesystem::path(RELMAN_TEST_DIR) / "fixtures" / "cpython";

// A repository holding the CPython fixture (at 3.12.0b4+).
struct BumpRepo {
  TempDir dir;
  std::filesystem::path repo = dir / "cpython";
  BumpRepo() {
    make_repo(repo, {{"Include/patchlevel.h", read_file(fixtures / "Include/patchlevel.h")},
                     {"README.rst", read_file(fixtures / "README.rst")}});
  }
  std::string patchlevel() const { return read_file(repo / "Include/patchlevel.h"); }
  std::string readme() const { return read_file(repo / "README.rst"); }
};

std::string expected(const std::string& name) { return read_file(fixtures / "expected" / name); }

struct Case {
  std::string version;
  bool post;
};

class CpythonBumpMatchesTooling : public ::testing::TestWithParam<Case> {};

TEST_P(CpythonBumpMatchesTooling, ByteForByte) {
  const Case c = GetParam();
  BumpRepo r;
  StepHarness h("cpython.bump", r.repo, r.dir / "state", "3.12.0");
  h.with()["version"] = c.version;
  h.with()["post"] = c.post;
  std::string readme_before = r.readme();
  json out = h.run();
  std::string suffix = c.version + (c.post ? "-post" : "");
  EXPECT_EQ(r.patchlevel(), expected("patchlevel.h." + suffix));
  if (c.post) {
    EXPECT_EQ(r.readme(), readme_before) << "release.py --done leaves README.rst alone";
    EXPECT_EQ(out["files"], json({"Include/patchlevel.h"}));
    EXPECT_EQ(out["version"], c.version + "+");
  } else {
    EXPECT_EQ(r.readme(), expected("README.rst." + suffix));
    EXPECT_EQ(out["files"], json({"Include/patchlevel.h", "README.rst"}));
    EXPECT_EQ(out["version"], c.version);
  }
  // Crash after the effect: the probe recognises it with the same outputs.
  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  EXPECT_EQ(p.outputs, out);
}

INSTANTIATE_TEST_SUITE_P(Versions, CpythonBumpMatchesTooling,
                         ::testing::Values(Case{"3.13.0a1", false}, Case{"3.12.0b1", false},
                                           Case{"3.12.0rc1", false}, Case{"3.12.0", false}, Case{"3.12.0", true},
                                           Case{"3.12.1", true}, Case{"3.13.0a0", false}, Case{"3.6.0b2", false}),
                         [](const auto& info) {
                           std::string n = info.param.version + (info.param.post ? "_post" : "");
                           for (auto& ch : n)
                             if (ch == '.') ch = '_';
                           return n;
                         });

TEST(CpythonBump, DefaultsToTheReleaseVersionAndProjectName) {
  BumpRepo r;
  StepHarness h("cpython.bump", r.repo, r.dir / "state", "3.12.0rc1");
  h.with()["project"] = "Interp";
  h.run();
  EXPECT_EQ(r.patchlevel(), expected("patchlevel.h.3.12.0rc1"));
  EXPECT_EQ(r.readme().substr(0, r.readme().find("\n\n")),
            "This is Interp version 3.12.0 release candidate 1\n"
            "=================================================");
}

TEST(CpythonBump, ProbeNotDoneBeforeAndAfterUndo) {
  BumpRepo r;
  StepHarness h("cpython.bump", r.repo, r.dir / "state", "3.12.0rc1");
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
  h.run();
  EXPECT_EQ(h.probe().result, ProbeResult::done);
  sh_ok("git checkout -- Include/patchlevel.h", r.repo);
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
  // Running again is harmless: same bytes.
  h.run();
  h.run();
  EXPECT_EQ(r.patchlevel(), expected("patchlevel.h.3.12.0rc1"));
}

TEST(CpythonBump, MissingMarkersNameTheFile) {
  BumpRepo r;
  write_file(r.repo / "Include/patchlevel.h", "#define PY_VERSION \"3.12.0\"\n");
  StepHarness h("cpython.bump", r.repo, r.dir / "state", "3.12.0");
  try {
    h.run();
    FAIL() << "expected a StepError";
  } catch (const StepError& e) {
    std::string m = e.what();
    EXPECT_THAT(m, HasSubstr("Include/patchlevel.h")) << m;
    EXPECT_THAT(m, HasSubstr("--start constants--")) << m;
  }
  EXPECT_EQ(r.patchlevel(), "#define PY_VERSION \"3.12.0\"\n") << "nothing written on failure";
}

TEST(CpythonBump, ReadmeWithoutTitleNamesTheFile) {
  BumpRepo r;
  write_file(r.repo / "README.rst", "Hello\n");
  StepHarness h("cpython.bump", r.repo, r.dir / "state", "3.12.0");
  try {
    h.run();
    FAIL() << "expected a StepError";
  } catch (const StepError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("README.rst")) << e.what();
  }
}

TEST(CpythonBump, RejectsAVersionItCannotRead) {
  BumpRepo r;
  StepHarness h("cpython.bump", r.repo, r.dir / "state", "3.12.0");
  h.with()["version"] = "three";
  EXPECT_THROW(h.run(), StepError);
}

}  // namespace
}  // namespace relman::test
