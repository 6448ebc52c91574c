// archive.export on real repositories: reproducible bytes whatever the clone,
// directory, time, umask or xz thread count; contents equal to the tagged
// tree as the system tar and git see it; probe; clear errors.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include <yaml-cpp/yaml.h>

#include "core/errors.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace relman {
namespace {

using test::quote;
using test::Ran;
using test::read_file;
using test::sh;
using test::sh_ok;
using test::StepHarness;
using test::TempDir;
using test::write_file;

const std::vector<std::string> pep101_exclude = {".gitattributes", ".github", ".azure-pipelines", "Misc/NEWS.d/next"};

// A small CPython-like tree: nested directories, an executable, a symlink,
// a name too long for plain ustar, and what PEP 101 leaves out.
void make_release_repo(const std::filesystem::path& dir) {
  test::make_repo(dir, {{"README.rst", "This is Python version 3.12.0\n"},
                        {"Lib/os.py", "import sys\n"},
                        {"Lib/test/test_os.py", "import os\n"},
                        {"Tools/scripts/run.sh", "#!/bin/sh\necho run\n"},
                        {"Misc/NEWS.d/3.12.0.rst", "news\n"},
                        {"Misc/NEWS.d/next/Library/1.rst", "pending\n"},
                        {".gitattributes", "* text=auto\n"},
                        {".github/workflows/ci.yml", "on: push\n"},
                        {"Doc/" + std::string(110, 'l') + "/deep.txt", "deep\n"}});
  sh_ok(
      "chmod +x Tools/scripts/run.sh && ln -s README.rst README && git add -A "
      "&& GIT_COMMITTER_DATE='2023-10-02 12:00:00 +0000' git commit -q -m 'Python 3.12.0' "
      "&& git tag -a v3.12.0 -m 'Python 3.12.0' && git commit -q --allow-empty -m 'after the tag'",
      dir);
}

struct Export {
  std::string tgz, txz;
  json outputs;
};

Export run_export(const std::filesystem::path& repo, const std::filesystem::path& state, int threads,
                  std::vector<std::string> exclude = pep101_exclude, bool background = false) {
  StepHarness h("archive.export", repo, state);
  h.with() = {{"ref", "v3.12.0"},
              {"prefix", "Python-3.12.0"},
              {"exclude", exclude},
              {"xz_threads", threads},
              {"background", background}};
  Export e;
  e.outputs = h.run();
  e.tgz = read_file(state / "artifacts" / "Python-3.12.0.tgz");
  e.txz = read_file(state / "artifacts" / "Python-3.12.0.tar.xz");
  return e;
}

TEST(ArchiveExport, ByteIdenticalAcrossClonesDirectoriesTimesUmasksAndThreads) {
  TempDir a, b;
  make_release_repo(a / "cpython");
  Export first = run_export(a / "cpython", a / "state", 1);

  // Another clone (packed objects, new checkout times), elsewhere, later, under
  // another umask, with 2 and then 4 xz threads, the 4 at idle CPU priority.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  sh_ok("umask 077 && git clone -q --no-local " + quote((a / "cpython").string()) +
            " deep/er/clone && "
            "cd deep/er/clone && git gc -q && touch -d '2001-01-01' README.rst",
        b.path());
  mode_t old = ::umask(077);
  Export second = run_export(b / "deep/er/clone", b / "state2", 2);
  Export third = run_export(b / "deep/er/clone", b / "state4", 4, pep101_exclude, true);
  ::umask(old);

