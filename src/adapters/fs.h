// Durable file writes. Every state write goes through here: the journal and
// the artifacts must survive a crash or power loss the moment relman moves on.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace relman::fs {

// Writes `content` to a temporary file beside `path`, fsyncs it, renames it
// over `path` and fsyncs the directory. Readers see the old or the new file.
void write_atomic(const std::filesystem::path& path, std::string_view content, int mode = 0644);

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

}  // namespace relman::fs
