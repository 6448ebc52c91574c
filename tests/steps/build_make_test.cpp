// build.make on the bundled sample interpreter: real tarballs made with tar,
// real configure and make, a real compiler and, where installed, ccache.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>

#include "adapters/process.h"
#include "core/errors.h"
#include "support/matchers.h"
#include "support/sample_project.h"
#include "support/shell.h"
#include "support/step_harness.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

namespace fs = std::filesystem;

// PY_VERSION as Include/patchlevel.h of `tree` says.
std::string py_version(const fs::path& tree) {
  std::smatch m;
  std::string text = read_file(tree / "Include" / "patchlevel.h");
  if (!std::regex_search(text, m, std::regex("#define PY_VERSION +\"([^\"]+)\""))) return "";
  return m[1];
}

// A copy of the fixture named `prefix` inside `scratch`, edited by `edit`,
// packed into `out` by GNU tar with foreign owners (uid/gid 1234).
void fixture_tarball(const fs::path& scratch, const std::string& prefix, const fs::path& out,
                     const std::function<void(const fs::path&)>& edit = {}) {
  auto tree = scratch / prefix;
  fs::create_directories(scratch);
  sh_ok("cp -R " + quote(sample_fixture_dir().string()) + " " + quote(tree.string()));
  sh_ok("rm -f Makefile python Python/*.o", tree);
  if (edit) edit(tree);
  fs::create_directories(out.parent_path());
  sh_ok("tar czf " + quote(out.string()) + " --owner=1234 --group=1234 " + quote(prefix), scratch);
}

// One counter of ccache's --print-stats.
int ccache_stat(const fs::path& ccache_dir, const std::string& key) {
  auto stats = sh_ok("CCACHE_DIR=" + quote(ccache_dir.string()) + " ccache --print-stats");
  std::smatch m;
  if (std::regex_search(stats, m, std::regex("(^|\\n)" + key + "\\t([0-9]+)"))) return std::stoi(m[2]);
  return 0;
}

int total_hits(const fs::path& ccache_dir) {
  auto stats = sh_ok("CCACHE_DIR=" + quote(ccache_dir.string()) + " ccache --print-stats");
  int hits = 0;
  std::smatch m;
  for (const char* key : {"direct_cache_hit", "preprocessed_cache_hit"})
    if (std::regex_search(stats, m, std::regex(std::string("(^|\\n)") + key + "\\t([0-9]+)"))) hits += std::stoi(m[2]);
  return hits;
}

TEST(SampleInterpreter, BuildsWithConfigureAndMakeAndPassesItsOwnTests) {
  TempDir t;
  auto tree = t / "Minipy";
  sh_ok("cp -R " + quote(sample_fixture_dir().string()) + " " + quote(tree.string()));
  auto started = std::chrono::steady_clock::now();
  Ran built = sh("./configure && make -j2 && make test", tree);
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(built.exit_code, 0) << built.out << built.err;
  EXPECT_THAT(built.err, Not(HasSubstr("warning"))) << built.err;  // -Wall -Wextra stay quiet
  EXPECT_THAT(built.out, HasSubstr("== Tests result: SUCCESS ==")) << built.out;
  EXPECT_THAT(built.out, HasSubstr("All 4 tests OK.")) << built.out;
  EXPECT_LT(secs, 30.0);
  std::cout << "[ info ] ./configure && make -j2 && make test: " << secs << " s\n";

  const std::string version = py_version(tree);
  ASSERT_FALSE(version.empty());
  EXPECT_EQ(sh_ok("./python -V", tree), "Minipy " + version + "\n");
  EXPECT_EQ(sh_ok("./python -c 'print 1+2*3'", tree), "7\n");
  EXPECT_EQ(sh_ok("./python -c 'print version'", tree), version + "\n");
  write_file(tree / "prog.mp", "n = 0\ns = \"\"\nwhile n < 3\n  n = n + 1\n  s = s + str(n)\nend\nprint s, -7 // 2\n");
  EXPECT_EQ(sh_ok("./python prog.mp", tree), "123 -4\n");
  Ran err = sh("./python -c 'print nope'", tree);
  EXPECT_EQ(err.exit_code, 1);
  EXPECT_THAT(err.err, HasSubstr("NameError: name 'nope' is not defined")) << err.err;

  // A failing test file makes the suite fail, CPython-style.
  write_file(tree / "Lib" / "test" / "test_broken.mp", "assert 1 + 1 == 3, \"arithmetic is broken\"\n");
  Ran failing = sh("./python -m test", tree);
  EXPECT_EQ(failing.exit_code, 1);
  EXPECT_THAT(failing.out, HasSubstr("== Tests result: FAILURE ==")) << failing.out;
  EXPECT_THAT(failing.out, HasSubstr("1 test failed:\n    test_broken")) << failing.out;
  EXPECT_THAT(failing.out, HasSubstr("arithmetic is broken")) << failing.out;
  Ran some = sh("./python -m test test_grammar test_sys", tree);
  EXPECT_EQ(some.exit_code, 0) << some.out;
  EXPECT_THAT(some.out, HasSubstr("All 2 tests OK.")) << some.out;
}