  ASSERT_GT(first.tgz.size(), 100u);
  ASSERT_GT(first.txz.size(), 100u);
  EXPECT_TRUE(first.tgz == second.tgz && first.tgz == third.tgz) << "the .tgz differs";
  EXPECT_TRUE(first.txz == second.txz && first.txz == third.txz) << "the .tar.xz differs";
  EXPECT_EQ(first.outputs["sha256"], third.outputs["sha256"]);
  struct stat st {};
  ASSERT_EQ(::stat((b / "state4/artifacts/Python-3.12.0.tar.xz").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u) << "the umask does not reach the artifacts";
}

TEST(ArchiveExport, TarballsHoldTheTaggedTreeAsTarAndGitSeeIt) {
  TempDir t;
  auto repo = t / "cpython";
  make_release_repo(repo);
  Export e = run_export(repo, t / "state", 2);
  auto art = t / "state" / "artifacts";

  // Outputs.
  ASSERT_EQ(e.outputs["files"].size(), 2u);
  EXPECT_EQ(e.outputs["files"][0], (art / "Python-3.12.0.tgz").string());
  EXPECT_EQ(e.outputs["files"][1], (art / "Python-3.12.0.tar.xz").string());
  EXPECT_EQ(e.outputs["sizes"]["Python-3.12.0.tgz"], e.tgz.size());
  EXPECT_EQ(e.outputs["sha256"]["Python-3.12.0.tar.xz"],
            sh_ok("sha256sum Python-3.12.0.tar.xz | cut -d' ' -f1", art).substr(0, 64));
  EXPECT_EQ(e.outputs["commit"], sh_ok("git rev-parse 'v3.12.0^{commit}' | tr -d '\\n'", repo));

  // Both compressions carry the same tar stream.
  EXPECT_EQ(sh_ok("gzip -dc Python-3.12.0.tgz | sha256sum", art),
            sh_ok("xz -dc Python-3.12.0.tar.xz | sha256sum", art));

  // Same entries, in the same order, as git archive minus the excluded paths.
  std::string ours = sh_ok("tar -tzf Python-3.12.0.tgz", art);
  std::string theirs = sh_ok(
      "git archive --prefix=Python-3.12.0/ v3.12.0 | tar -t | grep -v -E "
      "'^Python-3.12.0/(\\.gitattributes|\\.github/|\\.github$|Misc/NEWS.d/next/)'",
      repo);
  EXPECT_EQ(ours, theirs);
  EXPECT_THAT(ours, Not(HasSubstr(".github")));
  EXPECT_THAT(ours, Not(HasSubstr("NEWS.d/next")));
  EXPECT_THAT(ours, HasSubstr("Python-3.12.0/Misc/NEWS.d/3.12.0.rst"));

  // Same bytes once extracted (symlinks compared as links).
  sh_ok(
      "mkdir ours theirs && tar -xJf state/artifacts/Python-3.12.0.tar.xz -C ours && "
      "git -C cpython archive --prefix=Python-3.12.0/ v3.12.0 | tar -x -C theirs && "
      "rm -r theirs/Python-3.12.0/.gitattributes theirs/Python-3.12.0/.github theirs/Python-3.12.0/Misc/NEWS.d/next",
      t.path());
  EXPECT_EQ(sh("diff -r --no-dereference ours theirs", t.path()).exit_code, 0)
      << sh("diff -r --no-dereference ours theirs", t.path()).out;

  // Modes, owners and times normalised; the executable bit and the link kept.
  std::string v = sh_ok("TZ=UTC tar --numeric-owner --full-time -tvzf Python-3.12.0.tgz | tr -s ' '", art);
  EXPECT_THAT(v, HasSubstr("-rwxr-xr-x 0/0 19 2023-10-02 12:00:00 Python-3.12.0/Tools/scripts/run.sh\n")) << v;
  EXPECT_THAT(v, HasSubstr("-rw-r--r-- 0/0 11 2023-10-02 12:00:00 Python-3.12.0/Lib/os.py\n")) << v;
  // A symlink's mode as GNU tar's --mode=go+u,go-w records it (0755).
  EXPECT_THAT(v, HasSubstr("lrwxr-xr-x 0/0 0 2023-10-02 12:00:00 Python-3.12.0/README -> README.rst\n")) << v;
  EXPECT_THAT(v, HasSubstr("drwxr-xr-x 0/0 0 2023-10-02 12:00:00 Python-3.12.0/\n")) << v;
  EXPECT_EQ(sh_ok("tar -tvzf Python-3.12.0.tgz | grep -c -v -E '^(-rw-r--r--|-rwxr-xr-x|drwxr-xr-x|lrwxr-xr-x) 0/0 '"
                  " || true",
                  art),
            "0\n");

  // The gzip header has no name and no time.
  EXPECT_EQ(e.tgz[3], 0);
  EXPECT_EQ(e.tgz.substr(4, 4), std::string(4, '\0'));
  // xz in block mode with a CRC64 check, like xz(1).
  EXPECT_THAT(sh_ok("xz --robot -lv Python-3.12.0.tar.xz", art), HasSubstr("CRC64"));
}

TEST(ArchiveExport, OneFormatAndProbe) {
  TempDir t;
  auto repo = t / "cpython";
  make_release_repo(repo);
  StepHarness h("archive.export", repo, t / "state");
  h.with() = {{"ref", "v3.12.0"}, {"prefix", "Python-3.12.0"}, {"formats", "txz"}};
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
  json out = h.run();
  auto art = t / "state" / "artifacts";
  EXPECT_FALSE(std::filesystem::exists(art / "Python-3.12.0.tgz"));
  ASSERT_TRUE(std::filesystem::exists(art / "Python-3.12.0.tar.xz"));
  EXPECT_EQ(h.ctx().checkpoint["commit"], out["commit"]);

  auto p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  EXPECT_EQ(p.outputs, out);

  // A damaged tarball is not done: the step must run again.
  write_file(art / "Python-3.12.0.tar.xz", "truncated");
  p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::not_done);
  EXPECT_THAT(p.detail, HasSubstr("SHA-256")) << p.detail;
  h.run();
  EXPECT_EQ(h.probe().result, ProbeResult::done);
  // No temporary files are left beside the artifacts.
  EXPECT_EQ(sh_ok("ls -A | grep -c tmp || true", art), "0\n");
}

