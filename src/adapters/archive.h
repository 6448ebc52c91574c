// Thin RAII over libarchive for the two things release artifacts need: a tar
// stream built entry by entry, and gzip applied to an arbitrary byte stream.
// Both hand their bytes to a sink instead of a file, so one tree walk can feed
// several compressors and every output can be hashed while it is written.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace relman::archive {

struct WriteFree {
  void operator()(struct ::archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(struct ::archive_entry* e) const { archive_entry_free(e); }
};
using Writer = std::unique_ptr<struct ::archive, WriteFree>;
using Entry = std::unique_ptr<struct ::archive_entry, EntryFree>;

// Receives output bytes; may throw (the exception reaches the caller of the
// writer's method that produced the bytes).
using Sink = std::function<void(const void* data, size_t size)>;

namespace detail {
// What libarchive's write callback reaches: the sink, and where an exception
// thrown by it waits (it must not unwind through libarchive's C frames).
struct SinkState {
  Sink sink;
  std::exception_ptr error;
};
}  // namespace detail

// A reproducible POSIX tar stream (pax "restricted": plain ustar headers, a
// pax extended header only for what ustar cannot hold, such as long names).
// Only what is passed is recorded: no atime, ctime, device or inode numbers,
// uid/gid 0 and empty user and group names. Names are written as given,
// byte for byte, whatever the process locale.
class TarWriter {
 public:
  explicit TarWriter(Sink sink);
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  void directory(const std::string& path, int64_t mtime);  // mode 0755, path ends with '/'
  void file(const std::string& path, const void* data, size_t size, bool executable, int64_t mtime);
  void symlink(const std::string& path, const std::string& target, int64_t mtime);
  // Writes the end-of-archive blocks; the sink sees no bytes after this.
  void finish();

 private:
  void header(struct ::archive_entry* e, const std::string& what);
  [[noreturn]] void fail(const std::string& what);

  detail::SinkState state_;
  Writer w_;
  bool finished_ = false;
};

// gzip (RFC 1952) of a byte stream through libarchive's gzip filter, without
// a file name or a timestamp in the header, so equal input gives equal bytes.
class GzipEncoder {
 public:
  GzipEncoder(int level, Sink sink);
  ~GzipEncoder();
  GzipEncoder(const GzipEncoder&) = delete;
  GzipEncoder& operator=(const GzipEncoder&) = delete;

  void write(const void* data, size_t size);
  void finish();

 private:
  [[noreturn]] void fail(const std::string& what);

  detail::SinkState state_;
  Writer w_;
  bool finished_ = false;
};

}  // namespace relman::archive