TEST(BuildMake, BuildsFromTheTarballWithoutRestoringOwners) {
  TempDir t;
  StepHarness h("build.make", t / "repo", t / "state", "3.14.0a1");
  fixture_tarball(t / "src", "Minipy-3.14.0a0", h.ctx().artifacts_dir / "Minipy-3.14.0a0.tgz");
  // The archive really carries someone else's ids.
  EXPECT_THAT(sh_ok("tar tvzf " + quote((h.ctx().artifacts_dir / "Minipy-3.14.0a0.tgz").string())),
              HasSubstr("1234/1234"));
  h.with() = {{"tarball", "Minipy-3.14.0a0.tgz"},
              {"configure", {"--prefix=/opt/minipy"}},
              {"make", {"all"}},
              {"jobs", 2},
              {"ccache", false},
              {"configure_cache", false}};  // configure's own lines are checked below
  std::vector<std::string> progress;
  h.ctx().progress = [&](const std::string& line) { progress.push_back(line); };

  json out = h.run();
  const fs::path build_dir = out["build_dir"].get<std::string>();
  const fs::path interpreter = out["interpreter"].get<std::string>();
  EXPECT_EQ(build_dir.filename(), "Minipy-3.14.0a0");
  EXPECT_EQ(interpreter, build_dir / "python");
  EXPECT_EQ(out["ccache"], false);
  ASSERT_TRUE(fs::exists(interpreter));
  EXPECT_EQ(sh_ok(quote(interpreter.string()) + " -V"), "Minipy 3.14.0a0\n");
  for (const auto& p : {build_dir, build_dir / "configure", build_dir / "Lib" / "test" / "test_sys.mp"}) {
    struct stat st {};
    ASSERT_EQ(::stat(p.c_str(), &st), 0) << p;
    EXPECT_EQ(st.st_uid, ::getuid()) << p;
    EXPECT_EQ(st.st_gid, ::getgid()) << p;
  }
  EXPECT_TRUE(fs::status(build_dir / "configure").permissions() != fs::perms::none);
  EXPECT_THAT(read_file(build_dir / "Makefile"), HasSubstr("/opt/minipy"));  // configure args passed
  std::string log = h.log();
  EXPECT_THAT(log, HasSubstr("$ ./configure --prefix=/opt/minipy")) << log;
  EXPECT_THAT(log, HasSubstr("$ make -j2 all")) << log;
  EXPECT_THAT(log, HasSubstr("checking for a C compiler")) << log;  // child output streamed
  EXPECT_THAT(log, HasSubstr("-c Python/ceval.c")) << log;
  EXPECT_FALSE(progress.empty());

  ProbeOutcome p = h.probe();
  EXPECT_EQ(p.result, ProbeResult::done) << p.detail;
  EXPECT_EQ(p.outputs["interpreter"], interpreter.string());

  fs::remove(interpreter);
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);

  // A second attempt starts from a fresh tree: leftovers disappear.
  write_file(build_dir / "leftover", "x");
  h.run();
  EXPECT_FALSE(fs::exists(build_dir / "leftover"));
  EXPECT_TRUE(fs::exists(interpreter));
}

TEST(BuildMake, ProbeIsNotDoneBeforeTheBuildFinished) {
  TempDir t;
  StepHarness h("build.make", t / "repo", t / "state");
  h.with() = {{"tarball", "x.tgz"}};
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
  // Started but never finished: the interpreter path is recorded, not `built`.
  h.ctx().checkpoint = {{"build_dir", (t / "b").string()}, {"interpreter", "/bin/true"}, {"built", false}};
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
}

TEST(BuildMake, ACompileErrorReportsTheCommandTheLogTailAndItsPath) {
  TempDir t;
  StepHarness h("build.make", t / "repo", t / "state");
  fixture_tarball(t / "src", "Minipy-3.12.0", h.ctx().artifacts_dir / "Minipy-3.12.0.tgz", [](const fs::path& tree) {
    std::ofstream(tree / "Python" / "ceval.c", std::ios::app) << "\nthis is not C at all;\n";
  });
  h.with() = {{"tarball", "Minipy-3.12.0.tgz"}, {"jobs", 2}, {"ccache", false}};
  EXPECT_THAT([&] { h.run(); },
              ThrowsMessage<StepError>(
                  AllOf(HasSubstr("`make -j2` failed (exit code 2)"), HasSubstr("Python/ceval.c"), HasSubstr("error"),
                        HasSubstr((t / "state" / "logs" / "step.log").string()), HasSubstr("relman retry step"))));
  EXPECT_EQ(h.probe().result, ProbeResult::not_done);
}

