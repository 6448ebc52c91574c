// One process drives a run: an exclusive flock on <state>/lock, held for the
// life of the object. The kernel drops it if the process dies, so a crash
// never leaves a stale lock behind.
#pragma once

#include <filesystem>

#include "adapters/durable.h"

namespace relman {

class RunLock {
 public:
  // Throws LockError (exit 4) naming the holder's pid when taken; writes
  // nothing in that case.
  explicit RunLock(const std::filesystem::path& state_dir);

 private:
  durable::Fd fd_;
};

}  // namespace relman
