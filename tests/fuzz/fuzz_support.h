// Shared by the fuzz targets: a scratch file for APIs that read files, and
// the rule that an unexpected exception is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

namespace relman::fuzz {

// One file per process, rewritten for each input.
inline const std::filesystem::path& scratch_file(const char* name) {
  static const std::filesystem::path path = [name] {
    char dir[] = "/tmp/relman-fuzz-XXXXXX";
    if (!::mkdtemp(dir)) std::abort();
    return std::filesystem::path(dir) / name;
  }();
  return path;
}

inline const std::filesystem::path& write_scratch(const char* name, const uint8_t* data, size_t size) {
  const auto& path = scratch_file(name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

// An exception no caller of the API is prepared for: report and crash, so
// libFuzzer keeps the input.
[[noreturn]] inline void unexpected(const char* where, const std::exception& e) {
  std::fprintf(stderr, "%s: unexpected exception: %s\n", where, e.what());
  std::abort();
}

[[noreturn]] inline void broken(const char* what) {
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

}  // namespace relman::fuzz
