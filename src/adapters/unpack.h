// Unpacking an archive that came from elsewhere (a release tarball for a
// build, a CI run's artifact zip) under one set of rules, whatever its format:
// nothing is written outside the destination, files belong to the current
// user whatever the archive says (git and builds refuse foreign-owned trees),
// sizes are capped, and a file that cannot be written whole is an error, never
// a short or zero-padded file under its name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

namespace relman::unpack {

struct Stats {
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

// Bounds on what one archive may unpack to, counted in bytes actually
// written (an archive's headers may lie). The defaults are far above a
// CPython release and far below a decompression bomb's reach.
struct Limits {
  uint64_t max_entry_bytes = uint64_t{4} << 30;   // one file
  uint64_t max_total_bytes = uint64_t{16} << 30;  // the whole archive
  uint64_t max_entries = 1'000'000;
};

struct Options {
  Limits limits;
  // fsync every file and directory written before returning, for callers
  // that rename the result into place as one step.
  bool durable = false;
  // Called after each entry.
  std::function<void(const Stats&)> progress;
};

// The rules, for both formats: an entry must be a file, a directory or a
// symlink (device nodes and FIFOs are refused); its name must be relative
// without '..'; a hard link must name such a path; a symlink must point
// inside the destination, and nothing is ever written through one; setuid,
// setgid and sticky bits are dropped and the owner may always read and write.
// Any violation, a limit exceeded, a write that fails (disk full, quota, I/O
// error) or an entry cut short throws std::runtime_error naming the archive
// and the entry; the file at fault is removed, entries extracted before it
// stay. `dest` is created if missing.

// A tar archive in any compression libarchive reads.
Stats tar(const std::filesystem::path& archive, const std::filesystem::path& dest, const Options& options = {});

// A zip archive.
Stats zip(const std::filesystem::path& archive, const std::filesystem::path& dest, const Options& options = {});

}  // namespace relman::unpack
