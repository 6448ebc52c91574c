// Thin RAII over libgit2. Every libgit2 handle the product touches is owned by
// one of these; errors become exceptions carrying libgit2's message.
#pragma once

#include <git2.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace relman::git {

// Calls git_libgit2_init once per process (and shuts it down at exit).
void ensure_init();

// Throws std::runtime_error("<what>: <libgit2's last error>") when rc < 0.
int check(int rc, const std::string& what);

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const {
    if (p) Free(p);
  }
};

using Repository = std::unique_ptr<git_repository, Deleter<git_repository, git_repository_free>>;
using Object = std::unique_ptr<git_object, Deleter<git_object, git_object_free>>;
using Commit = std::unique_ptr<git_commit, Deleter<git_commit, git_commit_free>>;
using Tree = std::unique_ptr<git_tree, Deleter<git_tree, git_tree_free>>;
using TreeEntry = std::unique_ptr<git_tree_entry, Deleter<git_tree_entry, git_tree_entry_free>>;
using Blob = std::unique_ptr<git_blob, Deleter<git_blob, git_blob_free>>;
using Tag = std::unique_ptr<git_tag, Deleter<git_tag, git_tag_free>>;
using Reference = std::unique_ptr<git_reference, Deleter<git_reference, git_reference_free>>;
using Index = std::unique_ptr<git_index, Deleter<git_index, git_index_free>>;
using Signature = std::unique_ptr<git_signature, Deleter<git_signature, git_signature_free>>;
using Remote = std::unique_ptr<git_remote, Deleter<git_remote, git_remote_free>>;
using Config = std::unique_ptr<git_config, Deleter<git_config, git_config_free>>;
using StatusList = std::unique_ptr<git_status_list, Deleter<git_status_list, git_status_list_free>>;
using Odb = std::unique_ptr<git_odb, Deleter<git_odb, git_odb_free>>;
using OdbObject = std::unique_ptr<git_odb_object, Deleter<git_odb_object, git_odb_object_free>>;
using Revwalk = std::unique_ptr<git_revwalk, Deleter<git_revwalk, git_revwalk_free>>;
using Diff = std::unique_ptr<git_diff, Deleter<git_diff, git_diff_free>>;
using AnnotatedCommit = std::unique_ptr<git_annotated_commit, Deleter<git_annotated_commit, git_annotated_commit_free>>;
using IndexConflictIterator = std::unique_ptr<git_index_conflict_iterator,
                                              Deleter<git_index_conflict_iterator, git_index_conflict_iterator_free>>;

// git_buf is a struct, not a pointer: dispose it on scope exit.
struct Buf {
  git_buf buf = GIT_BUF_INIT;
  Buf() = default;
  ~Buf() { git_buf_dispose(&buf); }
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  std::string str() const { return buf.ptr ? std::string(buf.ptr, buf.size) : std::string(); }
};

// A git_strarray libgit2 filled in (git_remote_list, git_reference_list):
// disposed on scope exit, whatever throws in between.
struct StrArray {
  git_strarray arr{};
  StrArray() = default;
  ~StrArray() { git_strarray_dispose(&arr); }
  StrArray(const StrArray&) = delete;
  StrArray& operator=(const StrArray&) = delete;
  std::vector<std::string> strings() const;
};

// Our strings lent to libgit2 as a git_strarray (refspecs, paths); the
// strings stay owned by the caller and must outlive this view.
class StrArrayView {
 public:
  explicit StrArrayView(const std::vector<std::string>& strings);
  StrArrayView(const StrArrayView&) = delete;
  StrArrayView& operator=(const StrArrayView&) = delete;
  git_strarray* get() { return &arr_; }

 private:
  std::vector<char*> pointers_;
  git_strarray arr_{};
};

// Opens the repository at (or above) `path`.
Repository open(const std::filesystem::path& path);

// Peels a revision ("v3.12.0", "main", a sha) to a commit; throws
// "unknown revision '<rev>'" when it does not resolve.
Commit resolve_commit(git_repository* repo, const std::string& rev);

std::string oid_str(const git_oid& oid);

// The full sha of a commit.
std::string commit_sha(const git_commit* commit);

// The git directory of the repository holding `dir` (its .git, or the
// repository itself when bare); nullopt when `dir` is in none.
std::optional<std::filesystem::path> discover(const std::filesystem::path& dir);

}  // namespace relman::git
