// The configure cache's key and entries, on real files: each input the key
// covers changes it, inputs it does not cover leave it alone; an entry
// keeps what a real shell "configure" wrote, holds while what it read is
// unchanged, and restores into another tree as it would have been written
// there.
#include "steps/configure_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "adapters/opened_files.h"
#include "support/matchers.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

namespace fs = std::filesystem;
using steps::configure_cache_key;
using steps::ConfigureCache;
using steps::ConfigureCacheInputs;
using ::testing::Optional;

// Directories made by a test share the second they were made in; an old
// mtime makes the next change in them visible whatever the clock's grain.
void age(const fs::path& p) { sh_ok("touch -h -d '2020-01-02 03:04:05' " + quote(p.string())); }

struct Fixture {
  TempDir t;
  ConfigureCacheInputs in;
  Fixture() {
    write_file(t / "tree" / "configure", "#!/bin/sh\n# --cache-file=FILE\necho configured\n");
    write_file(t / "bin" / "cc", "#!/bin/sh\nexec /usr/bin/cc \"$@\"\n");
    fs::permissions(t / "bin" / "cc", fs::perms::owner_all);
    fs::create_directories(t / "sys" / "include" / "x86_64-linux-gnu");
    fs::create_directories(t / "sys" / "lib");
    for (const auto* d : {"sys/include/x86_64-linux-gnu", "sys/include", "sys/lib", "sys"}) age(t / d);
    in.tree = t / "tree";
    in.args = {"--with-pydebug"};
    in.env = {{"PATH", (t / "bin").string()}, {"HOME", "/root"}};
    in.watch = {t / "sys" / "include", t / "sys" / "lib"};
  }
  std::string key() const { return configure_cache_key(in).digest; }
};

TEST(ConfigureCache, TheKeyIsTheSameForTheSameTreeToolchainAndSystem) {
  Fixture f;
  const std::string k = f.key();
  EXPECT_EQ(k.size(), 64u);
  EXPECT_EQ(f.key(), k);
  // What configure does not read: another home, a token, the terminal.
  f.in.env["HOME"] = "/home/rm";
  f.in.env["GITHUB_TOKEN"] = "ghp_secret";
  f.in.env["TERM"] = "xterm";
  EXPECT_EQ(f.key(), k);
  // Another copy of the same tree elsewhere (the next rehearsal's sandbox).
  sh_ok("cp -R " + quote((f.t / "tree").string()) + " " + quote((f.t / "tree2").string()));
  f.in.tree = f.t / "tree2";
  EXPECT_EQ(f.key(), k);

  const auto described = configure_cache_key(f.in).inputs;
  std::string all;
  for (const auto& s : described) all += s + "\n";
  EXPECT_THAT(all, HasSubstr("configure sha256 "));
  EXPECT_THAT(all, HasSubstr("cc " + fs::canonical(f.t / "bin" / "cc").string() + " sha256 "));
  EXPECT_THAT(all, HasSubstr("arguments: --with-pydebug"));
  EXPECT_THAT(all, HasSubstr("directories under"));
  EXPECT_THAT(all, Not(HasSubstr("GITHUB_TOKEN")));
}

TEST(ConfigureCache, ConfigureAcConfigureOrTheArgumentsChangeTheKey) {
  Fixture f;
  const std::string k0 = f.key();
  write_file(f.t / "tree" / "configure.ac", "AC_INIT([python], [3.11])\n");
  const std::string k1 = f.key();
  EXPECT_NE(k1, k0) << "a configure.ac appeared";
  write_file(f.t / "tree" / "configure.ac", "AC_INIT([python], [3.11])\nAC_CHECK_HEADERS([zlib.h])\n");
  const std::string k2 = f.key();
  EXPECT_NE(k2, k1) << "configure.ac changed";
  write_file(f.t / "tree" / "configure", "#!/bin/sh\n# --cache-file=FILE\necho configured again\n");
  const std::string k3 = f.key();
  EXPECT_NE(k3, k2) << "configure changed";
  write_file(f.t / "tree" / "aclocal.m4", "dnl macros\n");
  const std::string k4 = f.key();
  EXPECT_NE(k4, k3) << "aclocal.m4 appeared";
  f.in.args = {"--with-pydebug", "--enable-shared"};
  EXPECT_NE(f.key(), k4) << "another argument";
  f.in.args = {"--with-pydebug --enable-shared"};
  EXPECT_NE(f.key(), k4) << "the same text split otherwise is other arguments";
}

