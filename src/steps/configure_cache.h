// What ./configure wrote, kept between builds of the same tree with the
// same toolchain, so a release manager's second rehearsal does not wait a
// minute or more for a few hundred test compiles whose answers cannot have
// changed. An entry is found by a key over everything configure's answers
// depend on outside the tree, and holds only while what configure read in
// the tree is unchanged; a stale entry is never patched, only missed.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "adapters/opened_files.h"
#include "steps/tree_snapshot.h"

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

// What a full configure left, kept under its key: the files it wrote or
// changed in the tree (the tree's path replaced by a placeholder), the ones
// it removed, and what it read there to decide them.
struct ConfigureEntry {
  struct Output {
    std::string path;  // relative to the tree
    char type = 'f';   // 'f' a file, 'd' a directory
    uint32_t mode = 0;
    int64_t offset_ns = 0;  // mtime after the earliest output's
    std::string sha256;     // of the kept bytes (placeholder in)
  };
  std::vector<Output> outputs;
  std::vector<std::string> removed;
  std::map<std::string, std::string> inputs;    // a file configure opened -> its SHA-256
  std::map<std::string, std::string> listings;  // a directory it read or read in -> SHA-256 of its names
  double configure_seconds = 0;
};

// The entries: <dir>/<key>/ holds entry.json and files/ (the outputs). The
// key (configure_cache_key) covers the toolchain and the system; an entry
// holds for a tree only while every file configure opened in it has the
// same bytes and every directory it opened or read a file in has the same
// names, so a release that edits Makefile.pre.in, or adds a Modules/Setup.local
// that configure only tests for, configures afresh. configure's outputs are
// then what a full run would write, without running it: answers cached
// inside configure (config.cache) are not trusted, because CPython 3.11's
// configure decides differently with them (NO_AS_NEEDED, libmpdec's
// variant; docs/performance.md).
class ConfigureCache {
 public:
  explicit ConfigureCache(std::filesystem::path dir) : dir_(std::move(dir)) {}
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path entry(const std::string& key) const { return dir_ / key; }

  struct Lookup {
    std::optional<ConfigureEntry> entry;  // set on a hit
    std::string why;                      // on a miss: what differs, in words
  };
  // The entry for `key`, if `top` (unpacked, not yet configured) has the
  // inputs it was made from.
  Lookup find(const std::string& key, const std::filesystem::path& top) const;

  // Writes the entry's outputs into `top` with its path for the placeholder,
  // their modes, and mtimes from now in their original order and spacing
  // (so make finds Makefile newer than Makefile.pre and config.status, and
  // reruns neither); removes what configure removed. Returns how many
  // outputs were written. Throws std::runtime_error when a kept file is not
  // what the entry says (damaged): drop the entry and configure.
  size_t restore(const std::string& key, const ConfigureEntry& entry, const std::filesystem::path& top) const;

  // Keeps what a full configure did to `top`, given the tree before it and
  // what it opened. Returns why nothing was kept, or nullopt when it was. An
  // output naming any of `private_paths` (the state directory) other than
  // as the tree's path is not kept: another build could not use it.
  std::optional<std::string> store(const std::string& key, const std::filesystem::path& top, const TreeSnapshot& before,
                                   const TreeSnapshot& after, const OpenedPaths& opened,
                                   const std::vector<std::string>& private_paths, double configure_seconds) const;

  // Removes the entry, so the next build configures afresh.
  void drop(const std::string& key) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace relman::steps
