#include "adapters/archive_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <stdexcept>

namespace relman::archive {

void Reader::Free::operator()(struct ::archive* a) const { archive_read_free(a); }

namespace {

std::string error_of(struct ::archive* a) {
  const char* s = archive_error_string(a);
  return s ? s : "unknown libarchive error";
}

}  // namespace

Reader::Reader(const std::filesystem::path& path, ReadFormat format)
    : where_((format == ReadFormat::tar ? "tarball " : "zip ") + path.string()), a_(archive_read_new()) {
  if (!a_) throw std::runtime_error("out of memory opening " + where_);
  if (format == ReadFormat::tar) {
    archive_read_support_filter_all(a_.get());
    archive_read_support_format_tar(a_.get());
  } else {
    archive_read_support_format_zip(a_.get());
  }
  if (archive_read_open_filename(a_.get(), path.c_str(), 1 << 16) != ARCHIVE_OK)
    throw std::runtime_error("cannot read " + where_ + ": " + error_of(a_.get()));
}

Reader::~Reader() = default;

bool Reader::next(EntryInfo& out) {
  struct ::archive_entry* e = nullptr;
  int rc = archive_read_next_header(a_.get(), &e);
  if (rc == ARCHIVE_EOF) return false;
  if (rc < ARCHIVE_WARN) throw std::runtime_error("cannot read " + where_ + ": " + error_of(a_.get()));
  const char* name = archive_entry_pathname(e);
  out.name = name ? name : "";
  out.size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
  if (archive_entry_hardlink(e)) {
    out.type = EntryInfo::Type::hardlink;
  } else {
    switch (archive_entry_filetype(e)) {
      case AE_IFREG:
        out.type = EntryInfo::Type::file;
        break;
      case AE_IFDIR:
        out.type = EntryInfo::Type::directory;
        break;
      case AE_IFLNK:
        out.type = EntryInfo::Type::symlink;
        break;
      default:
        out.type = EntryInfo::Type::other;
    }
  }
  current_ = out;
  return true;
}

void Reader::read(const std::function<void(std::string_view)>& block, uint64_t max_bytes) {
  const void* data = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  uint64_t seen = 0;
  int rc;
  while ((rc = archive_read_data_block(a_.get(), &data, &size, &offset)) == ARCHIVE_OK) {
    seen += size;
    if (seen > max_bytes)
      throw std::runtime_error(
          fmt::format("'{}' in {} is larger than {} bytes; refusing to read it", current_.name, where_, max_bytes));
    block(std::string_view(static_cast<const char*>(data), size));
  }
  if (rc != ARCHIVE_EOF)
    throw std::runtime_error("cannot read '" + current_.name + "' from " + where_ + ": " + error_of(a_.get()));
  if (current_.size > 0 && seen != static_cast<uint64_t>(current_.size))
    throw std::runtime_error(
        fmt::format("'{}' in {} is cut short: {} of {} bytes", current_.name, where_, seen, current_.size));
}

std::string Reader::read_all(uint64_t max_bytes) {
  std::string out;
  read([&](std::string_view b) { out.append(b); }, max_bytes);
  return out;
}

}  // namespace relman::archive