TEST(ConfigureCache, TheCompilerAndTheVariablesConfigureReadsChangeTheKey) {
  Fixture f;
  const std::string k0 = f.key();
  // The same compiler name, other bytes: an upgraded gcc.
  write_file(f.t / "bin" / "cc", "#!/bin/sh\n# gcc 12.2.0-14+deb12u1\nexec /usr/bin/cc \"$@\"\n");
  const std::string k1 = f.key();
  EXPECT_NE(k1, k0) << "the compiler's bytes changed";
  // A gcc appearing on PATH is what AC_PROG_CC would take before cc.
  sh_ok("cp " + quote((f.t / "bin" / "cc").string()) + " " + quote((f.t / "bin" / "gcc").string()));
  const std::string k2 = f.key();
  EXPECT_NE(k2, k1) << "a gcc on PATH";
  // CC names the compiler: only it is looked at, by its own bytes.
  write_file(f.t / "other" / "clang-17", "#!/bin/sh\nexec /usr/bin/cc \"$@\"\n");
  fs::permissions(f.t / "other" / "clang-17", fs::perms::owner_all);
  f.in.env["CC"] = (f.t / "other" / "clang-17").string();
  const std::string k3 = f.key();
  EXPECT_NE(k3, k2);
  write_file(f.t / "other" / "clang-17", "#!/bin/sh\n# 17.0.6\nexec /usr/bin/cc \"$@\"\n");
  const std::string k4 = f.key();
  EXPECT_NE(k4, k3) << "CC's compiler changed";

  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{{"CFLAGS", "-O0"},
                                                                                    {"LDFLAGS", "-L/opt/lib"},
                                                                                    {"LIBS", "-lm"},
                                                                                    {"LIBFFI_CFLAGS", "-I/opt"},
                                                                                    {"ZLIB_LIBS", "-lz"},
                                                                                    {"PKG_CONFIG_PATH", "/opt/pc"},
                                                                                    {"CONFIG_SITE", "/etc/site"}}) {
    auto env = f.in.env;
    f.in.env[name] = value;
    EXPECT_NE(f.key(), k4) << name;
    f.in.env = env;
  }
  EXPECT_EQ(f.key(), k4);
  f.in.env["PATH"] = (f.t / "bin").string() + ":/usr/bin";
  EXPECT_NE(f.key(), k4) << "PATH decides which tools configure finds";
}

TEST(ConfigureCache, APackageInstalledOrUpgradedSinceChangesTheKey) {
  Fixture f;
  const std::string k0 = f.key();
  // A -dev package's header directory (configure said "no" to it before).
  fs::create_directories(f.t / "sys" / "include" / "openssl");
  const std::string k1 = f.key();
  EXPECT_NE(k1, k0);
  age(f.t / "sys" / "include");
  age(f.t / "sys" / "include" / "openssl");
  const std::string k2 = f.key();
  // A header upgraded in place: dpkg writes foo.h.dpkg-new and renames it.
  write_file(f.t / "sys" / "include" / "x86_64-linux-gnu" / "pyconfig.h.dpkg-new", "#define X 1\n");
  fs::rename(f.t / "sys" / "include" / "x86_64-linux-gnu" / "pyconfig.h.dpkg-new",
             f.t / "sys" / "include" / "x86_64-linux-gnu" / "pyconfig.h");
  const std::string k3 = f.key();
  EXPECT_NE(k3, k2);
  // A shared library's link in lib/.
  sh_ok("ln -s libssl.so.3 " + quote((f.t / "sys" / "lib" / "libssl.so").string()));
  EXPECT_NE(f.key(), k3);
  // A watched directory that does not exist is simply empty.
  f.in.watch.push_back(f.t / "nowhere");
  const std::string k4 = f.key();
  EXPECT_EQ(f.key(), k4);
}

