// Unpacking a release tarball for a build: any compression libarchive reads,
// tar formats only. Files belong to the current user whatever the archive
// says (git and builds refuse foreign-owned trees), and nothing is written
// outside the destination.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

namespace relman::untar {

struct Stats {
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

// Extracts `tarball` into `dest` (created if missing). Refuses absolute
// paths, ".." components, device nodes and FIFOs; never follows a symlink
// from the archive while writing; drops setuid/setgid bits. `progress` is
// called after each entry. Throws std::runtime_error naming the tarball and
// the entry at fault. A file that cannot be written whole (disk full, quota,
// I/O error, an archive cut short) is an error with the reason and the bytes
// written, and is removed: no partial or zero-padded file is left under the
// entry's name. Entries extracted before it stay.
Stats extract(const std::filesystem::path& tarball, const std::filesystem::path& dest,
              const std::function<void(const Stats&)>& progress = {});

}  // namespace relman::untar
