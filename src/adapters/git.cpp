#include "adapters/git.h"

#include <cstdlib>
#include <mutex>
#include <stdexcept>

namespace relman::git {

void ensure_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();
    std::atexit([] { git_libgit2_shutdown(); });
  });
}

int check(int rc, const std::string& what) {
  if (rc >= 0) return rc;
  const git_error* e = git_error_last();
  std::string msg = what;
  if (e && e->message) msg += std::string(": ") + e->message;
  throw std::runtime_error(msg);
}

std::vector<std::string> StrArray::strings() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < arr.count; ++i) out.emplace_back(arr.strings[i]);
  return out;
}

StrArrayView::StrArrayView(const std::vector<std::string>& strings) {
  // libgit2 takes char** but does not write through it.
  for (const auto& s : strings) pointers_.push_back(const_cast<char*>(s.c_str()));
  arr_.strings = pointers_.data();
  arr_.count = pointers_.size();
}

Repository open(const std::filesystem::path& path) {
  ensure_init();
  git_repository* raw = nullptr;
  check(git_repository_open_ext(&raw, path.c_str(), 0, nullptr), "cannot open git repository at " + path.string());
  return Repository(raw);
}

Commit resolve_commit(git_repository* repo, const std::string& rev) {
  git_object* obj = nullptr;
  if (git_revparse_single(&obj, repo, rev.c_str()) < 0) throw std::runtime_error("unknown revision '" + rev + "'");
  Object owned(obj);
  git_object* peeled = nullptr;
  check(git_object_peel(&peeled, owned.get(), GIT_OBJECT_COMMIT), "'" + rev + "' is not a commit");
  return Commit(reinterpret_cast<git_commit*>(peeled));
}

std::string commit_sha(const git_commit* commit) { return oid_str(*git_commit_id(commit)); }

std::optional<std::filesystem::path> discover(const std::filesystem::path& dir) {
  ensure_init();
  Buf buf;
  if (git_repository_discover(&buf.buf, dir.c_str(), 0, nullptr) != 0) return std::nullopt;
  return std::filesystem::path(buf.str());
}

std::string oid_str(const git_oid& oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &oid);
  return buf;
}

}  // namespace relman::git
