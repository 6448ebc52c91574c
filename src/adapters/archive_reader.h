// Reading an archive entry by entry without unpacking it: what a step needs
// to look inside a release tarball (hash every file, read one member) or a
// wheel. RAII over libarchive's reader.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

struct archive;

namespace relman::archive {

enum class ReadFormat { tar, zip };  // tar: any compression libarchive reads

struct EntryInfo {
  std::string name;  // as stored, byte for byte
  enum class Type { file, directory, symlink, hardlink, other } type = Type::other;
  int64_t size = 0;  // declared size; 0 when unknown
};

class Reader {
 public:
  // Throws std::runtime_error naming the archive when it cannot be opened.
  Reader(const std::filesystem::path& path, ReadFormat format);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // The next entry's header; false at the end. Throws on a damaged archive.
  bool next(EntryInfo& out);
  // The current entry's data, block by block. An entry cut short, or one
  // larger than `max_bytes`, throws.
  void read(const std::function<void(std::string_view)>& block, uint64_t max_bytes = uint64_t{1} << 32);
  // The current entry's data in memory, at most `max_bytes`.
  std::string read_all(uint64_t max_bytes = uint64_t{256} << 20);

 private:
  struct Free {
    void operator()(struct ::archive* a) const;
  };
  std::string where_;
  std::unique_ptr<struct ::archive, Free> a_;
  EntryInfo current_;
};

}  // namespace relman::archive