// pep101 exports the .tgz and the .tar.xz in two steps, so the build starts
// on the .tgz while xz still runs: each keeps its own record, and a crash
// after both leaves both probes done, with the bytes one step would make.
TEST(ArchiveExport, TwoStepsOfOneFormatEachKeepARecordEach) {
  TempDir t;
  auto repo = t / "cpython";
  make_release_repo(repo);
  StepHarness tgz("archive.export", repo, t / "state");
  StepHarness txz("archive.export", repo, t / "state");
  tgz.with() = {{"ref", "v3.12.0"}, {"prefix", "Python-3.12.0"}, {"formats", {"tgz"}}};
  txz.with() = {{"ref", "v3.12.0"}, {"prefix", "Python-3.12.0"}, {"formats", {"txz"}}};
  json a = tgz.run();
  json b = txz.run();
  auto art = t / "state" / "artifacts";
  EXPECT_TRUE(std::filesystem::exists(art / ".relman-export-Python-3.12.0.tgz.json"));
  EXPECT_TRUE(std::filesystem::exists(art / ".relman-export-Python-3.12.0.tar.xz.json"));
  EXPECT_EQ(a["files"], json::array({(art / "Python-3.12.0.tgz").string()}));
  EXPECT_EQ(b["files"], json::array({(art / "Python-3.12.0.tar.xz").string()}));
  for (auto* h : {&tgz, &txz}) {
    auto p = h->probe();
    EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  }
  EXPECT_EQ(tgz.probe().outputs, a);
  EXPECT_EQ(txz.probe().outputs, b);

  StepHarness both("archive.export", repo, t / "both");
  both.with() = {{"ref", "v3.12.0"}, {"prefix", "Python-3.12.0"}};
  json c = both.run();
  EXPECT_EQ(c["sha256"]["Python-3.12.0.tgz"], a["sha256"]["Python-3.12.0.tgz"]);
  EXPECT_EQ(c["sha256"]["Python-3.12.0.tar.xz"], b["sha256"]["Python-3.12.0.tar.xz"]);
  EXPECT_TRUE(std::filesystem::exists(t / "both" / "artifacts" / ".relman-export-Python-3.12.0.json"));
}

