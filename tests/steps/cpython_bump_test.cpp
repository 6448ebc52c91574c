#include <gtest/gtest.h>
#include "test_paths.h"

#include "core/errors.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

const std::filesystem::path fixtures = std::filesystem::path(RELMAN_TEST_DIR) / "fixtures" / "cpython";

// Where a case's README.rst and patchlevel.h come from.
enum Source {
  kOwn = 0,           // CPython 3.12.0b4+ (no docs links)
  kReleaseTools = 1,  // release-tools' own test pair (3.14's README, with its links)
  kReal3112 = 2,      // the official Python-3.11.2.tgz's, byte for byte
};

// A repository holding a CPython README.rst and patchlevel.h.
struct BumpRepo {
  TempDir dir;
  std::filesystem::path repo = dir / "cpython";
  explicit BumpRepo(int source = kOwn) {
    const auto src = source == kReleaseTools ? fixtures / "release-tools"
                     : source == kReal3112   ? fixtures / "real-3.11.2"
                                             : fixtures;
    make_repo(repo, {{"Include/patchlevel.h",
                      read_file(source == kReleaseTools ? src / "patchlevel.h" : src / "Include/patchlevel.h")},
                     {"README.rst", read_file(src / "README.rst")}});
  }
  std::string patchlevel() const { return read_file(repo / "Include/patchlevel.h"); }
  std::string readme() const { return read_file(repo / "README.rst"); }
};

std::string expected(const std::string& name) { return read_file(fixtures / "expected" / name); }

struct Case {
  std::string version;
  bool post;
  int source = kOwn;
  std::string pep = "";   // the `pep` parameter
  std::string name = "";  // fixture name when not derived
};

std::string fixture_name(const Case& c) {
  if (!c.name.empty()) return c.name;
  const char* prefix = c.source == kReleaseTools ? "rt-" : c.source == kReal3112 ? "real-" : "";
  return prefix + c.version + (c.post ? "-post" : "");
}

class CpythonBumpMatchesTooling : public ::testing::TestWithParam<Case> {};

// The expected files are what release-tools' own functions wrote on the same
// inputs (tests/fixtures/cpython/expected/README).
TEST_P(CpythonBumpMatchesTooling, ByteForByte) {
  const Case c = GetParam();
  BumpRepo r(c.source);
  StepHarness h("cpython.bump", r.repo, r.dir / "state", "3.12.0");
  h.with()["version"] = c.version;
  h.with()["post"] = c.post;
  if (!c.pep.empty()) h.with()["pep"] = c.pep;
  json out = h.run();
  const std::string name = fixture_name(c);
  EXPECT_EQ(r.patchlevel(), expected("patchlevel.h." + name));
  EXPECT_EQ(r.readme(), expected("README.rst." + name));
  EXPECT_EQ(out["files"], json({"Include/patchlevel.h", "README.rst"}));
  const bool dev = Version::parse(c.version).at_least(3, 15);
  EXPECT_EQ(out["version"], c.version + (c.post ? (dev ? "+dev" : "+") : ""));
  // Crash after the effect: the probe recognises it with the same outputs.
  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  EXPECT_EQ(p.outputs, out);
}

INSTANTIATE_TEST_SUITE_P(Versions, CpythonBumpMatchesTooling,
                         ::testing::Values(Case{"3.13.0a1", false}, Case{"3.12.0b1", false}, Case{"3.12.0b2", false},
                                           Case{"3.12.0rc1", false}, Case{"3.12.0", false}, Case{"3.12.0", true},
                                           Case{"3.12.1", true}, Case{"3.13.0a0", false}, Case{"3.6.0b2", false},
                                           Case{"3.11.3rc1", false}, Case{"3.14.0a6", false, true, "745"},
                                           Case{"3.14.0b1", false, true, "745"}, Case{"3.14.0b2", false, true, "745"},
                                           Case{"3.14.0rc2", false, true, "745"}, Case{"3.14.0", false, true, "745"},
                                           Case{"3.14.1rc1", false, true, "745"}, Case{"3.15.1", false, true, "790"},
                                           Case{"3.15.0a0", false, true, "790"},
                                           Case{"3.16.0a1", false, true, "", "rt-3.16.0a1-todo"},
                                           Case{"3.14.2", true, true}, Case{"3.14.0b2", true, true},
                                           Case{"3.15.1", true, true}, Case{"3.15.0b1", true, true},
                                           Case{"3.16.0a1", true, true},
                                           // Python 3.11.2's own files: its post-release bump, and the
                                           // next release candidate and final made from them.
                                           Case{"3.11.2", true, kReal3112}, Case{"3.11.3rc1", false, kReal3112, "664"},
                                           Case{"3.11.3", false, kReal3112, "664"}),
                         [](const auto& info) {
                           std::string n = fixture_name(info.param);
                           for (auto& ch : n)
                             if (ch == '.' || ch == '-') ch = '_';
                           return n;
                         });

TEST(CpythonBump, KeepsTheReadmesFinalNewline) {
  BumpRepo r;
  ASSERT_EQ(r.readme().back(), '\n');
  StepHarness h("cpython.bump", r.repo, r.dir / "state", "3.12.0");
  h.run();
  EXPECT_EQ(r.readme().back(), '\n');
  // Everything after the title and its underline is untouched.
  auto body = [](const std::string& s) { return s.substr(s.find('\n', s.find('\n') + 1)); };
  EXPECT_EQ(body(r.readme()), body(read_file(fixtures / "README.rst")));
}

