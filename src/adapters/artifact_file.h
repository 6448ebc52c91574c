// An artifact written so that a crash never leaves a file that looks
// complete: bytes go to a temporary file in durable::temp_dir_for(target), hashed as
// they pass; commit() fsyncs, renames it into place and fsyncs the directory.
// Dropped without commit(), the temporary file is removed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "adapters/durable.h"
#include "adapters/sha256.h"

namespace relman {

class ArtifactFile {
 public:
  // Throws std::system_error naming the directory when it cannot be written.
  explicit ArtifactFile(std::filesystem::path target);
  ~ArtifactFile();
  ArtifactFile(const ArtifactFile&) = delete;
  ArtifactFile& operator=(const ArtifactFile&) = delete;

  void write(const void* data, size_t size);
  // Makes the file durable under its final name (mode 0644, whatever the
  // umask) and returns the SHA-256 of its bytes.
  std::string commit();

  uint64_t size() const { return size_; }
  const std::filesystem::path& target() const { return target_; }

 private:
  std::filesystem::path target_;
  std::filesystem::path tmp_;
  durable::Fd fd_;
  Sha256 hash_;
  uint64_t size_ = 0;
  bool committed_ = false;
};

}  // namespace relman