TEST(ArchiveExport, UnknownRefSaysHowToCheck) {
  TempDir t;
  make_release_repo(t / "cpython");
  StepHarness h("archive.export", t / "cpython", t / "state");
  h.with() = {{"ref", "v9.9.9"}, {"prefix", "Python-9.9.9"}};
  EXPECT_THAT([&] { h.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("unknown revision 'v9.9.9'"), HasSubstr("tag -l 'v9.9.9'"),
                                             HasSubstr("relman resume"))));
  EXPECT_FALSE(std::filesystem::exists(t / "state/artifacts/Python-9.9.9.tgz"));
}

TEST(ArchiveExport, BadParametersAreNamed) {
  TempDir t;
  make_release_repo(t / "cpython");
  StepHarness h("archive.export", t / "cpython", t / "state");
  h.with() = {{"ref", "v3.12.0"}, {"prefix", "Python-3.12.0"}, {"formats", json::array({"tgz", "zip"})}};
  EXPECT_THROW(h.run(), StepError);
  EXPECT_EQ(h.kind().validate({{"formats", json::array({"zip"})}}).size(), 1u);
  EXPECT_TRUE(h.kind().validate({{"formats", json::array({"tgz", "txz"})}}).empty());
  h.with() = {{"ref", "v3.12.0"}, {"prefix", "a/b"}};
  EXPECT_THROW(h.run(), StepError);
  h.with() = {{"ref", "v3.12.0"}, {"prefix", "P"}, {"gzip_level", 11}};
  EXPECT_THROW(h.run(), StepError);
}

