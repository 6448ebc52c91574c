#include "adapters/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "adapters/durable.h"

namespace relman::unpack {

namespace {

namespace fs = std::filesystem;

enum class Format { tar, zip };

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
[[noreturn]] void fail_entry(const fs::path& path, const std::string& message) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) ::unlink(path.c_str());
  throw std::runtime_error(message);
}

// A relative path that stays inside the destination.
bool safe_relative(const std::string& name) {
  if (name.empty() || name.front() == '/') return false;
  for (const auto& part : fs::path(name))
    if (part == "..") return false;
  return true;
}

// A symlink's target read from where the link sits: relative, and not
// climbing above the destination on paper. Links through links are checked
// on disk once everything is written (see confined()).
bool link_stays_inside(const std::string& name, const std::string& target) {
  if (target.empty() || target.front() == '/') return false;
  const auto resolved = (fs::path(name).parent_path() / target).lexically_normal();
  return resolved.empty() || *resolved.begin() != "..";
}

// Where `link` finally points, following every link on disk, is under `root`.
bool confined(const fs::path& link, const fs::path& root) {
  std::error_code ec;
  const auto points_to = fs::read_symlink(link, ec);
  if (ec) return false;
  const auto target = fs::weakly_canonical(link.parent_path() / points_to, ec);
  if (ec) return false;
  const auto rel = target.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

void fsync_or_throw(const fs::path& p, const std::string& where) {
  durable::Fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd || ::fsync(fd.get()) != 0)
    throw std::runtime_error(
        fmt::format("cannot flush '{}' from {} to disk: {}", p.string(), where, std::strerror(errno)));
}

