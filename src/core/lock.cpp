#include "core/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "core/errors.h"

namespace relman {

RunLock::RunLock(const std::filesystem::path& state_dir) {
  auto path = state_dir / "lock";
  // O_CREAT without O_TRUNC: a second process must not disturb the holder's pid.
  fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd_) throw StateError(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  if (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    ssize_t n = ::pread(fd_.get(), buf, sizeof buf - 1, 0);
    std::string holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    throw LockError(
        fmt::format("another relman (pid {}) is driving the run in {}; wait for it to finish or stop it first", holder,
                    state_dir.string()));
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_.get(), 0) == 0) (void)!::pwrite(fd_.get(), pid.data(), pid.size(), 0);
}

}  // namespace relman