TEST(BuildMake, ABrokenMakefileFailsWithItsOwnMessage) {
  TempDir t;
  StepHarness h("build.make", t / "repo", t / "state");
  fixture_tarball(t / "src", "Minipy-3.12.0", h.ctx().artifacts_dir / "Minipy-3.12.0.tgz", [](const fs::path& tree) {
    std::ofstream(tree / "Makefile.pre.in", std::ios::app) << "\nbroken:\n  spaces are not a tab\n";
  });
  h.with() = {{"tarball", "Minipy-3.12.0.tgz"}, {"jobs", 1}, {"ccache", false}};
  EXPECT_THAT([&] { h.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("`make -j1` failed"), HasSubstr("missing separator"))));
}

TEST(BuildMake, TimesOutWithAClearError) {
  TempDir t;
  StepHarness h("build.make", t / "repo", t / "state");
  fixture_tarball(t / "src", "Minipy-3.12.0", h.ctx().artifacts_dir / "Minipy-3.12.0.tgz", [](const fs::path& tree) {
    std::string mk = read_file(tree / "Makefile.pre.in");
    mk.replace(mk.find("all: python"), 11, "all:\n\techo building slowly; sleep 30");
    write_file(tree / "Makefile.pre.in", mk);
  });
  h.with() = {{"tarball", "Minipy-3.12.0.tgz"}, {"timeout", 2}, {"ccache", false}};
  auto started = std::chrono::steady_clock::now();
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(AllOf(HasSubstr("timed out"), HasSubstr("timeout of 2 s"),
                                                               HasSubstr("raise `timeout`"))));
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), 15.0);
}

TEST(BuildMake, RefusesTarballsThatWriteOutsideTheBuildDirectory) {
  TempDir t;
  StepHarness h("build.make", t / "repo", t / "state");
  write_file(t / "d" / "evil", "gotcha\n");
  fs::create_directories(t / "d" / "sub");
  sh_ok("tar czPf " + quote((h.ctx().artifacts_dir / "evil.tgz").string()) + " ../evil", t / "d" / "sub");
  h.with() = {{"tarball", "evil.tgz"}};
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("unsafe path '../evil'")));
  EXPECT_FALSE(fs::exists(h.ctx().work_dir / "evil"));
}

TEST(BuildMake, MissingTarballAndSeveralTopDirectoriesAreExplained) {
  TempDir t;
  StepHarness h("build.make", t / "repo", t / "state");
  h.with() = {{"tarball", "Minipy-9.9.9.tgz"}};
  EXPECT_THAT([&] { h.run(); }, ThrowsMessage<StepError>(HasSubstr("Minipy-9.9.9.tgz does not exist")));
  write_file(t / "two" / "a" / "x", "1");
  write_file(t / "two" / "b" / "y", "2");
  sh_ok("tar czf " + quote((h.ctx().artifacts_dir / "two.tgz").string()) + " a b", t / "two");
  h.with() = {{"tarball", "two.tgz"}};
  EXPECT_THAT([&] { h.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("exactly one top-level directory"), HasSubstr("a, b"))));
  EXPECT_FALSE(h.kind().validate({{"dir", "../x"}}).empty());
  EXPECT_FALSE(h.kind().validate({{"jobs", 0}}).empty());
  EXPECT_TRUE(h.kind().validate({{"dir", "build"}, {"jobs", 2}}).empty());
}

TEST(BuildMake, ASecondBuildInAnotherDirectoryHitsTheCompilerCache) {
  if (process::find_program("ccache").empty()) GTEST_SKIP() << "ccache is not installed: nothing to test";
  TempDir t;
  const auto cache = t / "ccache";
  StepHarness first("build.make", t / "repo", t / "state1", "3.14.0a1");
  StepHarness second("build.make", t / "repo", t / "elsewhere" / "state2", "3.14.0a1");
  fixture_tarball(t / "src", "Minipy-3.14.0a1", first.ctx().artifacts_dir / "Minipy-3.14.0a1.tgz");
  fs::copy_file(first.ctx().artifacts_dir / "Minipy-3.14.0a1.tgz", second.ctx().artifacts_dir / "Minipy-3.14.0a1.tgz");
  for (auto* h : {&first, &second})
    h->with() = {{"tarball", "Minipy-3.14.0a1.tgz"}, {"jobs", 2}, {"ccache_dir", cache.string()}};

  auto t0 = std::chrono::steady_clock::now();
  json a = first.run();
  auto t1 = std::chrono::steady_clock::now();
  EXPECT_EQ(a["ccache"], true);
  EXPECT_THAT(first.log(), HasSubstr("using ccache"));
  // make's link of ./python went through ccache; configure's test program
  // (compiled and linked in one call, never cacheable) did not.
  EXPECT_EQ(ccache_stat(cache, "called_for_link"), 1) << sh_ok("CCACHE_DIR=" + quote(cache.string()) + " ccache -s");
  EXPECT_EQ(ccache_stat(cache, "cache_miss"), 3);
  const int hits_before = total_hits(cache);
  json b = second.run();
  auto t2 = std::chrono::steady_clock::now();
  EXPECT_NE(a["build_dir"], b["build_dir"]);
  const int hits = total_hits(cache) - hits_before;
  std::cout << "[ info ] build.make cold " << std::chrono::duration<double>(t1 - t0).count() << " s, warm "
            << std::chrono::duration<double>(t2 - t1).count() << " s, " << hits << " cache hits\n";
  // main.c, ceval.c and expr.c all come from the cache.
  EXPECT_GE(hits, 3) << sh_ok("CCACHE_DIR=" + quote(cache.string()) + " ccache -s");
  EXPECT_EQ(sh_ok(quote(b["interpreter"].get<std::string>()) + " -V"), "Minipy 3.14.0a0\n");
}