TEST(ConfigureCache, AKeyNeedsAConfigure) {
  TempDir t;
  EXPECT_THROW(configure_cache_key({t / "empty", {}, {}, {}}), std::runtime_error);
}

// A configure run as build.make runs it: the tree snapshotted before and
// after, what it opened recorded by inotify.
struct Configured {
  steps::TreeSnapshot before, after;
  OpenedPaths opened;
};
Configured run_watched(const fs::path& top, const std::string& script) {
  Configured c;
  c.before = steps::snapshot_tree(top);
  OpenedFiles watch(top);
  sh_ok(script, top);
  c.opened = watch.stop();
  c.after = steps::snapshot_tree(top);
  return c;
}

// A tree as a release tarball unpacks: sources with an old mtime.
void source_tree(const fs::path& top) {
  write_file(top / "Makefile.pre.in", "prefix=@prefix@\n");
  write_file(top / "Modules" / "Setup", "# modules\n");
  write_file(top / "Lib" / "os.py", "import sys\n");
  write_file(top / "stale.txt", "configure removes this\n");
  sh_ok("find . -exec touch -h -d '2023-03-06 12:00:00' {} +", top);
}

// What a configure does: reads two inputs, writes outputs naming the tree
// (config.status first, Makefile after it), makes a directory, an
// executable, and removes a file.
const char* kConfigure =
    "cat Makefile.pre.in Modules/Setup >/dev/null && "
    "printf \"ac_pwd='%s'\\n\" \"$PWD\" > config.status && sleep 0.05 && "
    "sed \"s|@prefix@|$PWD/inst|\" Makefile.pre.in > Makefile && mkdir -p Modules/gen && "
    "printf '#!/bin/sh\\n' > Modules/gen/ld_so && chmod 755 Modules/gen/ld_so && rm stale.txt";

