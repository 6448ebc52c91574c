#include "adapters/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <random>
#include <sstream>
#include <system_error>
#include <vector>

namespace relman::fs {

namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

}  // namespace

Fd::~Fd() { reset(); }

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) reset(o.release());
  return *this;
}

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

void write_all(int fd, std::string_view data) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "write");
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void fsync_path(const std::filesystem::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) fail("cannot open for fsync", path);
  if (::fsync(fd.get()) != 0) fail("fsync failed on", path);
}

void write_atomic(const std::filesystem::path& path, std::string_view content, int mode) {
  auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  std::random_device rd;
  auto tmp = dir / (".tmp." + path.filename().string() + "." + std::to_string(rd()));
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (!fd) fail("cannot create", tmp);
    try {
      write_all(fd.get(), content);
      if (::fsync(fd.get()) != 0) fail("fsync failed on", tmp);
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    errno = e;
    fail("cannot rename onto", path);
  }
  fsync_path(dir);
}

void create_directories_durable(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> created;
  for (auto p = dir; !p.empty() && !std::filesystem::exists(p); p = p.parent_path()) {
    created.push_back(p);
    if (p == p.parent_path()) break;
  }
  std::filesystem::create_directories(dir);
  for (const auto& p : created) {
    fsync_path(p);
    auto parent = p.parent_path().empty() ? std::filesystem::path(".") : p.parent_path();
    fsync_path(parent);
  }
}

std::string read_file(const std::filesystem::path& path) {
  // One buffer sized from fstat, filled by read(2): no stream copies of
  // what may be a long journal.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) fail("cannot read", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail("cannot read", path);
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  for (;;) {
    char more[16 * 1024];  // past the size fstat gave: the file grew, or is not a regular file
    bool full = got == data.size();
    ssize_t n = full ? ::read(fd.get(), more, sizeof more) : ::read(fd.get(), data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read", path);
    if (n == 0) break;
    if (full) data.append(more, static_cast<size_t>(n)); else got += static_cast<size_t>(n);
    if (full) got = data.size();
  }
  data.resize(got);
  return data;
}

}  // namespace relman::fs
