#include "adapters/tree_export.h"

#include <fnmatch.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <fstream>
#include <iterator>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "adapters/archive.h"
#include "adapters/artifact_file.h"
#include "adapters/chunk_queue.h"
#include "adapters/cpu_priority.h"
#include "adapters/git.h"
#include "adapters/xz.h"

namespace relman {

namespace {

enum class Kind { dir, file, exec, link };

struct Item {
  std::string path;  // inside the tarball, directories end with '/'
  git_oid oid{};
  Kind kind = Kind::file;
  const AddedFile* added = nullptr;  // set: the bytes come from this file, not the tree
};

// GNU tar's --sort=name, as release.py's tarball() asks for: in each
// directory the names sorted bytewise (strcmp), each directory's entry
// followed by its contents. Git's own tree order differs where a directory's
// name is a prefix of a sibling's ("a" sorts as "a/" there, after "a-b" and
// "a.b").
void collect(git_repository* repo, const git_tree* tree, const std::string& rel, const std::string& prefix,
             const std::vector<std::string>& exclude, const std::vector<AddedFile>& add, std::vector<bool>& placed,
             std::vector<Item>& out, size_t& excluded) {
  struct Named {
    std::string name;
    const git_tree_entry* entry = nullptr;
    size_t added = SIZE_MAX;
  };
  std::vector<Named> names;
  size_t n = git_tree_entrycount(tree);
  for (size_t i = 0; i < n; ++i) {
    const git_tree_entry* e = git_tree_entry_byindex(tree, i);
    std::string path = rel + git_tree_entry_name(e);
    if (path_excluded(path, exclude)) {
      ++excluded;
      continue;
    }
    names.push_back({git_tree_entry_name(e), e, SIZE_MAX});
  }
  for (size_t a = 0; a < add.size(); ++a) {
    const std::string& p = add[a].path;
    if (p.size() <= rel.size() || p.compare(0, rel.size(), rel) != 0 || p.find('/', rel.size()) != std::string::npos)
      continue;
    std::string name = p.substr(rel.size());
    placed[a] = true;
    auto same = std::find_if(names.begin(), names.end(), [&](const Named& x) { return x.name == name; });
    if (same != names.end()) {
      same->entry = nullptr;
      same->added = a;
    } else {
      names.push_back({name, nullptr, a});
    }
  }
  std::sort(names.begin(), names.end(), [](const Named& x, const Named& y) { return x.name < y.name; });
  for (const auto& nm : names) {
    const std::string path = rel + nm.name;
    Item item;
    if (!nm.entry) {
      item.kind = Kind::file;
      item.path = prefix + path;
      item.added = &add[nm.added];
      out.push_back(item);
      continue;
    }
    const git_tree_entry* e = nm.entry;
    item.oid = *git_tree_entry_id(e);
    switch (git_tree_entry_filemode(e)) {
      case GIT_FILEMODE_TREE: {
        item.kind = Kind::dir;
        item.path = prefix + path + "/";
        out.push_back(item);
        git_tree* sub_raw = nullptr;
        git::check(git_tree_lookup(&sub_raw, repo, &item.oid), "cannot read tree " + path);
        git::Tree sub(sub_raw);
        collect(repo, sub.get(), path + "/", prefix, exclude, add, placed, out, excluded);
        continue;
      }
      case GIT_FILEMODE_COMMIT:  // a submodule: an empty directory, as git archive does
        item.kind = Kind::dir;
        item.path = prefix + path + "/";
        break;
      case GIT_FILEMODE_BLOB_EXECUTABLE:
        item.kind = Kind::exec;
        item.path = prefix + path;
        break;
      case GIT_FILEMODE_LINK:
        item.kind = Kind::link;
        item.path = prefix + path;
        break;
      default:
        item.kind = Kind::file;
        item.path = prefix + path;
        break;
    }
    out.push_back(item);
  }
}

std::string read_added(const AddedFile& a) {
  std::ifstream in(a.from, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + a.from.string() + " (to add as " + a.path + ")");
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error("cannot read " + a.from.string() + " (to add as " + a.path + ")");
  return data;
}

// One compressor thread: pops chunks, compresses them into its file.
class Compressor {
 public:
  Compressor(const TreeExportOptions& opts, TarballFormat format, size_t queue_chunks)
      : format_(format),
        idle_(opts.idle_priority),
        queue_(queue_chunks),
        file_(opts.out_dir / (opts.prefix + tarball_suffix(format))) {
    auto sink = [this](const void* d, size_t n) { file_.write(d, n); };
    if (format == TarballFormat::tgz) {
      gzip_ = std::make_unique<archive::GzipEncoder>(opts.gzip_level, sink);
    } else {
      xz_ = std::make_unique<xz::Encoder>(opts.xz_level, opts.xz_threads,
                                          opts.xz_block_size ? opts.xz_block_size : xz::default_block_size, sink);
    }
  }

  ChunkQueue& queue() { return queue_; }

  // The thread body: never throws, parks the error for the exporter.
  void run(const std::function<void()>& on_error) {
    // Before the first chunk: liblzma starts its threads on the first write.
    if (idle_) cpu_priority::idle_this_thread();  // refused: the export is only less polite
    try {
      while (Chunk c = queue_.pop()) {
        if (gzip_) gzip_->write(c->data(), c->size());
        else xz_->write(c->data(), c->size());
      }
      if (!failed_by_others_) {
        if (gzip_) gzip_->finish();
        else xz_->finish();
      }
    } catch (...) {
      error_ = std::current_exception();
      on_error();
    }
  }

  void mark_aborted() { failed_by_others_ = true; }
  std::exception_ptr error() const { return error_; }