int64_t mtime_ns(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

TEST(ConfigureCache, AnEntryKeepsWhatConfigureWroteAndRestoresItIntoAnotherTree) {
  TempDir t;
  ConfigureCache cache(t / "cache");
  const std::string key(64, 'a');
  EXPECT_EQ(cache.find(key, t / "none").why, "no entry for this key");

  const fs::path one = t / "state1" / "work" / "Python-3.11.3", two = t / "state2" / "work" / "Python-3.11.3";
  source_tree(one);
  source_tree(two);
  const auto c = run_watched(one, kConfigure);
  ASSERT_EQ(cache.store(key, one, c.before, c.after, c.opened, {(t / "state1").string()}, 61.5), std::nullopt);
  EXPECT_EQ(sh_ok("ls -A", cache.dir()), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\ntmp\n");
  EXPECT_EQ(sh_ok("ls -A tmp", cache.dir()), "") << "no temporary entry is left";
  EXPECT_EQ(read_file(cache.entry(key) / "files" / "config.status"), "ac_pwd='@RELMAN_CONFIGURE_TREE@'\n");

  auto found = cache.find(key, two);
  ASSERT_TRUE(found.entry) << found.why;
  EXPECT_EQ(found.entry->configure_seconds, 61.5);
  std::vector<std::string> inputs;
  for (const auto& [rel, sum] : found.entry->inputs) inputs.push_back(rel);
  EXPECT_EQ(inputs, (std::vector<std::string>{"Makefile.pre.in", "Modules/Setup"})) << "not the outputs, not Lib/";
  EXPECT_EQ(found.entry->removed, (std::vector<std::string>{"stale.txt"}));

  const auto before_restore = std::chrono::system_clock::now();
  EXPECT_EQ(cache.restore(key, *found.entry, two), 4u);  // config.status, Makefile, Modules/gen and its file
  EXPECT_EQ(read_file(two / "config.status"), "ac_pwd='" + two.string() + "'\n");
  EXPECT_EQ(read_file(two / "Makefile"), "prefix=" + two.string() + "/inst\n");
  EXPECT_FALSE(fs::exists(two / "stale.txt"));
  struct stat st {};
  ASSERT_EQ(::stat((two / "Modules" / "gen" / "ld_so").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  // The outputs are newer than the sources, in the order and spacing configure gave them.
  const int64_t from = std::chrono::duration_cast<std::chrono::nanoseconds>(before_restore.time_since_epoch()).count();
  EXPECT_GE(mtime_ns(two / "config.status"), from);
  EXPECT_EQ(mtime_ns(two / "Makefile") - mtime_ns(two / "config.status"),
            mtime_ns(one / "Makefile") - mtime_ns(one / "config.status"));
  EXPECT_GT(mtime_ns(two / "Makefile"), mtime_ns(two / "config.status"));
  // Byte for byte what configure would have written there, the tree's path aside.
  const auto tree_one = steps::snapshot_tree(one), tree_two = steps::snapshot_tree(two);
  ASSERT_EQ(tree_one.size(), tree_two.size());
  for (const auto& [rel, e] : tree_one) {
    ASSERT_TRUE(tree_two.count(rel)) << rel;
    EXPECT_EQ(tree_two.at(rel).mode, e.mode) << rel;
    if (e.type != 'f') continue;
    std::string want = read_file(one / rel);
    for (size_t at = want.find(one.string()); at != std::string::npos; at = want.find(one.string(), at + 1))
      want.replace(at, one.string().size(), two.string());
    EXPECT_EQ(read_file(two / rel), want) << rel;
  }

  cache.drop(key);
  EXPECT_EQ(cache.find(key, two).why, "no entry for this key");
  cache.drop(key);  // dropping what is gone is nothing
}

TEST(ConfigureCache, AnInputChangedOrGoneOrANewFileBesideOneIsAMissAndAnyOtherChangeIsNot) {
  TempDir t;
  ConfigureCache cache(t / "cache");
  const std::string key(64, 'b');
  const fs::path one = t / "one";
  source_tree(one);
  const auto c = run_watched(one, kConfigure);
  ASSERT_EQ(cache.store(key, one, c.before, c.after, c.opened, {}, 1), std::nullopt);

  auto tree = [&](const std::string& name, const std::string& edit) {
    const fs::path top = t / name;
    source_tree(top);
    if (!edit.empty()) sh_ok(edit, top);
    return top;
  };
  EXPECT_TRUE(cache.find(key, tree("lib", "echo '# a fix' >> Lib/os.py")).entry) << "configure never read Lib/os.py";
  EXPECT_EQ(cache.find(key, tree("edited", "echo 'CC=gcc' >> Makefile.pre.in")).why,
            "Makefile.pre.in, which configure read, has changed");
  EXPECT_EQ(cache.find(key, tree("gone", "rm Modules/Setup")).why, "Modules/Setup, which configure read, is gone");
  EXPECT_EQ(cache.find(key, tree("local", "echo '*shared*' > Modules/Setup.local")).why,
            "Modules/ holds other files than when the entry was made");
  EXPECT_EQ(cache.find(key, tree("top", "touch configure.site")).why,
            "./ holds other files than when the entry was made");
}

TEST(ConfigureCache, NothingIsKeptThatAnotherBuildCouldNotUse) {
  TempDir t;
  ConfigureCache cache(t / "cache");
  const std::string key(64, 'c');
  const fs::path top = t / "state" / "work" / "top";
  source_tree(top);
  auto c = run_watched(top, kConfigure);

  auto lost = c.opened;
  lost.complete = false;
  EXPECT_THAT(cache.store(key, top, c.before, c.after, lost, {}, 1), Optional(HasSubstr("inotify queue overflowed")));
  EXPECT_THAT(cache.store(key, top, c.before, c.after, c.opened, {(t / "state").string()}, 1), std::nullopt)
      << "the state directory appears only as the tree's path";

  source_tree(t / "linked");
  auto l = run_watched(t / "linked", "cat Makefile.pre.in >/dev/null && ln -s Makefile.pre.in Makefile");
  EXPECT_THAT(cache.store(std::string(64, 'd'), t / "linked", l.before, l.after, l.opened, {}, 1),
              Optional(HasSubstr("configure made Makefile, which is neither a file nor a directory")));

  source_tree(t / "state" / "work" / "beside");
  auto b = run_watched(t / "state" / "work" / "beside", "echo \"srcdir=$(cd .. && pwd)/top\" > Makefile");
  EXPECT_THAT(cache.store(std::string(64, 'e'), t / "state" / "work" / "beside", b.before, b.after, b.opened,
                          {(t / "state").string()}, 1),
              Optional(HasSubstr("Makefile names " + (t / "state").string() + " outside the tree")));
  EXPECT_EQ(sh_ok("ls -A", cache.dir()), std::string(64, 'c') + "\ntmp\n");
  EXPECT_EQ(sh_ok("ls -A tmp", cache.dir()), "");

  // A damaged file is found before anything is taken from it.
  std::ofstream(cache.entry(key) / "files" / "Makefile", std::ios::app) << "rm -rf /\n";
  source_tree(t / "next");
  auto found = cache.find(key, t / "next");
  ASSERT_TRUE(found.entry);
  EXPECT_THAT([&] { cache.restore(key, *found.entry, t / "next"); },
              ThrowsMessage<std::runtime_error>(HasSubstr("Makefile in the entry is damaged")));
}

// Two rehearsals finishing configure at once store the same key: each
// reader sees one whole entry, never a mix, and no temporary is left.
TEST(ConfigureCache, TwoBuildsStoringOneKeyAtOnceLeaveOneWholeEntry) {
  TempDir t;
  ConfigureCache cache(t / "cache");
  const std::string key(64, 'f');
  std::vector<Configured> runs;
  for (int i = 0; i < 2; ++i) {
    source_tree(t / std::to_string(i));
    runs.push_back(run_watched(t / std::to_string(i), kConfigure));
  }
  for (int round = 0; round < 10; ++round) {
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i)
      threads.emplace_back([&, i] {
        EXPECT_EQ(cache.store(key, t / std::to_string(i), runs[i].before, runs[i].after, runs[i].opened, {}, i),
                  std::nullopt);
      });
    for (auto& th : threads) th.join();
    source_tree(t / "reader");
    auto found = cache.find(key, t / "reader");
    ASSERT_TRUE(found.entry) << found.why;
    EXPECT_EQ(cache.restore(key, *found.entry, t / "reader"), 4u);
    EXPECT_EQ(read_file(t / "reader" / "config.status"), "ac_pwd='" + (t / "reader").string() + "'\n");
    fs::remove_all(t / "reader");
  }
  EXPECT_EQ(sh_ok("ls -A tmp", cache.dir()), "");
}

TEST(ConfigureCache, TheDefaultDirectoryFollowsXdgCacheHome) {
  const char* old = std::getenv("XDG_CACHE_HOME");
  const std::string saved = old ? old : "";
  ::setenv("XDG_CACHE_HOME", "/var/cache/rm", 1);
  EXPECT_EQ(steps::default_configure_cache_dir(), fs::path("/var/cache/rm/relman/configure"));
  ::setenv("XDG_CACHE_HOME", "relative", 1);  // the XDG rule: a relative value is ignored
  EXPECT_EQ(steps::default_configure_cache_dir().filename(), "configure");
  EXPECT_TRUE(steps::default_configure_cache_dir().is_absolute());
  if (old) ::setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  else ::unsetenv("XDG_CACHE_HOME");
}

}  // namespace
}  // namespace relman::test
