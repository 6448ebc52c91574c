#include "adapters/untar.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

namespace relman::untar {

namespace {

struct ReadFree {
  void operator()(struct ::archive* a) const { archive_read_free(a); }
};
struct WriteFree {
  void operator()(struct ::archive* a) const { archive_write_free(a); }
};

std::string error_of(struct ::archive* a) {
  const char* s = archive_error_string(a);
  return s ? s : "unknown libarchive error";
}

// The error of the disk writer with its errno spelled out, and what to do
// when the disk is full: a release manager sees this, not libarchive.
std::string write_error_of(struct ::archive* a) {
  const int err = archive_errno(a);
  std::string s = error_of(a);
  if (err > 0 && s.find(std::strerror(err)) == std::string::npos) s += fmt::format(" ({})", std::strerror(err));
  if (err == ENOSPC || err == EDQUOT) s += "; free some space there and try again";
  return s;
}

// An entry that could not be written whole must not stay behind under its
// own name, where a build would take it for the real file. Only a regular
// file is removed: the writer created it for this entry (directories and
// links are whole or absent). The parent path was checked for symlinks by
// the writer when it created the file.
[[noreturn]] void fail_entry(const std::filesystem::path& path, const std::string& message) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) ::unlink(path.c_str());
  throw std::runtime_error(message);
}

// A relative path that stays inside the destination.
bool safe_relative(const std::string& name) {
  if (name.empty() || name.front() == '/') return false;
  for (const auto& part : std::filesystem::path(name))
    if (part == "..") return false;
  return true;
}

}  // namespace

Stats extract(const std::filesystem::path& tarball, const std::filesystem::path& dest,
              const std::function<void(const Stats&)>& progress) {
  const std::string where = "tarball " + tarball.string();
  std::unique_ptr<struct ::archive, ReadFree> in(archive_read_new());
  std::unique_ptr<struct ::archive, WriteFree> out(archive_write_disk_new());
  if (!in || !out) throw std::runtime_error("out of memory opening " + where);
  archive_read_support_filter_all(in.get());
  archive_read_support_format_tar(in.get());
  if (archive_read_open_filename(in.get(), tarball.c_str(), 1 << 16) != ARCHIVE_OK)
    throw std::runtime_error("cannot read " + where + ": " + error_of(in.get()));

  // No ARCHIVE_EXTRACT_OWNER and no ARCHIVE_EXTRACT_PERM: files belong to
  // us and modes go through the umask, as with a non-root `tar x`.
  archive_write_disk_set_options(out.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                                ARCHIVE_EXTRACT_SECURE_NODOTDOT);
  std::filesystem::create_directories(dest);
  // Canonical: libarchive refuses to write through a symlink anywhere in
  // the path, and a symlinked /tmp or state directory is not an attack.
  const auto root = std::filesystem::canonical(dest);

  Stats stats;
  struct ::archive_entry* entry = nullptr;
  while (true) {
    int rc = archive_read_next_header(in.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) throw std::runtime_error("cannot read " + where + ": " + error_of(in.get()));
    const char* raw = archive_entry_pathname(entry);
    const std::string name = raw ? raw : "";
    if (!safe_relative(name))
      throw std::runtime_error(where + " holds an unsafe path '" + name +
                               "' (absolute or with '..'); refusing to extract it");
    auto type = archive_entry_filetype(entry);
    if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
      throw std::runtime_error(where + " holds '" + name + "', which is not a file, directory or symlink");
    if (const char* link = archive_entry_hardlink(entry)) {
      if (!safe_relative(link))
        throw std::runtime_error(where + " holds a hard link '" + name + "' to an unsafe path '" + link + "'");
      archive_entry_set_hardlink(entry, (root / link).c_str());
    }
    // The destination is prefixed here rather than by chdir(): the working
    // directory is shared by every thread of the process.
    archive_entry_set_pathname(entry, (root / name).c_str());
    archive_entry_set_perm(entry, archive_entry_perm(entry) & 0777);

    const auto final_path = root / name;
    if (archive_write_header(out.get(), entry) < ARCHIVE_WARN)
      throw std::runtime_error("cannot extract '" + name + "' from " + where + ": " + write_error_of(out.get()));
    if (archive_entry_size(entry) > 0) {
      const auto expected = static_cast<uint64_t>(archive_entry_size(entry));
      uint64_t written = 0;
      const void* block = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      while ((rc = archive_read_data_block(in.get(), &block, &size, &offset)) == ARCHIVE_OK) {
        // libarchive reports a failed write(2) (ENOSPC, EIO, EDQUOT) as a mere
        // ARCHIVE_WARN and would carry on: the next block lands after a hole
        // and finishing the entry pads the file to its size with zeros, a
        // file that looks complete. Anything but OK is the end of this file.
        const la_ssize_t w = archive_write_data_block(out.get(), block, size, offset);
        if (w != ARCHIVE_OK)
          fail_entry(final_path,
                     fmt::format("cannot write '{}' from {} ({} of {} bytes written): {}", name, where, written, expected,
                                 write_error_of(out.get())));
        written += size;
        stats.bytes += size;
      }
      if (rc != ARCHIVE_EOF)
        fail_entry(final_path, "cannot read '" + name + "' from " + where + ": " + error_of(in.get()));
      // A sparse entry has holes that carry no data; any other entry must
      // have delivered every byte its header promised.
      if (archive_entry_sparse_count(entry) == 0 && written != expected)
        fail_entry(final_path,
                   fmt::format("'{}' in {} is cut short: {} of {} bytes", name, where, written, expected));
    }
    // Finishing a regular file sets its size and time: a warning there is a
    // file make would misjudge, so it counts; other entries may warn.
    const int finished = archive_write_finish_entry(out.get());
    if (finished < ARCHIVE_WARN || (type == AE_IFREG && finished != ARCHIVE_OK))
      fail_entry(final_path, "cannot finish '" + name + "' from " + where + ": " + write_error_of(out.get()));
    ++stats.entries;
    if (progress) progress(stats);
  }
  // Closing applies deferred directory times and modes.
  if (archive_write_close(out.get()) < ARCHIVE_WARN)
    throw std::runtime_error("cannot finish extracting " + where + ": " + error_of(out.get()));
  return stats;
}

}  // namespace relman::untar
