// ./configure's results (autoconf's config.cache) kept between builds of
// the same tree with the same toolchain, so a release manager's second
// rehearsal does not wait minutes for a few hundred uncacheable test
// compiles whose answers cannot have changed. An entry is found by a key
// over everything the answers depend on; anything that could change one
// answer changes the key, and a stale entry is never patched, only missed.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace relman::steps {

struct ConfigureCacheInputs {
  std::filesystem::path tree;                // the unpacked top directory (configure, configure.ac)
  std::vector<std::string> args;             // configure's arguments
  std::map<std::string, std::string> env;    // the whole environment configure runs in
  std::vector<std::filesystem::path> watch;  // directories whose contents shape the answers
};

// What the key was made of, in words, for the step's log.
struct ConfigureCacheKey {
  std::string digest;               // hex SHA-256
  std::vector<std::string> inputs;  // "configure sha256 …", "gcc /usr/bin/x86_64-linux-gnu-gcc-12 sha256 …"
};

// The key covers:
//  - the bytes of configure, configure.ac and aclocal.m4 (the tests
//    themselves);
//  - configure's arguments;
//  - the variables configure reads from the environment: PATH, CC, CXX,
//    CPP, every *FLAGS, LIBS, every *_CFLAGS and *_LIBS (pkg-config's
//    precious variables), PKG_CONFIG*, CONFIG_SITE, CONFIG_SHELL, MACHDEP;
//  - the compilers: each program CC and CXX name (or gcc, cc, c++, g++,
//    clang when unset) found on PATH, by its resolved path and the SHA-256
//    of its bytes, so an upgraded compiler is a new key;
//  - the system's headers and libraries: the path and modification time of
//    every directory up to three levels below each `watch` directory.
//    Installing or upgrading a package creates or renames files in them, so
//    a library installed since (configure said "no") is a new key.
// Throws std::runtime_error when configure cannot be read.
ConfigureCacheKey configure_cache_key(const ConfigureCacheInputs& in);

// The default `watch`: /usr/include, /usr/local/include, /usr/lib,
// /usr/local/lib.
std::vector<std::filesystem::path> default_configure_cache_watch();

// $XDG_CACHE_HOME/relman/configure, else $HOME/.cache/relman/configure.
std::filesystem::path default_configure_cache_dir();

// True when the script takes --cache-file (every autoconf configure does);
// another project's hand-written configure is run as it is.
bool configure_takes_cache_file(const std::filesystem::path& configure);

// What configure decided, as config.status records it: its substitutions
// and defines (S["NAME"]="value", D["NAME"]=" value") in order, with the
// build tree's path written as @top@. nullopt when configure wrote no
// config.status (not autoconf's: its answers cannot be checked).
std::optional<std::string> configuration_of(const std::filesystem::path& top);

// The names whose value differs between two configurations, or that only
// one has.
std::vector<std::string> differing_names(const std::string& a, const std::string& b);

// The entries: <dir>/<key>.cache, config.cache as a full configure left it,
// beside <key>.config, the configuration that configure gave. An answer
// cache is only as good as configure's own use of it: CPython 3.11's
// configure sets NO_AS_NEEDED only when it runs the check, and picks
// libmpdec's variant before it has run the check whose cached answer
// changes the pick. So a hit counts only when `./configure -C` gives the
// same configuration as the full run did; when it does not, the key is
// marked <key>.unsafe (with the names that differed) and configure runs in
// full, now and for every later build with that key.
class ConfigureCache {
 public:
  explicit ConfigureCache(std::filesystem::path dir) : dir_(std::move(dir)) {}
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path entry(const std::string& key) const;
  // Copies the entry to `to`; false when there is none.
  bool fetch(const std::string& key, const std::filesystem::path& to) const;
  // The configuration the full configure gave, kept with the entry.
  std::optional<std::string> configuration(const std::string& key) const;
  // Keeps `from` as the entry with the configuration it came with, each
  // written atomically (two rehearsals storing the same key at once each
  // leave whole files).
  void store(const std::string& key, const std::filesystem::path& from, const std::string& configuration) const;
  // Removes the entry, so the next build runs configure afresh.
  void drop(const std::string& key) const;
  // Drops the entry and keeps `names` as the reason configure's answers
  // for this key are not kept again.
  void mark_unsafe(const std::string& key, const std::vector<std::string>& names) const;
  // The names a cached configure got wrong for this key; nullopt if none did.
  std::optional<std::string> unsafe(const std::string& key) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace relman::steps
