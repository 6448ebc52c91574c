// A tree's files as stat(2) sees them, before and after a command, to tell
// what the command wrote: configure's outputs are the files it created or
// changed, and nothing else in the tree is touched by keeping them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

struct stat;

namespace relman::steps {

struct TreeEntry {
  char type = 'o';  // 'f' regular file, 'd' directory, 'l' symlink, 'o' anything else
  uint32_t mode = 0;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const TreeEntry&) const = default;
};

// st_mtim in nanoseconds since the epoch.
int64_t mtime_ns(const struct ::stat& st);

// Relative path ("Modules/Setup") -> entry; the top itself is not listed.
using TreeSnapshot = std::map<std::string, TreeEntry>;

// Throws std::system_error when the tree cannot be read.
TreeSnapshot snapshot_tree(const std::filesystem::path& top);

struct TreeChanges {
  std::vector<std::string> written;  // created or changed, in path order (a directory before what it holds)
  std::vector<std::string> removed;  // there before, gone after
};

// Directories that only changed their mtime (an entry was added to them)
// are not written: only new ones are.
TreeChanges tree_changes(const TreeSnapshot& before, const TreeSnapshot& after);

// The names directly in `dir` ("." for the top), sorted, one per line.
std::string listing_of(const TreeSnapshot& tree, const std::string& dir);

}  // namespace relman::steps
