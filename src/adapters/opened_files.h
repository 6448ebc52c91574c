// Which files and directories of a tree were opened while it was watched,
// by any process: what a configure script read, so that its outputs can be
// kept and trusted only while those files are unchanged.
#pragma once

#include <filesystem>
#include <memory>
#include <set>
#include <string>

namespace relman {

// Paths relative to the watched root, "." for the root itself.
struct OpenedPaths {
  std::set<std::string> files;
  std::set<std::string> dirs;  // directories whose listing was read
  // False when some open may be missing (the kernel's event queue
  // overflowed): the sets are then not the whole truth.
  bool complete = true;
};

// inotify (IN_OPEN) on every directory of the tree as it is when watching
// starts, drained by a thread of its own, so the thousands of opens of a
// configure run never fill the kernel's queue. Directories created later are
// not watched: what they hold did not exist before and is no input.
class OpenedFiles {
 public:
  // Throws std::system_error when inotify cannot watch the tree (no inotify,
  // or fs.inotify.max_user_watches too low for its directories).
  explicit OpenedFiles(const std::filesystem::path& root);
  ~OpenedFiles();
  OpenedFiles(const OpenedFiles&) = delete;
  OpenedFiles& operator=(const OpenedFiles&) = delete;

  // Stops watching and returns what was opened. Call it after the watched
  // processes have exited: their events are all queued by then, and are
  // read before this returns.
  OpenedPaths stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace relman
