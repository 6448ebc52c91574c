#include "steps/news/tree.h"

#include <fmt/format.h>

#include <algorithm>

#include "adapters/durable.h"
#include "steps/news/text.h"

namespace relman::news {

std::vector<DirEntry> DiskTree::list(const std::string& dir) const {
  std::vector<DirEntry> out;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir.empty() ? root_ : root_ / dir, ec);
  if (ec) return out;
  for (const auto& e : it) out.push_back({e.path().filename().string(), e.is_directory(ec)});
  std::sort(out.begin(), out.end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return out;
}

bool DiskTree::exists(const std::string& path) const {
  std::error_code ec;
  return std::filesystem::exists(root_ / path, ec);
}

std::string DiskTree::read(const std::string& path) const {
  try {
    return durable::read_file(root_ / path);
  } catch (const std::exception& e) {
    throw NewsError(fmt::format("cannot read {}: {}", (root_ / path).string(), e.what()));
  }
}

CommitTree::CommitTree(git_repository* repo, git_commit* commit) : repo_(repo) {
  git_tree* raw = nullptr;
  git::check(git_commit_tree(&raw, commit), "cannot read the commit's tree");
  tree_.reset(raw);
}

namespace {

// The entry at `path` in `root`, or null.
git::TreeEntry entry_at(git_tree* root, const std::string& path) {
  git_tree_entry* raw = nullptr;
  if (path.empty() || git_tree_entry_bypath(&raw, root, path.c_str()) < 0) return git::TreeEntry();
  return git::TreeEntry(raw);
}

}  // namespace

std::vector<DirEntry> CommitTree::list(const std::string& dir) const {
  std::vector<DirEntry> out;
  git::Tree sub;
  git_tree* t = tree_.get();
  if (!dir.empty()) {
    auto e = entry_at(tree_.get(), dir);
    if (!e || git_tree_entry_type(e.get()) != GIT_OBJECT_TREE) return out;
    git_tree* raw = nullptr;
    git::check(git_tree_lookup(&raw, repo_, git_tree_entry_id(e.get())), "cannot read tree " + dir);
    sub.reset(raw);
    t = raw;
  }
  for (size_t i = 0; i < git_tree_entrycount(t); ++i) {
    const git_tree_entry* e = git_tree_entry_byindex(t, i);
    out.push_back({git_tree_entry_name(e), git_tree_entry_type(e) == GIT_OBJECT_TREE});
  }
  std::sort(out.begin(), out.end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return out;
}

bool CommitTree::exists(const std::string& path) const { return static_cast<bool>(entry_at(tree_.get(), path)); }

std::string CommitTree::read(const std::string& path) const {
  auto e = entry_at(tree_.get(), path);
  if (!e || git_tree_entry_type(e.get()) != GIT_OBJECT_BLOB)
    throw NewsError(fmt::format("{} is not a file in the commit", path));
  git_blob* raw = nullptr;
  if (git_blob_lookup(&raw, repo_, git_tree_entry_id(e.get())) < 0)
    throw NewsError(fmt::format("cannot read {} from the commit: {}", path,
                                git_error_last() ? git_error_last()->message : "unknown error"));
  git::Blob blob(raw);
  return std::string(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                     static_cast<size_t>(git_blob_rawsize(blob.get())));
}

}  // namespace relman::news
