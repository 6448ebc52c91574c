// Where blurb's files are read from: a working tree on disk, or the tree of
// a commit (the tag being released), through one small interface.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "adapters/git.h"

namespace relman::news {

struct DirEntry {
  std::string name;
  bool is_dir = false;
};

class Tree {
 public:
  virtual ~Tree() = default;
  // The entries of the directory `dir` ("Misc/NEWS.d", "/"-separated,
  // relative to the root), sorted by name; none when it is not a directory.
  virtual std::vector<DirEntry> list(const std::string& dir) const = 0;
  virtual bool exists(const std::string& path) const = 0;
  // A file's bytes; throws NewsError when it cannot be read.
  virtual std::string read(const std::string& path) const = 0;
};

// The files on disk under `root` (symbolic links followed, as blurb's
// open() does).
class DiskTree : public Tree {
 public:
  explicit DiskTree(std::filesystem::path root) : root_(std::move(root)) {}
  std::vector<DirEntry> list(const std::string& dir) const override;
  bool exists(const std::string& path) const override;
  std::string read(const std::string& path) const override;

 private:
  std::filesystem::path root_;
};

// The tree of one commit, read from the object database: what a tag holds,
// whatever the working tree says.
class CommitTree : public Tree {
 public:
  CommitTree(git_repository* repo, git_commit* commit);
  std::vector<DirEntry> list(const std::string& dir) const override;
  bool exists(const std::string& path) const override;
  std::string read(const std::string& path) const override;

 private:
  git_repository* repo_;
  git::Tree tree_;
};

}  // namespace relman::news
