// Exports the tree of a commit as reproducible compressed tarballs, reading
// blobs straight from the object database (no checkout, no uncompressed tar
// on disk). The tar stream is produced once and fanned out to one thread per
// compressor; each output is hashed while it is written and renamed into
// place only when complete.
#pragma once

#include <git2.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace relman {

enum class TarballFormat { tgz, txz };

// "tgz" / "txz" (also "tar.gz" / "tar.xz"); throws std::invalid_argument.
TarballFormat parse_tarball_format(const std::string& s);
// The file name suffix: ".tgz" or ".tar.xz".
std::string tarball_suffix(TarballFormat f);

// A file from disk put into the tarballs at `path` (relative to the tree
// root, in a directory the exported tree has), as a regular file with the
// same mode, owner and mtime rules as the tree's; it replaces a tree entry
// of the same path.
struct AddedFile {
  std::string path;
  std::filesystem::path from;
};

struct TreeExportOptions {
  std::string prefix;                  // top directory inside the tarballs
  std::vector<TarballFormat> formats;  // in output order
  std::vector<std::string> exclude;    // fnmatch patterns on tree-relative paths
  std::vector<AddedFile> add;          // never excluded
  int gzip_level = 9;
  int xz_level = 6;
  unsigned xz_threads = 1;     // does not change the bytes
  uint64_t xz_block_size = 0;  // 0: xz::default_block_size
  // The compressor threads (and the encoder threads they start) run at idle
  // CPU priority: a build beside the export goes first. The bytes do not
  // change.
  bool idle_priority = false;
  std::filesystem::path out_dir;
  // Called now and then from the exporting thread.
  std::function<void(size_t files_done, size_t files_total, uint64_t bytes_read)> progress;
};

struct ExportedTarball {
  TarballFormat format;
  std::filesystem::path path;  // out_dir / (prefix + suffix)
  uint64_t size = 0;
  std::string sha256;
};

struct TreeExportResult {
  std::vector<ExportedTarball> tarballs;
  size_t entries = 0;      // tar entries written (directories, files, links)
  size_t excluded = 0;     // tree entries dropped by `exclude` (a directory counts once)
  uint64_t tar_bytes = 0;  // size of the uncompressed tar stream
};

// True when `path` (relative to the tree root, no trailing slash) matches
// one of the patterns; `*` and `?` also match '/'.
bool path_excluded(const std::string& path, const std::vector<std::string>& patterns);

// Entries are written in GNU tar's --sort=name order (each directory's names
// sorted bytewise, a directory followed by its contents), all with the
// commit's time, owner and group 0, modes as `--mode=go+u,go-w` makes them
// from git's (0644, 0755; symlinks 0755). Throws std::invalid_argument for an
// added file whose directory is not in the exported tree.
TreeExportResult export_tree(git_repository* repo, git_commit* commit, const TreeExportOptions& opts);

}  // namespace relman