TEST(ArchiveExport, UnwritableArtifactsDirectoryFailsClearlyAndLeavesNothing) {
  TempDir t;
  make_release_repo(t / "cpython");
  StepHarness h("archive.export", t / "cpython", t / "state");
  h.with() = {{"ref", "v3.12.0"}, {"prefix", "Python-3.12.0"}};
  auto art = t / "state" / "artifacts";
  // root ignores permission bits, so make the directory immutable instead.
  bool root = ::geteuid() == 0;
  if (root) {
    if (sh("chattr +i " + quote(art.string())).exit_code != 0) GTEST_SKIP() << "chattr +i unsupported here";
  } else {
    std::filesystem::permissions(art, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  }
  std::string message;
  try {
    h.run();
  } catch (const StepError& e) {
    message = e.what();
  }
  if (root) sh_ok("chattr -i " + quote(art.string()));
  else std::filesystem::permissions(art, std::filesystem::perms::owner_all);
  EXPECT_THAT(message, HasSubstr("cannot write the tarballs into " + art.string())) << message;
  EXPECT_THAT(message, HasSubstr("writable")) << message;
  EXPECT_TRUE(std::filesystem::is_empty(art));

  // After the fix the same step succeeds.
  h.run();
  EXPECT_EQ(h.probe().result, ProbeResult::done);
}

// One `add` item, {path: P, from: F}.
json added(const std::string& path, const std::string& from) {
  json j = json::object();
  j["path"] = path;
  j["from"] = from;
  return j;
}

// pep101.yaml's vars.exclude, as the workflow has it.
std::vector<std::string> pep101_workflow_exclude() {
  YAML::Node wf = YAML::LoadFile(std::string(RELMAN_TEST_DIR) + "/../workflows/pep101.yaml");
  return wf["vars"]["exclude"].as<std::vector<std::string>>();
}

// A tree with what release.py's export removes, names whose order differs
// between git's tree order and GNU tar's --sort=name ("a" is "a/" to git),
// a symlink, an executable and a path too long for plain ustar.
void make_parity_repo(const std::filesystem::path& dir) {
  test::make_repo(dir, {{"README.rst", "This is Python version 3.12.0\n"},
                        {"a/f", "f\n"},
                        {"a-b", "ab\n"},
                        {"a.b/g", "g\n"},
                        {"Lib/os.py", "import sys\n"},
                        {"Lib/__pycache__/os.cpython-312.pyc", "pyc\n"},
                        {"Lib/stale.pyc", "pyc\n"},
                        {"Lib/stale.pyo", "pyo\n"},
                        {"Lib/test/.gitignore", "kept: release.py removes only the top-level one\n"},
                        {"Tools/run.sh", "#!/bin/sh\n"},
                        {"Misc/NEWS.d/3.12.0.rst", "news\n"},
                        {"Misc/NEWS.d/next/Library/1.rst", "pending\n"},
                        {"Misc/mypy/typeshed", "x\n"},
                        {".gitattributes", "* text=auto\n"},
                        {".gitignore", "*.o\n"},
                        {".github/workflows/ci.yml", "on: push\n"},
                        {".azure-pipelines/ci.yml", "x\n"},
                        {".readthedocs.yml", "kept\n"},
                        {"Doc/venv/bin/python", "x\n"},
                        {"Doc/build/html/index.html", "x\n"},
                        {"Doc/dist/python.zip", "x\n"},
                        {"Doc/" + std::string(110, 'l') + "/deep.txt", "deep\n"}});
  sh_ok(
      "chmod +x Tools/run.sh && ln -s a-b link && git add -A "
      "&& GIT_COMMITTER_DATE='2023-10-02 12:00:00 +0000' git commit -q -m 'Python 3.12.0' "
      "&& git tag -a v3.12.0 -m 'Python 3.12.0'",
      dir);
}

// release.py's export and tarball() on the same tag (release-tools a25ec43):
// git archive, extracted; Misc/NEWS written (blurb merge); what it removes
// removed; then GNU tar with its reproducibility options. relman's entries
// (the order, names, types, modes, owners, sizes, times, link targets) are
// the same; docs/steps.md says where the bytes still differ.
TEST(ArchiveExport, EntriesAreWhatReleaseToolsGnuTarMakesOfTheSameTree) {
  if (sh("tar --version | grep -q 'GNU tar'").exit_code != 0) GTEST_SKIP() << "GNU tar is not installed";
  TempDir t;
  make_parity_repo(t / "cpython");
  write_file(t / "NEWS", "+++++++++++\nPython News\n+++++++++++\n");
  StepHarness h("archive.export", t / "cpython", t / "state");
  h.with() = {{"ref", "v3.12.0"},
              {"prefix", "Python-3.12.0"},
              {"exclude", pep101_workflow_exclude()},
              {"formats", "tgz"},
              {"add", json::array({added("Misc/NEWS", (t / "NEWS").string())})}};
  h.run();

  sh_ok(
      "mkdir rt && git -C cpython archive --format=tar --prefix=Python-3.12.0/ v3.12.0 | tar -x -C rt && "
      "cd rt/Python-3.12.0 && cp ../../NEWS Misc/NEWS && rm -f .gitattributes .gitignore && "
      "rm -rf Misc/NEWS.d .azure-pipelines .git .github Misc/mypy Doc/venv Doc/build Doc/dist && "
      "find . -depth -name __pycache__ -exec rm -rf {} ';' && find . -name '*.py[co]' -exec rm -f {} ';' && "
      "cd .. && tar cf ../gnu.tar --sort=name --mtime='2023-10-02 12:00:00Z' --clamp-mtime --owner=0 --group=0 "
      "--numeric-owner --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime --mode=go+u,go-w "
      "Python-3.12.0",
      t.path());
  const std::string ours =
      sh_ok("TZ=UTC tar --numeric-owner --full-time -tvzf state/artifacts/Python-3.12.0.tgz", t.path());
  const std::string gnu = sh_ok("TZ=UTC tar --numeric-owner --full-time -tvf gnu.tar", t.path());
  EXPECT_EQ(ours, gnu);
  const std::string squeezed = sh_ok(
      "TZ=UTC tar --numeric-owner --full-time -tvzf state/artifacts/Python-3.12.0.tgz | "
      "tr -s ' '",
      t.path());
  EXPECT_THAT(squeezed, HasSubstr("Python-3.12.0/a/f\n-rw-r--r-- 0/0 3 2023-10-02 12:00:00 Python-3.12.0/a-b\n"))
      << "GNU tar's --sort=name order, not git's tree order: " << squeezed;
  EXPECT_THAT(squeezed, HasSubstr("-rw-r--r-- 0/0 36 2023-10-02 12:00:00 Python-3.12.0/Misc/NEWS\n")) << squeezed;
  EXPECT_THAT(ours, HasSubstr("Python-3.12.0/Lib/test/.gitignore")) << ours;
  EXPECT_THAT(ours, HasSubstr("Python-3.12.0/.readthedocs.yml")) << ours;
  for (const char* gone : {"NEWS.d", "mypy", ".github", ".azure", "venv", "Doc/build", "Doc/dist", "__pycache__",
                           ".pyc", ".pyo", ".gitattributes", "Python-3.12.0/.gitignore"})
    EXPECT_THAT(ours, Not(HasSubstr(gone))) << ours;

  // The same file contents, once both are extracted.
  sh_ok("mkdir ours gnu && tar -xzf state/artifacts/Python-3.12.0.tgz -C ours && tar -xf gnu.tar -C gnu", t.path());
  Ran diff = sh("diff -r --no-dereference ours gnu", t.path());
  EXPECT_EQ(diff.exit_code, 0) << diff.out;
}

TEST(ArchiveExport, AddedFilesAreCheckedBeforeAnythingIsWritten) {
  TempDir t;
  make_release_repo(t / "cpython");
  write_file(t / "NEWS", "news\n");
  auto refused = [&](const json& add, const std::string& says) {
    StepHarness h("archive.export", t / "cpython", t / "state");
    h.with() = {{"ref", "v3.12.0"}, {"prefix", "Python-3.12.0"}, {"add", add}};
    try {
      h.run();
      ADD_FAILURE() << add.dump() << " was accepted";
    } catch (const StepError& e) {
      EXPECT_THAT(std::string(e.what()), HasSubstr(says)) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(t / "state" / "artifacts" / "Python-3.12.0.tgz")) << add.dump();
  };
  const std::string news = (t / "NEWS").string();
  refused(json::array({added("../NEWS", news)}), "must be a file's path inside the tree");
  refused(json::array({added("/NEWS", news)}), "must be a file's path inside the tree");
  refused(json::array({added("Misc/NE\nWS", news)}), "must be a file's path inside the tree");
  refused(json::array({json::object({{"path", "Misc/NEWS"}})}), "must be {path: P, from: FILE}");
  refused(json::array({added("Misc/NEWS", (t / "missing").string())}), "does not exist");
  refused(json::array({added("Nowhere/NEWS", news)}), "its directory is not in the exported tree");
  refused(json::object({{"path", "Misc/NEWS"}}), "must be a list");

  // An added file replaces the tree's file of the same path.
  StepHarness h("archive.export", t / "cpython", t / "state");
  h.with() = {{"ref", "v3.12.0"},
              {"prefix", "Python-3.12.0"},
              {"formats", "tgz"},
              {"add", json::array({added("README.rst", news)})}};
  h.run();
  EXPECT_EQ(sh_ok("tar -xzOf Python-3.12.0.tgz Python-3.12.0/README.rst", t / "state" / "artifacts"), "news\n");
  EXPECT_EQ(sh_ok("tar -tzf Python-3.12.0.tgz | grep -c '^Python-3.12.0/README.rst$'", t / "state" / "artifacts"),
            "1\n");
}

}  // namespace
}  // namespace relman