// With the compiles writing their dependency files (CPython's CFLAGS_NODIST,
// as pep101.yaml passes it), ccache's misses run no preprocessor pass:
// without them each miss runs one. The headers the dependency file lists
// still decide a hit: a changed header is a miss that builds the new code.
TEST(BuildMake, CompilesThatWriteTheirDependenciesMissWithoutAPreprocessorPass) {
  if (process::find_program("ccache").empty()) GTEST_SKIP() << "ccache is not installed: nothing to test";
  TempDir t;
  auto build = [&](const std::string& name, const fs::path& cache, bool dependencies,
                   const std::function<void(const fs::path&)>& edit = {}) {
    StepHarness h("build.make", t / "repo", t / name, "3.14.0a1");
    fixture_tarball(t / ("src-" + name), "Minipy-3.14.0a1", h.ctx().artifacts_dir / "Minipy-3.14.0a1.tgz", edit);
    h.with() = {
        {"tarball", "Minipy-3.14.0a1.tgz"}, {"jobs", 2}, {"ccache_dir", cache.string()}, {"configure_cache", false}};
    if (dependencies) h.with()["make"] = {"CFLAGS_NODIST=-MD"};
    json out = h.run();
    return std::make_pair(fs::path(out["build_dir"].get<std::string>()), out["interpreter"].get<std::string>());
  };
  const auto plain = t / "ccache-plain", dep = t / "ccache-dep";
  auto stats = [](const fs::path& c) { return sh_ok("CCACHE_DIR=" + quote(c.string()) + " ccache --print-stats"); };

  build("plain", plain, false);
  EXPECT_EQ(ccache_stat(plain, "cache_miss"), 3) << stats(plain);
  EXPECT_EQ(ccache_stat(plain, "preprocessed_cache_miss"), 3) << stats(plain);

  auto [tree, interpreter] = build("first", dep, true);
  EXPECT_EQ(ccache_stat(dep, "cache_miss"), 3) << stats(dep);
  EXPECT_EQ(ccache_stat(dep, "preprocessed_cache_miss"), 0) << "a preprocessor pass ran\n" << stats(dep);
  EXPECT_TRUE(fs::exists(tree / "Python" / "ceval.d"));
  EXPECT_EQ(sh_ok(quote(interpreter) + " -V"), "Minipy 3.14.0a0\n");

  build("second", dep, true);
  EXPECT_EQ(total_hits(dep), 3) << stats(dep);
  EXPECT_EQ(ccache_stat(dep, "cache_miss"), 3) << stats(dep);

  // main.c prints PY_VERSION from Include/patchlevel.h.
  const std::string interpreter3 = build("bumped", dep, true, [](const fs::path& tree) {
                                     sh_ok("sed -i 's/3.14.0a0/3.14.0a7/' Include/patchlevel.h", tree);
                                   }).second;
  EXPECT_EQ(sh_ok(quote(interpreter3) + " -V"), "Minipy 3.14.0a7\n");
  // Only main.c includes it: one miss, and ceval.c and expr.c hit.
  EXPECT_EQ(ccache_stat(dep, "cache_miss"), 4) << stats(dep);
  EXPECT_EQ(total_hits(dep), 5) << stats(dep);
  EXPECT_EQ(ccache_stat(dep, "preprocessed_cache_miss"), 0) << stats(dep);
}