TEST(CpythonBump, ReadsThePepFromAReleaseCycleFile) {
  BumpRepo r(true);
  write_file(r.dir / "release-cycle.json",
             R"({"3.15": {"branch": "main", "pep": 790, "status": "feature"}, "3.14": {"pep": 745}})");
  StepHarness h("cpython.bump", r.repo, r.dir / "state", "3.15.1");
  h.with()["release_cycle"] = (r.dir / "release-cycle.json").string();
  h.run();
  EXPECT_EQ(r.readme(), expected("README.rst.rt-3.15.1"));
}

TEST(CpythonBump, AnUnreadableReleaseCycleFileIsNamed) {
  BumpRepo r(true);
  StepHarness h("cpython.bump", r.repo, r.dir / "state", "3.15.1");
  h.with()["release_cycle"] = (r.dir / "missing.json").string();
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("missing.json")));
  EXPECT_EQ(r.readme(), read_file(fixtures / "release-tools/README.rst")) << "nothing written on failure";
}

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
  EXPECT_THAT([&] { h.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("Include/patchlevel.h"), HasSubstr("--start constants--"))));
  EXPECT_EQ(r.patchlevel(), "#define PY_VERSION \"3.12.0\"\n") << "nothing written on failure";
}

TEST(CpythonBump, ReadmeWithoutTitleNamesTheFile) {
  BumpRepo r;
  write_file(r.repo / "README.rst", "Hello\n");
  StepHarness h("cpython.bump", r.repo, r.dir / "state", "3.12.0");
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("README.rst")));
}

TEST(CpythonBump, RejectsAVersionItCannotRead) {
  BumpRepo r;
  StepHarness h("cpython.bump", r.repo, r.dir / "state", "3.12.0");
  h.with()["version"] = "three";
  EXPECT_THROW(h.run(), StepError);
}

// The next feature version: configure.ac and PC/pyconfig.h are edited (one
// unambiguous substitution each), the rest of release.py bump()'s list is
// handed to the release manager.
struct NextFeatureRepo : BumpRepo {
  NextFeatureRepo() : BumpRepo(true) {
    write_file(repo / "configure.ac", read_file(fixtures / "next-feature/configure.ac"));
    write_file(repo / "configure", "#! /bin/sh\n# Generated by GNU Autoconf 2.72 for python 3.14.\n");
    write_file(repo / "PC/pyconfig.h", read_file(fixtures / "next-feature/pyconfig.h"));
    write_file(repo / "Doc/tutorial/interpreter.rst", "   /usr/local/bin/python3.14\n");
    write_file(repo / "Include/internal/pycore_magic_number.h", "#define PYC_MAGIC_NUMBER 3625\n");
    sh_ok("git add -A && git commit -qm tree", repo);
  }
};

TEST(CpythonBump, NextFeatureVersionEditsWhatIsMechanicalAndListsTheRest) {
  NextFeatureRepo r;
  StepHarness h("cpython.bump", r.repo, r.dir / "state", "3.14.0b1");
  h.with()["version"] = "3.15.0a0";
  h.with()["pep"] = "790";
  json out = h.run();
  EXPECT_EQ(r.patchlevel(), expected("patchlevel.h.rt-3.15.0a0"));
  EXPECT_EQ(r.readme(), expected("README.rst.rt-3.15.0a0"));
  EXPECT_EQ(read_file(r.repo / "configure.ac"), read_file(fixtures / "next-feature/configure.ac.3.15"));
  EXPECT_EQ(read_file(r.repo / "PC/pyconfig.h"), read_file(fixtures / "next-feature/pyconfig.h.3.15"));
  EXPECT_EQ(out["files"], json({"Include/patchlevel.h", "README.rst", "configure.ac", "PC/pyconfig.h"}));
  EXPECT_EQ(out["manual"],
            json({"Doc/tutorial/interpreter.rst", "Include/internal/pycore_magic_number.h", "configure"}));
  const std::string m = out["manual_message"];
  EXPECT_THAT(m, HasSubstr("Doc/tutorial/interpreter.rst, Include/internal/pycore_magic_number.h")) << m;
  EXPECT_THAT(m, HasSubstr("Tools/build/regen-configure.sh")) << m;
  EXPECT_EQ(read_file(r.repo / "Doc/tutorial/interpreter.rst"), "   /usr/local/bin/python3.14\n")
      << "files that are not mechanical are left alone";
  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  EXPECT_EQ(p.outputs, out);
}

TEST(CpythonBump, AnAmbiguousConfigureAcIsLeftToTheReleaseManager) {
  NextFeatureRepo r;
  write_file(r.repo / "configure.ac", "m4_define([PYTHON_VERSION], [3.12])\n");
  StepHarness h("cpython.bump", r.repo, r.dir / "state", "3.14.0b1");
  h.with()["version"] = "3.15.0a0";
  json out = h.run();
  EXPECT_EQ(read_file(r.repo / "configure.ac"), "m4_define([PYTHON_VERSION], [3.12])\n");
  EXPECT_THAT(out["manual"].dump(), HasSubstr("configure.ac"));
  EXPECT_THAT(out["manual"].dump(), Not(HasSubstr("\"configure\"")));
}

TEST(CpythonBump, OtherVersionsLeaveTheNextFeatureFilesAlone) {
  NextFeatureRepo r;
  StepHarness h("cpython.bump", r.repo, r.dir / "state", "3.14.0b1");
  json out = h.run();
  EXPECT_EQ(out["files"], json({"Include/patchlevel.h", "README.rst"}));
  EXPECT_EQ(out["manual"], json::array());
  EXPECT_EQ(read_file(r.repo / "configure.ac"), read_file(fixtures / "next-feature/configure.ac"));
}

}  // namespace
}  // namespace relman::test