Stats extract(Format format, const fs::path& archive, const fs::path& dest, const Options& options) {
  const std::string where = (format == Format::tar ? "tarball " : "zip ") + archive.string();
  const Limits& limits = options.limits;
  std::unique_ptr<struct ::archive, ReadFree> in(archive_read_new());
  std::unique_ptr<struct ::archive, WriteFree> out(archive_write_disk_new());
  if (!in || !out) throw std::runtime_error("out of memory opening " + where);
  if (format == Format::tar) {
    archive_read_support_filter_all(in.get());
    archive_read_support_format_tar(in.get());
  } else {
    archive_read_support_format_zip(in.get());
  }
  if (archive_read_open_filename(in.get(), archive.c_str(), 1 << 16) != ARCHIVE_OK)
    throw std::runtime_error("cannot read " + where + ": " + error_of(in.get()));

  // No ARCHIVE_EXTRACT_OWNER and no ARCHIVE_EXTRACT_PERM: files belong to
  // us and modes go through the umask, as with a non-root `tar x`.
  archive_write_disk_set_options(
      out.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT);
  fs::create_directories(dest);
  // Canonical: libarchive refuses to write through a symlink anywhere in
  // the path, and a symlinked /tmp or state directory is not an attack.
  const auto root = fs::canonical(dest);

  Stats stats;
  std::vector<fs::path> links, written_paths;
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
    if (stats.entries >= limits.max_entries)
      throw std::runtime_error(
          fmt::format("{} holds more than {} entries; refusing to extract more", where, limits.max_entries));
    auto type = archive_entry_filetype(entry);
    if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
      throw std::runtime_error(where + " holds '" + name + "', which is not a file, directory or symlink");
    if (const char* link = archive_entry_hardlink(entry)) {
      if (!safe_relative(link))
        throw std::runtime_error(where + " holds a hard link '" + name + "' to an unsafe path '" + link + "'");
      archive_entry_set_hardlink(entry, (root / link).c_str());
    } else if (type == AE_IFLNK) {
      const char* target = archive_entry_symlink(entry);
      if (!link_stays_inside(name, target ? target : ""))
        throw std::runtime_error(where + " holds a symlink '" + name + "' pointing outside the destination ('" +
                                 (target ? target : "") + "'); refusing to extract it");
    }
    // The destination is prefixed here rather than by chdir(): the working
    // directory is shared by every thread of the process.
    archive_entry_set_pathname(entry, (root / name).c_str());
    archive_entry_set_perm(entry, (archive_entry_perm(entry) & 0777) | (type == AE_IFDIR ? 0700 : 0600));

    const auto final_path = root / name;
    const auto declared = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : 0;
    if (declared > 0 && static_cast<uint64_t>(declared) > limits.max_entry_bytes)
      throw std::runtime_error(
          fmt::format("'{}' in {} is {} bytes, more than the limit of {} bytes for one file; "
                      "refusing to extract it",
                      name, where, declared, limits.max_entry_bytes));
    if (archive_write_header(out.get(), entry) < ARCHIVE_WARN)
      throw std::runtime_error("cannot extract '" + name + "' from " + where + ": " + write_error_of(out.get()));
    // Zip entries may leave their size to the data that follows, so every
    // regular file is read to its end and counted as it is written.
    if (type == AE_IFREG && !archive_entry_hardlink(entry)) {
      uint64_t written = 0;
      const void* block = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      while ((rc = archive_read_data_block(in.get(), &block, &size, &offset)) == ARCHIVE_OK) {
        if (written + size > limits.max_entry_bytes)
          fail_entry(final_path, fmt::format("'{}' in {} is larger than the limit of {} bytes for one file; refusing "
                                             "to extract it",
                                             name, where, limits.max_entry_bytes));
        if (stats.bytes + size > limits.max_total_bytes)
          fail_entry(final_path, fmt::format("{} unpacks to more than the limit of {} bytes (at '{}'); refusing to "
                                             "extract it",
                                             where, limits.max_total_bytes, name));
        // libarchive reports a failed write(2) (ENOSPC, EIO, EDQUOT) as a mere
        // ARCHIVE_WARN and would carry on: the next block lands after a hole
        // and finishing the entry pads the file to its size with zeros, a
        // file that looks complete. Anything but OK is the end of this file.
        const la_ssize_t w = archive_write_data_block(out.get(), block, size, offset);
        if (w != ARCHIVE_OK)
          fail_entry(final_path, fmt::format("cannot write '{}' from {} ({} of {} bytes written): {}", name, where,
                                             written, declared, write_error_of(out.get())));
        written += size;
        stats.bytes += size;
      }
      if (rc != ARCHIVE_EOF)
        fail_entry(final_path, "cannot read '" + name + "' from " + where + ": " + error_of(in.get()));
      // A sparse entry has holes that carry no data; any other entry must
      // have delivered every byte its header promised.
      if (archive_entry_size_is_set(entry) && archive_entry_sparse_count(entry) == 0 &&
          written != static_cast<uint64_t>(declared))
        fail_entry(final_path, fmt::format("'{}' in {} is cut short: {} of {} bytes", name, where, written, declared));
    }
    // Finishing a regular file sets its size and time: a warning there is a
    // file make would misjudge, so it counts; other entries may warn.
    const int finished = archive_write_finish_entry(out.get());
    if (finished < ARCHIVE_WARN || (type == AE_IFREG && finished != ARCHIVE_OK))
      fail_entry(final_path, "cannot finish '" + name + "' from " + where + ": " + write_error_of(out.get()));
    if (type == AE_IFLNK) links.push_back(final_path);
    else if (options.durable) written_paths.push_back(final_path);
    ++stats.entries;
    if (options.progress) options.progress(stats);
  }
  // Closing applies deferred directory times and modes.
  if (archive_write_close(out.get()) < ARCHIVE_WARN)
    throw std::runtime_error("cannot finish extracting " + where + ": " + error_of(out.get()));
  // A link that is inside on paper may still lead out through another link
  // of the archive ("a -> .." beside "b -> a/.."): judge each where it lands.
  for (const auto& link : links)
    if (!confined(link, root)) {
      fs::remove(link);
      throw std::runtime_error(
          fmt::format("{} holds a symlink '{}' that leads outside the destination through "
                      "other links; refusing it",
                      where, link.lexically_relative(root).string()));
    }
  if (options.durable) {
    for (const auto& p : written_paths) fsync_or_throw(p, where);
    fsync_or_throw(root, where);
  }
  return stats;
}

}  // namespace

Stats tar(const fs::path& archive, const fs::path& dest, const Options& options) {
  return extract(Format::tar, archive, dest, options);
}

Stats zip(const fs::path& archive, const fs::path& dest, const Options& options) {
  return extract(Format::zip, archive, dest, options);
}

}  // namespace relman::unpack