  // After a clean end of stream: rename into place.
  ExportedTarball commit() {
    ExportedTarball t;
    t.format = format_;
    t.path = file_.target();
    t.sha256 = file_.commit();
    t.size = file_.size();
    return t;
  }

 private:
  TarballFormat format_;
  bool idle_;
  ChunkQueue queue_;
  ArtifactFile file_;
  std::unique_ptr<archive::GzipEncoder> gzip_;
  std::unique_ptr<xz::Encoder> xz_;
  std::exception_ptr error_;
  std::atomic<bool> failed_by_others_{false};
};

constexpr size_t chunk_size = 1 << 20;
constexpr size_t queue_chunks = 4;  // per compressor; chunks are shared, so at most ~5 MiB live

}  // namespace

TarballFormat parse_tarball_format(const std::string& s) {
  if (s == "tgz" || s == "tar.gz") return TarballFormat::tgz;
  if (s == "txz" || s == "tar.xz") return TarballFormat::txz;
  throw std::invalid_argument("unknown tarball format '" + s + "' (use tgz or txz)");
}

std::string tarball_suffix(TarballFormat f) { return f == TarballFormat::tgz ? ".tgz" : ".tar.xz"; }

bool path_excluded(const std::string& path, const std::vector<std::string>& patterns) {
  for (const auto& p : patterns)
    if (::fnmatch(p.c_str(), path.c_str(), 0) == 0) return true;
  return false;
}

TreeExportResult export_tree(git_repository* repo, git_commit* commit, const TreeExportOptions& opts) {
  TreeExportResult result;
  const int64_t mtime = git_commit_time(commit);
  const std::string prefix = opts.prefix + "/";

  git_tree* root_raw = nullptr;
  git::check(git_commit_tree(&root_raw, commit),
             "cannot read the tree of commit " + git::oid_str(*git_commit_id(commit)));
  git::Tree root(root_raw);
  std::vector<Item> items;
  items.push_back(Item{prefix, *git_tree_id(root.get()), Kind::dir, nullptr});
  std::vector<bool> placed(opts.add.size(), false);
  collect(repo, root.get(), "", prefix, opts.exclude, opts.add, placed, items, result.excluded);
  for (size_t a = 0; a < opts.add.size(); ++a)
    if (!placed[a])
      throw std::invalid_argument("cannot add " + opts.add[a].path + ": its directory is not in the exported tree");

  std::vector<std::unique_ptr<Compressor>> compressors;
  for (auto f : opts.formats) compressors.push_back(std::make_unique<Compressor>(opts, f, queue_chunks));

  auto abort_all = [&] {
    for (auto& c : compressors) {
      c->mark_aborted();
      c->queue().abort();
    }
  };
  std::vector<std::thread> threads;
  struct Joiner {
    std::vector<std::thread>& t;
    ~Joiner() {
      for (auto& th : t)
        if (th.joinable()) th.join();
    }
  } joiner{threads};
  std::mutex error_mutex;
  auto on_error = [&] {
    std::lock_guard lock(error_mutex);
    abort_all();
  };
  for (auto& c : compressors) threads.emplace_back([&c, &on_error] { c->run(on_error); });

  // The tar stream, cut into 1 MiB chunks shared by every compressor.
  auto buffer = std::make_shared<std::string>();
  buffer->reserve(chunk_size);
  bool stopped = false;
  auto flush = [&] {
    if (buffer->empty()) return;
    Chunk c = std::move(buffer);
    for (auto& comp : compressors)
      if (!comp->queue().push(c)) stopped = true;
    if (stopped) throw std::runtime_error("stopped");  // a compressor failed; its error is reported below
    buffer = std::make_shared<std::string>();
    buffer->reserve(chunk_size);
  };
  auto rethrow_compressor_error = [&] {
    for (auto& c : compressors)
      if (c->error()) std::rethrow_exception(c->error());
  };

  try {
    archive::TarWriter tar([&](const void* d, size_t n) {
      result.tar_bytes += n;
      const char* p = static_cast<const char*>(d);
      while (n > 0) {
        size_t take = std::min(n, chunk_size - buffer->size());
        buffer->append(p, take);
        p += take;
        n -= take;
        if (buffer->size() == chunk_size) flush();
      }
    });
    uint64_t bytes_read = 0;
    size_t files_done = 0;
    for (const auto& item : items) {
      if (item.kind == Kind::dir) {
        tar.directory(item.path, mtime);
      } else if (item.added) {
        const std::string data = read_added(*item.added);
        tar.file(item.path, data.data(), data.size(), false, mtime);
        bytes_read += data.size();
      } else {
        git_blob* raw = nullptr;
        git::check(git_blob_lookup(&raw, repo, &item.oid),
                   "cannot read blob " + git::oid_str(item.oid) + " (" + item.path + ")");
        git::Blob blob(raw);
        const void* data = git_blob_rawcontent(blob.get());
        auto size = static_cast<size_t>(git_blob_rawsize(blob.get()));
        if (item.kind == Kind::link) tar.symlink(item.path, std::string(static_cast<const char*>(data), size), mtime);
        else tar.file(item.path, data, size, item.kind == Kind::exec, mtime);
        bytes_read += size;
      }
      ++result.entries;
      ++files_done;
      if (opts.progress && (files_done % 256 == 0 || files_done == items.size()))
        opts.progress(files_done, items.size(), bytes_read);
    }
    tar.finish();
    flush();
    for (auto& c : compressors) c->queue().close();
  } catch (...) {
    abort_all();
    for (auto& th : threads) th.join();
    rethrow_compressor_error();
    throw;
  }
  for (auto& th : threads) th.join();
  rethrow_compressor_error();
  for (auto& c : compressors) result.tarballs.push_back(c->commit());
  return result;
}

}  // namespace relman
