// A directory that exists for one test and is removed after it. Paths stay
// short (/tmp/rm-XXXXXX) because gpg-agent's socket path must be < ~86 chars.
#pragma once

#include <filesystem>
#include <string>

namespace relman::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& p) const { return path_ / p; }

 private:
  std::filesystem::path path_;
};

void write_file(const std::filesystem::path& path, const std::string& content);
std::string read_file(const std::filesystem::path& path);

}  // namespace relman::test
