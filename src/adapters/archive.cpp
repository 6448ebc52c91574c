#include "adapters/archive.h"

#include <stdexcept>

namespace relman::archive {

namespace {

la_ssize_t write_to_sink(struct ::archive*, void* client, const void* buf, size_t size) {
  auto* state = static_cast<detail::SinkState*>(client);
  try {
    state->sink(buf, size);
    return static_cast<la_ssize_t>(size);
  } catch (...) {
    state->error = std::current_exception();
    return -1;
  }
}

std::string last_error(struct ::archive* a) {
  const char* e = archive_error_string(a);
  return e ? e : "unknown libarchive error";
}

Entry new_entry(const std::string& path, unsigned type, unsigned perm, int64_t mtime) {
  Entry e(archive_entry_new());
  if (!e) throw std::bad_alloc();
  archive_entry_copy_pathname(e.get(), path.c_str());
  archive_entry_set_filetype(e.get(), type);
  archive_entry_set_perm(e.get(), perm);
  archive_entry_set_mtime(e.get(), static_cast<time_t>(mtime), 0);
  archive_entry_set_uid(e.get(), 0);
  archive_entry_set_gid(e.get(), 0);
  return e;
}

}  // namespace

TarWriter::TarWriter(Sink sink) : w_(archive_write_new()) {
  state_.sink = std::move(sink);
  if (!w_) throw std::bad_alloc();
  if (archive_write_set_format_pax_restricted(w_.get()) != ARCHIVE_OK) fail("cannot select the pax tar format");
  // No "hdrcharset=BINARY" option: it puts a pax header on every entry and
  // GNU tar warns about each one on extraction. relman never calls
  // setlocale, so libarchive always converts in the "C" locale: ASCII names
  // get plain ustar headers, and only a name it cannot convert gets a pax
  // header (marked BINARY) of its own. Either way the bytes do not depend
  // on the user's locale.
  if (archive_write_set_bytes_per_block(w_.get(), 10240) != ARCHIVE_OK) fail("cannot set the tar block size");
  if (archive_write_open2(w_.get(), &state_, nullptr, write_to_sink, nullptr, nullptr) != ARCHIVE_OK)
    fail("cannot start the tar stream");
}

TarWriter::~TarWriter() = default;

void TarWriter::fail(const std::string& what) {
  if (state_.error) std::rethrow_exception(state_.error);
  throw std::runtime_error("tar: " + what + ": " + last_error(w_.get()));
}

void TarWriter::header(struct ::archive_entry* e, const std::string& what) {
  int rc = archive_write_header(w_.get(), e);
  // ARCHIVE_WARN: a name the "C" locale cannot translate was written as raw
  // bytes under its own pax header (hdrcharset=BINARY): what git has.
  if (rc == ARCHIVE_WARN) return;
  if (rc != ARCHIVE_OK) fail("cannot write the header of " + what);
}

void TarWriter::directory(const std::string& path, int64_t mtime) {
  Entry e = new_entry(path, AE_IFDIR, 0755, mtime);
  header(e.get(), path);
}

void TarWriter::file(const std::string& path, const void* data, size_t size, bool executable, int64_t mtime) {
  Entry e = new_entry(path, AE_IFREG, executable ? 0755 : 0644, mtime);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
  header(e.get(), path);
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    la_ssize_t n = archive_write_data(w_.get(), p, size);
    if (n <= 0) fail("cannot write the data of " + path);
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void TarWriter::symlink(const std::string& path, const std::string& target, int64_t mtime) {
  // 0755, not lstat's 0777: what GNU tar's --mode=go+u,go-w (release.py)
  // records for a symlink. Extraction ignores a symlink's mode either way.
  Entry e = new_entry(path, AE_IFLNK, 0755, mtime);
  archive_entry_copy_symlink(e.get(), target.c_str());
  header(e.get(), path);
}

void TarWriter::finish() {
  if (finished_) return;
  finished_ = true;
  if (archive_write_close(w_.get()) != ARCHIVE_OK) fail("cannot finish the tar stream");
}

GzipEncoder::GzipEncoder(int level, Sink sink) : w_(archive_write_new()) {
  state_.sink = std::move(sink);
  if (!w_) throw std::bad_alloc();
  if (level < 1 || level > 9) throw std::invalid_argument("gzip level must be 1 to 9, got " + std::to_string(level));
  // The "raw" format passes one stream through untouched: libarchive is used
  // here only for its gzip filter.
  if (archive_write_set_format_raw(w_.get()) != ARCHIVE_OK) fail("cannot select the raw format");
  if (archive_write_add_filter_gzip(w_.get()) != ARCHIVE_OK) fail("cannot add the gzip filter");
  if (archive_write_set_filter_option(w_.get(), "gzip", "compression-level", std::to_string(level).c_str()) !=
      ARCHIVE_OK)
    fail("cannot set the gzip level");
  // "!timestamp": mtime 0 in the gzip header; no name is ever stored.
  if (archive_write_set_filter_option(w_.get(), "gzip", "timestamp", nullptr) != ARCHIVE_OK)
    fail("cannot drop the gzip timestamp");
  // No blocking and no padding after the last compressed byte.
  if (archive_write_set_bytes_per_block(w_.get(), 0) != ARCHIVE_OK) fail("cannot unblock the gzip output");
  if (archive_write_open2(w_.get(), &state_, nullptr, write_to_sink, nullptr, nullptr) != ARCHIVE_OK)
    fail("cannot start the gzip stream");
  Entry e(archive_entry_new());
  if (!e) throw std::bad_alloc();
  archive_entry_copy_pathname(e.get(), "stream");
  archive_entry_set_filetype(e.get(), AE_IFREG);
  if (archive_write_header(w_.get(), e.get()) != ARCHIVE_OK) fail("cannot start the gzip member");
}

GzipEncoder::~GzipEncoder() = default;

void GzipEncoder::fail(const std::string& what) {
  if (state_.error) std::rethrow_exception(state_.error);
  throw std::runtime_error("gzip: " + what + ": " + last_error(w_.get()));
}

void GzipEncoder::write(const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    la_ssize_t n = archive_write_data(w_.get(), p, size);
    if (n <= 0) fail("cannot compress");
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void GzipEncoder::finish() {
  if (finished_) return;
  finished_ = true;
  if (archive_write_close(w_.get()) != ARCHIVE_OK) fail("cannot finish the gzip stream");
}

}  // namespace relman::archive
