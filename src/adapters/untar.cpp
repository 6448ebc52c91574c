#include "adapters/untar.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

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

    if (archive_write_header(out.get(), entry) < ARCHIVE_WARN)
      throw std::runtime_error("cannot extract '" + name + "' from " + where + ": " + error_of(out.get()));
    if (archive_entry_size(entry) > 0) {
      const void* block = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      while ((rc = archive_read_data_block(in.get(), &block, &size, &offset)) == ARCHIVE_OK) {
        if (archive_write_data_block(out.get(), block, size, offset) < ARCHIVE_WARN)
          throw std::runtime_error("cannot write '" + name + "': " + error_of(out.get()));
        stats.bytes += size;
      }
      if (rc != ARCHIVE_EOF)
        throw std::runtime_error("cannot read '" + name + "' from " + where + ": " + error_of(in.get()));
    }
    if (archive_write_finish_entry(out.get()) < ARCHIVE_WARN)
      throw std::runtime_error("cannot finish '" + name + "': " + error_of(out.get()));
    ++stats.entries;
    if (progress) progress(stats);
  }
  // Closing applies deferred directory times and modes.
  if (archive_write_close(out.get()) < ARCHIVE_WARN)
    throw std::runtime_error("cannot finish extracting " + where + ": " + error_of(out.get()));
  return stats;
}

}  // namespace relman::untar
