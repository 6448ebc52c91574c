#include "adapters/durable.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <system_error>
#include <vector>

namespace relman::durable {

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
  auto tmp = temp_path_for(path);
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

namespace {

// The git directory a work tree's ".git" names: the directory itself, or the
// "gitdir: X" line of a .git file (linked worktrees, submodules).
std::filesystem::path git_dir_of(const std::filesystem::path& dot_git) {
  std::error_code ec;
  if (std::filesystem::is_directory(dot_git, ec)) return dot_git;
  std::ifstream in(dot_git);
  std::string line;
  if (!std::getline(in, line) || line.rfind("gitdir: ", 0) != 0) return {};
  std::filesystem::path p = line.substr(8);
  return p.is_absolute() ? p : dot_git.parent_path() / p;
}

}  // namespace

std::filesystem::path temp_dir_for(const std::filesystem::path& target) {
  std::error_code ec;
  auto dir = std::filesystem::absolute(target, ec).parent_path();
  if (ec) fail("cannot resolve", target);
  std::filesystem::path place;
  for (auto p = dir; !p.empty(); p = p.parent_path()) {
    if (std::filesystem::exists(p / "journal.jsonl", ec)) {
      place = p / "tmp";
      break;
    }
    if (std::filesystem::exists(p / ".git", ec)) {
      auto git_dir = git_dir_of(p / ".git");
      if (!git_dir.empty()) place = git_dir / "relman" / "tmp";
      break;
    }
    if (p == p.parent_path()) break;
  }
  if (place.empty()) return dir;
  std::filesystem::create_directories(place, ec);
  if (ec) throw std::system_error(ec, "cannot create the temporary directory " + place.string());
  struct stat a {
  }, b{};
  if (::stat(place.c_str(), &a) == 0 && ::stat(dir.c_str(), &b) == 0 && a.st_dev != b.st_dev)
    throw std::system_error(EXDEV, std::generic_category(),
                            "cannot write " + target.string() + " atomically: its temporary place " + place.string() +
                                " is on another filesystem");
  return place;
}

std::filesystem::path temp_path_for(const std::filesystem::path& target) {
  std::random_device rd;
  return temp_dir_for(target) /
         (std::to_string(::getpid()) + "-" + std::to_string(rd()) + "-" + target.filename().string());
}

bool is_temp_name(const std::string& name) {
  // What relman versions before the temp places left beside their targets:
  // ".tmp.NAME.N" (write_atomic), ".NAME.tmp.XXXXXX" (artifacts), ".part.NAME"
  // (downloads, sandbox uploads). Today's temp files never sit in a work tree.
  if (name.rfind(".tmp.", 0) == 0 || name.rfind(".part.", 0) == 0) return true;
  return name.size() > 12 && name[0] == '.' && name.compare(name.size() - 11, 5, ".tmp.") == 0;
}

std::vector<std::filesystem::path> remove_stale_temp_files(const std::filesystem::path& dir, bool all_but_mine) {
  std::vector<std::filesystem::path> removed;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    size_t dash = name.find('-');
    if (dash == 0 || dash == std::string::npos || name.find_first_not_of("0123456789") != dash) continue;
    long pid = std::strtol(name.c_str(), nullptr, 10);
    if (pid == ::getpid()) continue;
    bool alive = pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
    if (alive && !all_but_mine) continue;
    std::error_code rm;
    std::filesystem::remove_all(e.path(), rm);
    if (!rm) removed.push_back(e.path());
  }
  return removed;
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
    if (full) data.append(more, static_cast<size_t>(n));
    else got += static_cast<size_t>(n);
    if (full) got = data.size();
  }
  data.resize(got);
  return data;
}

}  // namespace relman::durable
