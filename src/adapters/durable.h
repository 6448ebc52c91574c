// Durable file writes. Every state write goes through here: the journal and
// the artifacts must survive a crash or power loss the moment relman moves on.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace relman::durable {

// Writes `content` to a temporary file in temp_dir_for(path), fsyncs it,
// renames it over `path` and fsyncs the directory. Readers see the old or the
// new file; a crash leaves the temporary file where no git operation, export
// or upload listing can see it.
void write_atomic(const std::filesystem::path& path, std::string_view content, int mode = 0644);

// Where a file about to be renamed onto `target` is written first: the
// enclosing relman state directory's tmp/ (the nearest parent holding a
// journal.jsonl), else the enclosing work tree's $GIT_DIR/relman/tmp/, else
// (a file outside both, e.g. `report -o`) beside the target. Created on
// demand. Throws std::system_error when that place is on another filesystem
// than the target (the rename would not be atomic).
std::filesystem::path temp_dir_for(const std::filesystem::path& target);

// A fresh name for a temporary file of `target` in temp_dir_for(target):
// "<pid>-<random>-<name>", so a later process can tell whose it is.
std::filesystem::path temp_path_for(const std::filesystem::path& target);

// Removes what other processes left in a temp place: in `dir`, every entry
// named "<pid>-..." that is not this process's (`all_but_mine`, for a place
// only the holder of a run's lock writes to), or whose pid is no longer alive
// (a place several runs share). Returns the paths removed.
std::vector<std::filesystem::path> remove_stale_temp_files(const std::filesystem::path& dir, bool all_but_mine);

// Is `name` the file name of one of relman's temporary files?
bool is_temp_name(const std::string& name);

// fsync a file or a directory by path.
void fsync_path(const std::filesystem::path& path);

// create_directories, then fsync each directory that was created and its
// parent, so the new entries are durable.
void create_directories_durable(const std::filesystem::path& dir);

std::string read_file(const std::filesystem::path& path);

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  explicit operator bool() const { return fd_ >= 0; }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// write(2) until done; throws std::system_error.
void write_all(int fd, std::string_view data);

}  // namespace relman::durable