// Two harnesses building the same tarball in two state directories (a
// rehearsal and the next one), sharing one configure cache.
struct TwoBuilds {
  TempDir t;
  fs::path cache = t / "configure-cache";
  StepHarness first{"build.make", t / "repo", t / "state1", "3.14.0a1"};
  StepHarness second{"build.make", t / "repo", t / "elsewhere" / "state2", "3.14.0a1"};
  explicit TwoBuilds(const std::function<void(const fs::path&)>& edit = {}) { tarball(edit); }
  // (Re)makes the tarball both build, edited by `edit`.
  void tarball(const std::function<void(const fs::path&)>& edit) {
    fs::remove_all(t / "src");
    fixture_tarball(t / "src", "Minipy-3.14.0a1", first.ctx().artifacts_dir / "Minipy-3.14.0a1.tgz", edit);
    fs::copy_file(first.ctx().artifacts_dir / "Minipy-3.14.0a1.tgz", second.ctx().artifacts_dir / "Minipy-3.14.0a1.tgz",
                  fs::copy_options::overwrite_existing);
    for (auto* h : {&first, &second})
      h->with() = {{"tarball", "Minipy-3.14.0a1.tgz"},
                   {"ccache", false},
                   {"configure_cache_dir", cache.string()},
                   {"configure_cache_watch", {(t / "sys").string()}}};
  }
  // The entries: a directory per key, beside tmp/.
  std::vector<fs::path> entry_dirs() const {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(cache, ec), end; !ec && it != end; it.increment(ec))
      if (it->is_directory() && it->path().filename() != "tmp") out.push_back(it->path());
    return out;
  }
  size_t entries() const { return entry_dirs().size(); }
  fs::path entry() const {
    auto all = entry_dirs();
    return all.size() == 1 ? all[0] : fs::path();
  }
};

// The lines of a harness's log from its last attempt on.
std::string last_attempt(const StepHarness& h) {
  const std::string log = h.log();
  return log.substr(log.rfind("unpacking "));
}

// PATH for the test's own process (the key reads the environment relman runs in).
struct PathPrepended {
  std::string saved;
  explicit PathPrepended(const fs::path& dir) : saved(std::getenv("PATH")) {
    ::setenv("PATH", (dir.string() + ":" + saved).c_str(), 1);
  }
  ~PathPrepended() { ::setenv("PATH", saved.c_str(), 1); }
};

