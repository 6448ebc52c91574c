// The configure cache's key and entries, on real files: each input the key
// covers changes it, inputs it does not cover leave it alone.
#include "steps/configure_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/matchers.h"
#include "support/sample_project.h"
#include "support/shell.h"
#include "support/temp_dir.h"

namespace relman::test {
namespace {

namespace fs = std::filesystem;
using steps::configure_cache_key;
using steps::ConfigureCache;
using steps::ConfigureCacheInputs;

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

TEST(ConfigureCache, EntriesAreKeptWithTheirConfigurationFetchedDroppedAndMarkedUnsafe) {
  TempDir t;
  ConfigureCache cache(t / "cache" / "relman" / "configure");
  const std::string key(64, 'a');
  EXPECT_FALSE(cache.fetch(key, t / "build" / "config.cache"));
  EXPECT_FALSE(fs::exists(t / "build" / "config.cache"));
  EXPECT_FALSE(cache.configuration(key));
  EXPECT_FALSE(cache.unsafe(key));

  write_file(t / "made" / "config.cache", "ac_cv_prog_CC=${ac_cv_prog_CC=gcc}\n");
  cache.store(key, t / "made" / "config.cache", "S[\"CC\"]=\"gcc\"\n");
  EXPECT_EQ(cache.entry(key), t / "cache" / "relman" / "configure" / (key + ".cache"));
  EXPECT_EQ(read_file(cache.entry(key)), "ac_cv_prog_CC=${ac_cv_prog_CC=gcc}\n");
  EXPECT_EQ(cache.configuration(key), "S[\"CC\"]=\"gcc\"\n");
  fs::create_directories(t / "build");
  ASSERT_TRUE(cache.fetch(key, t / "build" / "config.cache"));
  EXPECT_EQ(read_file(t / "build" / "config.cache"), "ac_cv_prog_CC=${ac_cv_prog_CC=gcc}\n");
  // The entry and its configuration, and no temporary file.
  EXPECT_EQ(sh_ok("ls -A", cache.dir()), key + ".cache\n" + key + ".config\n");

  // An entry whose configuration is gone is not used.
  fs::remove(cache.dir() / (key + ".config"));
  EXPECT_FALSE(cache.fetch(key, t / "build" / "other"));

  cache.store(key, t / "made" / "config.cache", "S[\"CC\"]=\"gcc\"\n");
  cache.drop(key);
  EXPECT_EQ(sh_ok("ls -A", cache.dir()), "");
  EXPECT_FALSE(cache.fetch(key, t / "build" / "again"));
  cache.drop(key);  // dropping what is gone is nothing

  cache.store(key, t / "made" / "config.cache", "S[\"CC\"]=\"gcc\"\n");
  cache.mark_unsafe(key, {"LIBMPDEC_CFLAGS", "NO_AS_NEEDED"});
  EXPECT_EQ(cache.unsafe(key), "LIBMPDEC_CFLAGS NO_AS_NEEDED");
  EXPECT_EQ(sh_ok("ls -A", cache.dir()), key + ".unsafe\n");
  EXPECT_FALSE(cache.fetch(key, t / "build" / "again"));
}

// config.status as CPython 3.11.2's configure writes it, full and from its
// cache (measured: the two differ in exactly these two names).
TEST(ConfigureCache, TheConfigurationIsConfigStatusDecisionsWithTheTreeAsAPlaceholder) {
  TempDir t;
  const fs::path top = t / "state" / "work" / "build" / "build" / "Python-3.11.3";
  EXPECT_FALSE(steps::configuration_of(top));
  write_file(top / "config.status",
             "#! /bin/sh\nac_pwd='" + top.string() + "'\nS[\"abs_builddir\"]=\"" + top.string() +
                 "\"\nS[\"NO_AS_NEEDED\"]=\"-Wl,--no-as-needed\"\n"
                 "S[\"LIBMPDEC_CFLAGS\"]=\"-I$(srcdir)/Modules/_decimal/libmpdec -DCONFIG_64=1 -DANSI=1 "
                 "-DHAVE_UINT128_T=1\"\nD[\"HAVE_UNISTD_H\"]=\" 1\"\n");
  const auto full = steps::configuration_of(top);
  ASSERT_TRUE(full);
  EXPECT_EQ(*full,
            "S[\"abs_builddir\"]=\"@top@\"\nS[\"NO_AS_NEEDED\"]=\"-Wl,--no-as-needed\"\n"
            "S[\"LIBMPDEC_CFLAGS\"]=\"-I$(srcdir)/Modules/_decimal/libmpdec -DCONFIG_64=1 -DANSI=1 "
            "-DHAVE_UINT128_T=1\"\nD[\"HAVE_UNISTD_H\"]=\" 1\"\n");

  // The same decisions in another tree are the same configuration.
  const fs::path other = t / "elsewhere" / "Python-3.11.3";
  std::string text = read_file(top / "config.status");
  for (size_t at = text.find(top.string()); at != std::string::npos; at = text.find(top.string()))
    text.replace(at, top.string().size(), other.string());
  write_file(other / "config.status", text);
  EXPECT_EQ(steps::configuration_of(other), full);

  const std::string cached =
      "S[\"abs_builddir\"]=\"@top@\"\nS[\"NO_AS_NEEDED\"]=\"\"\n"
      "S[\"LIBMPDEC_CFLAGS\"]=\"-I$(srcdir)/Modules/_decimal/libmpdec -DCONFIG_64=1 -DASM=1\"\n"
      "D[\"HAVE_UNISTD_H\"]=\" 1\"\nD[\"HAVE_NEW\"]=\" 1\"\n";
  EXPECT_EQ(steps::differing_names(*full, cached),
            (std::vector<std::string>{"HAVE_NEW", "LIBMPDEC_CFLAGS", "NO_AS_NEEDED"}));
  EXPECT_TRUE(steps::differing_names(*full, *full).empty());
}

TEST(ConfigureCache, OnlyAConfigureThatTakesACacheFileUsesIt) {
  TempDir t;
  EXPECT_TRUE(steps::configure_takes_cache_file(sample_fixture_dir() / "configure"));
  write_file(t / "configure", "#!/bin/sh\necho hand-written\n");
  EXPECT_FALSE(steps::configure_takes_cache_file(t / "configure"));
  EXPECT_FALSE(steps::configure_takes_cache_file(t / "missing"));
  EXPECT_THROW(configure_cache_key({t / "empty", {}, {}, {}}), std::runtime_error);
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