TEST(BuildMake, ASecondBuildOfTheSameTreeSkipsConfigureAndGetsWhatTheFirstOneWrote) {
  TwoBuilds b;
  json a = b.first.run();
  EXPECT_EQ(a["configure_cache"], "miss");
  EXPECT_THAT(b.first.log(), HasSubstr("configure cache miss: " + (b.cache / "").string()));
  EXPECT_THAT(b.first.log(), HasSubstr("no entry for this key"));
  EXPECT_THAT(b.first.log(), HasSubstr("$ ./configure"));
  EXPECT_THAT(b.first.log(), HasSubstr("configure's outputs kept in"));
  ASSERT_EQ(b.entries(), 1u);

  json c = b.second.run();
  EXPECT_EQ(c["configure_cache"], "hit");
  const fs::path one = a["build_dir"].get<std::string>(), two = c["build_dir"].get<std::string>();
  ASSERT_NE(one, two);
  EXPECT_THAT(b.second.log(), HasSubstr("configure cache hit: "));
  EXPECT_THAT(b.second.log(), HasSubstr("configure skipped: its 2 outputs restored into " + two.string()));
  EXPECT_THAT(b.second.log(), Not(HasSubstr("$ ./configure")));
  EXPECT_THAT(b.second.log(), Not(HasSubstr("configure runs again"))) << "make took the restored Makefile as new";
  EXPECT_EQ(sh_ok(quote(c["interpreter"].get<std::string>()) + " -V"), "Minipy 3.14.0a0\n");
  // What a full configure in this tree would have written: the first
  // build's files, with this tree's path where the first had its own.
  for (const char* f : {"Makefile", "config.status"}) {
    std::string want = read_file(one / f);
    for (size_t at = want.find(one.string()); at != std::string::npos; at = want.find(one.string(), at + 1))
      want.replace(at, one.string().size(), two.string());
    EXPECT_EQ(read_file(two / f), want) << f;
  }
  EXPECT_THAT(read_file(two / "config.status"), HasSubstr("ac_pwd='" + two.string() + "'"));
  struct stat st {};
  ASSERT_EQ(::stat((two / "config.status").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_EQ(b.entries(), 1u);
  // The probe after a crash reports what the build did.
  b.second.ctx().checkpoint = {{"build_dir", c["build_dir"]},
                               {"interpreter", c["interpreter"]},
                               {"ccache", false},
                               {"configure_cache", "hit"},
                               {"built", true}};
  EXPECT_EQ(b.second.probe().outputs["configure_cache"], "hit");
}

// make remakes a Makefile older than what it was made from (CPython's
// reruns config.status, then configure). The restored outputs are newer
// than the tarball's files and keep their order among themselves.
TEST(BuildMake, RestoredOutputsKeepTheirOrderSoMakeDoesNotConfigureAgain) {
  TwoBuilds b;
  json a = b.first.run();
  const fs::path one = a["build_dir"].get<std::string>();
  auto mtime = [](const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  };
  json c = b.second.run();
  const fs::path two = c["build_dir"].get<std::string>();
  EXPECT_LT(mtime(two / "Makefile.pre.in"), mtime(two / "config.status"));
  EXPECT_LT(mtime(two / "config.status"), mtime(two / "Makefile")) << "config.status is written first";
  EXPECT_EQ(mtime(two / "Makefile") - mtime(two / "config.status"),
            mtime(one / "Makefile") - mtime(one / "config.status"));
  EXPECT_EQ(sh_ok("make -q Makefile && echo up to date", two), "up to date\n");
  // The rule the test relies on does fire when the order is wrong.
  sh_ok("touch Makefile.pre.in", two);
  EXPECT_THAT(sh_ok("make Makefile 2>&1", two), HasSubstr("configure runs again"));
}

TEST(BuildMake, ConfigureRunsInFullWhenConfigureAcTheCompilerOrTheSystemChanged) {
  TwoBuilds b;
  b.first.run();
  ASSERT_EQ(b.second.run()["configure_cache"], "hit");

  // configure.ac edited (a release that changes the build's checks).
  b.tarball([](const fs::path& tree) { write_file(tree / "configure.ac", "AC_CHECK_HEADERS([zlib.h])\n"); });
  EXPECT_EQ(b.first.run()["configure_cache"], "miss");
  EXPECT_THAT(last_attempt(b.first), HasSubstr("$ ./configure"));
  EXPECT_EQ(b.second.run()["configure_cache"], "hit");

  // Another compiler of the same name on PATH.
  TempDir bin;
  write_file(bin / "cc", "#!/bin/sh\nexec /usr/bin/cc \"$@\"\n");
  fs::permissions(bin / "cc", fs::perms::owner_all);
  {
    PathPrepended path(bin.path());
    EXPECT_EQ(b.first.run()["configure_cache"], "miss");
    EXPECT_EQ(b.second.run()["configure_cache"], "hit");
    write_file(bin / "cc", "#!/bin/sh\n# upgraded\nexec /usr/bin/cc \"$@\"\n");
    EXPECT_EQ(b.first.run()["configure_cache"], "miss") << "the compiler was upgraded";
    EXPECT_THAT(last_attempt(b.first), HasSubstr("$ ./configure"));
  }

  // A library's headers installed since.
  EXPECT_EQ(b.second.run()["configure_cache"], "hit");
  fs::create_directories(b.t / "sys" / "zlib");
  EXPECT_EQ(b.first.run()["configure_cache"], "miss") << "a package was installed";
  EXPECT_EQ(b.second.run()["configure_cache"], "hit");
  EXPECT_EQ(b.entries(), 5u) << "one entry per tree, toolchain and system seen";
}

// The key does not cover the tree beyond configure itself: a fix to a
// source file between two rehearsals must not cost a configure. What
// configure read in the tree does count: the fixture's configure reads
// Makefile.pre.in and Include/patchlevel.h, and takes config.site.local
// when the top directory has one (as CPython's takes Modules/Setup.local).
TEST(BuildMake, AFileConfigureReadOrLookedForInvalidatesTheEntryAndAnyOtherDoesNot) {
  TwoBuilds b;
  b.first.run();
  ASSERT_EQ(b.entries(), 1u);
  const fs::path entry = b.entry();

  b.tarball(
      [](const fs::path& tree) { std::ofstream(tree / "Python" / "ceval.c", std::ios::app) << "\n/* a fix */\n"; });
  EXPECT_EQ(b.second.run()["configure_cache"], "hit") << "configure never read Python/ceval.c";

  // The version bump of the next release: configure reads patchlevel.h.
  b.tarball([](const fs::path& tree) { sh_ok("sed -i 's/3.14.0a0/3.14.0a1/' Include/patchlevel.h", tree); });
  json bumped = b.second.run();
  EXPECT_EQ(bumped["configure_cache"], "miss");
  EXPECT_THAT(b.second.log(), HasSubstr("Include/patchlevel.h, which configure read, has changed"));
  EXPECT_EQ(sh_ok(quote(bumped["interpreter"].get<std::string>()) + " -V"), "Minipy 3.14.0a1\n");
  EXPECT_THAT(read_file(fs::path(bumped["build_dir"].get<std::string>()) / "Makefile"), HasSubstr("3.14.0a1"));
  EXPECT_EQ(b.entries(), 1u) << "the entry of the key is replaced";
  EXPECT_THAT(read_file(entry / "files" / "Makefile"), HasSubstr("3.14.0a1"));
  EXPECT_EQ(b.first.run()["configure_cache"], "hit");

  b.tarball([](const fs::path& tree) {
    sh_ok("sed -i 's/3.14.0a0/3.14.0a1/' Include/patchlevel.h", tree);
    write_file(tree / "config.site.local", "CFLAGS=-DSITE_LOCAL\n");
  });
  json site = b.second.run();
  EXPECT_EQ(site["configure_cache"], "miss");
  EXPECT_THAT(b.second.log(), HasSubstr("./ holds other files than when the entry was made"));
  EXPECT_THAT(read_file(fs::path(site["build_dir"].get<std::string>()) / "config.status"),
              HasSubstr("S[\"CFLAGS\"]=\"-DSITE_LOCAL\""));
}

TEST(BuildMake, ADamagedEntryIsDroppedAndConfigureRunsInFull) {
  TwoBuilds b;
  b.first.run();
  const fs::path entry = b.entry();
  ASSERT_FALSE(entry.empty());
  std::ofstream(entry / "files" / "Makefile", std::ios::app) << "\nall: ; rm -rf /\n";

  json c = b.second.run();
  EXPECT_EQ(c["configure_cache"], "miss");
  EXPECT_THAT(b.second.log(), HasSubstr("configure cache: the entry cannot be restored (" +
                                        (entry / "files" / "Makefile").string() + " in the entry is damaged"));
  EXPECT_THAT(b.second.log(), HasSubstr("it is dropped and configure runs in full"));
  EXPECT_THAT(last_attempt(b.second), HasSubstr("$ ./configure"));
  EXPECT_EQ(sh_ok(quote(c["interpreter"].get<std::string>()) + " -V"), "Minipy 3.14.0a0\n");
  EXPECT_THAT(read_file(entry / "files" / "Makefile"), Not(HasSubstr("rm -rf"))) << "a fresh entry replaces it";
  EXPECT_EQ(b.first.run()["configure_cache"], "hit");
}

TEST(BuildMake, AFailedMakeAfterACacheHitDropsTheEntrySoARetryConfiguresAfresh) {
  TwoBuilds b;
  b.first.run();
  const fs::path entry = b.entry();
  ASSERT_FALSE(entry.empty());
  // The same configure, a source that does not compile: the hit is sound,
  // make fails, and whatever the cause the next attempt trusts nothing.
  b.tarball([](const fs::path& tree) {
    std::ofstream(tree / "Python" / "ceval.c", std::ios::app) << "\nthis is not C at all;\n";
  });
  EXPECT_THAT([&] { b.second.run(); },
              ThrowsMessage<StepError>(AllOf(HasSubstr("`make -j"), HasSubstr("configure cache (" + entry.string()),
                                             HasSubstr("dropped, so a retry runs configure afresh"))));
  EXPECT_THAT(b.second.log(), HasSubstr("configure skipped"));
  EXPECT_FALSE(fs::exists(entry));
  b.tarball({});
  json retried = b.second.run();
  EXPECT_EQ(retried["configure_cache"], "miss");
  EXPECT_EQ(sh_ok(quote(retried["interpreter"].get<std::string>()) + " -V"), "Minipy 3.14.0a0\n");
}

// An output that names the state directory outside the tree (a path
// another rehearsal does not have) cannot be reused: it is not kept.
TEST(BuildMake, OutputsNamingTheStateDirectoryAreNotKept) {
  TwoBuilds b([](const fs::path& tree) {
    std::string text = read_file(tree / "configure");
    const std::string at = "echo \"configure: creating Makefile\"";
    ASSERT_NE(text.find(at), std::string::npos);
    text.insert(text.find(at), "echo \"# configured beside $(cd .. && pwd)\" >> config.status\n");
    write_file(tree / "configure", text);
  });
  EXPECT_EQ(b.first.run()["configure_cache"], "miss");
  EXPECT_THAT(b.first.log(), HasSubstr("configure cache: configure's outputs are not kept: config.status names " +
                                       fs::absolute(b.first.ctx().state_dir).lexically_normal().string()));
  EXPECT_EQ(b.entries(), 0u);
  EXPECT_EQ(b.second.run()["configure_cache"], "miss");
}

TEST(BuildMake, TheConfigureCacheCanBeTurnedOff) {
  TwoBuilds b;
  b.first.with()["configure_cache"] = false;
  EXPECT_EQ(b.first.run()["configure_cache"], "off");
  EXPECT_THAT(b.first.log(), Not(HasSubstr("configure cache")));
  EXPECT_EQ(b.entries(), 0u);
  // A relative cache directory is confined to the state directory.
  EXPECT_FALSE(b.first.kind().validate({{"configure_cache_dir", "../../home/rm/.cache"}}).empty());
  EXPECT_TRUE(b.first.kind().validate({{"configure_cache_dir", "/var/cache/relman"}}).empty());
}

// The chain the release workflow runs, by hand: bump, commit, tag, export
// with `git archive`, then build.make and smoke.run on the tarball.
TEST(SampleRelease, BumpTagExportBuildAndSmokeTestByHand) {
  TempDir t;
  SampleProject p = make_sample_project(t / "sample", "3.14.0a1");
  EXPECT_EQ(py_version(p.repo), "3.14.0a0");
  EXPECT_EQ(sh_ok("git rev-parse --abbrev-ref HEAD", p.repo), "main\n");
  EXPECT_EQ(sh_ok("git ls-remote --heads " + quote(p.upstream.string()) + " main").substr(0, 40),
            sh_ok("git rev-parse HEAD", p.repo).substr(0, 40));
  // The ids are reproducible: the same script makes the same commits.
  SampleProject again = make_sample_project(t / "again", "3.14.0a1");
  EXPECT_EQ(sh_ok("git rev-parse HEAD", p.repo), sh_ok("git rev-parse HEAD", again.repo));

  sh_ok(
      "sed -i -e 's/^#define PY_RELEASE_SERIAL .*/#define PY_RELEASE_SERIAL       1/' "
      "-e 's/^#define PY_VERSION .*/#define PY_VERSION              \"3.14.0a1\"/' Include/patchlevel.h && "
      "sed -i '1s/.*/This is Minipy version 3.14.0 alpha 1/' README.rst && "
      "git commit -q -am 'Python 3.14.0a1' && git tag -a v3.14.0a1 -m 'Python 3.14.0a1'",
      p.repo);

  StepHarness build("build.make", p.repo, t / "state", "3.14.0a1");
  sh_ok("git archive --prefix=Minipy-3.14.0a1/ v3.14.0a1 | gzip -n > " +
            quote((build.ctx().artifacts_dir / "Minipy-3.14.0a1.tgz").string()),
        p.repo);
  build.with() = {{"tarball", "Minipy-3.14.0a1.tgz"}, {"jobs", 2}};
  json out = build.run();

  StepHarness smoke("smoke.run", p.repo, t / "state", "3.14.0a1");
  smoke.with() = {{"cwd", out["build_dir"]}};
  smoke.with()["commands"] = json::parse(R"json([
    {"argv": ["./python", "-V"], "match": "^Minipy 3\\.14\\.0a1$"},
    {"argv": ["./python", "-c", "import sys; print(sys.version)"], "match": "^3\\.14\\.0a1$"},
    {"argv": ["./python", "-m", "test", "test_grammar", "test_os", "test_sys"], "match": "All 3 tests OK"},
    {"argv": ["./python", "-m", "test"], "match": "All 4 tests OK"}
  ])json");
  json passed = smoke.run();
  EXPECT_EQ(passed["passed"], 4);
}

TEST(SampleRepo, ReleasesAfterTheFirstBetaAreMadeFromTheMaintenanceBranch) {
  TempDir t;
  SampleProject p = make_sample_project(t / "s", "3.12.0");
  EXPECT_EQ(sh_ok("git rev-parse --abbrev-ref HEAD", p.repo), "3.12\n");
  EXPECT_EQ(py_version(p.repo), "3.12.0rc2+");
  EXPECT_THAT(sh_ok("git show main:Include/patchlevel.h", p.repo), HasSubstr("\"3.13.0a0\""));
  EXPECT_EQ(sh_ok("git rev-parse --abbrev-ref @{upstream}", p.repo), "origin/3.12\n");
  EXPECT_THAT(sh_ok("git ls-remote " + quote(p.upstream.string())), HasSubstr("refs/heads/3.12"));
  EXPECT_THAT(sh_ok("git ls-remote " + quote(p.origin.string())), HasSubstr("refs/tags/v3.12.0rc2"));
  EXPECT_EQ(sh_ok("git status --porcelain", p.repo), "");
  std::string readme = read_file(p.repo / "README.rst");
  EXPECT_EQ(readme.substr(0, readme.find('\n')), "This is Minipy version 3.12.0 release candidate 2");

  SampleProject bugfix = make_sample_project(t / "b", "3.11.2");
  EXPECT_EQ(py_version(bugfix.repo), "3.11.1+");
  SampleProject beta = make_sample_project(t / "c", "3.12.0b1");
  EXPECT_EQ(sh_ok("git rev-parse --abbrev-ref HEAD", beta.repo), "main\n");
  EXPECT_EQ(sh(std::string("git rev-parse --verify -q 3.12"), beta.repo).exit_code, 1);
  EXPECT_NE(sh("bash " + quote((sample_fixture_dir() / ".." / ".." / ".." / "scripts" / "sample-repo.sh").string()) +
               " " + quote((t / "b").string()))
                .exit_code,
            0);  // refuses to overwrite
}

}  // namespace
}  // namespace relman::test
